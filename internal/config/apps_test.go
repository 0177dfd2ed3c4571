package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/config"
)

// appsFixture is the fixture of environments with apps: dev has three
// (web at "/" and cart at "/cart" on shop.example.com, search on its own
// host), solo one, walk the shorthand.
const appsFixture = "../../testdata/apps.cdktf.json"

const kube = `"target":{"type":"kubeconfig","kubeconfig":{"path":"/dev/null","context":"dev","kubernetesVersion":"1.33"}}`

// withApps is an environment dev on an existing cluster with the given
// apps (a JSON object) and other members.
func withApps(apps string, more ...string) []byte {
	return file(`{"dev":{` + strings.Join(append([]string{kube, `"apps":` + apps}, more...), ",") + `}}`)
}

func TestAppsAreTheEntriesOfApps(t *testing.T) {
	envs, err := config.Load(appsFixture, "dev")
	if err != nil {
		t.Fatal(err)
	}
	apps := envs[0].Apps()
	var got []string
	for _, a := range apps {
		got = append(got, strings.Join([]string{a.Name, a.Stack, a.Field.String(), a.RoutingField.String(), a.App.Name, a.App.Namespace,
			a.App.Releases["blue"].Name, a.App.Releases["blue"].Tag, a.App.Releases["green"].Name,
			config.PathPrefixOf(a.Routing), a.Routing.Gateway.Name, a.Routing.Gateway.Selector["istio"], a.Routing.Live}, " "))
	}
	want := []string{
		"cart dev-app-cart apps[cart] apps[cart].routing cart bluegreen cart-blue 1.4 cart-green /cart cart-gateway ingressgateway blue",
		"search dev-app-search apps[search] apps[search].routing search bluegreen search-blue 1.0 search-green / search-gateway ingressgateway green",
		"web dev-app-web apps[web] apps[web].routing web bluegreen web-blue 1.0 web-green / web-gateway ingressgateway blue",
	}
	if !slices.Equal(got, want) {
		t.Errorf("apps:\ngot  %q\nwant %q", got, want)
	}
	if envs[0].App.Name != "" || envs[0].Routing.Live != "" {
		t.Errorf("with apps the shorthand stays empty; got app %q, routing.live %q", envs[0].App.Name, envs[0].Routing.Live)
	}
	if got, want := envs[0].AppNames(), []string{"cart", "search", "web"}; !slices.Equal(got, want) {
		t.Errorf("AppNames: got %q, want %q", got, want)
	}
	if w := envs[0].WarningsOn(nov30); len(w) != 0 {
		t.Errorf("a prefix inside another app's on one host is the point of pathPrefix; got warnings %q", w)
	}
}

// TestShorthandStaysOneApp loads the frozen copy of the shipped
// cdktf.json: every environment but shop (the one of several apps) is
// still the shorthand's one app, on the stack <env>-app, with the props it
// had (releases named after their colour, the app "echo").
func TestShorthandStaysOneApp(t *testing.T) {
	envs, err := config.Load(filepath.Join("..", "..", "testdata", "shipped.cdktf.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(envs) == 0 {
		t.Fatal("the fixture has no environments")
	}
	var withApps []string
	for _, e := range envs {
		apps := e.Apps()
		if e.Name == "shop" {
			withApps = append(withApps, fmt.Sprintf("%s=%v", e.Name, e.AppNames()))
			continue
		}
		if len(apps) != 1 {
			t.Fatalf("%s: got %d apps, want 1", e.Name, len(apps))
		}
		a := apps[0]
		if a.Name != "echo" || a.Stack != e.Name+"-app" || a.Field.String() != "app" || a.RoutingField.String() != "routing" {
			t.Errorf("%s: got app %q on stack %q at %s, %s; want echo on %s-app at app, routing", e.Name, a.Name, a.Stack, a.Field, a.RoutingField, e.Name)
		}
		if a.App.Releases["blue"].Name != "blue" || a.App.Releases["green"].Name != "green" {
			t.Errorf("%s: the shorthand's releases are named after their colour; got %q, %q", e.Name, a.App.Releases["blue"].Name, a.App.Releases["green"].Name)
		}
		if !reflect.DeepEqual(a.App, e.App) || !reflect.DeepEqual(a.Routing, e.Routing) {
			t.Errorf("%s: Apps()[0] differs from the shorthand's app and routing", e.Name)
		}
		if e.AppEntries != nil {
			t.Errorf("%s: the shorthand has no apps; got %v", e.Name, e.AppEntries)
		}
	}
	if want := []string{"shop=[cart catalog search]"}; !slices.Equal(withApps, want) {
		t.Errorf("environments of apps: got %v, want %v", withApps, want)
	}
}

// problems parses data and returns every problem, as Error prints them.
func problems(t *testing.T, data []byte) []string {
	t.Helper()
	_, err := config.Parse("cdktf.json", data)
	if err == nil {
		return nil
	}
	cerr, ok := config.AsError(err)
	if !ok {
		t.Fatalf("got error %v, want a *config.Error", err)
	}
	lines := strings.Split(cerr.Error(), "\n  - ")[1:]
	return lines
}

func TestAppsBadInput(t *testing.T) {
	const env = "context.environments[dev]"
	web := `"web":{"routing":{"hosts":["shop.example.com"]}}`
	for _, tc := range []struct {
		name string
		data []byte
		want []string
	}{
		{"fails/app name not a DNS-1123 label", withApps(`{"Cart_1":{}}`), []string{
			`line 1: ` + env + `.apps[Cart_1]: Invalid value: "Cart_1": app name must be a DNS-1123 label that starts with a letter, as it names the app's Service: 1-63 lowercase letters, digits or '-', starting with a letter and ending with a letter or digit`}},
		{"fails/app name starting with a digit", withApps(`{"1cart":{}}`), []string{
			`line 1: ` + env + `.apps[1cart]: Invalid value: "1cart": app name must be a DNS-1123 label that starts with a letter, as it names the app's Service: 1-63 lowercase letters, digits or '-', starting with a letter and ending with a letter or digit`}},
		{"fails/name inside an entry", withApps(`{"cart":{"name":"shop"}}`), []string{
			`line 1: ` + env + `.apps[cart].name: Forbidden: an app of apps is named by its key under apps; leave name out`}},
		{"fails/unknown field of an entry", withApps(`{"cart":{"imag":"x"}}`), []string{
			`line 1: ` + env + `.apps[cart].imag: Invalid value: "imag": unknown field (a typo?); allowed: containerPort, image, imagePullSecrets, promotion, releases, routing, serviceExtraValues, servicePort`}},
		{"fails/pathPrefix without a leading slash", withApps(`{"cart":{"routing":{"pathPrefix":"cart"}}}`), []string{
			`line 1: ` + env + `.apps[cart].routing.pathPrefix: Invalid value: "cart": must start with "/", such as "/cart"`}},
		{"fails/pathPrefix with a trailing slash", withApps(`{"cart":{"routing":{"pathPrefix":"/cart/"}}}`), []string{
			`line 1: ` + env + `.apps[cart].routing.pathPrefix: Invalid value: "/cart/": must not end with "/" (a prefix matches whole path segments, so "/cart" already takes everything under it): use "/cart"`}},
		{"fails/pathPrefix with an empty segment", withApps(`{"cart":{"routing":{"pathPrefix":"/shop//cart"}}}`), []string{
			`line 1: ` + env + `.apps[cart].routing.pathPrefix: Invalid value: "/shop//cart": must be "/" or a path of segments such as "/cart" or "/shop/cart": no trailing "/", "//", spaces, "?" or "#"`}},
		{"fails/pathPrefix of the shorthand", file(`{"dev":{` + kube + `,"routing":{"pathPrefix":"echo/"}}}`), []string{
			`line 1: ` + env + `.routing.pathPrefix: Invalid value: "echo/": must start with "/", such as "/echo"`}},
		{"fails/app and routing beside apps", withApps(`{"cart":{}}`, `"app":{"image":"x"}`, `"routing":{}`), []string{
			`line 1: ` + env + `.app: Forbidden: not allowed with apps: app and routing are the shorthand for an environment of one app; move them into an entry of apps (the entry's key is the app's name)`,
			`line 1: ` + env + `.routing: Forbidden: not allowed with apps: app and routing are the shorthand for an environment of one app; move them into an entry of apps (the entry's key is the app's name)`}},
		{"fails/empty apps", withApps(`{}`), []string{
			`line 1: ` + env + `.apps: Required value: at least one app, such as {"cart": {"routing": {"hosts": ["shop.example.com"], "pathPrefix": "/cart"}}}; or leave apps out and describe one app with app and routing`}},
		{"fails/an app's own problem at its field", withApps(`{"cart":{"releases":{"blue":{},"green":{"replicas":0}},"routing":{"live":"green"}}}`), []string{
			`line 1: ` + env + `.apps[cart].releases.green.replicas: Invalid value: 0: green is the live colour (apps[cart].routing.live), so every request of the default route would fail with no pod to answer it: give green 1 or more replicas, or make the other colour live first`}},
		{"fails/two apps with one Service name", withApps(`{"cart":{"routing":{"api":"gatewayAPI","hosts":["cart.example.com"]}},"cart-blue":{"routing":{"api":"gatewayAPI","hosts":["blue.example.com"]}}}`), []string{
			`line 1: ` + env + `.apps[cart-blue]: Invalid value: "cart-blue": apps cart and cart-blue would both install the Service "cart-blue" (context.environments[dev].apps[cart].routing) in namespace bluegreen; the second install would fail or take over the first one's: give each its own name`}},
		{"fails/two apps with one release name", withApps(`{"cart":{"releases":{"blue":{"name":"shared"},"green":{}},"routing":{"hosts":["cart.example.com"]}},"web":{"releases":{"blue":{},"green":{"name":"shared"}},"routing":{"hosts":["web.example.com"]}}}`), []string{
			`line 1: ` + env + `.apps[web].releases[green].name: Invalid value: "shared": apps cart and web would both install the Helm release "shared" (context.environments[dev].apps[cart].releases[blue].name) in namespace bluegreen; the second install would fail or take over the first one's: give each its own name`}},
		{"fails/a release named like another app's Service release", withApps(`{"a":{"releases":{"blue":{"name":"b-service"},"green":{}},"routing":{"hosts":["a.example.com"]}},"b":{"routing":{"hosts":["b.example.com"]}}}`), []string{
			`line 1: ` + env + `.apps[b]: Invalid value: "b-service": apps a and b would both install the Helm release "b-service" (context.environments[dev].apps[a].releases[blue].name) in namespace bluegreen; the second install would fail or take over the first one's: give each its own name`}},
		{"fails/same host and pathPrefix", withApps(`{` + web + `,"cart":{"routing":{"hosts":["shop.example.com"]}}}`), []string{
			`line 1: ` + env + `.apps[web].routing.pathPrefix: Invalid value: "/": apps cart and web share host "shop.example.com" and both claim it with this pathPrefix (context.environments[dev].apps[cart].routing.pathPrefix): which app answers would depend on the order Istio merges their routes in; give one of them another pathPrefix or host`}},
		{"fails/a pathPrefix that is another app's version path", withApps(`{` + web + `,"v2":{"routing":{"hosts":["shop.example.com"],"pathPrefix":"/v2"}}}`), []string{
			`line 1: ` + env + `.apps[web].routing.versionPaths[green]: Invalid value: "/v2": apps v2 and web share host "shop.example.com", and web's green version path "/v2" (context.environments[dev].apps[web].routing.versionPaths[green] under its pathPrefix) is v2's pathPrefix "/v2" (context.environments[dev].apps[v2].routing.pathPrefix) too: which app answers would depend on the order Istio merges their routes in; give one of them another path`}},
		{"fails/a pathPrefix inside another app's version path", withApps(`{` + web + `,"api":{"routing":{"hosts":["shop.example.com"],"pathPrefix":"/v2/api"}}}`), []string{
			`line 1: ` + env + `.apps[web].routing.versionPaths[green]: Invalid value: "/v2": apps api and web share host "shop.example.com", and api's pathPrefix "/v2/api" (context.environments[dev].apps[api].routing.pathPrefix) lies inside web's green version path "/v2" (context.environments[dev].apps[web].routing.versionPaths[green] under its pathPrefix): the longest prefix takes a request (whole segments), so requests under "/v2/api" would reach api instead of web's green release; move one app's pathPrefix or change the version path`}},
		{"fails/a version path inside another app's pathPrefix", withApps(`{"shop":{"routing":{"hosts":["shop.example.com"],"pathPrefix":"/shop"}},"web":{"routing":{"hosts":["shop.example.com"],"versionPaths":{"green":"/shop/next"}}}}`), []string{
			`line 1: ` + env + `.apps[web].routing.versionPaths[green]: Invalid value: "/shop/next": apps shop and web share host "shop.example.com", and web's green version path "/shop/next" (context.environments[dev].apps[web].routing.versionPaths[green] under its pathPrefix) lies inside shop's pathPrefix "/shop" (context.environments[dev].apps[shop].routing.pathPrefix): the longest prefix takes a request (whole segments), so requests under "/shop/next" would reach web instead of shop's routes; move one app's pathPrefix or change the version path`}},
		{"fails/one host and port with different gateway servers", withApps(`{` + web + `,"cart":{"routing":{"hosts":["shop.example.com"],"pathPrefix":"/cart","gateway":{"tls":{"credentialName":"shop-cert"},"httpsRedirect":true}}}}`), []string{
			`line 1: ` + env + `.apps[web].routing.gateway: Invalid value: "HTTP": apps cart and web share host "shop.example.com" on port 80, which one Gateway server of the shared ingress gateway must admit for both, but cart's is HTTP redirecting to HTTPS (context.environments[dev].apps[cart].routing.gateway): two Gateways declaring one host on one port make Istio use one and ignore the other; give both apps the same gateway settings for the host, or separate hosts`}},
		{"fails/two environments own one cluster's apps", file(`{"a":{` + kube + `,"apps":{"cart":{}}},"b":{` + kube + `,"apps":{"cart":{}},"istio":{"revision":"b"},"namespace":{"name":"bluegreen"}}}`), []string{
			`line 1: context.environments[b].target: Invalid value: "kubeconfig /dev/null context dev": environments a and b install into the same cluster and both would own releases cart-blue, cart-green in namespace bluegreen; the second deploy would fail half-way or take over the first one's objects: give one of them its own cluster, or its own istio.revision and istio.namespace and its own namespace.name`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := problems(t, tc.data)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestAppsThatShareAHostRightly(t *testing.T) {
	for _, tc := range []struct{ name, apps string }{
		{"a prefix inside another app's prefix", `{"web":{"routing":{"hosts":["shop.example.com"]}},"cart":{"routing":{"hosts":["shop.example.com"],"pathPrefix":"/cart"}}}`},
		{"a prefix that only starts with another's", `{"cart":{"routing":{"hosts":["shop.example.com"],"pathPrefix":"/cart"}},"cartoon":{"routing":{"hosts":["shop.example.com"],"pathPrefix":"/cartoon"}}}`},
		{"one host on different ports", `{"web":{"routing":{"hosts":["shop.example.com"]}},"admin":{"routing":{"hosts":["shop.example.com"],"gateway":{"httpPort":8080}}}}`},
		{"the same version paths under nested prefixes", `{"shop":{"routing":{"hosts":["shop.example.com"],"pathPrefix":"/shop"}},"cart":{"routing":{"hosts":["shop.example.com"],"pathPrefix":"/shop/cart"}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := problems(t, withApps(tc.apps)); len(got) != 0 {
				t.Errorf("got problems %q, want none", got)
			}
		})
	}
}

func TestAppsWarnings(t *testing.T) {
	const env = "context.environments[dev]"
	for _, tc := range []struct {
		name, apps string
		want       []string
	}{
		{"a wildcard host that another app's host shadows", `{"web":{},"search":{"routing":{"hosts":["search.example.com"]}}}`, []string{
			env + `.apps[web].routing.hosts: app web's host "*" also matches app search's host "search.example.com" (` + env + `.apps[search].routing.hosts), but a request is routed by the most specific host that matches, so web serves none of search.example.com's paths; list "search.example.com" in web's hosts too, with pathPrefixes that split it, if web should serve part of it`}},
		{"one cookie name with different values", `{"web":{"routing":{"hosts":["shop.example.com"]}},"cart":{"routing":{"hosts":["shop.example.com"],"pathPrefix":"/cart","cookie":{"values":{"blue":"old","green":"new"}}}}}`, []string{
			env + `.apps[web].routing.cookie: apps cart and web share host "shop.example.com" with overlapping pathPrefixes ("/cart" and "/"), and both route on the cookie "x-version" with different values (cart: blue=old, green=new; web: blue=v1, green=v2 at ` + env + `.apps[cart].routing.cookie): one value a client sends selects a different colour of each app; give one rule another name, or both the same values`}},
		{"a sticky canary's cookie that another app routes on", `{"web":{"routing":{"hosts":["shop.example.com"]}},"cart":{"routing":{"hosts":["shop.example.com"],"pathPrefix":"/cart","candidateWeight":10,"stickyCanary":true}}}`, []string{
			env + `.apps[cart].routing.stickyCanary: app cart's sticky canary sets the cookie "x-version" with Path=/ on host "shop.example.com", which app web shares and routes on that cookie too (` + env + `.apps[web].routing.cookie): a client cart's canary pins to a colour is sent to web's colour of the same value as well; give one of the cookie rules another name`}},
		{"one host on two ingresses", `{"web":{"routing":{"hosts":["shop.example.com"]}},"cart":{"routing":{"api":"gatewayAPI","hosts":["shop.example.com"],"pathPrefix":"/cart"}}}`, []string{
			env + `.apps[web].routing.hosts: apps cart and web both declare host "shop.example.com", but on different ingresses (cart: gatewayAPI; web: virtualService istio=ingressgateway), so pathPrefix does not split the host between them and only the ingress the host's DNS reaches answers; give both the same routing.api and gateway.selector to share the host`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			envs, err := config.Parse("cdktf.json", withApps(tc.apps))
			if err != nil {
				t.Fatal(err)
			}
			got := envs[0].WarningsOn(nov30)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestAppsLinesAndDuplicates checks that the strict decoder names the line
// of a problem inside apps, and a key given twice there.
func TestAppsLinesAndDuplicates(t *testing.T) {
	b, err := os.ReadFile(appsFixture)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	s = edit(t, s, `"pathPrefix": "/cart",`, `"pathPrefix": "/cart/",`)
	s = edit(t, s, `"live": "green"`, `"live": "green", "live": "blue"`)
	got := problems(t, []byte(s))
	want := []string{
		`line 27: context.environments[dev].apps.search.routing.live: Invalid value: "live": duplicate key: this object names it more than once and only the last would count; keep one`,
		`line 19: context.environments[dev].apps[cart].routing.pathPrefix: Invalid value: "/cart/": must not end with "/" (a prefix matches whole path segments, so "/cart" already takes everything under it): use "/cart"`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestAppsSettingsThatSpanTheEnvironment checks what each app adds to
// the environment: its extraValues checked for literal secrets at its
// fields, the Gateway API CRDs and their pairing with Istio when one app
// uses the Gateway API, and the ambient warning naming the apps whose
// routing is a VirtualService.
func TestAppsSettingsThatSpanTheEnvironment(t *testing.T) {
	const env = "context.environments[dev]"
	got := problems(t, withApps(`{"cart":{"routing":{"api":"gatewayAPI","hosts":["cart.example.com"]}},"web":{"routing":{"hosts":["web.example.com"]}}}`, `"istio":{"version":"1.27.3"}`))
	want := []string{`line 1: ` + env + `.istio.version: Invalid value: "1.27.3": Istio 1.27 is not in the compatibility table; supported minor releases: 1.28, 1.29, 1.30, 1.31`,
		`line 1: ` + env + `.istio.version: Invalid value: "1.27.3": with apps[cart].routing.api "gatewayAPI": Istio 1.27 has no known Gateway API pairing: the Gateway API version it requires is not recorded (constructs/gatewayapicrds/pairing.go); allowed: Istio 1.28 (v1.4.1), Istio 1.29 (v1.4.1), Istio 1.30 (v1.5.1), Istio 1.31 (v1.6.0)`}
	if !slices.Equal(got, want) {
		t.Errorf("pairing:\ngot  %q\nwant %q", got, want)
	}
	got = problems(t, withApps(`{"cart":{"releases":{"blue":{"extraValues":{"db":{"password":{"fromVariable":"bad name"}}}},"green":{}},"routing":{"hosts":["cart.example.com"]}}}`))
	if len(got) != 1 || !strings.Contains(got[0], env+".apps[cart].releases[blue].extraValues.db.password.fromVariable") {
		t.Errorf("secrets: got %q, want one problem at apps[cart].releases[blue].extraValues.db.password.fromVariable", got)
	}
	for _, tc := range []struct {
		name, apps string
		crds       bool
	}{
		{"one app on the Gateway API", `{"cart":{"routing":{"api":"gatewayAPI","hosts":["cart.example.com"]}},"web":{"routing":{"hosts":["web.example.com"]}}}`, true},
		{"no app on the Gateway API", `{"cart":{"routing":{"hosts":["cart.example.com"]}},"web":{"routing":{"hosts":["web.example.com"]}}}`, false},
	} {
		envs, err := config.Parse("cdktf.json", withApps(tc.apps))
		if err != nil {
			t.Fatal(err)
		}
		if got := envs[0].NeedsGatewayAPICRDs(); got != tc.crds {
			t.Errorf("%s: NeedsGatewayAPICRDs: got %v, want %v", tc.name, got, tc.crds)
		}
	}
	envs, err := config.Parse("cdktf.json", withApps(`{"cart":{"routing":{"api":"gatewayAPI","hosts":["cart.example.com"]}},"web":{"routing":{"hosts":["web.example.com"]}}}`, `"istio":{"dataplane":"ambient"}`))
	if err != nil {
		t.Fatal(err)
	}
	wantWarning := env + `.istio.dataplane: with "ambient" the routing of apps[web] is a VirtualService, which Istio supports in ambient mode (applied by the namespace's waypoint) only as an alpha feature; the Gateway API HTTPRoute (apps[<name>].routing.api "gatewayAPI") is ambient's supported routing API`
	if w := envs[0].WarningsOn(nov30); !slices.Contains(w, wantWarning) {
		t.Errorf("ambient: got warnings %q, want %q among them", w, wantWarning)
	}
}
