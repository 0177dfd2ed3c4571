package render_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
	"github.com/bluegreen-mesh/bluegreen/mesh/graph"
)

// loadGatewayAPI synthesizes environment "walk" with routing api
// "gatewayAPI" and the given further routing settings, renders its stacks
// through Helm and decodes the objects into the mesh model.
func loadGatewayAPI(t *testing.T, routing string) (*mesh.Model, gatewayapi.Model) {
	t.Helper()
	m, _ := synthesize(t, `{"api": "gatewayAPI", `+routing+`}`)
	// The shared Service and one per colour; no Istio routing objects.
	if len(m.KubernetesGateways) != 1 || len(m.HTTPRoutes) != 1 || len(m.Services) != 3 || len(m.Workloads) != 2 ||
		len(m.Gateways)+len(m.VirtualServices)+len(m.DestinationRules) != 0 {
		t.Fatalf("got %d Gateway API gateways, %d HTTPRoutes, %d services, %d deployments, %d Istio objects; want 1, 1, 3, 2, 0",
			len(m.KubernetesGateways), len(m.HTTPRoutes), len(m.Services), len(m.Workloads), len(m.Gateways)+len(m.VirtualServices)+len(m.DestinationRules))
	}
	if got := m.HTTPRoutes[0].Release; got != "echo-httproute" {
		t.Errorf("HTTPRoute release: got %s, want echo-httproute", got)
	}
	return m, gatewayapi.ModelOfMesh(m)
}

// TestGatewayAPIWalkthrough is the walkthrough's request table through the
// whole chain for api "gatewayAPI": config, synthesized JSON, Helm
// rendering of the local charts, Gateway API types, the Gateway API
// evaluator.
func TestGatewayAPIWalkthrough(t *testing.T) {
	_, g := loadGatewayAPI(t, `"hosts": ["echo.example.com"], "header": {"name": "x-version", "values": {"blue": "v1", "green": "v2"}}`)
	for _, tc := range []struct {
		name    string
		path    string
		headers map[string]string
		rule    string
		colour  string
		appPath string
	}{
		{"curl /", "/", nil, "default", "blue", "/"},
		{"curl /v1", "/v1", nil, "path-blue", "blue", "/"},
		{"curl /v1/health", "/v1/health", nil, "path-blue", "blue", "/health"},
		{"curl /v2", "/v2", nil, "path-green", "green", "/"},
		{"curl /v2/health?full=1", "/v2/health?full=1", nil, "path-green", "green", "/health?full=1"},
		{"curl /v10 is not /v1", "/v10", nil, "default", "blue", "/v10"},
		{"curl -b x-version=v2", "/", map[string]string{"Cookie": "x-version=v2"}, "cookie-green", "green", "/"},
		{"curl -b 'a=1;x-version=v2'", "/", map[string]string{"Cookie": "a=1;x-version=v2"}, "cookie-green", "green", "/"},
		{"curl -b 'a=1; x-version=v2'", "/", map[string]string{"Cookie": "a=1; x-version=v2"}, "cookie-green", "green", "/"},
		{"curl -b x-version=v20", "/", map[string]string{"Cookie": "x-version=v20"}, "default", "blue", "/"},
		{"curl -b my-x-version=v2", "/", map[string]string{"Cookie": "my-x-version=v2"}, "default", "blue", "/"},
		{"curl -H 'x-version: v2'", "/", map[string]string{"x-version": "v2"}, "header-green", "green", "/"},
		{"curl -H 'X-Version: v1'", "/", map[string]string{"X-Version": "v1"}, "header-blue", "blue", "/"},
		// Under the Gateway API the longest path prefix decides before any
		// header: the same answer as the VirtualService's order here.
		{"curl /v1 -b x-version=v2: the path wins", "/v1", map[string]string{"Cookie": "x-version=v2"}, "path-blue", "blue", "/"},
	} {
		out, err := g.Evaluate(gatewayapi.Request{Host: "echo.example.com", Path: tc.path, Headers: tc.headers})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if len(out.Backends) != 1 {
			t.Errorf("%s: got %d backends (status %d: %s), want 1", tc.name, len(out.Backends), out.Status, out.Reason)
			continue
		}
		b := out.Backends[0]
		if out.Rule != tc.rule || b.Colour != tc.colour || b.Service != "bluegreen/echo-"+tc.colour || b.Unresolved != "" || out.Path != tc.appPath {
			t.Errorf("%s: got rule %s to %s (%s, %q) at %s; want %s to %s at %s", tc.name, out.Rule, b.Service, b.Colour, b.Unresolved, out.Path, tc.rule, tc.colour, tc.appPath)
		}
	}
	if out, _ := g.Evaluate(gatewayapi.Request{Host: "other.example.com", Path: "/"}); out.Status != 404 {
		t.Errorf("a host the Gateway does not serve: got status %d (%s), want 404", out.Status, out.Reason)
	}
}

// TestGatewayAPIStickyCanaryAndMirror: after a request that lands on the
// candidate, the Set-Cookie the rendered HTTPRoute adds routes the next one
// to the same colour; the mirror is rendered with its percentage.
func TestGatewayAPIStickyCanaryAndMirror(t *testing.T) {
	_, g := loadGatewayAPI(t, `"hosts": ["echo.example.com"], "candidateWeight": 20, "stickyCanary": true, "mirrorPercent": 15`)
	out, err := g.Evaluate(gatewayapi.Request{Host: "echo.example.com", Path: "/"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Rule != "default" || len(out.Backends) != 2 {
		t.Fatalf("GET /: got rule %s with %d backends; want default with 2", out.Rule, len(out.Backends))
	}
	if len(out.Mirrors) != 1 || out.Mirrors[0].Colour != "green" || out.Mirrors[0].Percent != 15 {
		t.Errorf("mirrors: got %+v; want green at 15%%", out.Mirrors)
	}
	for _, b := range out.Backends {
		want := map[string]float64{"blue": 80, "green": 20}[b.Colour]
		if b.Percent != want || len(b.ResponseHeaders) != 1 || b.ResponseHeaders[0].Name != "Set-Cookie" {
			t.Fatalf("%s: got %g%% with response headers %v; want %g%% with one Set-Cookie", b.Colour, b.Percent, b.ResponseHeaders, want)
		}
		cookie, _, _ := strings.Cut(b.ResponseHeaders[0].Value, ";")
		next, err := g.Evaluate(gatewayapi.Request{Host: "echo.example.com", Path: "/", Headers: map[string]string{"Cookie": "session=1; " + cookie}})
		if err != nil {
			t.Fatal(err)
		}
		if next.Rule != "cookie-"+b.Colour || len(next.Backends) != 1 || next.Backends[0].Colour != b.Colour {
			t.Errorf("after landing on %s (Set-Cookie %q): got rule %s to %+v; want cookie-%s to %s", b.Colour, b.ResponseHeaders[0].Value, next.Rule, next.Backends, b.Colour, b.Colour)
		}
	}
}

// TestVirtualServiceMirrorIsRendered: the mirror and its percentage, and
// the sticky Set-Cookie, survive Helm rendering for api virtualService.
func TestVirtualServiceStickyAndMirrorAreRendered(t *testing.T) {
	m := load(t, `{"hosts": ["echo.example.com"], "candidateWeight": 20, "stickyCanary": true, "mirrorPercent": 15}`)
	out, err := m.Evaluate(mesh.Request{Host: "echo.example.com", Path: "/"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Mirror == nil || out.Mirror.Text != "green-2.0" || out.MirrorPercent != 15 {
		t.Errorf("mirror: got %+v at %g%%; want green-2.0 at 15%%", out.Mirror, out.MirrorPercent)
	}
	if len(out.Destinations) != 2 || out.Destinations[0].SetCookie != "x-version=v1; Path=/" || out.Destinations[1].SetCookie != "x-version=v2; Path=/" {
		t.Errorf("destinations: got %+v; want blue with x-version=v1 and green with x-version=v2 cookies", out.Destinations)
	}
}

// TestGatewayAPITable: `routes` prints, for a Gateway API environment, the
// backend Service, its release and answer, the mirror, and which rule
// decided by what precedence.
func TestGatewayAPITable(t *testing.T) {
	m, _ := loadGatewayAPI(t, `"hosts": ["echo.example.com"], "candidateWeight": 10, "mirrorPercent": 5`)
	p := mesh.Routing{Hosts: []string{"echo.example.com"}, CandidateWeight: 10}.WithDefaults("echo")
	var b strings.Builder
	if err := gatewayapi.Table(&b, m, mesh.StandardCases(p, "echo.example.com")); err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, l := range strings.Split(b.String(), "\n") {
		rows = append(rows, strings.Join(strings.Fields(l), " "))
	}
	for _, want := range []string{
		"GET / default bluegreen/echo-blue blue 90% / blue-1.0",
		"default bluegreen/echo-green green 10% / green-2.0",
		"default bluegreen/echo-green green mirror 5% / (answer discarded)",
		"GET /v1/health path-blue bluegreen/echo-blue blue 100% /health blue-1.0",
		"cookie x-version=v2 cookie-green bluegreen/echo-green green 100% / green-2.0",
		`GET /v1: path-blue decided by PathPrefix "/v1" (3 characters), any method, 0 header and 0 query matches; outranked bluegreen/echo default`,
	} {
		if !slices.Contains(rows, want) {
			t.Errorf("no row %q in:\n%s", want, b.String())
		}
	}
}

// TestGatewayAPIPicture: the picture numbers the HTTPRoute's rules in the
// order their precedence decides and marks the live colour's release.
func TestGatewayAPIPicture(t *testing.T) {
	m, _ := loadGatewayAPI(t, `"hosts": ["echo.example.com"], "live": "green", "candidateWeight": 10`)
	mmd := graph.Build(m).Mermaid()
	for _, want := range []string{
		"Gateway echo-gateway (class istio)",
		"HTTPRoute echo<br/>echo.example.com",
		`1. path-blue<br/>PathPrefix`,
		`2. path-green<br/>PathPrefix`,
		`3. cookie-blue<br/>PathPrefix`,
		`5. default<br/>PathPrefix`,
		"Service echo-blue<br/>app=echo, version=blue",
		"release green (live)",
		"release blue (candidate)",
		"|90%|", "|10%|",
	} {
		if !strings.Contains(mmd, want) {
			t.Errorf("picture lacks %q:\n%s", want, mmd)
		}
	}
}

// TestGatewayAPICRDsInTheMeshStack: with api "gatewayAPI" the mesh stack
// carries the Gateway API CRDs as a chart asset, and Helm renders them from
// the synthesized stack alone; without it, it has none.
func TestGatewayAPICRDsInTheMeshStack(t *testing.T) {
	for _, tc := range []struct {
		routing string
		want    int
	}{
		// Ten CRDs, and the ValidatingAdmissionPolicy and its binding that
		// guard their upgrades (one file of config/crd/standard).
		{`{"api": "gatewayAPI"}`, 12},
		{`{}`, 0},
	} {
		_, dirs := synthesize(t, tc.routing)
		rendered, _, err := render.Stacks(dirs[0])
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range rendered {
			if r.Name != "gateway-api-crds" {
				continue
			}
			for _, mf := range r.Manifests {
				obj, err := render.Decode(mf)
				if err != nil {
					t.Fatal(err)
				}
				names = append(names, obj.Kind+" "+obj.Metadata.Name)
				if mf.Kind != obj.Kind {
					t.Errorf("%s: Manifest.Kind %q, but the object is a %s", mf.Template, mf.Kind, obj.Kind)
				}
			}
		}
		if len(names) != tc.want {
			t.Fatalf("routing %s: got %d Gateway API manifests %q, want %d", tc.routing, len(names), names, tc.want)
		}
		if tc.want > 0 && !slices.Contains(names, "CustomResourceDefinition httproutes.gateway.networking.k8s.io") {
			t.Errorf("no HTTPRoute CRD among %q", names)
		}
	}
}
