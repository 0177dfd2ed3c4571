package mesh_test

import (
	"encoding/json"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/mesh"
)

func props() mesh.Routing {
	return mesh.Routing{
		Hosts:   []string{"echo.example.com"},
		Gateway: mesh.Gateway{Selector: map[string]string{"istio": "ingressgateway"}},
	}
}

func TestDefaults(t *testing.T) {
	p := mesh.Routing{}.WithDefaults("echo")
	if got := strings.Join(p.Hosts, ","); got != "*" {
		t.Errorf("hosts: got %s, want *", got)
	}
	if p.Live != "blue" || p.VersionPaths["blue"] != "/v1" || p.VersionPaths["green"] != "/v2" {
		t.Errorf("live/paths: got %s %v", p.Live, p.VersionPaths)
	}
	if p.Cookie.Name != "x-version" || p.Cookie.Values["green"] != "v2" || p.Cookie.Values["blue"] != "v1" {
		t.Errorf("cookie: got %+v", p.Cookie)
	}
	if p.Header.Name != "" || len(p.Header.Values) != 0 {
		t.Errorf("header: got %+v, want off", p.Header)
	}
	if p.Gateway.Name != "echo-gateway" || p.Gateway.HTTPPort != 80 || p.Gateway.HTTPSPort != 443 {
		t.Errorf("gateway: got %+v", p.Gateway)
	}
	off := mesh.Routing{VersionPaths: map[string]string{}, Cookie: mesh.Rule{Values: map[string]string{}}}.WithDefaults("echo")
	if len(off.VersionPaths) != 0 || len(off.Cookie.Values) != 0 {
		t.Errorf("explicit {} did not turn the rules off: %+v %+v", off.VersionPaths, off.Cookie)
	}
}

func TestValidateBadInput(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*mesh.Routing)
		field  string
		detail string
	}{
		{"fails/unknown colour as live", func(p *mesh.Routing) { p.Live = "red" },
			"live", `Unsupported value: "red": supported values: "blue", "green"`},
		{"fails/weight above 100", func(p *mesh.Routing) { p.CandidateWeight = 101 },
			"candidateWeight", "Invalid value: 101: must be a percentage from 0 to 100"},
		{"fails/negative weight", func(p *mesh.Routing) { p.CandidateWeight = -5 },
			"candidateWeight", "Invalid value: -5"},
		{"fails/empty host", func(p *mesh.Routing) { p.Hosts = []string{"echo.example.com", ""} },
			"hosts[1]", `Invalid value: "": must be a host name`},
		{"fails/no hosts", func(p *mesh.Routing) { p.Hosts = []string{} },
			"hosts", "Required value"},
		{"fails/host with a path", func(p *mesh.Routing) { p.Hosts = []string{"echo.example.com/v1"} },
			"hosts[0]", "must be a fully qualified host name"},
		{"fails/cookie name with a space", func(p *mesh.Routing) { p.Cookie.Name = "x version" },
			"cookie.name", `Invalid value: "x version": must be a cookie name`},
		{"fails/cookie name with a semicolon", func(p *mesh.Routing) { p.Cookie.Name = "x;version" },
			"cookie.name", `Invalid value: "x;version"`},
		{"fails/cookie value with a semicolon", func(p *mesh.Routing) { p.Cookie.Values = map[string]string{"green": "v2;x"} },
			"cookie.values[green]", `Invalid value: "v2;x"`},
		{"fails/same cookie value for both colours", func(p *mesh.Routing) { p.Cookie.Values = map[string]string{"blue": "v", "green": "v"} },
			"cookie.values[green]", "Duplicate value"},
		{"fails/uppercase header name", func(p *mesh.Routing) {
			p.Header = mesh.Rule{Name: "X-Version", Values: map[string]string{"green": "v2"}}
		}, "header.name", `Invalid value: "X-Version": must be a lowercase HTTP header name`},
		{"fails/path prefix without a leading slash", func(p *mesh.Routing) { p.VersionPaths = map[string]string{"blue": "v1"} },
			"versionPaths[blue]", `Invalid value: "v1": must start with "/"`},
		{"fails/path prefix with a trailing slash", func(p *mesh.Routing) { p.VersionPaths = map[string]string{"blue": "/v1/"} },
			"versionPaths[blue]", `Invalid value: "/v1/"`},
		{"fails/same prefix for both colours", func(p *mesh.Routing) { p.VersionPaths = map[string]string{"blue": "/v1", "green": "/v1"} },
			"versionPaths[green]", `Duplicate value: "/v1 (also blue's prefix)"`},
		{"fails/nested prefixes", func(p *mesh.Routing) { p.VersionPaths = map[string]string{"blue": "/app", "green": "/app/v2"} },
			"versionPaths[green]", "nests with blue's prefix /app"},
		{"fails/unknown colour in paths", func(p *mesh.Routing) { p.VersionPaths = map[string]string{"red": "/v3"} },
			"versionPaths[red]", `Unsupported value: "red"`},
		{"fails/TLS without a credential name", func(p *mesh.Routing) { p.Gateway.TLS = &mesh.TLS{} },
			"gateway.tls.credentialName", "Required value: the Kubernetes secret"},
		{"fails/redirect without TLS", func(p *mesh.Routing) { p.Gateway.HTTPSRedirect = true },
			"gateway.httpsRedirect", "redirecting to HTTPS needs tls"},
		{"fails/bad TLS mode", func(p *mesh.Routing) { p.Gateway.TLS = &mesh.TLS{CredentialName: "c", Mode: "PASSTHROUGH"} },
			"gateway.tls.mode", `Unsupported value: "PASSTHROUGH"`},
		{"fails/no gateway selector", func(p *mesh.Routing) { p.Gateway.Selector = nil },
			"gateway.selector", "Required value"},
		{"fails/bad timeout", func(p *mesh.Routing) { p.Timeout = "ten seconds" },
			"timeout", `Invalid value: "ten seconds": must be a duration`},
		{"fails/unknown route override", func(p *mesh.Routing) { p.Routes = map[string]mesh.RouteSettings{"cookie-red": {Timeout: "1s"}} },
			"routes[cookie-red]", `Unsupported value: "cookie-red"`},
		{"fails/unknown api", func(p *mesh.Routing) { p.API = "ingress" },
			"api", `Unsupported value: "ingress": supported values: "virtualService", "gatewayAPI"`},
		{"fails/mirrorPercent above 100", func(p *mesh.Routing) { p.MirrorPercent = 150 },
			"mirrorPercent", "must be a percentage from 0 to 100"},
		{"fails/negative mirrorPercent", func(p *mesh.Routing) { p.MirrorPercent = -1 },
			"mirrorPercent", "must be a percentage from 0 to 100"},
		{"fails/sticky without cookie values", func(p *mesh.Routing) {
			p.StickyCanary, p.CandidateWeight, p.Cookie.Values = true, 10, map[string]string{}
		}, "cookie.values[blue]", "stickyCanary sets a cookie"},
		{"fails/sticky with only green's cookie value", func(p *mesh.Routing) {
			p.StickyCanary, p.CandidateWeight, p.Cookie.Values = true, 10, map[string]string{"green": "v2"}
		}, "cookie.values[blue]", "both colours need a cookie value"},
		{"fails/bad retry condition", func(p *mesh.Routing) {
			var r mesh.Retries
			if err := json.Unmarshal([]byte(`{"attempts": 3, "retryOn": "5xx,sometimes"}`), &r); err != nil {
				panic(err)
			}
			p.Retries = &r
		}, "retries.retryOn", `"sometimes" is not an Envoy retry condition`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := props()
			tc.change(&p)
			assertFieldError(t, p.WithDefaults("echo").ValidateAt(nil), tc.field, tc.detail)
		})
	}
}

// TestGatewayAPIGateway checks what the API changes in the Gateway's
// checks: the Gateway API deploys its own gateway pods, so it needs no
// selector, and its TLS secret lives in the app's namespace.
func TestGatewayAPIGateway(t *testing.T) {
	p := props()
	p.API, p.Gateway.Selector = mesh.APIGatewayAPI, nil
	if errs := p.WithDefaults("echo").ValidateAt(nil); len(errs) != 0 {
		t.Errorf("api gatewayAPI without a selector: got %v; want no problem", errs)
	}
	for api, where := range map[string]string{mesh.APIVirtualService: "the ingress gateway's namespace", mesh.APIGatewayAPI: "the app's namespace"} {
		p := props()
		p.API, p.Gateway.TLS = api, &mesh.TLS{}
		assertFieldError(t, p.WithDefaults("echo").ValidateAt(nil), "gateway.tls.credentialName", "Required value: the Kubernetes secret, in "+where+", that holds the certificate and key")
	}
}

func TestRetriesRejectUnknownFields(t *testing.T) {
	var r mesh.Retries
	err := json.Unmarshal([]byte(`{"attempt": 3}`), &r)
	if err == nil || !strings.Contains(err.Error(), "not an Istio HTTPRetry") || !strings.Contains(err.Error(), "attempt") {
		t.Errorf("got %v, want an error naming the unknown field", err)
	}
	if err := json.Unmarshal([]byte(`{"attempts": 3, "perTryTimeout": "2s", "retryOn": "5xx,reset"}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.Attempts != 3 || r.PerTryTimeout.AsDuration().String() != "2s" {
		t.Errorf("got %v", r.HTTPRetry)
	}
}

func TestValidateTarget(t *testing.T) {
	onlyBlue := target("blue")
	p := props()
	p.Live = "green"
	p.CandidateWeight = 10
	errs := p.WithDefaults("echo").ValidateTarget(nil, onlyBlue)
	want := map[string]bool{"live": false, "versionPaths[green]": false, "cookie.values[green]": false}
	for _, e := range errs {
		if _, ok := want[e.Field]; ok && strings.Contains(e.Error(), `"green" has no release`) {
			want[e.Field] = true
		}
	}
	for f, seen := range want {
		if !seen {
			t.Errorf("no 'has no release' problem at %s; got %v", f, errs)
		}
	}
}

// assertFieldError fails the test unless errs holds a problem at the field
// path fieldPath whose message contains detail; the failure lists every
// problem found.
func assertFieldError(t *testing.T, errs field.ErrorList, fieldPath, detail string) {
	t.Helper()
	for _, e := range errs {
		if e.Field == fieldPath && strings.Contains(e.Error(), detail) {
			return
		}
	}
	t.Errorf("got %v\nwant a problem at %s containing %q", errs, fieldPath, detail)
}
