package envoyroutes_test

import (
	"strings"
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/bluegreen-mesh/bluegreen/internal/verify/envoyroutes"
)

// withQuery is a route configuration whose route "q" (to green) carries the
// query parameter matchers qs, above a route "fallback" (to blue) for every
// other request.
func withQuery(qs ...*routev3.QueryParameterMatcher) *routev3.RouteConfiguration {
	prefix := &routev3.RouteMatch_Prefix{Prefix: "/"}
	return &routev3.RouteConfiguration{Name: "http.80", VirtualHosts: []*routev3.VirtualHost{{
		Name: "any", Domains: []string{"*"}, Routes: []*routev3.Route{
			{Name: "q", Match: &routev3.RouteMatch{PathSpecifier: prefix, QueryParameters: qs}, Action: to(green)},
			{Name: "fallback", Match: &routev3.RouteMatch{PathSpecifier: prefix}, Action: to(blue)},
		},
	}}}
}

func query(name string, m *matcherv3.StringMatcher) *routev3.QueryParameterMatcher {
	return &routev3.QueryParameterMatcher{Name: name, QueryParameterMatchSpecifier: &routev3.QueryParameterMatcher_StringMatch{StringMatch: m}}
}

func present(name string, want bool) *routev3.QueryParameterMatcher {
	return &routev3.QueryParameterMatcher{Name: name, QueryParameterMatchSpecifier: &routev3.QueryParameterMatcher_PresentMatch{PresentMatch: want}}
}

func exact(v string) *matcherv3.StringMatcher {
	return &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Exact{Exact: v}}
}

func ignoringCase(m *matcherv3.StringMatcher) *matcherv3.StringMatcher {
	m.IgnoreCase = true
	return m
}

func regex(re string) *matcherv3.StringMatcher {
	return &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_SafeRegex{SafeRegex: &matcherv3.RegexMatcher{Regex: re}}}
}

// TestQueryParameters checks Envoy's query parameter matching: names exact,
// values not percent-decoded, only a name's first value considered, the
// string matchers with and without ignore_case, and present_match both
// ways.
func TestQueryParameters(t *testing.T) {
	beta := withQuery(query("beta", exact("1")))
	for _, tc := range []struct {
		name string
		rc   *routev3.RouteConfiguration
		path string
		want string
	}{
		{"exact", beta, "/h?beta=1", "q"},
		{"exact among others", beta, "/h?x=2&beta=1", "q"},
		{"exact, other value", beta, "/h?beta=10", "fallback"},
		{"exact, no query", beta, "/h", "fallback"},
		{"exact, empty query", beta, "/h?", "fallback"},
		{"name is case-sensitive", beta, "/h?Beta=1", "fallback"},
		{"first of repeated values matches", beta, "/h?beta=1&beta=2", "q"},
		{"only the first of repeated values counts", beta, "/h?beta=2&beta=1", "fallback"},
		{"value is not percent-decoded", beta, "/h?beta=%31", "fallback"},
		{"value is case-sensitive", withQuery(query("mode", exact("on"))), "/?mode=ON", "fallback"},
		{"ignore_case on exact", withQuery(query("mode", ignoringCase(exact("on")))), "/?mode=ON", "q"},
		{"exact empty value, name alone", withQuery(query("q", exact(""))), "/?q", "q"},
		{"exact empty value, name=", withQuery(query("q", exact(""))), "/?q=", "q"},
		{"exact empty value, a value", withQuery(query("q", exact(""))), "/?q=a", "fallback"},
		{"prefix", withQuery(query("q", &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Prefix{Prefix: "ab"}})), "/?q=abc", "q"},
		{"prefix elsewhere", withQuery(query("q", &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Prefix{Prefix: "ab"}})), "/?q=xab", "fallback"},
		{"ignore_case on prefix", withQuery(query("q", ignoringCase(&matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Prefix{Prefix: "ab"}}))), "/?q=ABc", "q"},
		{"suffix", withQuery(query("q", &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Suffix{Suffix: ".json"}})), "/?q=a.json", "q"},
		{"suffix elsewhere", withQuery(query("q", &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Suffix{Suffix: ".json"}})), "/?q=a.json.bak", "fallback"},
		{"contains", withQuery(query("q", &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Contains{Contains: "mid"}})), "/?q=amidst", "q"},
		{"contains, absent", withQuery(query("q", &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Contains{Contains: "mid"}})), "/?q=edge", "fallback"},
		{"ignore_case on contains", withQuery(query("q", ignoringCase(&matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Contains{Contains: "mid"}}))), "/?q=aMIDst", "q"},
		{"regex matches the whole value", withQuery(query("id", regex("[0-9]+"))), "/?id=42", "q"},
		{"regex does not match part of the value", withQuery(query("id", regex("[0-9]+"))), "/?id=42a", "fallback"},
		{"ignore_case has no effect on a regex", withQuery(query("id", ignoringCase(regex("abc")))), "/?id=ABC", "fallback"},
		{"regex, absent parameter", withQuery(query("id", regex(".*"))), "/?other=1", "fallback"},
		{"present_match true, name alone", withQuery(present("debug", true)), "/?debug", "q"},
		{"present_match true, empty value", withQuery(present("debug", true)), "/?debug=", "q"},
		{"present_match true, absent", withQuery(present("debug", true)), "/?x=1", "fallback"},
		{"present_match false, absent", withQuery(present("debug", false)), "/?x=1", "q"},
		{"present_match false, no query", withQuery(present("debug", false)), "/", "q"},
		{"present_match false, present", withQuery(present("debug", false)), "/?debug=1", "fallback"},
		{"no specifier means present", withQuery(&routev3.QueryParameterMatcher{Name: "debug"}), "/?debug=0", "q"},
		{"no specifier, absent", withQuery(&routev3.QueryParameterMatcher{Name: "debug"}), "/?x=1", "fallback"},
		{"every matcher must hold", withQuery(query("a", exact("1")), present("b", true)), "/?a=1&b", "q"},
		{"every matcher must hold, one fails", withQuery(query("a", exact("1")), present("b", true)), "/?a=1", "fallback"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := envoyroutes.Evaluate(tc.rc, envoyroutes.Request{Host: "any.example.com", Path: tc.path})
			if err != nil {
				t.Fatal(err)
			}
			if o.Route != tc.want {
				t.Errorf("%s: route %q; want %q", tc.path, o.Route, tc.want)
			}
		})
	}
}

func TestBadQueryRegex(t *testing.T) {
	_, err := envoyroutes.Evaluate(withQuery(query("id", regex("("))), envoyroutes.Request{Host: "a", Path: "/?id=1"})
	if want := `route q: regex "(" is not valid RE2: `; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %v; want it to start with %q", err, want)
	}
}

func header(name, value string) *corev3.HeaderValueOption {
	return &corev3.HeaderValueOption{Header: &corev3.HeaderValue{Key: name, Value: value}}
}

// TestResponseHeadersMirrorsAndRedirects checks what Evaluate reads beyond
// the destination: response headers per cluster and per level, request
// mirrors with their share, and a redirect's status.
func TestResponseHeadersMirrorsAndRedirects(t *testing.T) {
	weighted := &routev3.RouteAction{
		ClusterSpecifier: &routev3.RouteAction_WeightedClusters{WeightedClusters: &routev3.WeightedCluster{Clusters: []*routev3.WeightedCluster_ClusterWeight{
			{Name: blue, Weight: wrapperspb.UInt32(90), ResponseHeadersToAdd: []*corev3.HeaderValueOption{header("Set-Cookie", "x-version=v1; Path=/")}},
			{Name: green, Weight: wrapperspb.UInt32(10), ResponseHeadersToAdd: []*corev3.HeaderValueOption{header("Set-Cookie", "x-version=v2; Path=/")}},
		}}},
		RequestMirrorPolicies: []*routev3.RouteAction_RequestMirrorPolicy{
			{Cluster: green, RuntimeFraction: &corev3.RuntimeFractionalPercent{DefaultValue: &typev3.FractionalPercent{Numerator: 200000, Denominator: typev3.FractionalPercent_MILLION}}},
			{Cluster: blue},
		},
	}
	prefix := func(p string) *routev3.RouteMatch {
		return &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: p}}
	}
	rc := &routev3.RouteConfiguration{Name: "http.80", ResponseHeadersToAdd: []*corev3.HeaderValueOption{header("x-config", "c")},
		VirtualHosts: []*routev3.VirtualHost{{Name: "any", Domains: []string{"*"}, ResponseHeadersToAdd: []*corev3.HeaderValueOption{header("x-host", "h")},
			Routes: []*routev3.Route{
				{Name: "moved", Match: prefix("/old"), Action: &routev3.Route_Redirect{Redirect: &routev3.RedirectAction{PathRewriteSpecifier: &routev3.RedirectAction_PathRedirect{PathRedirect: "/new"}}}},
				{Name: "found", Match: prefix("/tmp"), Action: &routev3.Route_Redirect{Redirect: &routev3.RedirectAction{
					SchemeRewriteSpecifier: &routev3.RedirectAction_HttpsRedirect{HttpsRedirect: true}, ResponseCode: routev3.RedirectAction_FOUND}}},
				{Name: "default", Match: prefix("/"), Action: &routev3.Route_Route{Route: weighted}, ResponseHeadersToAdd: []*corev3.HeaderValueOption{header("x-route", "r")}},
			}}}}

	o, err := envoyroutes.Evaluate(rc, envoyroutes.Request{Host: "a.example.com", Path: "/x"})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Destinations) != 2 {
		t.Fatalf("%d destinations; want 2", len(o.Destinations))
	}
	for i, want := range []string{"x-version=v1; Path=/", "x-version=v2; Path=/"} {
		if got := o.Destinations[i].ResponseHeaders; len(got) != 1 || got[0] != (envoyroutes.Header{Name: "Set-Cookie", Value: want}) {
			t.Errorf("destination %d response headers %v; want Set-Cookie: %s", i, got, want)
		}
	}
	wantHeaders := []envoyroutes.Header{{Name: "x-route", Value: "r"}, {Name: "x-host", Value: "h"}, {Name: "x-config", Value: "c"}}
	if len(o.ResponseHeaders) != len(wantHeaders) {
		t.Fatalf("response headers %v; want %v", o.ResponseHeaders, wantHeaders)
	}
	for i := range wantHeaders {
		if o.ResponseHeaders[i] != wantHeaders[i] {
			t.Errorf("response header %d %v; want %v", i, o.ResponseHeaders[i], wantHeaders[i])
		}
	}
	wantMirrors := []envoyroutes.Mirror{
		{Cluster: green, Host: "echo.bluegreen.svc.cluster.local", Port: "8600", Subset: "green", Percent: 20},
		{Cluster: blue, Host: "echo.bluegreen.svc.cluster.local", Port: "8600", Subset: "blue", Percent: 100},
	}
	if len(o.Mirrors) != len(wantMirrors) {
		t.Fatalf("mirrors %v; want %v", o.Mirrors, wantMirrors)
	}
	for i := range wantMirrors {
		if o.Mirrors[i] != wantMirrors[i] {
			t.Errorf("mirror %d %+v; want %+v", i, o.Mirrors[i], wantMirrors[i])
		}
	}

	for _, tc := range []struct {
		path, location string
		status         int
	}{
		{"/old", "http://a.example.com/new", 301},
		{"/tmp/a", "https://a.example.com/tmp/a", 302},
	} {
		o, err := envoyroutes.Evaluate(rc, envoyroutes.Request{Host: "a.example.com", Path: tc.path})
		if err != nil {
			t.Fatal(err)
		}
		if o.Redirect != tc.location || o.RedirectStatus != tc.status {
			t.Errorf("%s: redirect %d %q; want %d %q", tc.path, o.RedirectStatus, o.Redirect, tc.status, tc.location)
		}
	}
}
