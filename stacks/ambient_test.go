package stacks_test

import (
	"os"
	"reflect"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
)

// ambientFixture is an environment with the ambient data plane (tests never
// read the live cdktf.json).
const ambientFixture = "../testdata/ambient.cdktf.json"

// TestAmbientMeshStack synthesizes the ambient fixture and checks its mesh
// stack: Istio's releases in the order of Istio's ambient Helm install
// (base, istiod, cni, ztunnel, gateway), each after the one before; the
// app namespace enrolled in the ambient mesh and sent through its
// waypoint, after the whole control plane; the waypoint after the
// namespace.
func TestAmbientMeshStack(t *testing.T) {
	b, err := os.ReadFile(ambientFixture)
	if err != nil {
		t.Fatal(err)
	}
	envs, err := config.Parse(ambientFixture, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(envs) != 1 || envs[0].Name != "ambient" {
		t.Fatalf("got %d environments in %s; want the one named ambient", len(envs), ambientFixture)
	}
	docs := synthEnv(t, envs[0])
	assertStacks(t, docs, "ambient-app", "ambient-mesh")
	d := docs["ambient-mesh"]
	ref := func(typ, path string) string { return typ + "." + d.LogicalID(t, "resource", typ, path) }

	for _, r := range []struct {
		path, name, chart string
		dependsOn         []string
	}{
		{"istio/base", "istio-base", "base", []string{ref("kubernetes_namespace_v1", "istio/namespace")}},
		{"istio/istiod", "istiod-1-31", "istiod", []string{ref("helm_release", "istio/base")}},
		{"istio/cni", "istio-cni", "cni", []string{ref("helm_release", "istio/istiod")}},
		{"istio/ztunnel", "ztunnel", "ztunnel", []string{ref("helm_release", "istio/cni")}},
		{"istio/gateway", "istio-ingressgateway", "gateway", []string{ref("helm_release", "istio/istiod"), ref("helm_release", "istio/ztunnel"), ref("kubernetes_namespace_v1", "istio/gateway-namespace")}},
	} {
		testutil.AssertSubset(t, d.Resource(t, "helm_release", r.path), map[string]any{
			"name": r.name, "chart": r.chart, "version": "1.31.1", "depends_on": r.dependsOn,
		})
	}
	controlPlane := []string{ref("helm_release", "istio/base"), ref("helm_release", "istio/istiod"), ref("helm_release", "istio/cni"),
		ref("helm_release", "istio/ztunnel"), ref("helm_release", "istio/gateway")}
	// The waypoint is a Gateway API Gateway: the CRDs come after the
	// control plane (istiod starts its Gateway API controller when they
	// appear) and before the namespace.
	testutil.AssertSubset(t, d.Resource(t, "helm_release", "gateway-api-crds/gateway-api-crds"), map[string]any{
		"name": "gateway-api-crds", "namespace": "istio-system", "depends_on": controlPlane,
	})
	ns := d.Resource(t, "kubernetes_namespace_v1", "namespace/namespace")
	testutil.AssertSubset(t, ns, map[string]any{
		"metadata":   map[string]any{"name": "shop", "labels": map[string]any{"istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "shop-waypoint"}},
		"depends_on": append(controlPlane, ref("helm_release", "gateway-api-crds/gateway-api-crds")),
	})
	labels := ns["metadata"].(map[string]any)["labels"].(map[string]any)
	for _, sidecar := range []string{"istio-injection", "istio.io/rev"} {
		if v, ok := labels[sidecar]; ok {
			t.Errorf("ambient namespace has the sidecar label %s=%v", sidecar, v)
		}
	}
	waypoint := d.Resource(t, "helm_release", "namespace/waypoint")
	testutil.AssertSubset(t, waypoint, map[string]any{
		"name": "shop-waypoint", "namespace": "shop",
		"depends_on": []string{ref("kubernetes_namespace_v1", "namespace/namespace")},
	})
	if got, want := testutil.Values(t, waypoint), map[string]any{"name": "shop-waypoint", "revision": "1-31"}; !reflect.DeepEqual(got, want) {
		t.Errorf("waypoint values: got %v, want %v", got, want)
	}
	if n := d.Count("helm_release"); n != 11 {
		t.Errorf("helm releases: got %d, want 11 (5 of Istio, 3 of Kiali, the Gateway API CRDs, the PeerAuthentication and the waypoint)", n)
	}
}
