package gatewayapi_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
	"github.com/bluegreen-mesh/bluegreen/mesh/meshtest"
)

// appSpec is an app named name in a namespace of its own under prefix on
// hosts, both colours released.
func appSpec(name, prefix string, hosts ...string) gatewayapi.Spec {
	return gatewayapi.Spec{
		App: name, Namespace: name, Port: 8600,
		Releases: []gatewayapi.Release{
			{Colour: mesh.Blue, Selector: map[string]string{"app": name, "version": "blue"}},
			{Colour: mesh.Green, Selector: map[string]string{"app": name, "version": "green"}},
		},
		Routing: mesh.Routing{Hosts: hosts, PathPrefix: prefix},
	}.WithDefaults()
}

func threeAppSpecs() []gatewayapi.Spec {
	return []gatewayapi.Spec{appSpec("shop", "/", "shop.example.com"), appSpec("cart", "/cart", "shop.example.com"), appSpec("blog", "/", "blog.example.com")}
}

func modelOfAppSpecs(t *testing.T, specs []gatewayapi.Spec) (gatewayapi.Model, gatewayapi.SharedObjects, map[string]gatewayapi.Objects) {
	t.Helper()
	s, objs, err := gatewayapi.BuildApps(gatewayapi.SharedGateway{Name: "shared", Namespace: "istio-ingress"}, specs)
	if err != nil {
		t.Fatal(err)
	}
	return gatewayapi.ModelOfApps(s, objs), s, objs
}

func TestBuildAppsSharesOneGateway(t *testing.T) {
	_, s, objs := modelOfAppSpecs(t, threeAppSpecs())
	var hosts []string
	for _, l := range s.Gateway.Spec.Listeners {
		hosts = append(hosts, string(l.Name)+"="+string(*l.Hostname))
		if got := l.AllowedRoutes.Namespaces.Selector.MatchExpressions[0].Values; !slices.Equal(got, []string{"blog", "cart", "shop"}) {
			t.Errorf("listener %s admits routes of %v; want the apps' namespaces", l.Name, got)
		}
	}
	if want := []string{"http-0=blog.example.com", "http-1=shop.example.com"}; !slices.Equal(hosts, want) {
		t.Errorf("listeners %v; want %v", hosts, want)
	}
	for name, o := range objs {
		ref := o.HTTPRoute.Spec.ParentRefs
		if o.Gateway != nil || len(ref) != 1 || ref[0].Name != "shared" || string(*ref[0].Namespace) != "istio-ingress" {
			t.Errorf("%s: own Gateway %v, parents %v; want none, and the shared Gateway as the parent", name, o.Gateway, ref)
		}
	}
}

// TestAnswersAcrossApps is the VirtualService test's table (package mesh)
// judged with the Gateway API's precedence.
func TestAnswersAcrossApps(t *testing.T) {
	specs := threeAppSpecs()
	m, _, _ := modelOfAppSpecs(t, specs)
	for _, tc := range meshtest.AppsRequests {
		as, err := gatewayapi.Answers(m, specs, []mesh.Case{{Name: tc.Path, Request: mesh.Request{Host: tc.Host, Path: tc.Path, Headers: tc.Headers}}})
		if err != nil {
			t.Fatal(err)
		}
		a := as[0]
		got := meshtest.Summary(a)
		if got != tc.Want {
			t.Errorf("%s%s %v: %s; want %s (notes %v)", tc.Host, tc.Path, tc.Headers, got, tc.Want, a.Notes)
		}
	}
}

func TestAppCasesReachTheirAppOnTheGatewayAPI(t *testing.T) {
	specs := threeAppSpecs()
	m, _, _ := modelOfAppSpecs(t, specs)
	apps := gatewayapi.AppsOf(specs)
	cases := mesh.AppCases(apps)
	n := 0
	for _, a := range apps {
		as, err := gatewayapi.Answers(m, specs, cases[a.Name])
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range cases[a.Name] {
			n++
			if c.Route == "" {
				if as[i].App == a.Name {
					t.Errorf("%s (a near miss) answered by %s", c.Name, as[i].App)
				}
				continue
			}
			if as[i].App != a.Name || as[i].Rule != c.Route {
				t.Errorf("%s: app %q rule %q (notes %v); want %q %q", c.Name, as[i].App, as[i].Rule, as[i].Notes, a.Name, c.Route)
			}
		}
	}
	if n != 26 {
		t.Errorf("%d requests; want 26", n)
	}
}

func TestBuildAppsRefusesTwoAppsUnderOnePrefix(t *testing.T) {
	_, _, err := gatewayapi.BuildApps(gatewayapi.SharedGateway{Name: "shared", Namespace: "istio-ingress"},
		[]gatewayapi.Spec{appSpec("a", "/cart", "shop.example.com"), appSpec("b", "/cart", "shop.example.com")})
	if err == nil || !strings.Contains(err.Error(), `apps a and b both serve host "shop.example.com" under path prefix "/cart"`) {
		t.Errorf("error %v; want the BG014 error", err)
	}
}
