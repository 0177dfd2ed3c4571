package mesh_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/meshtest"
)

// threeApps are shop (/) and cart (/cart) sharing shop.example.com, and
// blog alone on blog.example.com.
func threeApps() []mesh.App {
	return []mesh.App{meshtest.SharedApp("shop", "/", "shop.example.com"), meshtest.SharedApp("cart", "/cart", "shop.example.com"), meshtest.SharedApp("blog", "/", "blog.example.com")}
}

var sharedGateway = mesh.SharedGateway{Name: "shared", Namespace: "istio-ingress", Gateway: mesh.Routing{}.WithDefaults("x").Gateway}

func TestBuildAppsSharesOneGatewayAndDelegatesSharedHosts(t *testing.T) {
	_, s, objs := meshtest.AppsModel(t, threeApps()...)
	if len(s.Gateway.GetServers()) != 1 || !slices.Equal(s.Gateway.GetServers()[0].GetHosts(), []string{"blog.example.com", "shop.example.com"}) {
		t.Errorf("shared Gateway servers %v; want one HTTP server for blog.example.com and shop.example.com", s.Gateway.GetServers())
	}
	if len(s.Roots) != 1 || s.Roots[0].Host != "shop.example.com" || !slices.Equal(s.Roots[0].Apps, []string{"cart", "shop"}) || s.Roots[0].Name != "shared-shop.example.com" {
		t.Fatalf("roots %+v; want one, shared-shop.example.com, delegating to cart then shop", s.Roots)
	}
	root := s.Roots[0].VirtualService
	cartRoute := root.GetHttp()[0]
	if cartRoute.GetDelegate().GetName() != "cart" || cartRoute.GetDelegate().GetNamespace() != "cart" ||
		cartRoute.GetMatch()[0].GetUri().GetExact() != "/cart" || cartRoute.GetMatch()[1].GetUri().GetPrefix() != "/cart/" {
		t.Errorf("root's first route %v; want exact /cart and prefix /cart/ delegated to cart/cart", cartRoute)
	}
	if shop := root.GetHttp()[1]; len(shop.GetMatch()) != 0 || shop.GetDelegate().GetName() != "shop" {
		t.Errorf("root's last route %v; want shop's, without conditions", shop)
	}
	for name, want := range map[string]bool{"shop": true, "cart": true, "blog": false} {
		o := objs[name]
		if o.Delegate != want || o.Gateway != nil {
			t.Errorf("%s: delegate %v, own Gateway %v; want delegate %v and no Gateway of its own", name, o.Delegate, o.Gateway, want)
		}
		vs := o.VirtualService
		if want && (len(vs.GetHosts()) != 0 || len(vs.GetGateways()) != 0) {
			t.Errorf("%s's delegate has hosts %v and gateways %v; Istio wants neither", name, vs.GetHosts(), vs.GetGateways())
		}
		if !want && (!slices.Equal(vs.GetGateways(), []string{"istio-ingress/shared"}) || !slices.Equal(vs.GetHosts(), []string{"blog.example.com"})) {
			t.Errorf("%s's VirtualService hosts %v gateways %v; want its host on istio-ingress/shared", name, vs.GetHosts(), vs.GetGateways())
		}
	}
}

func TestAnswersAcrossApps(t *testing.T) {
	apps := threeApps()
	m, _, _ := meshtest.AppsModel(t, apps...)
	for _, tc := range meshtest.AppsRequests {
		as, err := mesh.Answers(m, apps, []mesh.Case{{Name: tc.Path, Request: mesh.Request{Host: tc.Host, Path: tc.Path, Headers: tc.Headers}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := meshtest.Summary(as[0]); got != tc.Want {
			t.Errorf("%s%s %v: %s; want %s", tc.Host, tc.Path, tc.Headers, got, tc.Want)
		}
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestAppCasesReachTheirApp evaluates every app's standard requests
// through the whole gateway: each reaches its app's rule it was made for,
// and each near miss another app or none.
func TestAppCasesReachTheirApp(t *testing.T) {
	apps := threeApps()
	m, _, _ := meshtest.AppsModel(t, apps...)
	cases := mesh.AppCases(apps)
	n := 0
	for _, a := range apps {
		as, err := mesh.Answers(m, apps, cases[a.Name])
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range cases[a.Name] {
			n++
			got := as[i]
			if c.Route == "" {
				if got.App == a.Name {
					t.Errorf("%s (a near miss) answered by %s", c.Name, got.App)
				}
				continue
			}
			if got.App != a.Name || got.Rule != c.Route {
				t.Errorf("%s: app %q rule %q; want %q %q", c.Name, got.App, got.Rule, a.Name, c.Route)
			}
		}
	}
	if n != 8+8+8+2 {
		t.Errorf("%d standard requests; want 26 (8 per app, and cart's 2 near misses)", n)
	}
}

func TestAnswerJSON(t *testing.T) {
	apps := threeApps()
	m, _, _ := meshtest.AppsModel(t, apps...)
	as, err := mesh.Answers(m, apps, []mesh.Case{
		{Request: mesh.Request{Host: "shop.example.com", Path: "/cart/v2/items"}},
		{Request: mesh.Request{Host: "nowhere.example.com"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"request":{"method":"GET","host":"shop.example.com","path":"/cart/v2/items","headers":{}},"app":"cart","rule":"path-green","destinations":[{"colour":"green","weight":100,"path":"/cart/items"}],"mirror":null,"notes":[]},` +
		`{"request":{"method":"GET","host":"nowhere.example.com","path":"/","headers":{}},"app":"","rule":"","destinations":[],"mirror":null,"notes":["404: no Gateway serves host \"nowhere.example.com\" over http"]}]`
	if got := jsonOf(as); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestCheckApps(t *testing.T) {
	codes := func(apps ...mesh.App) []string {
		var out []string
		for _, f := range mesh.CheckApps(apps) {
			out = append(out, f.Code+" "+string(f.Severity)+" "+f.Object)
		}
		return out
	}
	if got := codes(meshtest.SharedApp("a", "/cart", "shop.example.com"), meshtest.SharedApp("b", "/cart", "shop.example.com")); !slices.Contains(got, "BG014 error app a") {
		t.Errorf("two apps under /cart on one host: %v; want BG014", got)
	}
	if got := codes(meshtest.SharedApp("shop", "/", "shop.example.com"), meshtest.SharedApp("legacy", "/v1", "shop.example.com")); !slices.Contains(got, "BG015 error app legacy") {
		t.Errorf("an app under shop's version path /v1: %v; want BG015 naming legacy", got)
	}
	if got := codes(meshtest.SharedApp("shop", "/", "shop.example.com"), meshtest.SharedApp("legacy", "/v1/old", "shop.example.com")); !slices.Contains(got, "BG015 error app legacy") {
		t.Errorf("an app below shop's version path /v1: %v; want BG015 naming legacy", got)
	}
	if got := codes(meshtest.SharedApp("shop", "/", "shop.example.com"), meshtest.SharedApp("cart", "/cart", "shop.example.com")); !slices.Equal(got, []string{"BG016 warning app cart"}) {
		t.Errorf("shop and cart with the default cookie on one host: %v; want only BG016", got)
	}
	if got := codes(meshtest.SharedApp("shop", "/", "shop.example.com"), meshtest.SharedApp("blog", "/", "blog.example.com")); len(got) != 0 {
		t.Errorf("apps on hosts of their own: %v; want nothing", got)
	}
	_, _, err := mesh.BuildApps(sharedGateway, []mesh.App{meshtest.SharedApp("a", "/cart", "shop.example.com"), meshtest.SharedApp("b", "/cart", "shop.example.com")})
	if err == nil || !strings.Contains(err.Error(), `apps a and b both serve host "shop.example.com" under path prefix "/cart"`) {
		t.Errorf("BuildApps with two apps under one prefix: %v; want the BG014 error", err)
	}
}

// TestEvaluatorAgreesWithEvaluate evaluates every app's standard requests
// twice with one Evaluator (whose second pass reads what the first kept)
// and once each with Model.Evaluate: the outcomes are the same.
func TestEvaluatorAgreesWithEvaluate(t *testing.T) {
	apps := threeApps()
	m, _, _ := meshtest.AppsModel(t, apps...)
	ev := m.Evaluator()
	n := 0
	for pass := range 2 {
		for _, a := range apps {
			for _, c := range mesh.AppCases(apps)[a.Name] {
				want, err := m.Evaluate(c.Request)
				if err != nil {
					t.Fatal(err)
				}
				got, err := ev.Evaluate(c.Request)
				if err != nil {
					t.Fatal(err)
				}
				if jsonOf(got) != jsonOf(want) {
					t.Errorf("pass %d, %s: Evaluator %s; Evaluate %s", pass, c.Name, jsonOf(got), jsonOf(want))
				}
				if want.Delegate != "" {
					n++
				}
			}
		}
	}
	if n == 0 {
		t.Error("no request went through a delegate; the test shows nothing of what the Evaluator keeps")
	}
}
