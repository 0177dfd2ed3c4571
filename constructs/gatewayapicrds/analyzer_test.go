package gatewayapicrds_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/pipeline"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/analyze"
)

// ist0176 is the code of Istio's analyzer message
// GatewayAPICRDVersionBelowMinimum: a Gateway API CRD whose bundle version
// is below the one istiod needs for its kind, so istiod ignores it.
const ist0176 = "IST0176"

// TestAnalyzerAndTheCRDsBundleVersion runs Istio's analyzer (the pinned
// istioctl, 1.31, as `check` does) on what environment qa131 deploys,
// with the CRDs of its mesh stack among the objects. As deployed, nothing
// is reported. With the TLSRoute CRD given an older bundle version (as on
// a cluster where someone else installed older CRDs), IST0176 names it:
// the analyzer path sees the bundle-version annotation. With the whole
// bundle Istio 1.30 requires (v1.5.1) in place of v1.6.0, nothing is
// reported: IST0176 checks a minimum per kind (GRPCRoute v1.1,
// BackendTLSPolicy v1.4, TLSRoute v1.5, TCPRoute v1.6) that v1.5.1 meets
// or leaves out, so the analyzer does not catch that mismatch, and the
// pairing is checked at synth (Required).
func TestAnalyzerAndTheCRDsBundleVersion(t *testing.T) {
	istioctl, err := analyze.Istioctl()
	if err != nil {
		t.Fatalf("this test runs the real istioctl: %v", err)
	}
	objects := func(env string) analyze.Objects {
		e, err := pipeline.Load(pairingFixture, env)
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.Render(true)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := r.Objects()
		if err != nil {
			t.Fatal(err)
		}
		return objs
	}
	reported := func(objs analyze.Objects) []string {
		res, err := analyze.CheckObjects(context.Background(), objs, analyze.Options{Istioctl: istioctl, KubeVersion: "1.33"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Files) == 0 {
			t.Fatal("the analyzer was given no file")
		}
		var out []string
		for _, f := range res.Findings {
			if f.Code == ist0176 {
				out = append(out, f.Resource)
			}
		}
		return out
	}
	isCRDs := func(m analyze.Manifest) bool { return m.Release == "gateway-api-crds" }

	deployed := objects("qa131")
	if n := countFunc(deployed.Manifests, isCRDs); n != 12 {
		// Ten CRDs, the ValidatingAdmissionPolicy and its binding.
		t.Fatalf("qa131's gateway-api-crds release: got %d manifests, want the 12 of v1.6.0", n)
	}
	if got := reported(deployed); len(got) != 0 {
		t.Errorf("as deployed: %s on %v; want none", ist0176, got)
	}

	outdated := objects("qa131")
	changed := 0
	for i, m := range outdated.Manifests {
		if isCRDs(m) && strings.Contains(m.YAML, "name: tlsroutes.gateway.networking.k8s.io") {
			outdated.Manifests[i].YAML = strings.Replace(m.YAML, "bundle-version: v1.6.0", "bundle-version: v1.4.1", 1)
			if outdated.Manifests[i].YAML != m.YAML {
				changed++
			}
		}
	}
	if changed != 1 {
		t.Fatalf("changed the bundle version of %d TLSRoute CRDs; want 1", changed)
	}
	if got, want := reported(outdated), []string{"CustomResourceDefinition tlsroutes.gateway.networking.k8s.io"}; !slices.Equal(got, want) {
		t.Errorf("with the TLSRoute CRD at v1.4.1: %s on %v; want %v", ist0176, got, want)
	}

	mismatched := objects("qa131")
	older := objects("qa130")
	mismatched.Manifests = slices.DeleteFunc(mismatched.Manifests, isCRDs)
	for _, m := range older.Manifests {
		if isCRDs(m) {
			mismatched.Manifests = append(mismatched.Manifests, m)
		}
	}
	if n := countFunc(mismatched.Manifests, isCRDs); n != 10 {
		t.Fatalf("got %d manifests of v1.5.1 in place of v1.6.0's; want 10", n)
	}
	if got := reported(mismatched); len(got) != 0 {
		t.Errorf("Istio 1.31 with the v1.5.1 CRDs: %s on %v; want none (IST0176 does not catch this mismatch)", ist0176, got)
	}
}

// countFunc counts the elements of s for which f holds.
func countFunc[T any](s []T, f func(T) bool) int {
	n := 0
	for _, v := range s {
		if f(v) {
			n++
		}
	}
	return n
}
