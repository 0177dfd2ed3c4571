package mesh_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/meshtest"
)

// TestStandardCasesFollowTheRoutes evaluates the standard requests
// against the VirtualService Build makes from the same settings: each
// request reaches the route it was made for, and the requests come in the
// order of the routes.
func TestStandardCasesFollowTheRoutes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		p     mesh.Routing
		cases []string
	}{
		{"defaults", mesh.Routing{}, []string{
			"GET / (default)", "GET /v1 (path-blue)", "GET /v1/health (path-blue)", "GET /v2 (path-green)", "GET /v2/health (path-green)",
			"cookie x-version=v1 (cookie-blue)", "cookie x-version=v2 (cookie-green)", "cookie x-version=v20 (default)"}},
		{"header, green live, canary", mesh.Routing{Live: "green", CandidateWeight: 20,
			Header: mesh.Rule{Name: "x-env", Values: map[string]string{"blue": "qa", "green": "prod"}}}, []string{
			"GET / (default)", "GET /v1 (path-blue)", "GET /v1/health (path-blue)", "GET /v2 (path-green)", "GET /v2/health (path-green)",
			"header x-env: qa (header-blue)", "header x-env: prod (header-green)",
			"cookie x-version=v1 (cookie-blue)", "cookie x-version=v2 (cookie-green)", "cookie x-version=v10 (default)"}},
		{"no paths, one cookie", mesh.Routing{VersionPaths: map[string]string{}, Cookie: mesh.Rule{Name: "c", Values: map[string]string{"green": "g"}}}, []string{
			"GET / (default)", "cookie c=g (cookie-green)", "cookie c=g0 (default)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.p.Hosts = []string{"echo.example.com"}
			tc.p.Gateway.Selector = map[string]string{"istio": "ingressgateway"}
			m, err := meshtest.Model(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			cases := mesh.StandardCases(tc.p.WithDefaults("echo"), "echo.example.com")
			var got []string
			for _, c := range cases {
				got = append(got, c.Name+" ("+c.Route+")")
			}
			if !slices.Equal(got, tc.cases) {
				t.Fatalf("got cases\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.cases, "\n  "))
			}
			var order []string
			for _, c := range cases {
				out, err := m.Evaluate(c.Request)
				if err != nil {
					t.Fatal(err)
				}
				if out.Route != c.Route {
					t.Errorf("%s: reached route %q, want %q", c.Name, out.Route, c.Route)
				}
				if c.Route != mesh.RouteDefault && !slices.Contains(order, c.Route) {
					order = append(order, c.Route)
				}
			}
			var routes []string
			for _, r := range m.VirtualServices[0].Spec.GetHttp() {
				routes = append(routes, r.GetName())
			}
			if want := append(order, mesh.RouteDefault); !slices.Equal(routes, want) {
				t.Errorf("the VirtualService tries %v; the standard requests show %v", routes, want)
			}
		})
	}
}

func TestRouteNamesAreBuildsNames(t *testing.T) {
	p := mesh.Routing{
		Hosts:   []string{"echo.example.com"},
		Gateway: mesh.Gateway{Selector: map[string]string{"istio": "ingressgateway"}},
		Header:  mesh.Rule{Name: "x-version", Values: map[string]string{"blue": "v1", "green": "v2"}},
	}
	o, err := mesh.Build(p.WithDefaults("echo"), meshtest.Target())
	if err != nil {
		t.Fatal(err)
	}
	var built []string
	for _, r := range o.VirtualService.GetHttp() {
		built = append(built, r.GetName())
	}
	want := []string{"path-blue", "path-green", "header-blue", "header-green", "cookie-blue", "cookie-green", "default"}
	if !slices.Equal(built, want) || !slices.Equal(mesh.RouteNames(), want) {
		t.Errorf("Build made routes %v and RouteNames lists %v; want both %v", built, mesh.RouteNames(), want)
	}
}
