package shop_test

import (
	"slices"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/examples/shop"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
)

// TestShopStack synthesizes the example as its team would (cdktf App, one
// stack) and checks what the composition derived, against literals.
func TestShopStack(t *testing.T) {
	outdir := t.TempDir()
	app := cdktf.NewApp(&cdktf.AppConfig{Outdir: jsii.String(outdir)})
	if _, err := shop.NewStack(app, "shop", shop.Props{KubeconfigPath: "~/.kube/config", KubeconfigContext: "shop", Live: "green"}); err != nil {
		t.Fatal(err)
	}
	app.Synth()
	d := testutil.Load(t, testutil.StackPath(outdir, "shop"))

	// Every release, by name, in its namespace.
	want := map[string]string{
		"istio-base": "istio-system", "istiod-stable": "istio-system", "istio-ingressgateway": "istio-ingress",
		"prometheus": "istio-system", "grafana": "istio-system", "kiali": "istio-system",
		"peer-authentication": "shop", "blue": "shop", "green": "shop", "cart-service": "shop",
		"cart-destinationrule": "shop", "cart-gateway": "shop", "cart-virtualservice": "shop",
	}
	got := map[string]string{}
	for _, r := range d.Resources("helm_release") {
		r := r.(map[string]any)
		got[r["name"].(string)] = r["namespace"].(string)
	}
	if len(got) != len(want) {
		t.Errorf("releases: got %d %v, want %d", len(got), got, len(want))
	}
	for name, ns := range want {
		if got[name] != ns {
			t.Errorf("release %s: namespace %q, want %q", name, got[name], ns)
		}
	}

	// The namespace asks for the sidecars of the control plane's revision.
	testutil.AssertSubset(t, d.Resource(t, "kubernetes_namespace_v1", "namespace/namespace"), map[string]any{
		"metadata": map[string]any{"name": "shop", "labels": map[string]any{"istio.io/rev": "stable"}},
	})
	// Kiali observes the control plane's namespace.
	testutil.AssertSubset(t, testutil.Values(t, d.Resource(t, "helm_release", "kiali/kiali")), map[string]any{
		"external_services": map[string]any{"istio": map[string]any{"root_namespace": "istio-system"}},
	})
	// The app waits for its namespace, which is in the same stack.
	nsRef := "kubernetes_namespace_v1." + d.LogicalID(t, "resource", "kubernetes_namespace_v1", "namespace/namespace")
	for _, path := range []string{"cart/blue", "cart/green", "cart/service"} {
		deps, _ := d.Resource(t, "helm_release", path)["depends_on"].([]any)
		if !slices.Contains(deps, any(nsRef)) {
			t.Errorf("%s: depends_on %v, want it to include %s", path, deps, nsRef)
		}
	}
	// The pods' version label is what the subsets select.
	testutil.AssertSubset(t, testutil.Values(t, d.Resource(t, "helm_release", "cart/green")), map[string]any{
		"versionLabel": map[string]any{"key": "version", "value": "green"},
		"image":        map[string]any{"repository": "hashicorp/http-echo", "tag": "1.1"},
	})
	testutil.AssertSubset(t, testutil.Values(t, d.Resource(t, "helm_release", "routing/destinationrule")), map[string]any{
		"spec": map[string]any{
			"host": "cart.shop.svc.cluster.local",
			"subsets": []any{
				map[string]any{"name": "blue", "labels": map[string]any{"version": "blue"}},
				map[string]any{"name": "green", "labels": map[string]any{"version": "green"}},
			},
		},
	})
	// The Gateway selects the control plane's ingress gateway.
	testutil.AssertSubset(t, testutil.Values(t, d.Resource(t, "helm_release", "routing/gateway")), map[string]any{
		"name": "cart-gateway",
		"spec": map[string]any{"selector": map[string]any{"istio": "ingressgateway"}},
	})
	// Green is live.
	testutil.AssertSubset(t, testutil.Values(t, d.Resource(t, "helm_release", "routing/virtualservice")), map[string]any{
		"annotations": map[string]any{"bluegreen.io/live": "green"},
	})
}
