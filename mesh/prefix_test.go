package mesh_test

import (
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/meshtest"
)

// prefixed is the walkthrough's app under the path prefix /cart, with a
// header rule too.
func prefixed() mesh.Routing {
	return mesh.Routing{
		Hosts:      []string{"shop.example.com"},
		PathPrefix: "/cart",
		Gateway:    mesh.Gateway{Selector: map[string]string{"istio": "ingressgateway"}},
		Header:     mesh.Rule{Name: "x-env", Values: map[string]string{"blue": "qa", "green": "prod"}},
	}
}

func TestPathPrefixTakesWholeSegments(t *testing.T) {
	m, err := meshtest.Model(prefixed())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range meshtest.PrefixRequests {
		out, err := m.Evaluate(mesh.Request{Host: "shop.example.com", Path: r.Path, Headers: r.Headers})
		if err != nil {
			t.Fatal(err)
		}
		colour := ""
		if len(out.Destinations) == 1 {
			colour = out.Destinations[0].Subset
		}
		if out.Route != r.Rule || colour != r.Colour || (r.Rule != "" && out.Path != r.AppPath) || (r.Rule == "") != (out.NotFound != "") {
			t.Errorf("GET %s %v: route %q to %q, path %q, not found %q; want route %q to %q, path %q",
				r.Path, r.Headers, out.Route, colour, out.Path, out.NotFound, r.Rule, r.Colour, r.AppPath)
		}
	}
}

func TestStandardCasesUnderAPathPrefix(t *testing.T) {
	m, err := meshtest.Model(prefixed())
	if err != nil {
		t.Fatal(err)
	}
	cases := mesh.StandardCases(prefixed().WithDefaults("echo"), "shop.example.com")
	var names []string
	for _, c := range cases {
		names = append(names, c.Name+" ("+c.Route+")")
		out, err := m.Evaluate(c.Request)
		if err != nil {
			t.Fatal(err)
		}
		if out.Route != c.Route {
			t.Errorf("%s: reached route %q, want %q", c.Name, out.Route, c.Route)
		}
	}
	want := []string{
		"GET /cart (default)", "GET /cart/v1 (path-blue)", "GET /cart/v1/health (path-blue)", "GET /cart/v2 (path-green)", "GET /cart/v2/health (path-green)",
		"header x-env: qa on /cart (header-blue)", "header x-env: prod on /cart (header-green)",
		"cookie x-version=v1 on /cart (cookie-blue)", "cookie x-version=v2 on /cart (cookie-green)", "cookie x-version=v20 on /cart (default)",
		"GET /cartoon (near miss) ()", "GET /cartoon/v1 (near miss) ()",
	}
	if strings.Join(names, "\n") != strings.Join(want, "\n") {
		t.Errorf("got cases\n  %s\nwant\n  %s", strings.Join(names, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestPathPrefixValidation(t *testing.T) {
	for _, tc := range []struct{ prefix, err string }{
		{"/", ""},
		{"/cart", ""},
		{"/shop/cart", ""},
		{"cart", `pathPrefix: Invalid value: "cart": must start with "/", such as "/cart"`},
		{"/cart/", `pathPrefix: Invalid value: "/cart/": must not end with "/"`},
		{"//cart", `pathPrefix: Invalid value: "//cart"`},
		{"/ca rt", `pathPrefix: Invalid value: "/ca rt"`},
	} {
		p := prefixed()
		p.PathPrefix = tc.prefix
		err := p.WithDefaults("echo").Validate()
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("pathPrefix %q: %v; want no error", tc.prefix, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("fails/pathPrefix %q: error %v; want it to contain %q", tc.prefix, err, tc.err)
		}
	}
	if got := (mesh.Routing{}).WithDefaults("echo").PathPrefix; got != "/" {
		t.Errorf("default pathPrefix %q; want \"/\"", got)
	}
}
