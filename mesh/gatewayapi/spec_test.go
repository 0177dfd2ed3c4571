package gatewayapi_test

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
)

func TestDefaults(t *testing.T) {
	s := gatewayapi.Spec{App: "echo", Namespace: "echo", Port: 8600}
	d := s.WithDefaults()
	if s.Hosts != nil || s.Cookie.Values != nil {
		t.Errorf("WithDefaults changed its receiver: %+v", s)
	}
	for _, c := range []struct{ name, got, want string }{
		{"hosts", strings.Join(d.Hosts, ","), "*"},
		{"live", d.Live, "blue"},
		{"versionPaths blue", d.VersionPaths["blue"], "/v1"},
		{"versionPaths green", d.VersionPaths["green"], "/v2"},
		{"cookie name", d.Cookie.Name, "x-version"},
		{"cookie blue", d.Cookie.Values["blue"], "v1"},
		{"cookie green", d.Cookie.Values["green"], "v2"},
		{"gateway name", d.Gateway.Name, "echo-gateway"},
		{"gateway class", d.GatewayClassName, "istio"},
		{"api", d.API, "gatewayAPI"},
		{"port name", d.PortName, "http"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q; want %q", c.name, c.got, c.want)
		}
	}
	if d.TargetPort != 8600 || d.Gateway.HTTPPort != 80 || d.Gateway.HTTPSPort != 443 {
		t.Errorf("ports: target %d, http %d, https %d; want 8600, 80, 443", d.TargetPort, d.Gateway.HTTPPort, d.Gateway.HTTPSPort)
	}
	d.VersionPaths["blue"] = "/changed"
	if again := s.WithDefaults(); again.VersionPaths["blue"] != "/v1" {
		t.Errorf("defaults share a map between calls: %q", again.VersionPaths["blue"])
	}
}

func TestValidate(t *testing.T) {
	if err := walkthrough().Validate(); err != nil {
		t.Fatalf("the walkthrough spec: %v", err)
	}
	blueOnly := func(s *gatewayapi.Spec) { s.Releases = s.Releases[:1] }
	for _, tc := range []struct {
		name   string
		change func(*gatewayapi.Spec)
		want   []string
	}{
		{"fails/mirrorPercent above 100", func(s *gatewayapi.Spec) { s.MirrorPercent = 101 },
			[]string{"mirrorPercent: Invalid value: 101: must be a percentage from 0 to 100"}},
		{"fails/mirrorPercent below 0", func(s *gatewayapi.Spec) { s.MirrorPercent = -1 },
			[]string{"mirrorPercent: Invalid value: -1: must be a percentage from 0 to 100"}},
		{"fails/mirror to a candidate without a release", func(s *gatewayapi.Spec) { blueOnly(s); s.MirrorPercent = 5 },
			[]string{`mirrorPercent: Invalid value: 5: would mirror traffic to the candidate "green" has no release; the app has [blue]`}},
		{"fails/candidateWeight above 100", func(s *gatewayapi.Spec) { s.CandidateWeight = 150 },
			[]string{"candidateWeight: Invalid value: 150: must be a percentage from 0 to 100"}},
		{"fails/sticky without a green cookie value", func(s *gatewayapi.Spec) {
			s.StickyCanary, s.CandidateWeight = true, 10
			s.Cookie.Values = map[string]string{"blue": "v1"}
		}, []string{"cookie.values[green]: Required value: stickyCanary sets a cookie that routes the client back to its colour, so both colours need a cookie value"}},
		{"fails/sticky with the cookie rule off", func(s *gatewayapi.Spec) {
			s.StickyCanary = true
			s.Cookie.Values = map[string]string{}
		}, []string{"cookie.values[blue]: Required value: stickyCanary", "cookie.values[green]: Required value: stickyCanary"}},
		{"fails/live without a release", func(s *gatewayapi.Spec) { s.Releases = s.Releases[1:] },
			[]string{`live: Invalid value: "blue": "blue" has no release; the app has [green]`}},
		{"fails/unknown live colour", func(s *gatewayapi.Spec) { s.Live = "red" },
			[]string{`live: Unsupported value: "red": supported values: "blue", "green"`}},
		{"fails/version path with a trailing slash", func(s *gatewayapi.Spec) { s.VersionPaths["green"] = "/v2/" },
			[]string{`versionPaths[green]: Invalid value: "/v2/": must start with "/" and be a path without a trailing "/" or "//"`}},
		{"fails/uppercase host", func(s *gatewayapi.Spec) { s.Hosts = []string{"Echo.example.com"} },
			[]string{`hosts[0]: Invalid value: "Echo.example.com": must be a fully qualified host name`}},
		{"fails/header name with a space", func(s *gatewayapi.Spec) { s.Header.Name = "x version" },
			[]string{`header.name: Invalid value: "x version": must be a lowercase HTTP header name`}},
		{"fails/cookie value with a semicolon", func(s *gatewayapi.Spec) { s.Cookie.Values["green"] = "v2;x" },
			[]string{`cookie.values[green]: Invalid value: "v2;x": must be a cookie value`}},
		{"fails/timeout below a millisecond", func(s *gatewayapi.Spec) { s.Timeout = "100us" },
			[]string{`timeout: Invalid value: "100us": must be a duration of at least 1ms`}},
		{"fails/timeout not in whole milliseconds", func(s *gatewayapi.Spec) { s.Timeout = "1500us" },
			[]string{`timeout: Invalid value: "1500us": must be a duration of at least 1ms in whole milliseconds`}},
		{"fails/rule timeout not in whole milliseconds", func(s *gatewayapi.Spec) { s.Routes = map[string]mesh.RouteSettings{"default": {Timeout: "2500us"}} },
			[]string{`routes[default].timeout: Invalid value: "2500us": must be a duration of at least 1ms in whole milliseconds`}},
		{"fails/version path with a bare percent sign", func(s *gatewayapi.Spec) { s.VersionPaths["green"] = "/v%2" },
			[]string{`versionPaths[green]: Invalid value: "/v%2": must write "%" only as an escape such as "%2F"`}},
		{"fails/unknown rule override", func(s *gatewayapi.Spec) { s.Routes = map[string]mesh.RouteSettings{"cookie": {Timeout: "1s"}} },
			[]string{`routes[cookie]: Unsupported value: "cookie"`}},
		{"fails/httpsRedirect without tls", func(s *gatewayapi.Spec) { s.Gateway.HTTPSRedirect = true },
			[]string{"gateway.httpsRedirect: Invalid value: true: redirecting to HTTPS needs tls"}},
		{"fails/tls without a secret", func(s *gatewayapi.Spec) { s.Gateway.TLS = &mesh.TLS{} },
			[]string{"gateway.tls.credentialName: Required value: the Kubernetes secret, in the app's namespace"}},
		{"fails/mutual TLS", func(s *gatewayapi.Spec) { s.Gateway.TLS = &mesh.TLS{CredentialName: "c", Mode: "MUTUAL"} },
			[]string{`gateway.tls.mode: Forbidden: not available with api "gatewayAPI"`}},
		{"fails/retries", func(s *gatewayapi.Spec) { s.Retries = &mesh.Retries{} },
			[]string{`retries: Forbidden: not available with api "gatewayAPI"`}},
		{"fails/gateway class not a name", func(s *gatewayapi.Spec) { s.GatewayClassName = "Istio" },
			[]string{`gatewayClassName: Invalid value: "Istio": a lowercase RFC 1123 subdomain`}},
		{"fails/app name too long for its Services", func(s *gatewayapi.Spec) { s.App = strings.Repeat("a", 58) },
			[]string{"app: Invalid value: \"" + strings.Repeat("a", 58) + "\": <app>-green names a Service: must be no more than 63 characters"}},
		{"fails/meshService is a colour's Service", func(s *gatewayapi.Spec) { s.MeshService = "echo-blue" },
			[]string{`meshService: Invalid value: "echo-blue": must be the Service of both colours, not blue's own`}},
		{"fails/meshService not a Service name", func(s *gatewayapi.Spec) { s.MeshService = "Echo" },
			[]string{`meshService: Invalid value: "Echo": a DNS-1035 label`}},
		{"fails/duplicate release", func(s *gatewayapi.Spec) { s.Releases = append(s.Releases, s.Releases[0]) },
			[]string{`releases[2].colour: Duplicate value: "blue"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := walkthrough()
			tc.change(&s)
			s = s.WithDefaults()
			err := s.Validate()
			if err == nil {
				t.Fatal("no error")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error\n%v\ndoes not contain\n%s", err, want)
				}
			}
			if _, berr := gatewayapi.Build(s); berr == nil || berr.Error() != err.Error() {
				t.Errorf("Build: %v; want the Validate error", berr)
			}
		})
	}
}

func TestValidateAtPrefixesPaths(t *testing.T) {
	s := walkthrough()
	s.MirrorPercent = 200
	errs := s.ValidateAt(field.NewPath("routing"))
	if len(errs) != 1 {
		t.Fatalf("%d errors; want 1: %v", len(errs), errs)
	}
	if want := "routing.mirrorPercent: Invalid value: 200: must be a percentage from 0 to 100"; errs[0].Error() != want {
		t.Errorf("got %q; want %q", errs[0].Error(), want)
	}
}

func TestTimeouts(t *testing.T) {
	s := walkthrough()
	s.Timeout = "90s"
	s.Routes = map[string]mesh.RouteSettings{"default": {Timeout: "1500ms"}}
	o, err := gatewayapi.Build(s)
	if err != nil {
		t.Fatal(err)
	}
	rules := o.HTTPRoute.Spec.Rules
	if len(rules) != 7 {
		t.Fatalf("%d rules; want 7", len(rules))
	}
	for _, r := range rules {
		want := "1m30s"
		if *r.Name == "default" {
			want = "1s500ms"
		}
		if r.Timeouts == nil || r.Timeouts.Request == nil || string(*r.Timeouts.Request) != want {
			t.Errorf("rule %s: timeouts %+v; want request %s", *r.Name, r.Timeouts, want)
		}
	}
}
