package envoyroutes_test

import (
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	faultfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/common/fault/v3"
	faultv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/fault/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/bluegreen-mesh/bluegreen/internal/verify/envoyroutes"
)

const (
	blue  = "outbound|8600|blue|echo.bluegreen.svc.cluster.local"
	green = "outbound|8600|green|echo.bluegreen.svc.cluster.local"
)

// to is a route action to cluster with the timeout disabled, as istiod
// writes it for a route that configures none.
func to(cluster string) *routev3.Route_Route {
	return &routev3.Route_Route{Route: &routev3.RouteAction{ClusterSpecifier: &routev3.RouteAction_Cluster{Cluster: cluster}, Timeout: durationpb.New(0)}}
}

// config is a route configuration of the shape istiod generates for a
// gateway: a virtual host per host, with a version path (prefix rewrite), a
// cookie regex, a header and a weighted default.
func config() *routev3.RouteConfiguration {
	cookie := &routev3.HeaderMatcher{Name: "cookie", HeaderMatchSpecifier: &routev3.HeaderMatcher_StringMatch{StringMatch: &matcherv3.StringMatcher{
		MatchPattern: &matcherv3.StringMatcher_SafeRegex{SafeRegex: &matcherv3.RegexMatcher{Regex: `(.*; )?x-version=v2(;.*)?`}}}}}
	header := &routev3.HeaderMatcher{Name: "x-version", HeaderMatchSpecifier: &routev3.HeaderMatcher_StringMatch{StringMatch: &matcherv3.StringMatcher{
		MatchPattern: &matcherv3.StringMatcher_Exact{Exact: "v1"}}}}
	v2 := to(green)
	v2.Route.PrefixRewrite = "/"
	weighted := &routev3.Route_Route{Route: &routev3.RouteAction{ClusterSpecifier: &routev3.RouteAction_WeightedClusters{WeightedClusters: &routev3.WeightedCluster{
		Clusters: []*routev3.WeightedCluster_ClusterWeight{{Name: blue, Weight: wrapperspb.UInt32(90)}, {Name: green, Weight: wrapperspb.UInt32(10)}}}}, Timeout: durationpb.New(0)}}
	return &routev3.RouteConfiguration{Name: "http.8080", VirtualHosts: []*routev3.VirtualHost{
		{Name: "catch-all", Domains: []string{"*"}, Routes: []*routev3.Route{{Name: "none", Match: &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}},
			Action: &routev3.Route_DirectResponse{DirectResponse: &routev3.DirectResponseAction{Status: 404}}}}},
		{Name: "echo.example.com:80", Domains: []string{"echo.example.com", "echo.example.com:*"}, Routes: []*routev3.Route{
			{Name: "path-green", Match: &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/v2"}}, Action: v2},
			{Name: "cookie-green", Match: &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}, Headers: []*routev3.HeaderMatcher{cookie}}, Action: to(green)},
			{Name: "header-blue", Match: &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}, Headers: []*routev3.HeaderMatcher{header}}, Action: to(blue)},
			{Name: "default", Match: &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}}, Action: weighted},
		}},
		{Name: "secure.example.com:80", Domains: []string{"secure.example.com"}, RequireTls: routev3.VirtualHost_ALL,
			Routes: []*routev3.Route{{Name: "default", Match: &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}}, Action: to(blue)}}},
	}}
}

func TestEvaluate(t *testing.T) {
	rc := config()
	for _, tc := range []struct {
		name string
		req  envoyroutes.Request
		want string
	}{
		{"default is weighted", envoyroutes.Request{Host: "echo.example.com", Path: "/"}, "blue 90%, green 10%; path /"},
		{"version path rewritten, query kept", envoyroutes.Request{Host: "echo.example.com", Path: "/v2/health?x=1"}, "green 100%; path //health?x=1"},
		{"cookie regex matches the whole value", envoyroutes.Request{Host: "echo.example.com", Path: "/", Headers: map[string]string{"Cookie": "a=1; x-version=v2"}}, "green 100%; path /"},
		{"cookie look-alike does not match", envoyroutes.Request{Host: "echo.example.com", Path: "/", Headers: map[string]string{"cookie": "x-version=v20"}}, "blue 90%, green 10%; path /"},
		{"header exact", envoyroutes.Request{Host: "echo.example.com", Path: "/", Headers: map[string]string{"x-version": "v1"}}, "blue 100%; path /"},
		{"unknown host falls to the catch-all", envoyroutes.Request{Host: "other.example.com", Path: "/"}, "404"},
		{"TLS required", envoyroutes.Request{Host: "secure.example.com", Path: "/a"}, "redirect https://secure.example.com/a"},
		{"TLS given", envoyroutes.Request{Host: "secure.example.com", Path: "/a", TLS: true}, "blue 100%; path /a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := envoyroutes.Evaluate(rc, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if got := envoyroutes.Summary(o); got != tc.want {
				t.Errorf("got %q; want %q", got, tc.want)
			}
		})
	}
}

// TestFaultsAndHeaderChanges checks what Evaluate reads of a route beyond
// where it sends: the fault filter's per-route abort and delay (as istiod
// writes a VirtualService's fault), the request header changes, the
// removed response headers and the Host rewrite.
func TestFaultsAndHeaderChanges(t *testing.T) {
	fault := func(f *faultv3.HTTPFault) map[string]*anypb.Any {
		a, err := anypb.New(f)
		if err != nil {
			t.Fatal(err)
		}
		return map[string]*anypb.Any{"envoy.filters.http.fault": a}
	}
	million := func(n uint32) *typev3.FractionalPercent {
		return &typev3.FractionalPercent{Numerator: n, Denominator: typev3.FractionalPercent_MILLION}
	}
	abortAll := fault(&faultv3.HTTPFault{Abort: &faultv3.FaultAbort{ErrorType: &faultv3.FaultAbort_HttpStatus{HttpStatus: 403}, Percentage: million(1000000)}})
	partial := fault(&faultv3.HTTPFault{
		Abort: &faultv3.FaultAbort{ErrorType: &faultv3.FaultAbort_HttpStatus{HttpStatus: 503}, Percentage: million(250000)},
		Delay: &faultfilterv3.FaultDelay{FaultDelaySecifier: &faultfilterv3.FaultDelay_FixedDelay{FixedDelay: durationpb.New(5 * time.Second)}, Percentage: million(100000)},
	})
	headers := to(blue)
	headers.Route.HostRewriteSpecifier = &routev3.RouteAction_HostRewriteLiteral{HostRewriteLiteral: "ratings.internal"}
	prefix := func(p string) *routev3.RouteMatch {
		return &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: p}}
	}
	rc := &routev3.RouteConfiguration{Name: "http.80", VirtualHosts: []*routev3.VirtualHost{{Name: "any", Domains: []string{"*"}, Routes: []*routev3.Route{
		{Name: "abort", Match: prefix("/abort"), Action: to(blue), TypedPerFilterConfig: abortAll},
		{Name: "partial", Match: prefix("/partial"), Action: to(blue), TypedPerFilterConfig: partial},
		{Name: "headers", Match: prefix("/"), Action: headers,
			RequestHeadersToAdd:     []*corev3.HeaderValueOption{{Header: &corev3.HeaderValue{Key: "My-Header", Value: "v"}}},
			RequestHeadersToRemove:  []string{"x-debug"},
			ResponseHeadersToRemove: []string{"X-Header-Remove"}},
	}}}}
	for _, tc := range []struct{ path, want string }{
		{"/abort", "abort 403"},
		{"/partial", "abort 503 25%, else blue 100%; path /partial; delay 5s 10%"},
		{"/", "blue 100% (remove x-header-remove) request (my-header: v, remove x-debug); path /; host ratings.internal"},
	} {
		o, err := envoyroutes.Evaluate(rc, envoyroutes.Request{Host: "a.example.com", Path: tc.path})
		if err != nil {
			t.Fatal(err)
		}
		if got := envoyroutes.Summary(o); got != tc.want {
			t.Errorf("%s: %q; want %q", tc.path, got, tc.want)
		}
	}
}
