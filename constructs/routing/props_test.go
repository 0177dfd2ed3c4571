package routing_test

import (
	"encoding/json"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/routing"
)

func props() routing.Props {
	return routing.Props{
		Hosts:   []string{"echo.example.com"},
		Gateway: routing.Gateway{Selector: map[string]string{"istio": "ingressgateway"}},
	}
}

func TestDefaults(t *testing.T) {
	p := routing.Props{}.WithDefaults("echo")
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
	off := routing.Props{VersionPaths: map[string]string{}, Cookie: routing.Rule{Values: map[string]string{}}}.WithDefaults("echo")
	if len(off.VersionPaths) != 0 || len(off.Cookie.Values) != 0 {
		t.Errorf("explicit {} did not turn the rules off: %+v %+v", off.VersionPaths, off.Cookie)
	}
}

func TestValidateBadInput(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*routing.Props)
		field  string
		detail string
	}{
		{"fails/unknown colour as live", func(p *routing.Props) { p.Live = "red" },
			"live", `Unsupported value: "red": supported values: "blue", "green"`},
		{"fails/weight above 100", func(p *routing.Props) { p.CandidateWeight = 101 },
			"candidateWeight", "Invalid value: 101: must be a percentage from 0 to 100"},
		{"fails/negative weight", func(p *routing.Props) { p.CandidateWeight = -5 },
			"candidateWeight", "Invalid value: -5"},
		{"fails/empty host", func(p *routing.Props) { p.Hosts = []string{"echo.example.com", ""} },
			"hosts[1]", `Invalid value: "": must be a host name`},
		{"fails/no hosts", func(p *routing.Props) { p.Hosts = []string{} },
			"hosts", "Required value"},
		{"fails/host with a path", func(p *routing.Props) { p.Hosts = []string{"echo.example.com/v1"} },
			"hosts[0]", "must be a fully qualified host name"},
		{"fails/cookie name with a space", func(p *routing.Props) { p.Cookie.Name = "x version" },
			"cookie.name", `Invalid value: "x version": must be a cookie name`},
		{"fails/cookie name with a semicolon", func(p *routing.Props) { p.Cookie.Name = "x;version" },
			"cookie.name", `Invalid value: "x;version"`},
		{"fails/cookie value with a semicolon", func(p *routing.Props) { p.Cookie.Values = map[string]string{"green": "v2;x"} },
			"cookie.values[green]", `Invalid value: "v2;x"`},
		{"fails/same cookie value for both colours", func(p *routing.Props) { p.Cookie.Values = map[string]string{"blue": "v", "green": "v"} },
			"cookie.values[green]", "Duplicate value"},
		{"fails/uppercase header name", func(p *routing.Props) {
			p.Header = routing.Rule{Name: "X-Version", Values: map[string]string{"green": "v2"}}
		}, "header.name", `Invalid value: "X-Version": must be a lowercase HTTP header name`},
		{"fails/path prefix without a leading slash", func(p *routing.Props) { p.VersionPaths = map[string]string{"blue": "v1"} },
			"versionPaths[blue]", `Invalid value: "v1": must start with "/"`},
		{"fails/path prefix with a trailing slash", func(p *routing.Props) { p.VersionPaths = map[string]string{"blue": "/v1/"} },
			"versionPaths[blue]", `Invalid value: "/v1/"`},
		{"fails/same prefix for both colours", func(p *routing.Props) { p.VersionPaths = map[string]string{"blue": "/v1", "green": "/v1"} },
			"versionPaths[green]", `Duplicate value: "/v1 (also blue's prefix)"`},
		{"fails/nested prefixes", func(p *routing.Props) { p.VersionPaths = map[string]string{"blue": "/app", "green": "/app/v2"} },
			"versionPaths[green]", "nests with blue's prefix /app"},
		{"fails/unknown colour in paths", func(p *routing.Props) { p.VersionPaths = map[string]string{"red": "/v3"} },
			"versionPaths[red]", `Unsupported value: "red"`},
		{"fails/TLS without a credential name", func(p *routing.Props) { p.Gateway.TLS = &routing.TLS{} },
			"gateway.tls.credentialName", "Required value: the Kubernetes secret"},
		{"fails/redirect without TLS", func(p *routing.Props) { p.Gateway.HTTPSRedirect = true },
			"gateway.httpsRedirect", "redirecting to HTTPS needs tls"},
		{"fails/bad TLS mode", func(p *routing.Props) { p.Gateway.TLS = &routing.TLS{CredentialName: "c", Mode: "PASSTHROUGH"} },
			"gateway.tls.mode", `Unsupported value: "PASSTHROUGH"`},
		{"fails/no gateway selector", func(p *routing.Props) { p.Gateway.Selector = nil },
			"gateway.selector", "Required value"},
		{"fails/bad timeout", func(p *routing.Props) { p.Timeout = "ten seconds" },
			"timeout", `Invalid value: "ten seconds": must be a duration`},
		{"fails/unknown route override", func(p *routing.Props) { p.Routes = map[string]routing.RouteSettings{"cookie-red": {Timeout: "1s"}} },
			"routes[cookie-red]", `Unsupported value: "cookie-red"`},
		{"fails/bad retry condition", func(p *routing.Props) {
			var r routing.Retries
			if err := json.Unmarshal([]byte(`{"attempts": 3, "retryOn": "5xx,sometimes"}`), &r); err != nil {
				panic(err)
			}
			p.Retries = &r
		}, "retries.retryOn", `"sometimes" is not an Envoy retry condition`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := props()
			tc.change(&p)
			testutil.AssertFieldError(t, p.WithDefaults("echo").ValidateAt(nil), tc.field, tc.detail)
		})
	}
}

func TestRetriesRejectUnknownFields(t *testing.T) {
	var r routing.Retries
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
	onlyBlue := routing.Target{Subsets: []bluegreen.Subset{{Colour: "blue", Release: "blue", Labels: map[string]string{"version": "blue"}}}}
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
