package gatewayapi_test

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
)

// created is the creation time of the oldest route in these tests.
var created = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func gateway() *gwv1.Gateway {
	return &gwv1.Gateway{
		ObjectMeta: metav1.ObjectMeta{Name: "gw", Namespace: "ns"},
		Spec: gwv1.GatewaySpec{GatewayClassName: "istio", Listeners: []gwv1.Listener{
			{Name: "any", Port: 80, Protocol: gwv1.HTTPProtocolType},
			{Name: "shop", Port: 80, Protocol: gwv1.HTTPProtocolType, Hostname: ptr.To(gwv1.Hostname("*.shop.example.com"))},
		}},
	}
}

// route returns an HTTPRoute on gateway gw created age minutes after
// created, whose rule i sends to Service "s<i>".
func route(name string, age int, hostnames []gwv1.Hostname, rules ...gwv1.HTTPRouteRule) *gwv1.HTTPRoute {
	for i := range rules {
		rules[i].BackendRefs = []gwv1.HTTPBackendRef{{BackendRef: gwv1.BackendRef{BackendObjectReference: gwv1.BackendObjectReference{
			Name: gwv1.ObjectName("s" + string(rune('0'+i))), Port: ptr.To(gwv1.PortNumber(80)),
		}}}}
	}
	return &gwv1.HTTPRoute{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", CreationTimestamp: metav1.NewTime(created.Add(time.Duration(age) * time.Minute))},
		Spec: gwv1.HTTPRouteSpec{
			CommonRouteSpec: gwv1.CommonRouteSpec{ParentRefs: []gwv1.ParentReference{{Name: "gw"}}},
			Hostnames:       hostnames,
			Rules:           rules,
		},
	}
}

func services() []*corev1.Service {
	var out []*corev1.Service
	for _, name := range []string{"s0", "s1", "s2"} {
		out = append(out, &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
			Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}},
		})
	}
	return out
}

func path(typ gwv1.PathMatchType, value string) *gwv1.HTTPPathMatch {
	return &gwv1.HTTPPathMatch{Type: ptr.To(typ), Value: ptr.To(value)}
}

func header(name, value string) gwv1.HTTPHeaderMatch {
	return gwv1.HTTPHeaderMatch{Name: gwv1.HTTPHeaderName(name), Value: value}
}

func rule(name string, matches ...gwv1.HTTPRouteMatch) gwv1.HTTPRouteRule {
	r := gwv1.HTTPRouteRule{Matches: matches}
	if name != "" {
		r.Name = ptr.To(gwv1.SectionName(name))
	}
	return r
}

// TestPrecedence covers requests where list order and specificity disagree:
// in each, a broader rule is listed first, and the Gateway API answer is the
// narrower rule (list order would pick the first).
func TestPrecedence(t *testing.T) {
	post := gwv1.HTTPMethodPost
	for _, tc := range []struct {
		name      string
		routes    []*gwv1.HTTPRoute
		req       gatewayapi.Request
		want      string // "route rule"
		outranked string // the other matching rules, best first
	}{{
		name: "longer prefix beats a broad prefix listed first",
		routes: []*gwv1.HTTPRoute{route("r", 0, nil,
			rule("all", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/")}),
			rule("api", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/api")}))},
		req:       gatewayapi.Request{Path: "/api/users"},
		want:      "ns/r api",
		outranked: "ns/r all",
	}, {
		name: "prefixes match whole segments: /apix is not under /api",
		routes: []*gwv1.HTTPRoute{route("r", 0, nil,
			rule("all", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/")}),
			rule("api", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/api/")}))},
		req:  gatewayapi.Request{Path: "/apix"},
		want: "ns/r all",
	}, {
		name: "a trailing slash on a prefix is ignored: /api/ matches /api",
		routes: []*gwv1.HTTPRoute{route("r", 0, nil,
			rule("all", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/")}),
			rule("api", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/api/")}))},
		req:       gatewayapi.Request{Path: "/api"},
		want:      "ns/r api",
		outranked: "ns/r all",
	}, {
		name: "exact beats a prefix of the same path listed first",
		routes: []*gwv1.HTTPRoute{route("r", 0, nil,
			rule("prefix", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/login")}),
			rule("exact", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchExact, "/login")}))},
		req:       gatewayapi.Request{Path: "/login?next=/"},
		want:      "ns/r exact",
		outranked: "ns/r prefix",
	}, {
		name: "a longer prefix beats more headers",
		routes: []*gwv1.HTTPRoute{route("r", 0, nil,
			rule("header", gwv1.HTTPRouteMatch{Headers: []gwv1.HTTPHeaderMatch{header("x-team", "a"), header("x-beta", "1")}}),
			rule("shop", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/shop")}))},
		req:       gatewayapi.Request{Path: "/shop", Headers: map[string]string{"x-team": "a", "x-beta": "1"}},
		want:      "ns/r shop",
		outranked: "ns/r header",
	}, {
		name: "a method match beats more headers",
		routes: []*gwv1.HTTPRoute{route("r", 0, nil,
			rule("headers", gwv1.HTTPRouteMatch{Headers: []gwv1.HTTPHeaderMatch{header("x-team", "a"), header("x-beta", "1")}}),
			rule("post", gwv1.HTTPRouteMatch{Method: &post}))},
		req:       gatewayapi.Request{Method: "POST", Path: "/", Headers: map[string]string{"x-team": "a", "x-beta": "1"}},
		want:      "ns/r post",
		outranked: "ns/r headers",
	}, {
		name: "more headers beat fewer",
		routes: []*gwv1.HTTPRoute{route("r", 0, nil,
			rule("one", gwv1.HTTPRouteMatch{Headers: []gwv1.HTTPHeaderMatch{header("x-team", "a")}}),
			rule("two", gwv1.HTTPRouteMatch{Headers: []gwv1.HTTPHeaderMatch{header("x-team", "a"), header("x-beta", "1")}}))},
		req:       gatewayapi.Request{Path: "/", Headers: map[string]string{"x-team": "a", "x-beta": "1"}},
		want:      "ns/r two",
		outranked: "ns/r one",
	}, {
		name: "a query match breaks a header tie",
		routes: []*gwv1.HTTPRoute{route("r", 0, nil,
			rule("header", gwv1.HTTPRouteMatch{Headers: []gwv1.HTTPHeaderMatch{header("x-team", "a")}}),
			rule("query", gwv1.HTTPRouteMatch{
				Headers:     []gwv1.HTTPHeaderMatch{header("x-team", "a")},
				QueryParams: []gwv1.HTTPQueryParamMatch{{Name: "beta", Value: "1"}},
			}))},
		req:       gatewayapi.Request{Path: "/?beta=1&x=2", Headers: map[string]string{"x-team": "a"}},
		want:      "ns/r query",
		outranked: "ns/r header",
	}, {
		name: "the older route wins a tie, whatever the list order",
		routes: []*gwv1.HTTPRoute{
			route("young", 5, nil, rule("", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/api")})),
			route("old", 0, nil, rule("", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/api")})),
		},
		req:       gatewayapi.Request{Path: "/api"},
		want:      "ns/old #0",
		outranked: "ns/young #0",
	}, {
		name: "routes of the same age: namespace/name decides",
		routes: []*gwv1.HTTPRoute{
			route("b", 0, nil, rule("", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/api")})),
			route("a", 0, nil, rule("", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/api")})),
		},
		req:       gatewayapi.Request{Path: "/api"},
		want:      "ns/a #0",
		outranked: "ns/b #0",
	}, {
		name: "specificity across routes beats age",
		routes: []*gwv1.HTTPRoute{
			route("old", 0, nil, rule("all", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/")})),
			route("young", 5, nil, rule("api", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/api")})),
		},
		req:       gatewayapi.Request{Path: "/api/x"},
		want:      "ns/young api",
		outranked: "ns/old all",
	}, {
		name: "Istio ranks regular-expression paths after every prefix",
		routes: []*gwv1.HTTPRoute{route("r", 0, nil,
			rule("regex", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchRegularExpression, "/api/[0-9]+")}),
			rule("all", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/")}))},
		req:       gatewayapi.Request{Path: "/api/42"},
		want:      "ns/r all",
		outranked: "ns/r regex",
	}, {
		name: "regular expressions match the whole path (RE2)",
		routes: []*gwv1.HTTPRoute{route("r", 0, nil,
			rule("regex", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchRegularExpression, "/api/[0-9]+")}))},
		req:  gatewayapi.Request{Path: "/api/42?x=1"},
		want: "ns/r regex",
	}, {
		name: "the first equal rule of a route wins",
		routes: []*gwv1.HTTPRoute{route("r", 0, nil,
			rule("first", gwv1.HTTPRouteMatch{Headers: []gwv1.HTTPHeaderMatch{header("x-a", "1")}}),
			rule("second", gwv1.HTTPRouteMatch{Headers: []gwv1.HTTPHeaderMatch{header("x-b", "1")}}))},
		req:       gatewayapi.Request{Path: "/", Headers: map[string]string{"x-a": "1", "x-b": "1"}},
		want:      "ns/r first",
		outranked: "ns/r second",
	}, {
		name:   "an exact hostname beats a wildcard route's longer path",
		routes: hostRoutes(),
		req:    gatewayapi.Request{Host: "eu.shop.example.com", Path: "/api"},
		want:   "ns/eu all",
	}, {
		name:   "the wildcard route serves the other hosts",
		routes: hostRoutes(),
		req:    gatewayapi.Request{Host: "us.shop.example.com", Path: "/api"},
		want:   "ns/wild api",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			m := gatewayapi.Model{Gateways: []*gwv1.Gateway{gateway()}, HTTPRoutes: tc.routes, Services: services()}
			if tc.req.Host == "" {
				tc.req.Host = "web.example.com"
			}
			out := evaluate(t, m, tc.req)
			if got := out.Route + " " + out.Rule; got != tc.want {
				t.Errorf("decided by %s (%s); want %s", got, out.Precedence, tc.want)
			}
			if got := strings.Join(out.Outranked, ", "); got != tc.outranked {
				t.Errorf("outranked %q; want %q", got, tc.outranked)
			}
		})
	}
}

// hostRoutes are a wildcard route for *.shop.example.com with a rule for
// /api, and a younger route for eu.shop.example.com with a rule for "/".
func hostRoutes() []*gwv1.HTTPRoute {
	return []*gwv1.HTTPRoute{
		route("wild", 0, []gwv1.Hostname{"*.shop.example.com"}, rule("api", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/api")})),
		route("eu", 5, []gwv1.Hostname{"eu.shop.example.com"}, rule("all", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/")})),
	}
}

func TestPrecedenceDescribesTheWinner(t *testing.T) {
	m := model(t, walkthrough())
	out := evaluate(t, m, gatewayapi.Request{Host: "echo.example.com", Path: "/v1/x", Headers: map[string]string{"x-version": "v2"}})
	if want := `PathPrefix "/v1" (3 characters), any method, 0 header and 0 query matches`; out.Precedence != want {
		t.Errorf("precedence %q; want %q", out.Precedence, want)
	}
	if want := "echo/echo header-green, echo/echo default"; strings.Join(out.Outranked, ", ") != want {
		t.Errorf("outranked %q; want %q", strings.Join(out.Outranked, ", "), want)
	}
}

func TestAttachment(t *testing.T) {
	other := route("other-ns", 0, nil, rule("", gwv1.HTTPRouteMatch{}))
	other.Namespace = "elsewhere"
	other.Spec.ParentRefs[0].Namespace = ptr.To(gwv1.Namespace("ns"))
	section := route("section", 0, nil, rule("", gwv1.HTTPRouteMatch{}))
	section.Spec.ParentRefs[0].SectionName = ptr.To(gwv1.SectionName("shop"))

	m := gatewayapi.Model{Gateways: []*gwv1.Gateway{gateway()}, HTTPRoutes: []*gwv1.HTTPRoute{other, section}, Services: services()}
	// The "any" listener admits routes from its own namespace only (the
	// default), and the section route is bound to "shop".
	out := evaluate(t, m, gatewayapi.Request{Host: "web.example.com", Path: "/"})
	if out.Status != 404 || out.Listener != "any" {
		t.Errorf("web.example.com: %d on %s (%s); want 404 on any", out.Status, out.Listener, out.Route)
	}
	out = evaluate(t, m, gatewayapi.Request{Host: "eu.shop.example.com", Path: "/"})
	if out.Status != 0 || out.Listener != "shop" || out.Route != "ns/section" {
		t.Errorf("eu.shop.example.com: %d on %s by %s; want 0 on shop by ns/section", out.Status, out.Listener, out.Route)
	}

	// Plain HTTP listeners on one port share Istio's route table: a host
	// that the more specific listener admits, but none of its routes, is
	// served by the routes of the broader listener.
	section.Spec.ParentRefs[0].SectionName = ptr.To(gwv1.SectionName("any"))
	out = evaluate(t, m, gatewayapi.Request{Host: "eu.shop.example.com", Path: "/"})
	if out.Status != 0 || out.Listener != "any" || out.Route != "ns/section" {
		t.Errorf("route on any only: eu.shop.example.com: %d on %s by %s (%s); want 0 on any by ns/section", out.Status, out.Listener, out.Route, out.Reason)
	}
	// HTTPS listeners are chosen by server name first.
	gw := gateway()
	for i := range gw.Spec.Listeners {
		gw.Spec.Listeners[i].Protocol, gw.Spec.Listeners[i].Port = gwv1.HTTPSProtocolType, 443
	}
	m.Gateways = []*gwv1.Gateway{gw}
	out = evaluate(t, m, gatewayapi.Request{Host: "eu.shop.example.com", Scheme: "https", Path: "/"})
	if want := `no HTTPRoute attached to ns/gw listener shop admits host "eu.shop.example.com"`; out.Status != 404 || out.Reason != want {
		t.Errorf("https: %d (%s); want 404 (%s)", out.Status, out.Reason, want)
	}
	section.Spec.ParentRefs[0].SectionName = ptr.To(gwv1.SectionName("shop"))

	// A listener that admits all namespaces takes the other route.
	gw = gateway()
	gw.Spec.Listeners[0].AllowedRoutes = &gwv1.AllowedRoutes{Namespaces: &gwv1.RouteNamespaces{From: ptr.To(gwv1.NamespacesFromAll)}}
	m.Gateways = []*gwv1.Gateway{gw}
	out = evaluate(t, m, gatewayapi.Request{Host: "web.example.com", Path: "/"})
	if out.Status != 0 || out.Route != "elsewhere/other-ns" {
		t.Errorf("from All: %d by %s; want 0 by elsewhere/other-ns", out.Status, out.Route)
	}
	// Its backend s0 is looked up in the route's namespace, where there is
	// none.
	if len(out.Backends) != 1 || out.Backends[0].Unresolved != "Service elsewhere/s0 does not exist" {
		t.Errorf("backends %+v; want s0 unresolved", out.Backends)
	}
}

func TestEvaluateErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		rule gwv1.HTTPRouteRule
		want string
	}{
		{"bad regex", rule("bad", gwv1.HTTPRouteMatch{Headers: []gwv1.HTTPHeaderMatch{{
			Type: ptr.To(gwv1.HeaderMatchRegularExpression), Name: "cookie", Value: "(x",
		}}}), `httproute ns/r rule bad: regular expression "(x" is not valid RE2`},
		{"prefix rewrite without a prefix match", gwv1.HTTPRouteRule{
			Matches: []gwv1.HTTPRouteMatch{{Path: path(gwv1.PathMatchExact, "/")}},
			Filters: []gwv1.HTTPRouteFilter{{Type: gwv1.HTTPRouteFilterURLRewrite, URLRewrite: &gwv1.HTTPURLRewriteFilter{
				Path: &gwv1.HTTPPathModifier{Type: gwv1.PrefixMatchHTTPPathModifier, ReplacePrefixMatch: ptr.To("/x")},
			}}},
		}, "httproute ns/r rule #0: ReplacePrefixMatch needs a PathPrefix match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := gatewayapi.Model{Gateways: []*gwv1.Gateway{gateway()}, HTTPRoutes: []*gwv1.HTTPRoute{route("r", 0, nil, tc.rule)}, Services: services()}
			_, err := m.Evaluate(gatewayapi.Request{Host: "web.example.com", Path: "/", Headers: map[string]string{"cookie": "a=b"}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v; want one containing %q", err, tc.want)
			}
		})
	}
}

// TestFiltersNotEvaluated checks that a filter the evaluator does not
// model, or one without its settings, is an answer ("not evaluated: ..."),
// not an error and not a guess.
func TestFiltersNotEvaluated(t *testing.T) {
	for _, tc := range []struct {
		name string
		rule gwv1.HTTPRouteRule
		want string
	}{
		{"unevaluated filter", gwv1.HTTPRouteRule{Filters: []gwv1.HTTPRouteFilter{{Type: gwv1.HTTPRouteFilterCORS}}},
			"not evaluated: HTTPRoute ns/r rule #0: a CORS filter (or a filter without its settings)"},
		{"filter without its settings", gwv1.HTTPRouteRule{Filters: []gwv1.HTTPRouteFilter{{Type: gwv1.HTTPRouteFilterURLRewrite}}},
			"not evaluated: HTTPRoute ns/r rule #0: a URLRewrite filter (or a filter without its settings)"},
		{"settings of a filter not modelled", gwv1.HTTPRouteRule{Filters: []gwv1.HTTPRouteFilter{{Type: gwv1.HTTPRouteFilterCORS,
			CORS: &gwv1.HTTPCORSFilter{AllowOrigins: []gwv1.CORSOrigin{"https://a.example.com"}}}}},
			"not evaluated: HTTPRoute ns/r spec.rules[0].filters[0].cors"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := gatewayapi.Model{Gateways: []*gwv1.Gateway{gateway()}, HTTPRoutes: []*gwv1.HTTPRoute{route("r", 0, nil, tc.rule)}, Services: services()}
			out, err := m.Evaluate(gatewayapi.Request{Host: "web.example.com", Path: "/"})
			if err != nil {
				t.Fatal(err)
			}
			if out.NotEvaluated != tc.want || len(out.Backends) != 0 {
				t.Errorf("not evaluated %q, backends %+v; want %q and none", out.NotEvaluated, out.Backends, tc.want)
			}
		})
	}
}

func TestRewrites(t *testing.T) {
	for _, tc := range []struct {
		prefix, replace, path, want string
	}{
		{"/v1", "/", "/v1/a?b=c", "/a?b=c"},
		{"/v1", "/", "/v1", "/"},
		{"/v1", "/api", "/v1/a", "/api/a"},
		{"/v1", "/api/", "/v1", "/api"},
		{"/", "/api", "/a", "/api/a"},
		{"/", "/", "/a?x", "/a?x"},
	} {
		r := rule("rw", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, tc.prefix)})
		r.Filters = []gwv1.HTTPRouteFilter{{Type: gwv1.HTTPRouteFilterURLRewrite, URLRewrite: &gwv1.HTTPURLRewriteFilter{
			Path: &gwv1.HTTPPathModifier{Type: gwv1.PrefixMatchHTTPPathModifier, ReplacePrefixMatch: ptr.To(tc.replace)},
		}}}
		m := gatewayapi.Model{Gateways: []*gwv1.Gateway{gateway()}, HTTPRoutes: []*gwv1.HTTPRoute{route("r", 0, nil, r)}, Services: services()}
		out := evaluate(t, m, gatewayapi.Request{Host: "web.example.com", Path: tc.path})
		if out.Path != tc.want {
			t.Errorf("prefix %s replaced by %s on %s: %q; want %q", tc.prefix, tc.replace, tc.path, out.Path, tc.want)
		}
	}
}

func TestMatchConditions(t *testing.T) {
	get, regex := gwv1.HTTPMethodGet, gwv1.QueryParamMatchRegularExpression
	r := route("r", 0, nil,
		rule("exact", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchExact, "/abc")}),
		rule("get-query", gwv1.HTTPRouteMatch{
			Method:      &get,
			QueryParams: []gwv1.HTTPQueryParamMatch{{Type: &regex, Name: "id", Value: "[0-9]+"}},
		}),
		rule("header-regex", gwv1.HTTPRouteMatch{Headers: []gwv1.HTTPHeaderMatch{{
			Type: ptr.To(gwv1.HeaderMatchRegularExpression), Name: "x-team", Value: "team-[a-z]",
		}}}),
	)
	m := gatewayapi.Model{Gateways: []*gwv1.Gateway{gateway()}, HTTPRoutes: []*gwv1.HTTPRoute{r}, Services: services()}
	for _, tc := range []struct {
		req  gatewayapi.Request
		want string // rule, or "404"
	}{
		{gatewayapi.Request{Path: "/abc"}, "exact"},
		{gatewayapi.Request{Path: "/abc?x=1"}, "exact"},
		{gatewayapi.Request{Path: "/abc/"}, "404"},
		{gatewayapi.Request{Path: "/ABC"}, "404"},
		{gatewayapi.Request{Path: "/x?id=42"}, "get-query"},
		{gatewayapi.Request{Path: "/x?a=1&id=42&id=x"}, "get-query"},
		{gatewayapi.Request{Path: "/x?id=42x"}, "404"},
		{gatewayapi.Request{Path: "/x?id=42", Method: "POST"}, "404"},
		{gatewayapi.Request{Path: "/", Headers: map[string]string{"X-Team": "team-a"}}, "header-regex"},
		{gatewayapi.Request{Path: "/", Headers: map[string]string{"x-team": "my-team-a"}}, "404"},
		{gatewayapi.Request{Path: "/", Headers: map[string]string{"x-team": "team-ab"}}, "404"},
	} {
		tc.req.Host = "web.example.com"
		out := evaluate(t, m, tc.req)
		got := out.Rule
		if out.Status == 404 {
			got = "404"
		}
		if got != tc.want {
			t.Errorf("%s %s %v: %s; want %s", tc.req.Method, tc.req.Path, tc.req.Headers, got, tc.want)
		}
	}
}
