package stacks_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
	"github.com/bluegreen-mesh/bluegreen/stacks"
	"github.com/bluegreen-mesh/bluegreen/stacks/stackstest"
)

// appsFixture has the environment dev: web (/) and cart (/cart) sharing
// shop.example.com, and search alone on search.example.com.
const appsFixture = "../testdata/apps.cdktf.json"

func releaseNames(t *testing.T, doc testutil.Doc) []string {
	t.Helper()
	var out []string
	for _, r := range doc.Block("resource", "helm_release") {
		out = append(out, r.(map[string]any)["name"].(string))
	}
	slices.Sort(out)
	return out
}

// TestAppsSharingAHost synthesizes the fixture's dev and checks where the
// routing of apps sharing a host lives: the mesh stack holds the one
// shared Gateway and the root VirtualService of shop.example.com, after
// the namespace; web's and cart's stacks hold their DestinationRule and
// delegate VirtualService and no Gateway; search, alone on its host, keeps
// a Gateway of its own, as an environment of one app does.
func TestAppsSharingAHost(t *testing.T) {
	envs, err := config.Load(appsFixture, "dev")
	if err != nil {
		t.Fatal(err)
	}
	d := stacks.FromConfig(envs[0])
	set, outdir := stackstest.Synth(t, d)
	if _, ok := set.SharedGateways[stacks.SharedGatewayName]; !ok || len(set.SharedGateways) != 1 {
		t.Errorf("shared gateways %v, want only %s", set.SharedGateways, stacks.SharedGatewayName)
	}

	meshDoc := testutil.Load(t, testutil.StackPath(outdir, "dev-mesh"))
	mesh := releaseNames(t, meshDoc)
	for _, want := range []string{"shared-ingress", "shared-ingress-shop.example.com"} {
		if !slices.Contains(mesh, want) {
			t.Errorf("dev-mesh releases %v: want %s", mesh, want)
		}
	}
	gw := meshDoc.Resource(t, "helm_release", "shared-ingress/gateway")
	testutil.AssertSubset(t, gw, map[string]any{"namespace": "bluegreen"})
	if deps := strings.Join(toStrings(gw["depends_on"]), " "); !strings.Contains(deps, "kubernetes_namespace_v1") {
		t.Errorf("shared Gateway depends on %s; want the namespace", deps)
	}
	values := testutil.Values(t, gw)
	hosts := values["spec"].(map[string]any)["servers"].([]any)[0].(map[string]any)["hosts"]
	if got := strings.Join(toStrings(hosts), ","); got != "shop.example.com" {
		t.Errorf("shared Gateway hosts %s, want shop.example.com only (search has its own)", got)
	}
	root := testutil.Values(t, meshDoc.Resource(t, "helm_release", "shared-ingress/root-shared-ingress-shop.example.com"))
	var delegates []string
	for _, r := range root["spec"].(map[string]any)["http"].([]any) {
		dl := r.(map[string]any)["delegate"].(map[string]any)
		delegates = append(delegates, dl["namespace"].(string)+"/"+dl["name"].(string))
	}
	if want := []string{"bluegreen/cart", "bluegreen/web"}; !slices.Equal(delegates, want) {
		t.Errorf("root delegates to %v, want %v (longest prefix first)", delegates, want)
	}

	for app, want := range map[string][]string{
		"web":    {"web-blue", "web-destinationrule", "web-green", "web-service", "web-virtualservice"},
		"cart":   {"cart-blue", "cart-destinationrule", "cart-green", "cart-service", "cart-virtualservice"},
		"search": {"search-blue", "search-destinationrule", "search-gateway", "search-green", "search-service", "search-virtualservice"},
	} {
		doc := testutil.Load(t, testutil.StackPath(outdir, "dev-app-"+app))
		if got := releaseNames(t, doc); !slices.Equal(got, want) {
			t.Errorf("dev-app-%s: releases %v, want %v", app, got, want)
		}
		vs := testutil.Values(t, doc.Resource(t, "helm_release", "routing/virtualservice"))["spec"].(map[string]any)
		_, hasHosts := vs["hosts"]
		if delegate := app != "search"; delegate == hasHosts {
			t.Errorf("dev-app-%s: VirtualService hosts %v; want a delegate (no hosts) exactly when the app shares its host", app, vs["hosts"])
		}
	}
}

// TestSharedGatewayNeedsOneSetting checks that apps sharing a host whose
// gateway settings one Gateway cannot declare for both are refused,
// naming both apps and the settings.
func TestSharedGatewayNeedsOneSetting(t *testing.T) {
	envs, err := config.Load(appsFixture, "dev")
	if err != nil {
		t.Fatal(err)
	}
	d := stacks.FromConfig(envs[0])
	for i := range d.Apps {
		if d.Apps[i].Name == "web" {
			d.Apps[i].Routing.Gateway.HTTPPort = 8080
		}
	}
	_, err = d.Stacks()
	for _, want := range []string{`environment "dev"`, "apps cart and web", "httpPort 80", "httpPort 8080"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want an error containing %q", err, want)
		}
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
