package mesh_test

import (
	"testing"

	networkingv1 "istio.io/api/networking/v1"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/meshtest"
)

func TestHostMatches(t *testing.T) {
	for _, tc := range []struct {
		pattern, host string
		want          bool
	}{
		{"*", "a.example.com", true},
		{"a.example.com", "a.example.com", true},
		{"a.example.com", "A.Example.com", true},
		{"a.example.com", "b.example.com", false},
		{"*.example.com", "a.example.com", true},
		{"*.example.com", "a.b.example.com", true},
		{"*.example.com", "*.b.example.com", true},
		{"*.example.com", "example.com", false},
		{"*.example.com", "aexample.com", false},
		{"*.example.com", "*", false},
	} {
		if got := mesh.HostMatches(tc.pattern, tc.host); got != tc.want {
			t.Errorf("HostMatches(%q, %q) = %v, want %v", tc.pattern, tc.host, got, tc.want)
		}
	}
}

func TestGatewayRef(t *testing.T) {
	for _, tc := range []struct{ ref, ns, wantNS, wantName string }{
		{"gw", "shop", "shop", "gw"},
		{"istio-system/gw", "shop", "istio-system", "gw"},
	} {
		if ns, name := mesh.GatewayRef(tc.ref, tc.ns); ns != tc.wantNS || name != tc.wantName {
			t.Errorf("GatewayRef(%q, %q) = %s, %s; want %s, %s", tc.ref, tc.ns, ns, name, tc.wantNS, tc.wantName)
		}
	}
}

func TestWeight(t *testing.T) {
	dest := func(w int32) *networkingv1.HTTPRouteDestination {
		return &networkingv1.HTTPRouteDestination{Destination: &networkingv1.Destination{Host: "h"}, Weight: w}
	}
	for _, tc := range []struct {
		name  string
		route *networkingv1.HTTPRoute
		want  []int
	}{
		{"a lone destination without weight takes all", &networkingv1.HTTPRoute{Route: []*networkingv1.HTTPRouteDestination{dest(0)}}, []int{100}},
		{"a lone weight is kept", &networkingv1.HTTPRoute{Route: []*networkingv1.HTTPRouteDestination{dest(30)}}, []int{30}},
		{"a split with a zero share", &networkingv1.HTTPRoute{Route: []*networkingv1.HTTPRouteDestination{dest(100), dest(0)}}, []int{100, 0}},
	} {
		if len(tc.route.GetRoute()) != len(tc.want) {
			t.Fatalf("%s: %d destinations, %d expected weights", tc.name, len(tc.route.GetRoute()), len(tc.want))
		}
		for j, want := range tc.want {
			if got := mesh.Weight(tc.route, j); got != want {
				t.Errorf("%s: destination %d: got %d%%, want %d%%", tc.name, j, got, want)
			}
		}
	}
}

func TestRouteName(t *testing.T) {
	if got := mesh.RouteName(&networkingv1.HTTPRoute{Name: "api"}, 3); got != "api" {
		t.Errorf("named route: got %q, want api", got)
	}
	if got := mesh.RouteName(&networkingv1.HTTPRoute{}, 3); got != "#3" {
		t.Errorf("unnamed route: got %q, want #3", got)
	}
}

func TestEnvoySubstitution(t *testing.T) {
	if got := mesh.EnvoySubstitution(`/v\1/\2`); got != `/v${1}/${2}` {
		t.Errorf("got %q, want /v${1}/${2}", got)
	}
}

// TestServiceHost holds the host ServiceHost writes against the way the
// model reads destination hosts: the Service is found in its namespace
// whatever namespace the reader is in.
func TestServiceHost(t *testing.T) {
	host := mesh.ServiceHost("echo", "shop")
	if host != "echo.shop.svc.cluster.local" {
		t.Fatalf("got %q, want echo.shop.svc.cluster.local", host)
	}
	m, err := meshtest.Model(mesh.Routing{Gateway: mesh.Gateway{Selector: map[string]string{"istio": "ingressgateway"}}})
	if err != nil {
		t.Fatal(err)
	}
	sel, ns, ok := m.ServiceSelector(host, "elsewhere")
	if !ok || ns != "shop" || sel["app"] != "echo" || len(sel) != 1 {
		t.Errorf("got selector %v in %q (found %v); want app=echo in shop", sel, ns, ok)
	}
}
