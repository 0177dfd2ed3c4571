package routing_test

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	helmprovider "github.com/cdktf/cdktf-provider-helm-go/helm/v10/provider"
	kubernetesprovider "github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/constructs/routing"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
)

func TestNewInstallsTheObjectsInOrder(t *testing.T) {
	outdir := t.TempDir()
	app := cdktf.NewApp(&cdktf.AppConfig{Outdir: jsii.String(outdir)})
	stack := cdktf.NewTerraformStack(app, jsii.String("test"))
	helmprovider.NewHelmProvider(stack, jsii.String("helm"), &helmprovider.HelmProviderConfig{})
	echo, err := bluegreen.New(stack, "app", bluegreen.Props{Namespace: "shop"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := routing.New(stack, "routing", props(), echo, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Objects().VirtualService.GetHttp()[0].GetRoute()[0].GetDestination().GetHost() != "echo.shop.svc.cluster.local" {
		t.Errorf("routes do not point at the app's Service: %v", r.Objects().VirtualService)
	}
	app.Synth()
	releases, err := render.Releases(filepath.Join(outdir, "stacks", "test"))
	if err != nil {
		t.Fatal(err)
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
	return routing.Props{
		Hosts:   []string{"echo.example.com"},
		Gateway: routing.Gateway{Selector: map[string]string{"istio": "ingressgateway"}},
	}
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
