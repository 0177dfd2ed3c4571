package gatewayapi_test

import (
	"testing"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
	"github.com/bluegreen-mesh/bluegreen/mesh/meshtest"
)

// cart is an app under the path prefix /cart, with a header rule too.
func cart(ns string) gatewayapi.Spec {
	return gatewayapi.Spec{
		App: "cart", Namespace: ns, Port: 8600,
		Releases: []gatewayapi.Release{
			{Colour: mesh.Blue, Selector: map[string]string{"app": "cart", "version": "blue"}},
			{Colour: mesh.Green, Selector: map[string]string{"app": "cart", "version": "green"}},
		},
		Routing: mesh.Routing{
			Hosts:      []string{"shop.example.com"},
			PathPrefix: "/cart",
			Header:     mesh.Rule{Name: "x-env", Values: map[string]string{"blue": "qa", "green": "prod"}},
		},
	}.WithDefaults()
}

// TestPathPrefixTakesWholeSegments judges the HTTPRoute of an app under
// /cart with the requests the VirtualService's test uses: the same rule,
// colour and path the app receives.
func TestPathPrefixTakesWholeSegments(t *testing.T) {
	o, err := gatewayapi.Build(cart("cart"))
	if err != nil {
		t.Fatal(err)
	}
	m := gatewayapi.ModelOf(o)
	for _, r := range meshtest.PrefixRequests {
		out, err := m.Evaluate(gatewayapi.Request{Host: "shop.example.com", Path: r.Path, Headers: r.Headers})
		if err != nil {
			t.Fatal(err)
		}
		service := ""
		if len(out.Backends) == 1 {
			service = out.Backends[0].Service
		}
		if out.Rule != r.Rule || (r.Colour != "" && service != "cart/cart-"+r.Colour) || (r.Rule != "" && out.Path != r.AppPath) || (r.Rule == "") != (out.Status == 404) {
			t.Errorf("GET %s %v: rule %q to %q, path %q, status %d; want rule %q to colour %q, path %q",
				r.Path, r.Headers, out.Rule, service, out.Path, out.Status, r.Rule, r.Colour, r.AppPath)
		}
	}
}
