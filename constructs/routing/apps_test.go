package routing_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	helmprovider "github.com/cdktf/cdktf-provider-helm-go/helm/v10/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/constructs/routing"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/analyze"
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
	"github.com/bluegreen-mesh/bluegreen/mesh/meshtest"
)

// sharedProps are shop (/) and cart (/cart) sharing shop.example.com and
// blog alone on blog.example.com, each app in a namespace of its own, on
// the Gateway "shared" in istio-ingress, with routing api api.
func sharedProps(api string) routing.SharedProps {
	p := routing.SharedProps{Name: "shared", Namespace: "istio-ingress", API: api}
	for _, a := range []struct{ name, prefix, host string }{{"shop", "/", "shop.example.com"}, {"cart", "/cart", "shop.example.com"}, {"blog", "/", "blog.example.com"}} {
		p.Apps = append(p.Apps, routing.AppRouting{
			Name:  a.name,
			Props: routing.Props{Routing: mesh.Routing{API: api, Hosts: []string{a.host}, PathPrefix: a.prefix}},
			App:   bluegreen.Props{Name: a.name, Namespace: a.name},
		})
	}
	return p
}

// synthShared synthesizes the apps of p with the shared Gateway and each
// app's routing in one stack (as a user's own program may), renders every
// release through Helm's engine and returns the model of the rendered
// objects, as `routes` reads them.
func synthShared(t *testing.T, p routing.SharedProps) *mesh.Model {
	t.Helper()
	m, err := render.Model(synthSharedStack(t, p))
	if err != nil {
		t.Fatal(err)
	}
	// The apps' namespaces, which the stacks create (the shared Gateway's
	// listeners admit routes by their labels).
	for _, a := range p.Apps {
		m.AddNamespace(a.App.Namespace, nil)
	}
	return m
}

// synthSharedStack synthesizes the stack of synthShared and returns its
// folder.
func synthSharedStack(t *testing.T, p routing.SharedProps) string {
	t.Helper()
	plan, err := routing.PlanShared(p, istio.Props{})
	if err != nil {
		t.Fatal(err)
	}
	outdir := t.TempDir()
	app := cdktf.NewApp(&cdktf.AppConfig{Outdir: jsii.String(outdir)})
	stack := cdktf.NewTerraformStack(app, jsii.String("test"))
	helmprovider.NewHelmProvider(stack, jsii.String("helm"), &helmprovider.HelmProviderConfig{})
	if _, err := routing.NewSharedGateway(stack, "shared-gateway", plan); err != nil {
		t.Fatal(err)
	}
	for _, a := range p.Apps {
		b, err := bluegreen.New(stack, a.Name, a.App, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := routing.NewAppRouting(stack, a.Name+"-routing", plan, a.Name, b); err != nil {
			t.Fatal(err)
		}
	}
	app.Synth()
	return filepath.Join(outdir, "stacks", "test")
}

// TestSharedObjectsPassIstiosAnalyzer runs istioctl's analyzer over every
// app's objects and the shared ones at once: roots, delegates and the
// shared Gateway raise no error or warning (IST0109, IST0101 and the
// others); the analyzer's own view of delegation is the judge.
func TestSharedObjectsPassIstiosAnalyzer(t *testing.T) {
	istioctl, err := analyze.Istioctl()
	if err != nil {
		t.Fatalf("this test runs the real istioctl (make istioctl): %v", err)
	}
	res, err := analyze.Check(context.Background(), []string{synthSharedStack(t, sharedProps(mesh.APIVirtualService))}, analyze.Options{Istioctl: istioctl})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) == 0 {
		t.Fatal("no object analyzed")
	}
	for _, f := range res.Findings {
		t.Logf("analyzer: %s %s %s: %s", f.Level, f.Code, f.Resource, f.Message)
	}
	for _, f := range res.Failing {
		t.Errorf("analyzer finding %s", f)
	}
}

// TestSharedGatewayConstructsRouteEveryApp synthesizes three apps through
// the constructs with each routing API, renders their charts and wants
// every request through the whole gateway answered as the pure objects
// are (meshtest.AppsRequests): the charts carry delegates, roots and
// shared listeners intact.
func TestSharedGatewayConstructsRouteEveryApp(t *testing.T) {
	for _, api := range mesh.APIs {
		t.Run(api, func(t *testing.T) {
			p := sharedProps(api)
			m := synthShared(t, p)
			for _, r := range meshtest.AppsRequests {
				cs := []mesh.Case{{Name: r.Path, Request: mesh.Request{Host: r.Host, Path: r.Path, Headers: r.Headers}}}
				var as []mesh.Answer
				var err error
				if api == mesh.APIGatewayAPI {
					var specs []gatewayapi.Spec
					for _, a := range p.Apps {
						specs = append(specs, gatewayapi.Spec{App: a.Name, Namespace: a.App.Namespace})
					}
					as, err = gatewayapi.Answers(gatewayapi.ModelOfMesh(m), specs, cs)
				} else {
					var apps []mesh.App
					for _, a := range p.Apps {
						apps = append(apps, mesh.App{Name: a.Name, Target: bluegreen.TargetOf(a.App.WithDefaults())})
					}
					as, err = mesh.Answers(m, apps, cs)
				}
				if err != nil {
					t.Fatal(err)
				}
				if got := meshtest.Summary(as[0]); got != r.Want {
					t.Errorf("%s%s %v: %s; want %s (notes %v)", r.Host, r.Path, r.Headers, got, r.Want, as[0].Notes)
				}
			}
		})
	}
}

func TestPlanSharedReleases(t *testing.T) {
	plan, err := routing.PlanShared(sharedProps(mesh.APIVirtualService), istio.Props{})
	if err != nil {
		t.Fatal(err)
	}
	var shared []string
	for _, r := range plan.SharedReleases() {
		shared = append(shared, r.ID+"="+r.Namespace+"/"+r.Name)
	}
	if want := []string{"gateway=istio-ingress/shared", "root-shared-shop.example.com=istio-ingress/shared-shop.example.com"}; !slices.Equal(shared, want) {
		t.Errorf("shared releases %v; want %v", shared, want)
	}
	rels, ok := plan.AppReleases("cart")
	if !ok {
		t.Fatal("no releases for cart")
	}
	var names []string
	for _, r := range rels {
		names = append(names, r.ID+"="+r.Namespace+"/"+r.Name+" after "+strings.Join(r.After, ","))
	}
	if want := []string{"destinationrule=cart/cart-destinationrule after <upstream>", "virtualservice=cart/cart-virtualservice after destinationrule,<upstream>"}; !slices.Equal(names, want) {
		t.Errorf("cart's releases %v; want %v (no Gateway of its own)", names, want)
	}
	if _, err := routing.NewAppRouting(cdktf.NewTerraformStack(cdktf.NewApp(nil), jsii.String("s")), "r", plan, "nope", &bluegreen.App{}); err == nil || !strings.Contains(err.Error(), `routes no app "nope"; it routes blog, cart, shop`) {
		t.Errorf("an unknown app: %v; want an error listing the apps", err)
	}
	long := sharedProps(mesh.APIVirtualService)
	long.Name = strings.Repeat("g", 40)
	if _, err := routing.PlanShared(long, istio.Props{}); err == nil || !strings.Contains(err.Error(), `host "shop.example.com": the root VirtualService's release`) {
		t.Errorf("a root release name over 53 characters: %v; want an error naming the host", err)
	}
	bad := sharedProps(mesh.APIVirtualService)
	bad.Apps[2].Props.Hosts, bad.Apps[2].Props.PathPrefix = []string{"shop.example.com"}, "/cart"
	if _, err := routing.PlanShared(bad, istio.Props{}); err == nil || !strings.Contains(err.Error(), "apps blog and cart both serve host") {
		t.Errorf("two apps under one prefix: %v; want BG014's error", err)
	}
}

// TestPlanSharedAmbientMeshRoutes checks that with the ambient data plane
// each app of a shared Gateway API Gateway keeps the HTTPRoute attached to
// its own Service (for callers inside the mesh, through its waypoint), as
// an app with a Gateway of its own has it, and that with sidecars it has
// none.
func TestPlanSharedAmbientMeshRoutes(t *testing.T) {
	for _, tc := range []struct {
		dataplane string
		want      []string
	}{
		{istio.DataplaneAmbient, []string{"service-blue", "service-green", "httproute", "httproute-mesh"}},
		{istio.DataplaneSidecar, []string{"service-blue", "service-green", "httproute"}},
	} {
		plan, err := routing.PlanShared(sharedProps(mesh.APIGatewayAPI), istio.Props{Dataplane: tc.dataplane})
		if err != nil {
			t.Fatal(err)
		}
		rels, _ := plan.AppReleases("cart")
		var ids []string
		for _, r := range rels {
			ids = append(ids, r.ID)
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("%s: cart's releases %v, want %v", tc.dataplane, ids, tc.want)
		}
	}
}
