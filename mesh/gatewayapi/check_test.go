package gatewayapi_test

import (
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"strings"
	"testing"

	"k8s.io/utils/ptr"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
)

func findings(fs []mesh.Finding) string {
	var lines []string
	for _, f := range fs {
		lines = append(lines, f.String())
	}
	return strings.Join(lines, "\n")
}

func TestCheckBuiltObjects(t *testing.T) {
	s := walkthrough()
	s.CandidateWeight, s.MeshService = 10, "echo"
	m := model(t, s)
	m.Services = append(m.Services, shared())
	got := gatewayapi.Check(m)
	// Only the portability warning of the cookie rule, on both routes:
	// nothing the builder writes is shadowed or unresolved.
	want := []string{
		"GW004 warning: HTTPRoute echo/echo spec.rules[4].matches[0].headers[0]: a RegularExpression match on Cookie is implementation-specific: Istio applies RE2 to the whole value, another Gateway API implementation may not",
		"GW004 warning: HTTPRoute echo/echo spec.rules[5].matches[0].headers[0]: a RegularExpression match on Cookie is implementation-specific: Istio applies RE2 to the whole value, another Gateway API implementation may not",
		"GW004 warning: HTTPRoute echo/echo-mesh spec.rules[4].matches[0].headers[0]: a RegularExpression match on Cookie is implementation-specific: Istio applies RE2 to the whole value, another Gateway API implementation may not",
		"GW004 warning: HTTPRoute echo/echo-mesh spec.rules[5].matches[0].headers[0]: a RegularExpression match on Cookie is implementation-specific: Istio applies RE2 to the whole value, another Gateway API implementation may not",
	}
	if findings(got) != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", findings(got), strings.Join(want, "\n"))
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name   string
		routes func() []*gwv1.HTTPRoute
		want   string
	}{{
		name: "a broad rule listed before a narrow one shadows nothing",
		routes: func() []*gwv1.HTTPRoute {
			return []*gwv1.HTTPRoute{route("r", 0, nil,
				rule("all", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/")}),
				rule("api", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/api")}))}
		},
		want: "",
	}, {
		name: "a regular-expression path below PathPrefix / never decides",
		routes: func() []*gwv1.HTTPRoute {
			return []*gwv1.HTTPRoute{route("r", 0, nil,
				rule("regex", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchRegularExpression, "/re/[0-9]+")}),
				rule("all", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/")}))}
		},
		want: `GW003 warning: HTTPRoute ns/r spec.rules[0].matches[0]: never decides: HTTPRoute ns/r rule all matches every request it matches and ranks first (PathPrefix "/" (1 characters), any method, 0 header and 0 query matches)`,
	}, {
		name: "the younger of two equal routes never decides",
		routes: func() []*gwv1.HTTPRoute {
			return []*gwv1.HTTPRoute{
				route("young", 5, nil, rule("api", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/api/")})),
				route("old", 0, nil, rule("api", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/api")})),
			}
		},
		want: `GW003 warning: HTTPRoute ns/young spec.rules[0].matches[0]: never decides: HTTPRoute ns/old rule api matches every request it matches and ranks first (PathPrefix "/api" (4 characters), any method, 0 header and 0 query matches)`,
	}, {
		name: "routes on other hostnames do not shadow each other",
		routes: func() []*gwv1.HTTPRoute {
			return []*gwv1.HTTPRoute{
				route("young", 5, []gwv1.Hostname{"a.example.com"}, rule("api", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/api")})),
				route("old", 0, []gwv1.Hostname{"b.example.com"}, rule("api", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/api")})),
			}
		},
		want: "",
	}, {
		name: "a missing Service and a rule with only zero weights",
		routes: func() []*gwv1.HTTPRoute {
			r := route("r", 0, nil, rule("a", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/a")}), rule("b", gwv1.HTTPRouteMatch{Path: path(gwv1.PathMatchPathPrefix, "/b")}))
			r.Spec.Rules[0].BackendRefs[0].Name = "s9"
			r.Spec.Rules[1].BackendRefs[0].Weight = ptr.To(int32(0))
			return []*gwv1.HTTPRoute{r}
		},
		want: "GW001 error: HTTPRoute ns/r spec.rules[0].backendRefs[0]: Service ns/s9 does not exist; its share of the requests gets 500\n" +
			"GW002 error: HTTPRoute ns/r spec.rules[1]: every backend has weight 0; every request the rule decides gets 500",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			m := gatewayapi.Model{Gateways: []*gwv1.Gateway{gateway()}, HTTPRoutes: tc.routes(), Services: services()}
			if got := findings(gatewayapi.Check(m)); got != tc.want {
				t.Errorf("findings:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}
