package gatewayapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
)

// walkthrough is the walkthrough's app: echo in namespace echo, both
// colours released, blue live, the default version paths and cookie, and a
// header rule x-version: v1/v2.
func walkthrough() gatewayapi.Spec {
	return gatewayapi.Spec{
		App:        "echo",
		Namespace:  "echo",
		Port:       8600,
		TargetPort: 5678,
		Releases: []gatewayapi.Release{
			{Colour: "blue", Selector: map[string]string{"app": "echo", "version": "blue"}},
			{Colour: "green", Selector: map[string]string{"app": "echo", "version": "green"}},
		},
		Routing: mesh.Routing{
			Hosts:  []string{"echo.example.com"},
			Header: mesh.Rule{Name: "x-version", Values: map[string]string{"blue": "v1", "green": "v2"}},
		},
	}.WithDefaults()
}

func model(t *testing.T, s gatewayapi.Spec) gatewayapi.Model {
	t.Helper()
	o, err := gatewayapi.Build(s)
	if err != nil {
		t.Fatal(err)
	}
	return gatewayapi.ModelOf(o)
}

func evaluate(t *testing.T, m gatewayapi.Model, r gatewayapi.Request) gatewayapi.Outcome {
	t.Helper()
	out, err := m.Evaluate(r)
	if err != nil {
		t.Fatalf("%+v: %v", r, err)
	}
	return out
}

// share is one backend as "service colour percent%".
func backends(out gatewayapi.Outcome) string {
	var parts []string
	for _, b := range out.Backends {
		parts = append(parts, fmt.Sprintf("%s:%d %s %g%%", b.Service, b.Port, b.Colour, b.Percent))
		if b.Unresolved != "" {
			parts[len(parts)-1] += " (" + b.Unresolved + ")"
		}
	}
	return strings.Join(parts, ", ")
}

const (
	toBlue  = "echo/echo-blue:8600 blue 100%"
	toGreen = "echo/echo-green:8600 green 100%"
)

func TestWalkthroughTable(t *testing.T) {
	m := model(t, walkthrough())
	get := func(path string, headers map[string]string) gatewayapi.Request {
		return gatewayapi.Request{Host: "echo.example.com", Path: path, Headers: headers}
	}
	cookie := func(c string) map[string]string { return map[string]string{"Cookie": c} }
	for _, tc := range []struct {
		name     string
		req      gatewayapi.Request
		rule     string
		backends string
		path     string
	}{
		{"GET /", get("/", nil), "default", toBlue, "/"},
		{"POST /", gatewayapi.Request{Host: "echo.example.com", Method: "POST", Path: "/"}, "default", toBlue, "/"},
		{"host with port", gatewayapi.Request{Host: "echo.example.com:80", Path: "/"}, "default", toBlue, "/"},
		{"GET /v1", get("/v1", nil), "path-blue", toBlue, "/"},
		{"GET /v1/", get("/v1/", nil), "path-blue", toBlue, "/"},
		{"GET /v1/health", get("/v1/health", nil), "path-blue", toBlue, "/health"},
		{"GET /v1/a/b", get("/v1/a/b", nil), "path-blue", toBlue, "/a/b"},
		{"GET /v1/a?b=c", get("/v1/a?b=c", nil), "path-blue", toBlue, "/a?b=c"},
		{"GET /v1?b=c", get("/v1?b=c", nil), "path-blue", toBlue, "/?b=c"},
		{"GET /v2", get("/v2", nil), "path-green", toGreen, "/"},
		{"GET /v2/health", get("/v2/health", nil), "path-green", toGreen, "/health"},
		{"GET /v10 is not /v1", get("/v10", nil), "default", toBlue, "/v10"},
		{"GET /v20/x is not /v2", get("/v20/x", nil), "default", toBlue, "/v20/x"},
		{"GET /x/v1 is not /v1", get("/x/v1", nil), "default", toBlue, "/x/v1"},
		{"cookie x-version=v2", get("/", cookie("x-version=v2")), "cookie-green", toGreen, "/"},
		{"cookie x-version=v1", get("/", cookie("x-version=v1")), "cookie-blue", toBlue, "/"},
		{"cookie after another with space", get("/", cookie("session=abc; x-version=v2")), "cookie-green", toGreen, "/"},
		{"cookie after another without space", get("/", cookie("session=abc;x-version=v2")), "cookie-green", toGreen, "/"},
		{"cookie before another", get("/", cookie("x-version=v2; session=abc")), "cookie-green", toGreen, "/"},
		{"cookie x-version=v20", get("/", cookie("x-version=v20")), "default", toBlue, "/"},
		{"cookie my-x-version=v2", get("/", cookie("my-x-version=v2")), "default", toBlue, "/"},
		{"cookie X-Version=v2 (names are case-sensitive)", get("/", cookie("X-Version=v2")), "default", toBlue, "/"},
		{"cookies as a list", gatewayapi.Request{Host: "echo.example.com", Path: "/", Cookies: []string{"session=abc", "x-version=v2"}}, "cookie-green", toGreen, "/"},
		{"header x-version: v2", get("/", map[string]string{"x-version": "v2"}), "header-green", toGreen, "/"},
		{"header X-Version: v2 (names are case-insensitive)", get("/", map[string]string{"X-Version": "v2"}), "header-green", toGreen, "/"},
		{"header x-version: v1", get("/", map[string]string{"x-version": "v1"}), "header-blue", toBlue, "/"},
		{"header x-version: V2 (values are case-sensitive)", get("/", map[string]string{"x-version": "V2"}), "default", toBlue, "/"},
		{"header v2 and cookie v1: header is listed first", get("/", map[string]string{"x-version": "v2", "cookie": "x-version=v1"}), "header-green", toGreen, "/"},
		{"path /v1 and cookie v2: the longer prefix wins", get("/v1/a", cookie("x-version=v2")), "path-blue", toBlue, "/a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := evaluate(t, m, tc.req)
			if out.Status != 0 {
				t.Fatalf("status %d (%s), want the request forwarded", out.Status, out.Reason)
			}
			if out.Route != "echo/echo" || out.Rule != tc.rule {
				t.Errorf("decided by %s %s; want echo/echo %s", out.Route, out.Rule, tc.rule)
			}
			if got := backends(out); got != tc.backends {
				t.Errorf("backends %s; want %s", got, tc.backends)
			}
			if out.Path != tc.path {
				t.Errorf("app path %q; want %q", out.Path, tc.path)
			}
			if out.Gateway != "echo/echo-gateway" || out.Listener != "http" {
				t.Errorf("admitted by %s listener %s; want echo/echo-gateway listener http", out.Gateway, out.Listener)
			}
		})
	}
}

func TestWalkthroughNotFound(t *testing.T) {
	m := model(t, walkthrough())
	for _, tc := range []struct {
		req    gatewayapi.Request
		reason string
	}{
		{gatewayapi.Request{Host: "other.example.com", Path: "/"}, `no Gateway listener serves host "other.example.com" on http port 80`},
		{gatewayapi.Request{Host: "echo.example.com", Scheme: "https", Path: "/"}, `no Gateway listener serves host "echo.example.com" on https port 443`},
		{gatewayapi.Request{Host: "echo.example.com", Port: 8080, Path: "/"}, `no Gateway listener serves host "echo.example.com" on http port 8080`},
	} {
		out := evaluate(t, m, tc.req)
		if out.Status != 404 || out.Reason != tc.reason {
			t.Errorf("%+v: got %d %q; want 404 %q", tc.req, out.Status, out.Reason, tc.reason)
		}
	}
}

func TestCanaryWeights(t *testing.T) {
	for _, tc := range []struct {
		live     string
		weight   int
		backends string
	}{
		{"blue", 0, toBlue},
		{"blue", 10, "echo/echo-blue:8600 blue 90%, echo/echo-green:8600 green 10%"},
		{"blue", 100, "echo/echo-blue:8600 blue 0%, echo/echo-green:8600 green 100%"},
		{"green", 0, toGreen},
		{"green", 10, "echo/echo-green:8600 green 90%, echo/echo-blue:8600 blue 10%"},
	} {
		t.Run(fmt.Sprintf("%s live, candidate %d%%", tc.live, tc.weight), func(t *testing.T) {
			s := walkthrough()
			s.Live, s.CandidateWeight = tc.live, tc.weight
			m := model(t, s)
			out := evaluate(t, m, gatewayapi.Request{Host: "echo.example.com", Path: "/"})
			if out.Rule != "default" {
				t.Fatalf("rule %s; want default", out.Rule)
			}
			if got := backends(out); got != tc.backends {
				t.Errorf("backends %s; want %s", got, tc.backends)
			}
			// The version paths and cookies ignore the canary.
			out = evaluate(t, m, gatewayapi.Request{Host: "echo.example.com", Path: "/v1/x"})
			if got := backends(out); got != toBlue {
				t.Errorf("/v1/x: backends %s; want %s", got, toBlue)
			}
			if len(out.Mirrors) != 0 || len(out.ResponseHeaders) != 0 {
				t.Errorf("/v1/x: mirrors %v, response headers %v; want none", out.Mirrors, out.ResponseHeaders)
			}
		})
	}
}

func TestStickyCanary(t *testing.T) {
	s := walkthrough()
	s.CandidateWeight, s.StickyCanary = 10, true
	// A client that already has an unrelated cookie.
	for _, existing := range []string{"", "session=abc"} {
		m := model(t, s)
		out := evaluate(t, m, gatewayapi.Request{Host: "echo.example.com", Path: "/", Cookies: nonEmpty(existing)})
		if out.Rule != "default" || len(out.Backends) != 2 {
			t.Fatalf("first request: rule %s with %d backends; want default with 2", out.Rule, len(out.Backends))
		}
		want := map[string]string{"blue": "x-version=v1; Path=/", "green": "x-version=v2; Path=/"}
		for _, b := range out.Backends {
			if len(b.ResponseHeaders) != 1 || b.ResponseHeaders[0].Name != "Set-Cookie" || b.ResponseHeaders[0].Value != want[b.Colour] {
				t.Fatalf("%s backend adds %v; want Set-Cookie: %s", b.Colour, b.ResponseHeaders, want[b.Colour])
			}
			// The client keeps the cookie and sends it with the next
			// request, which must reach the colour it landed on.
			c, err := http.ParseSetCookie(string(b.ResponseHeaders[0].Value))
			if err != nil {
				t.Fatal(err)
			}
			if c.Path != "/" {
				t.Errorf("cookie path %q; want /", c.Path)
			}
			next := evaluate(t, m, gatewayapi.Request{Host: "echo.example.com", Path: "/orders", Cookies: append(nonEmpty(existing), c.Name+"="+c.Value)})
			if next.Rule != "cookie-"+b.Colour || len(next.Backends) != 1 || next.Backends[0].Colour != b.Colour {
				t.Errorf("after landing on %s (cookie %s=%s, existing %q): rule %s to %s; want cookie-%s to %s only",
					b.Colour, c.Name, c.Value, existing, next.Rule, backends(next), b.Colour, b.Colour)
			}
			if len(next.Backends) == 1 && len(next.Backends[0].ResponseHeaders) != 0 {
				t.Errorf("the cookie rule sets %v; want no cookie", next.Backends[0].ResponseHeaders)
			}
		}
	}

	// Without a canary there is nothing to stick to.
	s.CandidateWeight = 0
	out := evaluate(t, model(t, s), gatewayapi.Request{Host: "echo.example.com", Path: "/"})
	if len(out.Backends) != 1 || len(out.Backends[0].ResponseHeaders) != 0 {
		t.Errorf("no canary: backends %s with headers %v; want blue alone without Set-Cookie", backends(out), out.Backends)
	}
}

func nonEmpty(cookie string) []string {
	if cookie == "" {
		return nil
	}
	return []string{cookie}
}

func TestMirror(t *testing.T) {
	s := walkthrough()
	s.MirrorPercent = 25
	m := model(t, s)
	out := evaluate(t, m, gatewayapi.Request{Host: "echo.example.com", Path: "/"})
	if got := backends(out); got != toBlue {
		t.Errorf("backends %s; want %s", got, toBlue)
	}
	want := gatewayapi.Mirror{Service: "echo/echo-green", Port: 8600, Colour: "green", Percent: 25}
	if len(out.Mirrors) != 1 || out.Mirrors[0] != want {
		t.Fatalf("mirrors %+v; want [%+v]", out.Mirrors, want)
	}
	// Only the default rule's traffic is mirrored.
	for _, path := range []string{"/v1", "/v2/x"} {
		if out := evaluate(t, m, gatewayapi.Request{Host: "echo.example.com", Path: path}); len(out.Mirrors) != 0 {
			t.Errorf("%s: mirrors %+v; want none", path, out.Mirrors)
		}
	}
}

func TestHTTPSRedirect(t *testing.T) {
	s := walkthrough()
	s.Gateway.TLS = &mesh.TLS{CredentialName: "echo-example-com-tls"}
	s.Gateway.HTTPSRedirect = true
	s = s.WithDefaults()
	m := model(t, s)

	out := evaluate(t, m, gatewayapi.Request{Host: "echo.example.com", Path: "/v1/a?b=c"})
	if out.Status != 301 || out.Redirect != "https://echo.example.com/v1/a?b=c" || out.Route != "echo/echo-https-redirect" {
		t.Errorf("http: %d to %q by %s; want 301 to https://echo.example.com/v1/a?b=c by echo/echo-https-redirect", out.Status, out.Redirect, out.Route)
	}
	out = evaluate(t, m, gatewayapi.Request{Host: "echo.example.com", Scheme: "https", Path: "/v1/a?b=c"})
	if out.Status != 0 || out.Listener != "https" || out.Rule != "path-blue" || out.Path != "/a?b=c" {
		t.Errorf("https: status %d, listener %s, rule %s, path %q; want 0, https, path-blue, /a?b=c", out.Status, out.Listener, out.Rule, out.Path)
	}

	s.Gateway.HTTPSPort = 8443
	out = evaluate(t, model(t, s), gatewayapi.Request{Host: "echo.example.com", Path: "/"})
	if out.Redirect != "https://echo.example.com:8443/" {
		t.Errorf("redirect to %q; want https://echo.example.com:8443/", out.Redirect)
	}

	// Without the redirect, both listeners serve the app.
	s.Gateway.HTTPSRedirect = false
	m = model(t, s)
	for _, scheme := range []string{"http", "https"} {
		out := evaluate(t, m, gatewayapi.Request{Host: "echo.example.com", Scheme: scheme, Port: map[string]int{"http": 80, "https": 8443}[scheme], Path: "/v2"})
		if out.Status != 0 || out.Listener != scheme || out.Rule != "path-green" {
			t.Errorf("%s: status %d, listener %s, rule %s; want 0, %s, path-green", scheme, out.Status, out.Listener, out.Rule, scheme)
		}
	}
}

func TestWildcardHosts(t *testing.T) {
	s := walkthrough()
	s.Hosts = []string{"*.shop.example.com", "echo.example.com"}
	m := model(t, s)
	for _, tc := range []struct {
		host, listener string
		status         int
	}{
		{"echo.example.com", "http-1", 0},
		{"eu.shop.example.com", "http-0", 0},
		{"a.eu.shop.example.com", "http-0", 0},
		{"shop.example.com", "", 404},
		{"example.com", "", 404},
	} {
		out := evaluate(t, m, gatewayapi.Request{Host: tc.host, Path: "/v2/x"})
		if out.Status != tc.status || out.Listener != tc.listener {
			t.Errorf("%s: status %d on listener %q; want %d on %q", tc.host, out.Status, out.Listener, tc.status, tc.listener)
		}
	}

	s.Hosts = []string{"*"}
	m = model(t, s)
	if out := evaluate(t, m, gatewayapi.Request{Host: "anything.test", Path: "/v2/x"}); out.Status != 0 || out.Rule != "path-green" || out.Path != "/x" {
		t.Errorf(`hosts ["*"]: status %d, rule %s, path %q; want 0, path-green, /x`, out.Status, out.Rule, out.Path)
	}
}

func TestUnresolvedBackends(t *testing.T) {
	s := walkthrough()
	s.CandidateWeight = 10
	o, err := gatewayapi.Build(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Services) != 2 {
		t.Fatalf("%d Services; want 2", len(o.Services))
	}
	// Drop the green Service: the route still sends it 10 %, which the
	// Gateway answers with 500.
	m := gatewayapi.ModelOf(o)
	m.Services = m.Services[:1]
	out := evaluate(t, m, gatewayapi.Request{Host: "echo.example.com", Path: "/"})
	want := "echo/echo-blue:8600 blue 90%, echo/echo-green:8600  10% (Service echo/echo-green does not exist)"
	if got := backends(out); got != want {
		t.Errorf("backends %s; want %s", got, want)
	}
}

// shared is the app's Service of both colours, which the app's chart
// creates.
func shared() *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "echo", Namespace: "echo"},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "echo"},
			Ports:    []corev1.ServicePort{{Name: "http", Port: 8600}},
		},
	}
}

func TestMeshRoute(t *testing.T) {
	s := walkthrough()
	s.MeshService, s.CandidateWeight = "echo", 10
	m := model(t, s)
	m.Services = append(m.Services, shared())
	call := func(path string, cookies ...string) gatewayapi.Request {
		return gatewayapi.Request{Service: "echo/echo", Path: path, Cookies: cookies}
	}
	for _, tc := range []struct {
		name           string
		req            gatewayapi.Request
		rule, backends string
		path           string
	}{
		{"version path", call("/v1/x?y=1"), "path-blue", toBlue, "/x?y=1"},
		{"not a version path", call("/v10"), "default", "echo/echo-blue:8600 blue 90%, echo/echo-green:8600 green 10%", "/v10"},
		{"cookie", call("/", "a=b", "x-version=v2"), "cookie-green", toGreen, "/"},
		{"on the Service's port", gatewayapi.Request{Service: "echo/echo", Port: 8600, Path: "/v2"}, "path-green", toGreen, "/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := evaluate(t, m, tc.req)
			if out.Status != 0 || out.Route != "echo/echo-mesh" || out.Rule != tc.rule || out.Gateway != "" {
				t.Errorf("status %d, decided by %s %s at gateway %q; want 0 by echo/echo-mesh %s at none", out.Status, out.Route, out.Rule, out.Gateway, tc.rule)
			}
			if got := backends(out); got != tc.backends {
				t.Errorf("backends %s; want %s", got, tc.backends)
			}
			if out.Path != tc.path {
				t.Errorf("app path %q; want %q", out.Path, tc.path)
			}
		})
	}

	// The mesh route does not attach to the Gateway, nor the app's route to
	// the Service.
	if out := evaluate(t, m, gatewayapi.Request{Host: "echo.example.com", Path: "/v1"}); out.Route != "echo/echo" {
		t.Errorf("ingress request decided by %s; want echo/echo", out.Route)
	}
	// A call on another port is not the parentRef's: the Service takes it.
	out := evaluate(t, m, gatewayapi.Request{Service: "echo/echo", Port: 9000, Path: "/v1"})
	if want := "echo/echo:9000  100% (Service echo/echo has no port 9000)"; out.Route != "" || backends(out) != want {
		t.Errorf("port 9000: route %q, backends %s; want none, %s", out.Route, backends(out), want)
	}

	// Without a mesh route, in-mesh calls reach the shared Service, both
	// colours, unrewritten.
	s.MeshService = ""
	m = model(t, s)
	m.Services = append(m.Services, shared())
	out = evaluate(t, m, call("/v1/x"))
	if want := "echo/echo:8600  100%"; out.Route != "" || backends(out) != want || out.Path != "/v1/x" {
		t.Errorf("no mesh route: route %q, backends %s, path %q; want none, %s, /v1/x", out.Route, backends(out), out.Path, want)
	}
}
