package gatewayistiod_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/bluegreen-mesh/bluegreen/internal/testutil/gwcases"
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
)

// walkthrough is the walkthrough's app in namespace ns, on a Gateway named
// after ns: echo with both colours released, blue live, the default
// version paths and cookie, a header rule x-version: v1/v2, and two hosts,
// one of them a wildcard.
func walkthrough(ns string) gatewayapi.Spec {
	return gatewayapi.Spec{
		App:        "echo",
		Namespace:  ns,
		Port:       8600,
		TargetPort: 5678,
		Releases: []gatewayapi.Release{
			{Colour: mesh.Blue, Selector: map[string]string{"app": "echo", "version": "blue"}},
			{Colour: mesh.Green, Selector: map[string]string{"app": "echo", "version": "green"}},
		},
		Routing: mesh.Routing{
			Hosts:   []string{"echo.example.com", "*.shop.example.com"},
			Header:  mesh.Rule{Name: "x-version", Values: map[string]string{mesh.Blue: "v1", mesh.Green: "v2"}},
			Gateway: mesh.Gateway{Name: ns + "-gateway"},
		},
	}.WithDefaults()
}

// canary is the walkthrough over HTTP and HTTPS with a sticky 10 % canary
// and 20 % of the default traffic mirrored to the candidate.
func canary(ns string) gatewayapi.Spec {
	s := walkthrough(ns)
	s.Gateway.TLS = &mesh.TLS{CredentialName: "echo-tls"}
	s.CandidateWeight, s.StickyCanary, s.MirrorPercent = 10, true, 20
	return s.WithDefaults()
}

func build(t *testing.T, s gatewayapi.Spec) gatewayapi.Objects {
	t.Helper()
	o, err := gatewayapi.Build(s)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// walkthroughRequests are the walkthrough's requests to both hosts over
// scheme (gwcases.Walkthrough). 48 requests.
func walkthroughRequests(scheme string) []gatewayapi.Request {
	return gwcases.Walkthrough(scheme, "echo.example.com", "eu.shop.example.com")
}

// sharedService is the app's Service of both colours, which its chart
// creates and the mesh route (GAMMA) of s is attached to.
func sharedService(s gatewayapi.Spec) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: s.MeshService, Namespace: s.Namespace},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": s.App},
			Ports:    []corev1.ServicePort{{Name: s.PortName, Port: int32(s.Port)}},
		},
	}
}

// meshRequests are the walkthrough's requests to one host, made instead
// from inside the mesh to the shared Service of s. 23 requests.
func meshRequests(s gatewayapi.Spec) []gatewayapi.Request {
	var out []gatewayapi.Request
	for _, r := range walkthroughRequests("http") {
		if r.Host == "echo.example.com" {
			r.Host, r.Service, r.Port = "", s.Namespace+"/"+s.MeshService, s.Port
			out = append(out, r)
		}
	}
	return out
}

// precedenceGateway has a listener for any host and one for
// *.shop.example.com, both plain HTTP on port 80.
func precedenceGateway(ns, name string) *gwv1.Gateway {
	return &gwv1.Gateway{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: gwv1.GatewaySpec{GatewayClassName: "istio", Listeners: []gwv1.Listener{
			{Name: "any", Port: 80, Protocol: gwv1.HTTPProtocolType},
			{Name: "shop", Port: 80, Protocol: gwv1.HTTPProtocolType, Hostname: ptr.To(gwv1.Hostname("*.shop.example.com"))},
		}},
	}
}

// route returns an HTTPRoute in ns attached to gateway gw whose rules each
// send to a Service of their own, "<route>-<rule>", so that every rule's
// answer is told apart.
func route(ns, gw, name string, rules ...gwv1.HTTPRouteRule) *gwv1.HTTPRoute {
	for i := range rules {
		rules[i].BackendRefs = []gwv1.HTTPBackendRef{{BackendRef: gwv1.BackendRef{BackendObjectReference: gwv1.BackendObjectReference{
			Name: gwv1.ObjectName(name + "-" + string(*rules[i].Name)), Port: ptr.To(gwv1.PortNumber(80)),
		}}}}
	}
	return &gwv1.HTTPRoute{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: gwv1.HTTPRouteSpec{
			CommonRouteSpec: gwv1.CommonRouteSpec{ParentRefs: []gwv1.ParentReference{{Name: gwv1.ObjectName(gw)}}},
			Rules:           rules,
		},
	}
}

// backendServices returns a Service with port 80 for each backend of
// routes.
func backendServices(routes ...*gwv1.HTTPRoute) []*corev1.Service {
	var out []*corev1.Service
	for _, r := range routes {
		for _, rule := range r.Spec.Rules {
			for _, b := range rule.BackendRefs {
				out = append(out, &corev1.Service{
					ObjectMeta: metav1.ObjectMeta{Name: string(b.Name), Namespace: r.Namespace},
					Spec:       corev1.ServiceSpec{Selector: map[string]string{"app": string(b.Name)}, Ports: []corev1.ServicePort{{Name: "http", Port: 80}}},
				})
			}
		}
	}
	return out
}

func rule(name string, matches ...gwv1.HTTPRouteMatch) gwv1.HTTPRouteRule {
	return gwv1.HTTPRouteRule{Name: ptr.To(gwv1.SectionName(name)), Matches: matches}
}

func path(typ gwv1.PathMatchType, value string) *gwv1.HTTPPathMatch {
	return &gwv1.HTTPPathMatch{Type: ptr.To(typ), Value: ptr.To(value)}
}

func prefix(value string) gwv1.HTTPRouteMatch {
	return gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, value)}
}

func header(name, value string) gwv1.HTTPHeaderMatch {
	return gwv1.HTTPHeaderMatch{Name: gwv1.HTTPHeaderName(name), Value: value}
}

func query(typ gwv1.QueryParamMatchType, name, value string) gwv1.HTTPQueryParamMatch {
	return gwv1.HTTPQueryParamMatch{Type: ptr.To(typ), Name: gwv1.HTTPHeaderName(name), Value: value}
}

// precedenceRoutes are routes whose list order and the Gateway API's
// precedence disagree: a broader rule listed first, in an older route, or
// under an earlier name. The first route returned is the oldest: it must
// be created first, and the others at least a second later, so that their
// creation times (whole seconds) differ.
func precedenceRoutes(ns, gw string) []*gwv1.HTTPRoute {
	post := gwv1.HTTPMethodPost
	withHeaders := func(m gwv1.HTTPRouteMatch, hs ...gwv1.HTTPHeaderMatch) gwv1.HTTPRouteMatch {
		m.Headers = hs
		return m
	}
	withQuery := func(m gwv1.HTTPRouteMatch, qs ...gwv1.HTTPQueryParamMatch) gwv1.HTTPRouteMatch {
		m.QueryParams = qs
		return m
	}
	return []*gwv1.HTTPRoute{
		// z-old is older than a-young: age decides before the name.
		route(ns, gw, "z-old", rule("dup", prefix("/dup"))),
		route(ns, gw, "a-young", rule("other", prefix("/other")), rule("dup", prefix("/dup"))),
		route(ns, gw, "r1",
			rule("all", prefix("/")),
			rule("api", prefix("/api")),
			rule("exact", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchExact, "/api/login")})),
		route(ns, gw, "r2",
			rule("regex", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchRegularExpression, "/re/[0-9]+")}),
			rule("post", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/shop"), Method: &post}),
			rule("headers", withHeaders(prefix("/shop"), header("x-team", "a"), header("x-beta", "1")))),
		route(ns, gw, "hdr",
			rule("one", withHeaders(prefix("/h"), header("x-a", "1"))),
			rule("two", withHeaders(prefix("/h"), header("x-a", "1"), header("x-b", "1"))),
			rule("q", withQuery(withHeaders(prefix("/h"), header("x-a", "1")), query(gwv1.QueryParamMatchExact, "beta", "1")))),
		route(ns, gw, "qry",
			rule("one", withQuery(prefix("/q"), query(gwv1.QueryParamMatchExact, "a", "1"))),
			rule("two", withQuery(prefix("/q"), query(gwv1.QueryParamMatchExact, "a", "1"), query(gwv1.QueryParamMatchExact, "b", "2"))),
			rule("re", withQuery(prefix("/q"), query(gwv1.QueryParamMatchRegularExpression, "id", "[0-9]+")))),
	}
}

// precedenceRequests are requests to precedenceRoutes where a first-match
// order would answer otherwise. 27 requests.
func precedenceRequests() []gatewayapi.Request {
	get := func(path string, headers map[string]string) gatewayapi.Request {
		return gatewayapi.Request{Host: "web.example.com", Path: path, Headers: headers}
	}
	both := map[string]string{"x-team": "a", "x-beta": "1"}
	xa := map[string]string{"x-a": "1"}
	xab := map[string]string{"x-a": "1", "x-b": "1"}
	return []gatewayapi.Request{
		get("/dup/1", nil), get("/other", nil),
		get("/api/users", nil), get("/apix", nil), get("/api", nil), get("/api/login", nil), get("/api/login?x=1", nil), get("/api/login/x", nil),
		get("/re/42", nil), get("/re/4x", nil),
		{Host: "web.example.com", Path: "/shop", Method: "POST", Headers: both}, get("/shop", both), get("/shop/x", map[string]string{"x-team": "a"}),
		get("/h", xa), get("/h", xab), get("/h?beta=1", xa), get("/h?beta=1", xab), get("/h?beta=2", xa),
		get("/q?a=1", nil), get("/q?a=1&b=2", nil), get("/q?b=2&a=1", nil), get("/q?a=2&a=1", nil), get("/q?A=1", nil),
		get("/q?id=42", nil), get("/q?id=4x", nil), get("/q?a=1&id=7", nil),
		{Host: "eu.shop.example.com", Path: "/api/x"},
	}
}

// fallbackRoute is attached to the listener for any host only; Istio
// serves plain HTTP listeners on one port from one route table, so a host
// of the more specific listener reaches it too.
func fallbackRoute(ns, gw string) *gwv1.HTTPRoute {
	r := route(ns, gw, "fb", rule("all", prefix("/")))
	r.Spec.ParentRefs[0].SectionName = ptr.To(gwv1.SectionName("any"))
	return r
}
