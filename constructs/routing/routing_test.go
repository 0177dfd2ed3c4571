package routing_test

import (
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	helmprovider "github.com/cdktf/cdktf-provider-helm-go/helm/v10/provider"
	kubernetesprovider "github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/constructs/addon"
	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/constructs/routing"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// synthShop synthesizes the echo app in namespace shop and its routing
// with props p, without a control plane, and returns the routing and the
// stack's Helm releases.
func synthShop(t *testing.T, p routing.Props) (*routing.Routing, []render.Release) {
	t.Helper()
	outdir := t.TempDir()
	app := cdktf.NewApp(&cdktf.AppConfig{Outdir: jsii.String(outdir)})
	stack := cdktf.NewTerraformStack(app, jsii.String("test"))
	helmprovider.NewHelmProvider(stack, jsii.String("helm"), &helmprovider.HelmProviderConfig{})
	echo, err := bluegreen.New(stack, "app", bluegreen.Props{Namespace: "shop"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := routing.New(stack, "routing", p, echo, nil)
	if err != nil {
		t.Fatal(err)
	}
	app.Synth()
	releases, err := render.Releases(filepath.Join(outdir, "stacks", "test"))
	if err != nil {
		t.Fatal(err)
	}
	return r, releases
}

func TestNewInstallsTheObjectsInOrder(t *testing.T) {
	r, releases := synthShop(t, props())
	if r.Objects().VirtualService.GetHttp()[0].GetRoute()[0].GetDestination().GetHost() != "echo.shop.svc.cluster.local" {
		t.Errorf("routes do not point at the app's Service: %v", r.Objects().VirtualService)
	}
	ids := map[string]string{}
	byName := map[string]render.Release{}
	for _, rel := range releases {
		ids[rel.Name] = "helm_release." + rel.ID
		byName[rel.Name] = rel
	}
	vs, ok := byName["echo-virtualservice"]
	if !ok {
		t.Fatalf("no echo-virtualservice release; have %v", ids)
	}
	for _, dep := range []string{"echo-destinationrule", "echo-gateway", "blue", "green", "echo-service"} {
		if !slices.Contains(vs.DependsOn, ids[dep]) {
			t.Errorf("the VirtualService release does not wait for %s (%s); depends_on %v", dep, ids[dep], vs.DependsOn)
		}
	}
	if gw := byName["echo-gateway"]; len(gw.DependsOn) != 0 {
		t.Errorf("the Gateway waits for %v; it needs nothing", gw.DependsOn)
	}
	for _, rel := range releases {
		if !rel.Local() || rel.Namespace != "shop" {
			t.Errorf("release %s: chart %q namespace %q; want a local chart in shop", rel.Name, rel.Chart, rel.Namespace)
		}
	}
}

func TestNewRefusesARouteToAMissingColour(t *testing.T) {
	app := cdktf.NewApp(&cdktf.AppConfig{Outdir: jsii.String(t.TempDir())})
	stack := cdktf.NewTerraformStack(app, jsii.String("test"))
	echo, err := bluegreen.New(stack, "app", bluegreen.Props{Namespace: "shop", Releases: map[string]bluegreen.Release{"blue": {}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = routing.New(stack, "routing", props(), echo, nil)
	if err == nil || !strings.Contains(err.Error(), `routing "routing": versionPaths[green]`) {
		t.Errorf("got %v, want an error naming versionPaths[green]", err)
	}
}

// TestStandaloneDefaults uses the construct as a team importing it would,
// with no selector in its props: the Gateway selects the ingress gateway of
// the control plane passed in, or Istio's default ingress gateway without
// one; release names come from the app's name and the object's role, not
// from the construct id.
func TestStandaloneDefaults(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cp       *istio.Props
		selector map[string]string
	}{
		{"no control plane", nil, map[string]string{"istio": "ingressgateway"}},
		{"control plane with a named gateway", &istio.Props{IngressGateway: istio.IngressGateway{Name: "istio-public"}}, map[string]string{"istio": "public"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			outdir := t.TempDir()
			app := cdktf.NewApp(&cdktf.AppConfig{Outdir: jsii.String(outdir)})
			stack := cdktf.NewTerraformStack(app, jsii.String("test"))
			helmprovider.NewHelmProvider(stack, jsii.String("helm"), &helmprovider.HelmProviderConfig{})
			var cp *istio.ControlPlane
			if tc.cp != nil {
				kubernetesprovider.NewKubernetesProvider(stack, jsii.String("kubernetes"), &kubernetesprovider.KubernetesProviderConfig{})
				var err error
				if cp, err = istio.New(stack, "istio", *tc.cp); err != nil {
					t.Fatal(err)
				}
			}
			echo, err := bluegreen.New(stack, "shop-app", bluegreen.Props{Name: "shop"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			r, err := routing.New(stack, "any-id", routing.Props{}, echo, cp)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Objects().Gateway.GetSelector(); !reflect.DeepEqual(got, tc.selector) {
				t.Errorf("gateway selector: got %v, want %v", got, tc.selector)
			}
			if got := r.Objects().VirtualService.GetHttp()[0].GetRoute()[0].GetDestination().GetHost(); got != "shop.bluegreen.svc.cluster.local" {
				t.Errorf("destination host: got %s, want shop.bluegreen.svc.cluster.local", got)
			}
			app.Synth()
			releases, err := render.Releases(filepath.Join(outdir, "stacks", "test"))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, rel := range releases {
				if rel.Namespace == "bluegreen" {
					names = append(names, rel.Name)
				}
			}
			slices.Sort(names)
			if want := []string{"blue", "green", "shop-destinationrule", "shop-gateway", "shop-service", "shop-virtualservice"}; !slices.Equal(names, want) {
				t.Errorf("releases in namespace bluegreen: got %v, want %v", names, want)
			}
		})
	}
}

func props() routing.Props {
	return routing.Props{Routing: mesh.Routing{
		Hosts:   []string{"echo.example.com"},
		Gateway: routing.Gateway{Selector: map[string]string{"istio": "ingressgateway"}},
	}}
}

func TestHelmReleasesForTheGatewayAPI(t *testing.T) {
	p := props()
	p.API = "gatewayAPI"
	p.Gateway.TLS = &routing.TLS{CredentialName: "echo-cert"}
	p.Gateway.HTTPSRedirect = true
	rels, objs, err := routing.HelmReleases(p, bluegreen.Props{Namespace: "shop"}, istio.Props{})
	if err != nil {
		t.Fatal(err)
	}
	if objs.VirtualService != nil || objs.Gateway != nil || objs.DestinationRule != nil {
		t.Errorf("Istio objects: got %v; want none with the Gateway API", objs)
	}
	var got []string
	for _, r := range rels {
		got = append(got, r.ID+" "+r.Name+" "+r.Chart.Local+" "+r.Namespace)
	}
	want := []string{
		"service-blue echo-service-blue blue-green-colour-service shop",
		"service-green echo-service-green blue-green-colour-service shop",
		"gateway echo-gateway gatewayapi-gateway shop",
		"httproute echo-httproute gatewayapi-httproute shop",
		"httproute-redirect echo-httproute-redirect gatewayapi-httproute shop",
	}
	if !slices.Equal(got, want) {
		t.Errorf("releases:\ngot  %q\nwant %q", got, want)
	}
	// The HTTPRoute carries the intent, like the VirtualService.
	if a, _ := rels[3].Values["annotations"].(map[string]any); a["bluegreen.io/live"] != "blue" || a["bluegreen.io/candidate"] != "green" {
		t.Errorf("HTTPRoute annotations: got %v; want live blue, candidate green", rels[3].Values["annotations"])
	}
	if s, _ := rels[0].Values["spec"].(map[string]any); s["selector"].(map[string]any)["version"] != "blue" {
		t.Errorf("blue Service spec: got %v; want a selector with version blue", rels[0].Values["spec"])
	}
}

// TestGatewayAPIReleasesWithAMeshRoute: the east-west hook adds an
// HTTPRoute attached to the shared Service, in its own release.
func TestGatewayAPIReleasesWithAMeshRoute(t *testing.T) {
	p := props()
	p.API = "gatewayAPI"
	rels, err := routing.GatewayAPIReleases(p, bluegreen.Props{Namespace: "shop"}, istio.Props{}, "echo")
	if err != nil {
		t.Fatal(err)
	}
	last := rels[len(rels)-1]
	if len(rels) != 5 || last.ID != "httproute-mesh" || last.Values["name"] != "echo-mesh" {
		t.Fatalf("releases: got %d, the last %s (%v); want 5, the last httproute-mesh named echo-mesh", len(rels), last.ID, last.Values["name"])
	}
	spec := last.Values["spec"].(map[string]any)
	parent := spec["parentRefs"].([]any)[0].(map[string]any)
	if parent["kind"] != "Service" || parent["name"] != "echo" || spec["hostnames"] != nil {
		t.Errorf("mesh route: parentRefs %v, hostnames %v; want the Service echo and no hostnames", spec["parentRefs"], spec["hostnames"])
	}
}

// TestAmbientGatewayAPIRoutesInsideTheMesh: with the ambient data plane the
// HelmReleases of a Gateway API routing attach the same rules to the app's
// shared Service (east-west, applied by its waypoint); with sidecars they
// do not.
func TestAmbientGatewayAPIRoutesInsideTheMesh(t *testing.T) {
	p := props()
	p.API = "gatewayAPI"
	for _, tc := range []struct {
		dataplane string
		want      []string
	}{
		{istio.DataplaneSidecar, []string{"service-blue", "service-green", "gateway", "httproute"}},
		{istio.DataplaneAmbient, []string{"service-blue", "service-green", "gateway", "httproute", "httproute-mesh"}},
	} {
		rels, _, err := routing.HelmReleases(p, bluegreen.Props{Name: "cart", Namespace: "shop"}, istio.Props{Dataplane: tc.dataplane})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rels {
			got = append(got, r.ID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: releases %q; want %q", tc.dataplane, got, tc.want)
		}
		if tc.dataplane == istio.DataplaneAmbient {
			parent := rels[4].Values["spec"].(map[string]any)["parentRefs"].([]any)[0].(map[string]any)
			if parent["kind"] != "Service" || parent["name"] != "cart" {
				t.Errorf("mesh route parent: got %v; want the Service cart", parent)
			}
		}
	}
}

// TestExtraValuesReachTheRenderedObjects: each role's extraValues are
// merged into that release's values only, after the construct's own, and
// reach the objects its chart renders.
func TestExtraValuesReachTheRenderedObjects(t *testing.T) {
	p := props()
	p.ExtraValues = map[string]map[string]any{
		"gateway":        {"labels": map[string]any{"team": "edge"}},
		"virtualservice": {"annotations": map[string]any{"example.com/owner": "shop"}},
	}
	_, releases := synthShop(t, p)
	objects := map[string]render.Object{}
	for _, rel := range releases {
		if !strings.HasPrefix(rel.Name, "echo-") || rel.Name == "echo-service" {
			continue
		}
		manifests, err := render.Render(rel)
		if err != nil {
			t.Fatal(err)
		}
		if len(manifests) != 1 {
			t.Fatalf("release %s rendered %d manifests, want 1", rel.Name, len(manifests))
		}
		o, err := render.Decode(manifests[0])
		if err != nil {
			t.Fatal(err)
		}
		objects[o.Kind] = o
	}
	if len(objects) != 3 {
		t.Fatalf("rendered kinds %v; want Gateway, VirtualService and DestinationRule", slices.Sorted(maps.Keys(objects)))
	}
	if got := objects["Gateway"].Metadata.Labels["team"]; got != "edge" {
		t.Errorf("Gateway label team: got %q, want edge", got)
	}
	if got := objects["Gateway"].Metadata.Labels["app.kubernetes.io/name"]; got != "istio-gateway" {
		t.Errorf("Gateway label app.kubernetes.io/name: got %q, want istio-gateway (the chart's own labels kept)", got)
	}
	want := map[string]string{"example.com/owner": "shop", "bluegreen.io/live": "blue", "bluegreen.io/candidate": "green"}
	if got := objects["VirtualService"].Metadata.Annotations; !reflect.DeepEqual(got, want) {
		t.Errorf("VirtualService annotations: got %v, want %v (the intent kept, the extra added)", got, want)
	}
	if got, ok := objects["DestinationRule"].Metadata.Labels["team"]; ok {
		t.Errorf("DestinationRule label team: got %q; the gateway's values must not reach it", got)
	}
}

func TestExtraValuesOfTheGatewayAPIReleases(t *testing.T) {
	p := props()
	p.API = "gatewayAPI"
	p.ExtraValues = map[string]map[string]any{"httproute": {"labels": map[string]any{"team": "edge"}}}
	rels, _, err := routing.HelmReleases(p, bluegreen.Props{Namespace: "shop"}, istio.Props{})
	if err != nil {
		t.Fatal(err)
	}
	r, ok := addon.Find(rels, "httproute")
	if !ok {
		t.Fatalf("no httproute release among %d", len(rels))
	}
	if got, want := r.Values["labels"], map[string]any{"team": "edge"}; !reflect.DeepEqual(got, want) {
		t.Errorf("httproute labels: got %v, want %v", got, want)
	}
	if got := r.Values["name"]; got != "echo" {
		t.Errorf("httproute name: got %v, want echo (the construct's value kept)", got)
	}
	if g, _ := addon.Find(rels, "gateway"); g.Values["labels"] != nil {
		t.Errorf("gateway labels: got %v; the httproute's values must not reach it", g.Values["labels"])
	}
}

func TestExtraValuesForAReleaseNotInstalled(t *testing.T) {
	for _, tc := range []struct {
		name, api, role, want string
	}{
		{"fails/a Gateway API role with virtualService", "", "httproute",
			`extraValues[httproute]: Unsupported value: "httproute": supported values: "destinationrule", "gateway", "virtualservice"`},
		{"fails/the redirect route without httpsRedirect", "gatewayAPI", "httproute-redirect",
			`extraValues[httproute-redirect]: Unsupported value: "httproute-redirect": supported values: "service-blue", "service-green", "gateway", "httproute"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := props()
			p.API = tc.api
			p.ExtraValues = map[string]map[string]any{tc.role: {"labels": map[string]any{"team": "edge"}}}
			_, _, err := routing.HelmReleases(p, bluegreen.Props{Namespace: "shop"}, istio.Props{})
			if err == nil || err.Error() != tc.want {
				t.Errorf("got %v, want %s", err, tc.want)
			}
		})
	}
}

func TestValidateExtraValuesRoles(t *testing.T) {
	p := props().WithDefaults("echo")
	p.ExtraValues = map[string]map[string]any{"virtualservice": {}, "VirtualService": {}}
	errs := p.ValidateAt(field.NewPath("routing"))
	if len(errs) != 1 {
		t.Fatalf("got %d problems (%v), want 1", len(errs), errs)
	}
	if got, want := errs[0].Error(), `routing.extraValues[VirtualService]: Unsupported value: "VirtualService": supported values: "destinationrule", "gateway", "virtualservice"`; got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}
