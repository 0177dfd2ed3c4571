package istiocharts_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/verify/analyze"
	"github.com/bluegreen-mesh/bluegreen/stacks"
)

// TestAmbientEnvironmentPassesTheCheck runs `check`'s analysis on the
// ambient fixture: Istio's cni and ztunnel charts and the waypoint render
// offline beside the rest, and the real istioctl analyze finds nothing
// failing in them.
func TestAmbientEnvironmentPassesTheCheck(t *testing.T) {
	bin, err := analyze.Istioctl()
	if err != nil {
		t.Fatalf("this test runs the real istioctl: %v", err)
	}
	res := synthesize(t, ambientFixture)
	env := res.Environments[0]
	dirs := []string{
		filepath.Join(res.Outdir, "stacks", env.Name+stacks.MeshSuffix),
		filepath.Join(res.Outdir, "stacks", env.Name+stacks.AppSuffix),
	}
	got, err := analyze.Check(context.Background(), dirs, analyze.Options{Istioctl: bin, KubeVersion: env.Istio.KubernetesVersion})
	if err != nil {
		t.Fatal(err)
	}
	if err := got.Err(); err != nil {
		t.Errorf("got failing findings for the ambient fixture; want none:\n%v", err)
	}
	var rendered []string
	for _, r := range got.Rendered {
		rendered = append(rendered, r.Name)
	}
	for _, want := range []string{"istio-base", "istiod-1-31", "istio-cni", "ztunnel", "istio-ingressgateway", "shop-waypoint", "echo-virtualservice"} {
		if !slices.Contains(rendered, want) {
			t.Errorf("rendered releases: got %v; want %s among them", rendered, want)
		}
	}
	for _, want := range []string{
		"ambient-mesh/istio-cni/cni/templates/daemonset.yaml",
		"ambient-mesh/ztunnel/ztunnel/templates/daemonset.yaml",
		"ambient-mesh/shop-waypoint/istio-waypoint/templates/gateway.yaml",
	} {
		if !slices.Contains(got.Files, filepath.FromSlash(want)) {
			t.Errorf("analyzed files: got %v; want %s among them", got.Files, want)
		}
	}
}
