package status_test

import (
	"context"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/bluegreen-mesh/bluegreen/internal/status"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/cptest"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/controlplane"
)

var httpRouteGVR = schema.GroupVersionResource{Group: "gateway.networking.k8s.io", Version: "v1", Resource: "httproutes"}

// TestStatusReadsHTTPRouteWeights installs the fixture's environment gw
// (the local one with routing.api gatewayAPI) and checks status reads the
// live colour and default-rule weights from the HTTPRoute, as installed
// and after a weight is edited through the API.
func TestStatusReadsHTTPRouteWeights(t *testing.T) {
	in := installEnv(t, cptest.Start(t, controlplane.Options{}), "gw")
	app := in.report(t).Apps[0]
	want := []status.Weight{{Destination: "echo-blue", Weight: 90}, {Destination: "echo-green", Weight: 10}}
	if app.Routing.Kind != "HTTPRoute" || !app.Routing.Found || app.Routing.Live != "blue" || !slices.Equal(app.Routing.Weights, want) {
		t.Fatalf("routing %+v; want HTTPRoute found, live blue, weights %v", app.Routing, want)
	}

	dyn, err := dynamic.NewForConfig(in.cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	hr, err := dyn.Resource(httpRouteGVR).Namespace("bluegreen").Get(ctx, app.Routing.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rules, _, _ := unstructured.NestedSlice(hr.Object, "spec", "rules")
	edited := 0
	for _, r := range rules {
		refs, _ := r.(map[string]any)["backendRefs"].([]any)
		if len(refs) != 2 {
			continue
		}
		refs[0].(map[string]any)["weight"] = int64(30)
		refs[1].(map[string]any)["weight"] = int64(70)
		edited++
	}
	if edited == 0 {
		t.Fatalf("HTTPRoute %s has no rule with two backends: %v", app.Routing.Name, rules)
	}
	if err := unstructured.SetNestedSlice(hr.Object, rules, "spec", "rules"); err != nil {
		t.Fatal(err)
	}
	if _, err := dyn.Resource(httpRouteGVR).Namespace("bluegreen").Update(ctx, hr, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	app = in.report(t).Apps[0]
	want = []status.Weight{{Destination: "echo-blue", Weight: 30}, {Destination: "echo-green", Weight: 70}}
	if !slices.Equal(app.Routing.Weights, want) {
		t.Errorf("after the edit, weights %v; want %v", app.Routing.Weights, want)
	}
}
