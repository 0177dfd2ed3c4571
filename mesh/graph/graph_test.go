package graph_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/graph"
	"github.com/bluegreen-mesh/bluegreen/mesh/meshtest"
)

func model(t *testing.T, p mesh.Routing) *mesh.Model {
	t.Helper()
	p.Gateway.Selector = map[string]string{"istio": "ingressgateway"}
	m, err := meshtest.Model(p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestLabelsFollowTheLiveColour draws the app with either colour live and
// the canary at every share from none to all: the live and candidate
// labels follow the live colour (the VirtualService's bluegreen.io/live
// annotation), never the weights (above 50 % the candidate has the larger
// share).
func TestLabelsFollowTheLiveColour(t *testing.T) {
	cases := 0
	for _, live := range []string{"blue", "green"} {
		candidate := map[string]string{"blue": "green", "green": "blue"}[live]
		for _, weight := range []int{0, 10, 50, 80, 100} {
			t.Run(fmt.Sprintf("live %s, candidate at %d%%", live, weight), func(t *testing.T) {
				cases++
				mmd := graph.Build(model(t, mesh.Routing{Live: live, CandidateWeight: weight})).Mermaid()
				for _, want := range []string{"release " + live + " (live)", "release " + candidate + " (candidate)"} {
					if !strings.Contains(mmd, want) {
						t.Errorf("the picture lacks %q:\n%s", want, mmd)
					}
				}
				for _, wrong := range []string{"release " + live + " (candidate)", "release " + candidate + " (live)"} {
					if strings.Contains(mmd, wrong) {
						t.Errorf("the picture says %q:\n%s", wrong, mmd)
					}
				}
			})
		}
	}
	if cases != 10 {
		t.Fatalf("ran %d cases, want 10", cases)
	}
}

// TestEdgesCarryTheEvaluatorsWeights holds the picture's edge labels
// against the evaluator's shares for the default route: both read
// mesh.Weight, so a lone destination without a weight is 100 % in both.
func TestEdgesCarryTheEvaluatorsWeights(t *testing.T) {
	for _, weight := range []int{0, 30} {
		t.Run(fmt.Sprintf("candidate at %d%%", weight), func(t *testing.T) {
			m := model(t, mesh.Routing{Hosts: []string{"echo.example.com"}, CandidateWeight: weight})
			out, err := m.Evaluate(mesh.Request{Host: "echo.example.com", Path: "/"})
			if err != nil {
				t.Fatal(err)
			}
			want := map[int]int{0: 1, 30: 2}[weight]
			if len(out.Destinations) != want {
				t.Fatalf("got %d destinations, want %d: %+v", len(out.Destinations), want, out)
			}
			mmd := graph.Build(m).Mermaid()
			for _, d := range out.Destinations {
				edge := fmt.Sprintf("echo_r5 -->|%d%%| subset_%s", d.Weight, d.Subset)
				if !strings.Contains(mmd, edge) {
					t.Errorf("the picture lacks the default route's edge %q:\n%s", edge, mmd)
				}
			}
		})
	}
}

// TestGatewayEdgesFollowTheNamespace checks that a VirtualService bound to
// a same-named Gateway of another namespace is not drawn as bound to the
// Gateway here.
func TestGatewayEdgesFollowTheNamespace(t *testing.T) {
	for _, tc := range []struct {
		ref, want string
	}{
		{"echo-gateway", "gw_echo_gateway --> vs_echo"},
		{"shop/echo-gateway", "gw_echo_gateway --> vs_echo"},
		{"elsewhere/echo-gateway", "gw_elsewhere_echo_gateway --> vs_echo"},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			m := model(t, mesh.Routing{})
			m.VirtualServices[0].Spec.Gateways = []string{tc.ref}
			mmd := graph.Build(m).Mermaid()
			if n := strings.Count(mmd, "--> vs_echo\n"); n != 1 {
				t.Fatalf("got %d edges into the VirtualService, want 1:\n%s", n, mmd)
			}
			if !strings.Contains(mmd, tc.want) {
				t.Errorf("the picture lacks %q:\n%s", tc.want, mmd)
			}
		})
	}
}

// TestUnnamedRoutesAreNamedAsTheEvaluatorDoes strips every route's name:
// the picture's default rule and the evaluator's answer both call it "#4"
// (mesh.RouteName).
func TestUnnamedRoutesAreNamedAsTheEvaluatorDoes(t *testing.T) {
	m := model(t, mesh.Routing{Hosts: []string{"echo.example.com"}})
	http := m.VirtualServices[0].Spec.GetHttp()
	if len(http) != 5 {
		t.Fatalf("got %d routes, want 5", len(http))
	}
	for _, r := range http {
		r.Name = ""
	}
	out, err := m.Evaluate(mesh.Request{Host: "echo.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	mmd := graph.Build(m).Mermaid()
	if want := `vs_echo_r5{{"5. #4<br/>any request"}}`; out.Route != "#4" || !strings.Contains(mmd, want) {
		t.Errorf("the evaluator names the default route %q, want #4; the picture should hold %s:\n%s", out.Route, want, mmd)
	}
}

// TestDelegationIsDrawn draws three apps on one shared Gateway: the root
// VirtualService's rules hand over to each app's delegate, drawn with its
// own rules.
func TestDelegationIsDrawn(t *testing.T) {
	apps := []mesh.App{meshtest.SharedApp("shop", "/", "shop.example.com"), meshtest.SharedApp("cart", "/cart", "shop.example.com"), meshtest.SharedApp("blog", "/", "blog.example.com")}
	apps[1].Routing.Live = mesh.Green
	m, _, _ := meshtest.AppsModel(t, apps...)
	mmd := graph.Build(m).Mermaid()
	for _, want := range []string{"1. cart<br/>", "2. shop<br/>", "-->|delegate| vs_cart", "-->|delegate| vs_shop", "VirtualService blog<br/>blog.example.com",
		`subset green of cart<br/>version=green`, `subset green of shop<br/>version=green`, `rewrite ^/cart/v2(/#124;$) to /cart\1`} {
		if !strings.Contains(mmd, want) {
			t.Errorf("the picture lacks %q:\n%s", want, mmd)
		}
	}
}

// TestEachAppsLiveColourIsMarked marks, with several apps, each app's own
// live colour: cart's green while shop and blog keep blue.
func TestEachAppsLiveColourIsMarked(t *testing.T) {
	apps := []mesh.App{meshtest.SharedApp("shop", "/", "shop.example.com"), meshtest.SharedApp("cart", "/cart", "shop.example.com")}
	apps[1].Routing.Live = mesh.Green
	m, _, _ := meshtest.AppsModel(t, apps...)
	classes := map[string]string{}
	for _, line := range strings.Split(graph.Build(m).Mermaid(), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "class" {
			for _, n := range strings.Split(f[1], ",") {
				classes[n] = f[2]
			}
		}
	}
	for n, want := range map[string]string{
		"release_cart_cart_svc_cluster_local_green": "live", "release_cart_cart_svc_cluster_local_blue": "candidate",
		"release_shop_shop_svc_cluster_local_blue": "live", "release_shop_shop_svc_cluster_local_green": "candidate",
	} {
		if classes[n] != want {
			t.Errorf("%s is marked %q; want %q (classes %v)", n, classes[n], want, classes)
		}
	}
}
