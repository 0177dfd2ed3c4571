package cli_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/cli"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
)

// answer is one object of `routes --output json`, decoded as a script
// would, with the field names docs/routes-json.md gives (not package
// mesh's type, so that a renamed field fails here).
type answer struct {
	Request struct {
		Method  string            `json:"method"`
		Host    string            `json:"host"`
		Path    string            `json:"path"`
		Headers map[string]string `json:"headers"`
	} `json:"request"`
	App          string `json:"app"`
	Rule         string `json:"rule"`
	Destinations []struct {
		Colour string  `json:"colour"`
		Weight float64 `json:"weight"`
		Path   string  `json:"path"`
	} `json:"destinations"`
	Mirror *struct {
		Colour  string  `json:"colour"`
		Percent float64 `json:"percent"`
	} `json:"mirror"`
	Notes []string `json:"notes"`
}

// short writes an answer as "app rule colour:weight:path ...", or the
// notes where it goes nowhere.
func (a answer) short() string {
	if len(a.Destinations) == 0 {
		return "- - " + strings.Join(a.Notes, "; ")
	}
	s := a.App + " " + a.Rule
	for _, d := range a.Destinations {
		s += fmt.Sprintf(" %s:%g:%s", d.Colour, d.Weight, d.Path)
	}
	if a.Mirror != nil {
		s += fmt.Sprintf(" mirror %s:%g", a.Mirror.Colour, a.Mirror.Percent)
	}
	return s
}

// routesJSON runs routes with args and --output json on the config cfg,
// and decodes its output strictly: a JSON array of answers and nothing
// else.
func routesJSON(t *testing.T, cfg string, args ...string) []answer {
	t.Helper()
	t.Setenv("BLUEGREEN_CONFIG", cfg)
	var out, errs bytes.Buffer
	if err := cli.Routes(append(args, "--output", "json"), &out, &errs); err != nil {
		t.Fatalf("routes %v: %v\n%s", args, err, errs.String())
	}
	d := json.NewDecoder(&out)
	d.DisallowUnknownFields()
	var as []answer
	if err := d.Decode(&as); err != nil {
		t.Fatalf("routes %v --output json: %v", args, err)
	}
	if d.More() {
		t.Fatalf("routes %v --output json: more than one JSON value", args)
	}
	for i, a := range as {
		if a.Destinations == nil || a.Notes == nil || a.Request.Headers == nil {
			t.Errorf("answer %d (%s %s): destinations, notes and request.headers must be arrays/objects, never null", i, a.Request.Host, a.Request.Path)
		}
	}
	return as
}

// byRequest indexes answers by "host path [headers]".
func byRequest(as []answer) map[string]string {
	out := map[string]string{}
	for _, a := range as {
		k := a.Request.Host + " " + a.Request.Path
		if c := a.Request.Headers["cookie"]; c != "" {
			k += " cookie " + c
		}
		out[k] = a.short()
	}
	return out
}

// gatewayAPIApps is an environment "gw" of two apps routed with the
// Gateway API sharing one host: cart under /cart, green live with a 20 %
// canary of blue, and web at "/" with a cookie of its own.
const gatewayAPIApps = `{"gw": {` + testutil.ExistingCluster + `, "apps": {
	"cart": {"routing": {"api": "gatewayAPI", "hosts": ["shop.example.com"], "pathPrefix": "/cart", "live": "green", "candidateWeight": 20}},
	"web": {"routing": {"api": "gatewayAPI", "hosts": ["shop.example.com"], "cookie": {"name": "web-version"}}}}}}`

// separateHosts is an environment "sep" of three apps, each on a host of
// its own (one of them under a path prefix), routed by VirtualServices.
const separateHosts = `{"sep": {` + testutil.ExistingCluster + `, "apps": {
	"api": {"routing": {"hosts": ["api.example.com"], "pathPrefix": "/api"}},
	"cart": {"routing": {"hosts": ["cart.example.com"], "live": "green"}},
	"web": {"routing": {"hosts": ["web.example.com"], "candidateWeight": 10}}}}}`

// TestRoutesJSONEveryApp decodes `routes <env> --output json` for the
// standard set of environments of several apps, with both routing APIs:
// one answer per request, each naming the app the whole gateway sends it
// to, the rule, the colours with their weights and the path the app
// receives; /cartoon, which a string prefix /cart would take, goes to the
// app at "/".
func TestRoutesJSONEveryApp(t *testing.T) {
	for _, tc := range []struct {
		name, cfg, env string
		count          int // requests in the standard set
		want           map[string]string
	}{
		{"virtualService, two apps sharing a host and one on its own", useCopy(t, appsConfig), "dev", 26, map[string]string{
			"shop.example.com /cart":                                  "cart default blue:100:/cart",
			"shop.example.com /cart/v2/health":                        "cart path-green green:100:/cart/health",
			"shop.example.com /cart cookie session=abc; x-version=v2": "cart cookie-green green:100:/cart",
			"shop.example.com /cartoon":                               "web default blue:100:/cartoon",
			"shop.example.com /cartoon/v1":                            "web default blue:100:/cartoon/v1",
			"shop.example.com /":                                      "web default blue:100:/",
			"shop.example.com /v1/health":                             "web path-blue blue:100:/health",
			"search.example.com /":                                    "search default green:100:/",
			"search.example.com /v1":                                  "search path-blue blue:100:/",
		}},
		{"virtualService, apps on hosts of their own", testutil.WriteConfig(t, separateHosts), "sep", 8 + 8 + 10, map[string]string{
			"web.example.com /":              "web default blue:90:/ green:10:/",
			"cart.example.com /":             "cart default green:100:/",
			"api.example.com /api":           "api default blue:100:/api",
			"api.example.com /api/v2/x":      "",
			"api.example.com /api/v2/health": "api path-green green:100:/api/health",
			"api.example.com /apioon":        "- - 404: no route of VirtualService bluegreen/api matches",
		}},
		{"gatewayAPI, two apps sharing a host", testutil.WriteConfig(t, gatewayAPIApps), "gw", 10 + 8, map[string]string{
			"shop.example.com /cart":                                  "cart default green:80:/cart blue:20:/cart",
			"shop.example.com /cart/v1/health":                        "cart path-blue blue:100:/cart/health",
			"shop.example.com /cart cookie session=abc; x-version=v1": "cart cookie-blue blue:100:/cart",
			"shop.example.com /cartoon":                               "web default blue:100:/cartoon",
			"shop.example.com / cookie session=abc; web-version=v2":   "web cookie-green green:100:/",
			"shop.example.com /v2":                                    "web path-green green:100:/",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			as := routesJSON(t, tc.cfg, tc.env)
			if len(as) != tc.count {
				t.Errorf("%d answers; want %d, one per request of the standard set", len(as), tc.count)
			}
			got := byRequest(as)
			for req, want := range tc.want {
				if want == "" {
					if g, ok := got[req]; ok {
						t.Errorf("%s: answered %q; want it not among the standard requests", req, g)
					}
					continue
				}
				if got[req] != want {
					t.Errorf("%s: got %q; want %q", req, got[req], want)
				}
			}
		})
	}
}

// TestRoutesJSONOneRequest asks about one request given by flags, in an
// environment of one app (the shorthand) and in one of several apps: the
// array holds exactly that request, as sent.
func TestRoutesJSONOneRequest(t *testing.T) {
	walk := testutil.WriteConfig(t, `{"walk": {`+testutil.ExistingCluster+`,
		"routing": {"hosts": ["echo.example.com"], "live": "green", "mirrorPercent": 5}}}`)
	as := routesJSON(t, walk, "walk", "--path", "/v1/items?x=1", "--header", "X-Trace: 7")
	if len(as) != 1 {
		t.Fatalf("%d answers; want 1", len(as))
	}
	a := as[0]
	if a.Request.Method != "GET" || a.Request.Host != "echo.example.com" || a.Request.Path != "/v1/items?x=1" || a.Request.Headers["x-trace"] != "7" || len(a.Request.Headers) != 1 {
		t.Errorf("request: got %+v; want GET echo.example.com /v1/items?x=1 with x-trace: 7 only", a.Request)
	}
	if got, want := a.short(), "echo path-blue blue:100:/items?x=1"; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
	as = routesJSON(t, walk, "walk", "--cookie", "x-version=v1")
	if got, want := as[0].short(), "echo cookie-blue blue:100:/"; len(as) != 1 || got != want {
		t.Errorf("cookie: got %d answers, %q; want 1, %q", len(as), got, want)
	}
	as = routesJSON(t, walk, "walk")
	if got, want := as[0].short(), "echo default green:100:/ mirror blue:5"; got != want {
		t.Errorf("GET /: got %q; want %q", got, want)
	}

	as = routesJSON(t, useCopy(t, appsConfig), "dev", "--app", "cart", "--path", "/cart/v2/x")
	if got, want := byRequest(as), map[string]string{"shop.example.com /cart/v2/x": "cart path-green green:100:/cart/x"}; len(as) != 1 || !equalMaps(got, want) {
		t.Errorf("--app cart --path /cart/v2/x: got %v; want %v", got, want)
	}
	as = routesJSON(t, useCopy(t, appsConfig), "dev", "--host", "nowhere.example.com", "--path", "/")
	if len(as) != 1 || as[0].App != "" || len(as[0].Destinations) != 0 || !strings.HasPrefix(strings.Join(as[0].Notes, ""), "404: no Gateway serves host \"nowhere.example.com\"") {
		t.Errorf("unknown host: got %+v; want no app, no destination and a 404 note", as)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestRoutesApp limits the standard set to one app with --app: only that
// app's requests (and its near misses, answered by another app); an app
// the environment does not have is an error listing the apps, before
// anything is printed.
func TestRoutesApp(t *testing.T) {
	cfg := useCopy(t, appsConfig)
	as := routesJSON(t, cfg, "dev", "--app", "cart")
	if len(as) != 10 {
		t.Errorf("%d answers; want cart's 10", len(as))
	}
	for _, a := range as {
		if !strings.HasPrefix(a.Request.Path, "/cart") {
			t.Errorf("request %s is not one of cart's", a.Request.Path)
		}
	}

	var out bytes.Buffer
	err := cli.Routes([]string{"dev", "--app", "cart"}, &out, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Routing of dev: 3 apps behind its ingress gateway",
		"  cart: live blue, hosts shop.example.com, path prefix /cart",
		"REQUEST", "HOST", "APP", "RULE", "COLOUR",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("routes dev --app cart lacks %q:\n%s", want, out.String())
		}
	}
	rows := 0
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "cart: GET /cartoon (near miss)") {
			rows++
			if f := strings.Fields(line); len(f) < 9 || f[6] != "web" || f[7] != "default" {
				t.Errorf("near miss row %q: want app web, rule default", line)
			}
		}
		if strings.HasPrefix(line, "web: ") || strings.HasPrefix(line, "search: ") {
			t.Errorf("--app cart printed another app's request: %q", line)
		}
	}
	if rows != 1 {
		t.Errorf("%d rows for GET /cartoon; want 1", rows)
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"fails/unknown app", []string{"dev", "--app", "basket"}, `routes dev: --app "basket": not an app of environment dev; apps: cart, search, web`},
		{"fails/unknown app of the shorthand", []string{"walk", "--app", "cart"}, `routes walk: --app "cart": not an app of environment walk; apps: echo`},
		{"fails/unknown output", []string{"dev", "--output", "yaml"}, `routes dev: --output "yaml": must be text or json`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errs bytes.Buffer
			err := cli.Routes(tc.args, &out, &errs)
			if err == nil || err.Error() != tc.want {
				t.Errorf("got %v; want %q", err, tc.want)
			}
			if out.Len()+errs.Len() > 0 {
				t.Errorf("printed before refusing:\n%s%s", out.String(), errs.String())
			}
		})
	}
}

// TestGraphDrawsEveryApp draws the apps fixture's dev: one client for
// every host, the Gateway of the app on its own host, and the shared
// Gateway whose root VirtualService delegates /cart to cart and the rest
// to web, each drawn with its rules.
func TestGraphDrawsEveryApp(t *testing.T) {
	useCopy(t, appsConfig)
	dir := t.TempDir()
	if err := cli.Graph([]string{"dev", "-o", dir}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	mmd, err := os.ReadFile(filepath.Join(dir, "dev-routing.mmd"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(mmd), "\n") {
		lines = append(lines, strings.TrimSpace(l))
	}
	for _, want := range []string{
		`client(["client<br/>shop.example.com, search.example.com"])`,
		"client --> gw_search_gateway",
		"client --> gw_shared_ingress",
		"gw_shared_ingress --> vs_shared_ingress_shop_example_com",
		`vs_shared_ingress_shop_example_com_r1{{"1. cart<br/>path = /cart or path starts /cart/"}}`,
		"vs_shared_ingress_shop_example_com_r1 -->|delegate| vs_cart",
		"vs_shared_ingress_shop_example_com_r2 -->|delegate| vs_web",
		"gw_search_gateway --> vs_search",
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("picture lacks %q:\n%s", want, mmd)
		}
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "gw_cart_gateway") || strings.HasPrefix(l, "gw_web_gateway") {
			t.Errorf("picture draws an app's own Gateway for the shared host: %q", l)
		}
	}
}

// TestCheckAnalyzesEveryApp runs check on an environment of three apps on
// hosts of their own: Istio's analyzer and bluegreen's checks see every
// app's releases at once, and pass.
func TestCheckAnalyzesEveryApp(t *testing.T) {
	t.Setenv("BLUEGREEN_CONFIG", testutil.WriteConfig(t, separateHosts))
	var out bytes.Buffer
	if err := cli.Check([]string{"sep", "--allowlist", filepath.Join("..", "..", "analyzer-allowlist.json")}, &out, &bytes.Buffer{}); err != nil {
		t.Fatalf("check sep: %v\n%s", err, out.String())
	}
	for _, app := range []string{"api", "cart", "web"} {
		for _, role := range []string{"blue", "green", "service", "destinationrule", "gateway", "virtualservice"} {
			if !strings.Contains(out.String(), " "+app+"-"+role+",") && !strings.Contains(out.String(), " "+app+"-"+role+"\n") {
				t.Errorf("check did not analyze release %s-%s:\n%s", app, role, out.String())
			}
		}
	}
	if !strings.Contains(out.String(), "istioctl analyze: 0 failing") || !strings.Contains(out.String(), "bluegreen checks: 0 error(s), 0 warning(s)") {
		t.Errorf("check sep:\n%s\nwant no finding", out.String())
	}
}
