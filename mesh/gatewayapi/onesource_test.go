package gatewayapi_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
	"github.com/bluegreen-mesh/bluegreen/mesh/meshtest"
)

// ruleNamed returns o's HTTPRoute rule named name.
func ruleNamed(t *testing.T, o gatewayapi.Objects, name string) gwv1.HTTPRouteRule {
	t.Helper()
	var names []string
	for _, r := range o.HTTPRoute.Spec.Rules {
		if string(*r.Name) == name {
			return r
		}
		names = append(names, string(*r.Name))
	}
	t.Fatalf("no rule %s; the HTTPRoute has %v", name, names)
	return gwv1.HTTPRouteRule{}
}

// backendNames lists the Services a rule sends requests to.
func backendNames(r gwv1.HTTPRouteRule) string {
	var names []string
	for _, b := range r.BackendRefs {
		names = append(names, string(b.Name))
	}
	return strings.Join(names, ",")
}

// TestRoutingDefaultsReachTheGatewayAPI shows that the Gateway API has no
// defaults of its own for the routing settings: each of mesh.Routing's
// defaults, written here as docs/reference.md documents it, is in the
// objects built both from routing props that set nothing (SpecOf) and from
// a Spec that sets nothing but the app (Spec.WithDefaults).
func TestRoutingDefaultsReachTheGatewayAPI(t *testing.T) {
	fromProps := specOf(t, mesh.Routing{API: mesh.APIGatewayAPI}.WithDefaults(meshtest.App))
	fromSpec := gatewayapi.Spec{
		App: meshtest.App, Namespace: meshtest.Namespace, Port: meshtest.Port,
		Releases: []gatewayapi.Release{
			{Colour: "blue", Selector: map[string]string{"app": "echo", "version": "blue"}},
			{Colour: "green", Selector: map[string]string{"app": "echo", "version": "green"}},
		},
	}.WithDefaults()
	if want := (mesh.Routing{API: mesh.APIGatewayAPI}).WithDefaults(meshtest.App); !reflect.DeepEqual(fromSpec.Routing, want) {
		t.Errorf("Spec.WithDefaults gives the routing settings\n%+v\nwant mesh.Routing's defaults\n%+v", fromSpec.Routing, want)
	}
	for _, c := range []struct {
		name, want string
		got        func(t *testing.T, o gatewayapi.Objects) string
	}{
		{`hosts ["*"]: one HTTP listener on port 80 and a route, both for any host`, "1 listener: http:80 host <nil>; 0 route hostnames",
			func(t *testing.T, o gatewayapi.Objects) string {
				l := o.Gateway.Spec.Listeners
				return fmt.Sprintf("%d listener: %s:%d host %v; %d route hostnames", len(l), l[0].Name, l[0].Port, l[0].Hostname, len(o.HTTPRoute.Spec.Hostnames))
			}},
		{"gateway.name <app>-gateway", "echo-gateway, parent echo-gateway",
			func(t *testing.T, o gatewayapi.Objects) string {
				return fmt.Sprintf("%s, parent %s", o.Gateway.Name, o.HTTPRoute.Spec.ParentRefs[0].Name)
			}},
		{"live blue", "blue, default to echo-blue",
			func(t *testing.T, o gatewayapi.Objects) string {
				return fmt.Sprintf("%s, default to %s", o.HTTPRoute.Annotations[gatewayapi.LiveAnnotation], backendNames(ruleNamed(t, o, "default")))
			}},
		{"versionPaths blue /v1", "/v1 to echo-blue",
			func(t *testing.T, o gatewayapi.Objects) string {
				r := ruleNamed(t, o, "path-blue")
				return fmt.Sprintf("%s to %s", *r.Matches[0].Path.Value, backendNames(r))
			}},
		{"versionPaths green /v2", "/v2 to echo-green",
			func(t *testing.T, o gatewayapi.Objects) string {
				r := ruleNamed(t, o, "path-green")
				return fmt.Sprintf("%s to %s", *r.Matches[0].Path.Value, backendNames(r))
			}},
		{"cookie x-version=v1 to blue", "Cookie " + mesh.CookieRegex("x-version", "v1") + " to echo-blue",
			func(t *testing.T, o gatewayapi.Objects) string {
				r := ruleNamed(t, o, "cookie-blue")
				return fmt.Sprintf("%s %s to %s", r.Matches[0].Headers[0].Name, r.Matches[0].Headers[0].Value, backendNames(r))
			}},
		{"cookie x-version=v2 to green", "Cookie " + mesh.CookieRegex("x-version", "v2") + " to echo-green",
			func(t *testing.T, o gatewayapi.Objects) string {
				r := ruleNamed(t, o, "cookie-green")
				return fmt.Sprintf("%s %s to %s", r.Matches[0].Headers[0].Name, r.Matches[0].Headers[0].Value, backendNames(r))
			}},
		{"header off, candidateWeight 0, mirrorPercent 0, no timeout", "[path-blue path-green cookie-blue cookie-green default]; default: 1 backend, 0 filters; timeouts 0",
			func(t *testing.T, o gatewayapi.Objects) string {
				var names []string
				timeouts := 0
				for _, r := range o.HTTPRoute.Spec.Rules {
					names = append(names, string(*r.Name))
					if r.Timeouts != nil {
						timeouts++
					}
				}
				d := ruleNamed(t, o, "default")
				return fmt.Sprintf("%v; default: %d backend, %d filters; timeouts %d", names, len(d.BackendRefs), len(d.Filters), timeouts)
			}},
	} {
		for _, from := range []struct {
			name string
			spec gatewayapi.Spec
		}{{"SpecOf", fromProps}, {"Spec.WithDefaults", fromSpec}} {
			t.Run(c.name+"/"+from.name, func(t *testing.T) {
				o, err := gatewayapi.Build(from.spec)
				if err != nil {
					t.Fatal(err)
				}
				if got := c.got(t, o); got != c.want {
					t.Errorf("got %q; want %q", got, c.want)
				}
			})
		}
	}
}

// TestBadValueReportedOnce shows that the Gateway API's checks do not
// repeat mesh.Routing's: a bad value is reported once, under the caller's
// field path, whether mesh.Routing, the Gateway API or both refuse it.
func TestBadValueReportedOnce(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*gatewayapi.Spec)
		want   string
	}{
		{"fails/mirrorPercent above 100", func(s *gatewayapi.Spec) { s.MirrorPercent = 101 },
			`environments[qa].routing.mirrorPercent: Invalid value: 101: must be a percentage from 0 to 100`},
		{"fails/uppercase host", func(s *gatewayapi.Spec) { s.Hosts = []string{"Echo.example.com"} },
			`environments[qa].routing.hosts[0]: Invalid value: "Echo.example.com": must be a fully qualified host name such as "echo.example.com", optionally starting with "*.", or "*"`},
		{"fails/header name with a space", func(s *gatewayapi.Spec) { s.Header.Name = "x version" },
			`environments[qa].routing.header.name: Invalid value: "x version": must be a lowercase HTTP header name such as x-version`},
		{"fails/httpPort out of range", func(s *gatewayapi.Spec) { s.Gateway.HTTPPort = 70000 },
			`environments[qa].routing.gateway.httpPort: Invalid value: 70000: must be a port between 1 and 65535`},
		// Refused by both: mesh.Routing's text only.
		{"fails/timeout below a millisecond", func(s *gatewayapi.Spec) { s.Timeout = "100us" },
			`environments[qa].routing.timeout: Invalid value: "100us": must be a duration of at least 1ms, such as "10s" or "500ms"`},
		{"fails/rule timeout that is no duration", func(s *gatewayapi.Spec) { s.Routes = map[string]mesh.RouteSettings{"default": {Timeout: "soon"}} },
			`environments[qa].routing.routes[default].timeout: Invalid value: "soon": must be a duration of at least 1ms, such as "10s" or "500ms"`},
		{"fails/version path without a slash and with a bare percent sign", func(s *gatewayapi.Spec) { s.VersionPaths["green"] = "v%" },
			`environments[qa].routing.versionPaths[green]: Invalid value: "v%": must start with "/" and be a path without a trailing "/" or "//", such as "/v1"`},
		{"fails/TLS mode neither API has", func(s *gatewayapi.Spec) { s.Gateway.TLS = &mesh.TLS{CredentialName: "c", Mode: "PASSTHROUGH"} },
			`environments[qa].routing.gateway.tls.mode: Unsupported value: "PASSTHROUGH": supported values: "SIMPLE", "MUTUAL"`},
		// Refused by the Gateway API alone.
		{"fails/timeout not in whole milliseconds", func(s *gatewayapi.Spec) { s.Timeout = "1500us" },
			`environments[qa].routing.timeout: Invalid value: "1500us": must be a duration of at least 1ms in whole milliseconds, such as "10s", "1m30s" or "500ms"`},
		{"fails/version path with a bare percent sign", func(s *gatewayapi.Spec) { s.VersionPaths["green"] = "/v%" },
			`environments[qa].routing.versionPaths[green]: Invalid value: "/v%": must write "%" only as an escape such as "%2F", as the Gateway API's paths do`},
		{"fails/mutual TLS", func(s *gatewayapi.Spec) { s.Gateway.TLS = &mesh.TLS{CredentialName: "c", Mode: "MUTUAL"} },
			`environments[qa].routing.gateway.tls.mode: Forbidden: not available with api "gatewayAPI": a Gateway listener terminates TLS (SIMPLE) with its certificate; MUTUAL is not expressible`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := walkthrough()
			tc.change(&s)
			errs := s.WithDefaults().ValidateAt(field.NewPath("environments").Key("qa").Child("routing"))
			if len(errs) != 1 {
				t.Fatalf("%d problems; want 1:\n%v", len(errs), errs.ToAggregate())
			}
			if got := errs[0].Error(); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}
