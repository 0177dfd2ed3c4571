package check_test

import (
	"slices"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/check"
	"github.com/bluegreen-mesh/bluegreen/mesh/meshtest"
)

func codesOf(fs []check.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code+" "+f.Object)
	}
	return out
}

// TestSharedGatewayPassesTheChecks runs every object check on the objects
// of three apps sharing one Gateway (two of them a host, by prefix): the
// roots and delegates raise no finding but the apps' missing workloads.
func TestSharedGatewayPassesTheChecks(t *testing.T) {
	apps := []mesh.App{meshtest.SharedApp("shop", "/", "shop.example.com"), meshtest.SharedApp("cart", "/cart", "shop.example.com"), meshtest.SharedApp("blog", "/", "blog.example.com")}
	m, _, _ := meshtest.AppsModel(t, apps...)
	for _, f := range check.Run(m) {
		// No Deployments are in the model: BG001 (subsets select no
		// release) is expected and nothing else.
		if f.Code != "BG001" {
			t.Errorf("finding %s", f)
		}
	}
}

// TestTwoGatewaysAndTwoVirtualServicesForOneHost are what several apps,
// each with the single-app routing, would create on one host: two
// Gateways declaring it on port 80 (BG017) and two VirtualServices for it
// on one Gateway (BG018).
func TestTwoGatewaysAndTwoVirtualServicesForOneHost(t *testing.T) {
	m := &mesh.Model{}
	for _, name := range []string{"cart", "shop"} {
		a := meshtest.SharedApp(name, "/", "shop.example.com")
		o, err := mesh.Build(a.Routing, a.Target)
		if err != nil {
			t.Fatal(err)
		}
		m.AddObjects(o, "apps", nil)
	}
	got := codesOf(check.Run(m))
	if !slices.Contains(got, "BG017 Gateway apps/shop-gateway") {
		t.Errorf("two Gateways declaring shop.example.com on port 80: %v; want BG017", got)
	}
	if slices.Contains(got, "BG018 VirtualService apps/shop") {
		t.Errorf("VirtualServices on Gateways of their own: %v; want no BG018", got)
	}
	m.VirtualServices[1].Spec.Gateways = []string{"cart-gateway"}
	if got := codesOf(check.Run(m)); !slices.Contains(got, "BG018 VirtualService apps/shop") {
		t.Errorf("two VirtualServices for shop.example.com on apps/cart-gateway: %v; want BG018", got)
	}
	m.Gateways[1].Spec.Selector = map[string]string{"istio": "other-gateway"}
	if got := codesOf(check.Run(m)); slices.Contains(got, "BG017 Gateway apps/shop-gateway") {
		t.Errorf("Gateways on different ingress pods: %v; want no BG017", got)
	}
}

func TestAppsChecksAreDocumented(t *testing.T) {
	apps := []mesh.App{meshtest.SharedApp("a", "/cart", "x.example.com"), meshtest.SharedApp("b", "/cart", "x.example.com"), meshtest.SharedApp("c", "/", "x.example.com"), meshtest.SharedApp("d", "/v1", "x.example.com")}
	fs := check.Apps(apps)
	seen := map[string]bool{}
	for _, f := range fs {
		seen[f.Code] = true
		if !slices.ContainsFunc(check.All, func(d check.Doc) bool { return d.Code == f.Code }) {
			t.Errorf("finding %s has a code check.All does not document", f)
		}
	}
	for _, c := range []string{"BG014", "BG015", "BG016"} {
		if !seen[c] {
			t.Errorf("findings %v; want %s among them", codesOf(fs), c)
		}
	}
}
