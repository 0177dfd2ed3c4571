package gatewayapi_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/utils/ptr"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
	"github.com/bluegreen-mesh/bluegreen/mesh/meshtest"
)

// fixtures returns the model of the objects in testdata files, written by
// hand in the shape of the Gateway API's documented examples.
func fixtures(t *testing.T, files ...string) gatewayapi.Model {
	t.Helper()
	var m gatewayapi.Model
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		if skipped, err := m.Decode(b); err != nil || len(skipped) > 0 {
			t.Fatalf("%s: skipped %v, error %v; want every object decoded", f, skipped, err)
		}
	}
	return m
}

func evaluateOK(t *testing.T, m gatewayapi.Model, r gatewayapi.Request) gatewayapi.Outcome {
	t.Helper()
	out, err := m.Evaluate(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSelectorListener checks allowedRoutes.namespaces.from Selector: the
// routes of namespaces whose labels match attach, the others do not, and
// a route in a namespace the objects do not hold makes the answer "not
// evaluated: namespace labels unknown", not a 404.
func TestSelectorListener(t *testing.T) {
	m := fixtures(t, "cross-namespace.yaml")
	for _, tc := range []struct {
		path, route, backend string
		status               int
	}{
		{"/", "site-ns/home", "site-ns/home", 0},
		{"/store/1", "store-ns/store", "store-ns/store", 0},
		// other-ns has no label: its route does not attach, and /rogue
		// falls to home's catch-all.
		{"/rogue", "site-ns/home", "site-ns/home", 0},
	} {
		out := evaluateOK(t, m, gatewayapi.Request{Host: "foo.example.com", Path: tc.path})
		if out.NotEvaluated != "" || out.Status != tc.status || out.Route != tc.route || len(out.Backends) != 1 || out.Backends[0].Service != tc.backend {
			t.Errorf("%s: %d by %s to %+v (not evaluated %q); want %d by %s to %s", tc.path, out.Status, out.Route, out.Backends, out.NotEvaluated, tc.status, tc.route, tc.backend)
		}
	}

	// Without the site's route only other-ns's would serve /: a 404.
	alone := fixtures(t, "cross-namespace.yaml")
	alone.HTTPRoutes = slices.DeleteFunc(alone.HTTPRoutes, func(r *gwv1.HTTPRoute) bool { return r.Name == "home" })
	if out := evaluateOK(t, alone, gatewayapi.Request{Host: "foo.example.com", Path: "/rogue"}); out.Status != 404 {
		t.Errorf("/rogue without home: %d (%s); want 404", out.Status, out.Reason)
	}

	m = fixtures(t, "cross-namespace.yaml", "unseen-namespace.yaml")
	out := evaluateOK(t, m, gatewayapi.Request{Host: "foo.example.com", Path: "/blog"})
	want := "not evaluated: namespace labels unknown: Gateway infra-ns/shared-gateway listener http selects routes by their namespace's labels, and the objects hold no Namespace blog-ns (of HTTPRoute blog-ns/blog)"
	if out.NotEvaluated != want || out.Status == 404 {
		t.Errorf("/blog: not evaluated %q, status %d; want %q", out.NotEvaluated, out.Status, want)
	}
}

// TestHeaderModifiers checks RequestHeaderModifier and
// ResponseHeaderModifier: the rule is evaluated, its backend unchanged,
// and every change reported, removals included; and URLRewrite's
// hostname.
func TestHeaderModifiers(t *testing.T) {
	m := fixtures(t, "header-modifiers.yaml")
	get := func(path string) gatewayapi.Outcome {
		out := evaluateOK(t, m, gatewayapi.Request{Host: "example.com", Path: path})
		if out.NotEvaluated != "" || out.Status != 0 || len(out.Backends) != 1 || out.Backends[0].Service != "default/example-svc" {
			t.Fatalf("%s: %d to %+v (not evaluated %q); want default/example-svc", path, out.Status, out.Backends, out.NotEvaluated)
		}
		return out
	}
	req := get("/add-a-request-header").RequestHeaders
	if got, want := gatewayapi.Changes(req), "set my-header-set: bar, add my-header-name: my-header-value, remove x-request-remove"; got != want {
		t.Errorf("request header changes %q; want %q", got, want)
	}
	resp := get("/response-header")
	if len(resp.ResponseHeaders) != 2 || !slices.Equal(resp.ResponseHeadersRemoved, []string{"X-Header-Remove"}) {
		t.Errorf("response headers %v, removed %v; want X-Header-Set and X-Header-Add-1, X-Header-Remove removed", resp.ResponseHeaders, resp.ResponseHeadersRemoved)
	}
	if h := get("/rewrite-host").Hostname; h != "elsewhere.example.org" {
		t.Errorf("hostname %q; want elsewhere.example.org", h)
	}

	var buf strings.Builder
	if err := gatewayapi.Table(&buf, meshModelOf(t, "header-modifiers.yaml"), cases("example.com", "/add-a-request-header", "/response-header", "/rewrite-host")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"(request headers: set my-header-set: bar, add my-header-name: my-header-value, remove x-request-remove)",
		"(response headers: X-Header-Set: set-overwrites-values, X-Header-Add-1: header-add-1, remove X-Header-Remove)",
		"(Host rewritten to elsewhere.example.org)",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("table:\n%s\nwant it to say %q", buf.String(), want)
		}
	}
}

func TestUnmodelledField(t *testing.T) {
	m := fixtures(t, "backend-request-timeout.yaml")
	out := evaluateOK(t, m, gatewayapi.Request{Host: "example.com", Path: "/"})
	if want := "not evaluated: HTTPRoute default/timeout-example spec.rules[0].timeouts.backendRequest"; out.NotEvaluated != want || len(out.Backends) != 0 {
		t.Errorf("not evaluated %q, backends %+v; want %q and none", out.NotEvaluated, out.Backends, want)
	}
}

// meshModelOf returns the objects of testdata files in the mesh model, as
// `routes` reads rendered objects (mesh.Model.Add).
func meshModelOf(t *testing.T, files ...string) *mesh.Model {
	t.Helper()
	var paths []string
	for _, f := range files {
		paths = append(paths, filepath.Join("testdata", f))
	}
	return meshtest.Files(t, paths...)
}

// cases are GET requests to host at paths.
func cases(host string, paths ...string) []mesh.Case {
	var out []mesh.Case
	for _, p := range paths {
		out = append(out, mesh.Case{Name: "GET " + p, Request: mesh.Request{Host: host, Path: p}})
	}
	return out
}

// TestTableSelectorListener checks `routes`' table on the cross-namespace
// objects as the mesh model holds them (Namespaces included): the
// selected route answers, and the unseen namespace is said.
func TestTableSelectorListener(t *testing.T) {
	var buf strings.Builder
	if err := gatewayapi.Table(&buf, meshModelOf(t, "cross-namespace.yaml", "unseen-namespace.yaml"), cases("foo.example.com", "/store", "/blog")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"store-ns/store", "not evaluated: namespace labels unknown"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("table:\n%s\nwant it to say %q", buf.String(), want)
		}
	}
	if strings.Contains(buf.String(), "404") {
		t.Errorf("table:\n%s\nwant no 404", buf.String())
	}
}

// TestUnmodelledGatewayField checks that a field the evaluator does not
// model in the Gateway that admits a request is the answer too.
func TestUnmodelledGatewayField(t *testing.T) {
	m := fixtures(t, "header-modifiers.yaml")
	m.Gateways[0].Spec.Addresses = []gwv1.GatewaySpecAddress{{Type: ptr.To(gwv1.IPAddressType), Value: "10.0.0.1"}}
	out := evaluateOK(t, m, gatewayapi.Request{Host: "example.com", Path: "/response-header"})
	if want := "not evaluated: Gateway default/example-gateway spec.addresses"; out.NotEvaluated != want {
		t.Errorf("not evaluated %q; want %q", out.NotEvaluated, want)
	}
}
