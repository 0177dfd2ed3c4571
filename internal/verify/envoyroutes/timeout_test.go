package envoyroutes_test

import (
	"testing"
	"time"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/bluegreen-mesh/bluegreen/internal/verify/envoyroutes"
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
	"github.com/bluegreen-mesh/bluegreen/mesh/meshtest"
)

// oneRoute is a route configuration "http.80" with one route, every path
// of every host to cluster, whose action has the timeout given (nil: the
// action sets none).
func oneRoute(cluster string, timeout *durationpb.Duration) []*routev3.RouteConfiguration {
	action := to(cluster)
	action.Route.Timeout = timeout
	return []*routev3.RouteConfiguration{{Name: "http.80", VirtualHosts: []*routev3.VirtualHost{{
		Name: "any", Domains: []string{"*"}, Routes: []*routev3.Route{
			{Name: "default", Match: &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}}, Action: action},
		},
	}}}}
}

// TestCompareTimeouts wants Compare (VirtualService) and CompareGatewayCases
// (HTTPRoute) to agree only where Envoy's route timeout is the one routing
// configures: equal timeouts agree; a planted other timeout, and a route
// action without a timeout (Envoy's default of 15 s applies, where routing
// configures 10 s or none), disagree.
func TestCompareTimeouts(t *testing.T) {
	vs := func(timeout string) *mesh.Model {
		m, err := meshtest.Model(mesh.Routing{Timeout: timeout, Gateway: mesh.Gateway{Selector: map[string]string{"istio": "ingressgateway"}}})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	gw := func(timeout string) gatewayapi.Model {
		o, err := gatewayapi.Build(gatewayapi.Spec{
			Routing: mesh.Routing{Hosts: []string{"echo.example.com"}, Gateway: mesh.Gateway{Name: "shop-gateway"}, Timeout: timeout},
			App:     "echo", Namespace: "shop", Port: 8600, TargetPort: 5678,
			Releases: []gatewayapi.Release{
				{Colour: mesh.Blue, Selector: map[string]string{"app": "echo", "version": "blue"}},
				{Colour: mesh.Green, Selector: map[string]string{"app": "echo", "version": "green"}},
			},
		}.WithDefaults())
		if err != nil {
			t.Fatal(err)
		}
		return gatewayapi.ModelOf(o)
	}
	const (
		vsBlue = "outbound|8600|blue|" + meshtest.Host
		gwBlue = "outbound|8600||echo-blue.shop.svc.cluster.local"
	)
	home := []mesh.Case{{Name: "GET /", Request: mesh.Request{Host: "echo.example.com", Path: "/"}}}
	for _, tc := range []struct {
		name                string
		compare             func() ([]envoyroutes.Row, error)
		wantRoutes, wantEnv string
	}{
		{"virtualService/equal", func() ([]envoyroutes.Row, error) {
			return envoyroutes.Compare(vs("10s"), oneRoute(vsBlue, durationpb.New(10*time.Second)), home)
		}, "blue 100%; path /; timeout 10s", "blue 100%; path /; timeout 10s"},
		{"virtualService/none and disabled", func() ([]envoyroutes.Row, error) {
			return envoyroutes.Compare(vs(""), oneRoute(vsBlue, durationpb.New(0)), home)
		}, "blue 100%; path /", "blue 100%; path /"},
		{"fails/virtualService/planted other timeout", func() ([]envoyroutes.Row, error) {
			return envoyroutes.Compare(vs("10s"), oneRoute(vsBlue, durationpb.New(5*time.Second)), home)
		}, "blue 100%; path /; timeout 10s", "blue 100%; path /; timeout 5s"},
		{"fails/virtualService/Envoy's default", func() ([]envoyroutes.Row, error) {
			return envoyroutes.Compare(vs(""), oneRoute(vsBlue, nil), home)
		}, "blue 100%; path /", "blue 100%; path /; timeout 15s"},
		{"gatewayAPI/equal", func() ([]envoyroutes.Row, error) {
			return envoyroutes.CompareGatewayCases(gw("10s"), oneRoute(gwBlue, durationpb.New(10*time.Second)), home)
		}, "shop/echo-blue:8600 blue 100%; path /; timeout 10s", "shop/echo-blue:8600 blue 100%; path /; timeout 10s"},
		{"fails/gatewayAPI/planted other timeout", func() ([]envoyroutes.Row, error) {
			return envoyroutes.CompareGatewayCases(gw("10s"), oneRoute(gwBlue, durationpb.New(2500*time.Millisecond)), home)
		}, "shop/echo-blue:8600 blue 100%; path /; timeout 10s", "shop/echo-blue:8600 blue 100%; path /; timeout 2.5s"},
		{"fails/gatewayAPI/Envoy's default", func() ([]envoyroutes.Row, error) {
			return envoyroutes.CompareGatewayCases(gw(""), oneRoute(gwBlue, nil), home)
		}, "shop/echo-blue:8600 blue 100%; path /", "shop/echo-blue:8600 blue 100%; path /; timeout 15s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := tc.compare()
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1 {
				t.Fatalf("%d rows; want 1", len(rows))
			}
			r := rows[0]
			if r.Routes != tc.wantRoutes || r.Envoy != tc.wantEnv {
				t.Errorf("got routes %q, Envoy %q; want %q, %q", r.Routes, r.Envoy, tc.wantRoutes, tc.wantEnv)
			}
			if want := tc.wantRoutes == tc.wantEnv; r.Agree() != want {
				t.Errorf("Agree() = %v; want %v", r.Agree(), want)
			}
			if r.Case.Name != "GET /" || r.RouteConfig != "http.80" || r.Route != "any default" {
				t.Errorf("row of %q decided by %q %q; want GET /, decided by http.80, any default", r.Case.Name, r.RouteConfig, r.Route)
			}
		})
	}
}
