package meshinstall_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/bluegreen-mesh/bluegreen/internal/testutil/cptest"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/controlplane"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/meshinstall"
)

// ambientFixture holds an environment with the ambient data plane.
const ambientFixture = "../../../testdata/ambient.cdktf.json"

var k8sGatewayGVR = schema.GroupVersionResource{Group: "gateway.networking.k8s.io", Version: "v1", Resource: "gateways"}

// TestAmbientEnvironmentInstalls installs the ambient fixture's mesh and
// app stacks into a local control plane with Helm's own actions: Istio's
// real cni and ztunnel charts after istiod, the app namespace enrolled in
// the ambient mesh, and the waypoint Gateway, which the API server checks
// against the Gateway API CRD's schema. No pod runs here, so nothing shows
// traffic through ztunnel or the waypoint.
func TestAmbientEnvironmentInstalls(t *testing.T) {
	cptest.Binaries(t)
	b, err := os.ReadFile(ambientFixture)
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(t.TempDir(), "cdktf.json")
	if err := os.WriteFile(cfgPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	e := synthesize(t, cfgPath, "ambient")["ambient"]
	cp := cptest.Start(t, controlplane.Options{})
	ctx := context.Background()

	plan, in := installer(t, cp, e)
	steps, err := in.Apply(ctx, plan)
	var order []string
	for _, s := range steps {
		t.Log(s)
		if s.Resource.Release != nil && s.Action == meshinstall.Installed {
			order = append(order, s.Resource.Release.Name)
		}
	}
	if err != nil {
		t.Fatalf("install: %v", err)
	}
	checkSteps(t, plan, steps, []string{"grafana", "kiali", "prometheus"})
	// The Gateway API CRDs (the mesh stack's own release) come after the
	// control plane and before the waypoint, which needs them.
	wantOrder := []string{"istio-base", "istiod-1-31", "istio-cni", "ztunnel", "istio-ingressgateway", "gateway-api-crds", "shop-waypoint"}
	got := slices.DeleteFunc(slices.Clone(order), func(name string) bool { return !slices.Contains(wantOrder, name) })
	if !slices.Equal(got, wantOrder) {
		t.Errorf("install order of Istio's releases, the CRDs and the waypoint: got %v (all: %v); want %v", got, order, wantOrder)
	}

	kc, err := kubernetes.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"istio-cni-node", "ztunnel"} {
		ds, err := kc.AppsV1().DaemonSets("istio-system").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Errorf("DaemonSet istio-system/%s: %v", name, err)
			continue
		}
		if img := ds.Spec.Template.Spec.Containers[0].Image; !strings.HasPrefix(img, "registry.internal.example.com/istio/") || !strings.HasSuffix(img, ":1.31.1-distroless") {
			t.Errorf("DaemonSet %s image: got %s; want registry.internal.example.com/istio/...:1.31.1-distroless", name, img)
		}
	}
	ns, err := kc.CoreV1().Namespaces().Get(ctx, "shop", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ns.Labels["istio.io/dataplane-mode"] + " " + ns.Labels["istio.io/use-waypoint"]; got != "ambient shop-waypoint" {
		t.Errorf("namespace shop labels: got %v; want istio.io/dataplane-mode=ambient and istio.io/use-waypoint=shop-waypoint", ns.Labels)
	}
	dyn, err := dynamic.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := dyn.Resource(k8sGatewayGVR).Namespace("shop").Get(ctx, "shop-waypoint", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("waypoint: %v", err)
	}
	class, _, _ := unstructured.NestedString(gw.Object, "spec", "gatewayClassName")
	listeners, _, _ := unstructured.NestedSlice(gw.Object, "spec", "listeners")
	// allowedRoutes is the CRD's default, filled in by the API server.
	want := `[{"allowedRoutes":{"namespaces":{"from":"Same"}},"name":"mesh","port":15008,"protocol":"HBONE"}]`
	if got, _ := json.Marshal(listeners); class != "istio-waypoint" || string(got) != want {
		t.Errorf("waypoint: got class %q, listeners %s; want istio-waypoint with %s", class, got, want)
	}

	if _, err := in.Destroy(ctx, plan); err != nil {
		t.Fatalf("teardown: %v", err)
	}
	if _, err := dyn.Resource(k8sGatewayGVR).Namespace("shop").Get(ctx, "shop-waypoint", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("waypoint after teardown: got %v; want not found", err)
	}
}
