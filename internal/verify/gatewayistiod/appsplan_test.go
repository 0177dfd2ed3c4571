package gatewayistiod_test

import (
	"slices"
	"strings"
	"testing"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"

	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/pipeline"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/cptest"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/wait"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/controlplane"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/envoyroutes"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/meshinstall"
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
)

// shipped is the frozen copy of the shipped cdktf.json, whose shop is the
// environment of three apps: catalog (/) and cart (/cart) sharing
// shop.example.com, search alone on search.example.com.
const shipped = "../../../testdata/shipped.cdktf.json"

// gwApps is an environment of two apps on the Gateway API sharing
// shop.example.com: front at /, cart at /cart with green live and a 20 %
// canary.
const gwApps = `{"context":{"environments":{"gw":{
  "target": {"type": "kubeconfig", "kubeconfig": {"path": "/dev/null", "context": "gw", "kubernetesVersion": "1.33"}},
  "namespace": {"name": "gwshop"},
  "apps": {
    "front": {"routing": {"api": "gatewayAPI", "hosts": ["shop.example.com"], "live": "blue"}},
    "cart": {"routing": {"api": "gatewayAPI", "hosts": ["shop.example.com"], "pathPrefix": "/cart", "live": "green", "candidateWeight": 20,
      "cookie": {"name": "x-cart-version", "values": {"blue": "v1", "green": "v2"}}}}
  }
}}}}`

// allCases are the standard requests of every app (mesh.AppCases), in the
// order of apps.
func allCases(apps []mesh.App) []mesh.Case {
	var out []mesh.Case
	per := mesh.AppCases(apps)
	for _, a := range apps {
		out = append(out, per[a.Name]...)
	}
	return out
}

// installPlan applies e's install plan (pipeline.Environment.InstallPlan:
// its namespaces, secrets and Helm releases, with Helm's actions) into
// the control plane with in, and returns the steps.
func installPlan(t *testing.T, in *meshinstall.Installer, e *pipeline.Environment) []meshinstall.Step {
	t.Helper()
	plan, err := e.InstallPlan()
	if err != nil {
		t.Fatal(err)
	}
	steps, err := in.Apply(wait.Context(t, 0), plan)
	for _, s := range steps {
		t.Log(s)
	}
	if err != nil {
		t.Fatal(err)
	}
	return steps
}

// installed starts a control plane, installs e into it through its
// install plan (installPlan) and runs istiod, translating the Gateway API
// with gatewayAPI; it returns the control plane, the installer (which
// keeps the state a second Apply upgrades) and istiod.
func installed(t *testing.T, e *pipeline.Environment, gatewayAPI bool) (*controlplane.ControlPlane, *meshinstall.Installer, *controlplane.Istiod) {
	t.Helper()
	cp := cptest.Start(t, controlplane.Options{})
	plan, err := e.InstallPlan()
	if err != nil {
		t.Fatal(err)
	}
	in, err := meshinstall.New(meshinstall.Options{Kubeconfig: cp.Kubeconfig, Config: cp.Config, Charts: meshinstall.Charts(), Variables: plan.RandomVariables()})
	if err != nil {
		t.Fatal(err)
	}
	installPlan(t, in, e)
	p := e.Env.Istio.WithDefaults()
	ist, err := cp.StartIstiod(wait.Context(t, 0), controlplane.IstiodOptions{Namespace: p.Namespace, Revision: p.Revision, GatewayAPI: gatewayAPI})
	if err != nil {
		t.Fatal(err)
	}
	return cp, in, ist
}

// TestIstiodJudgesAppsInstalledByPlan installs the shipped shop
// environment as routes --envoy does, through the pipeline's install plan
// with Helm's actions into a real API server, runs istiod and wants the
// Envoy routes it generates for the ingress gateway to send every
// standard request of every app (near misses such as /cartoon included)
// to the app, rule, colours and path the evaluator answers through the
// whole gateway. Then cart is promoted to green in the environment: the
// re-applied plan upgrades one Helm release, cart's VirtualService in
// shop-app-cart, and of istiod's answers only cart's change.
func TestIstiodJudgesAppsInstalledByPlan(t *testing.T) {
	cptest.Binaries(t)
	envs, err := config.Load(shipped, "shop")
	if err != nil {
		t.Fatal(err)
	}
	env := envs[0]
	e, err := pipeline.New(env)
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.Render(false)
	if err != nil {
		t.Fatal(err)
	}
	apps := e.Apps()
	cases := allCases(apps)
	if len(apps) != 3 || len(cases) < 24 {
		t.Fatalf("%d apps, %d standard requests; want shop's 3 apps and at least 8 requests each", len(apps), len(cases))
	}
	nearMisses := 0
	for _, c := range cases {
		if strings.Contains(c.Name, "near miss") {
			nearMisses++
		}
	}
	if nearMisses == 0 {
		t.Fatal("no near misses among the standard requests; want /cartoon-style ones for cart")
	}

	cp, in, ist := installed(t, e, false)
	c := &cluster{cp: cp}
	p := env.Istio.WithDefaults()
	proxy, err := envoyroutes.GatewayProxy(wait.Context(t, 0), cp.Client, r.Model, p.Version)
	if err != nil {
		t.Fatal(err)
	}
	m := r.Model
	compare := func(rcs []*routev3.RouteConfiguration) ([]envoyroutes.Row, error) {
		return compareApps(m, apps, rcs, cases)
	}
	converge(t, c, ist, proxy, len(cases), compare)
	before := envoyAnswers(t, ist, proxy, m, apps, cases)

	// Promote cart: its routing.live in the environment, as promote
	// shop cart green writes it.
	promoted := env
	promoted.AppEntries = map[string]config.AppEntry{}
	for name, a := range env.AppEntries {
		if name == "cart" {
			a.Routing.Live = mesh.Green
		}
		promoted.AppEntries[name] = a
	}
	e2, err := pipeline.New(promoted)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := e2.Render(false)
	if err != nil {
		t.Fatal(err)
	}
	// The Helm releases the re-applied plan changes (the installer
	// re-applies every namespace's labels, and reports each "updated").
	var upgraded []string
	for _, s := range installPlan(t, in, e2) {
		if s.Resource.Type == "helm_release" && s.Action != meshinstall.Unchanged && s.Action != meshinstall.NotInstalled {
			upgraded = append(upgraded, string(s.Action)+" "+s.Resource.Stack+"/"+s.Resource.ID)
		}
	}
	if want := []string{"upgraded shop-app-cart/routing_virtualservice"}; !slices.Equal(upgraded, want) {
		t.Errorf("promoting cart changed the releases %v; want %v (cart's VirtualService only)", upgraded, want)
	}
	m = r2.Model
	converge(t, c, ist, proxy, len(cases), compare)
	after := envoyAnswers(t, ist, proxy, m, apps, cases)
	moved := 0
	for _, cs := range cases {
		if before[cs.Name] == after[cs.Name] {
			continue
		}
		moved++
		if !strings.HasPrefix(cs.Name, "cart: ") {
			t.Errorf("%s: istiod's answer went from %q to %q on promoting cart; want only cart's answers changed", cs.Name, before[cs.Name], after[cs.Name])
		}
	}
	if moved == 0 {
		t.Error("no answer of istiod changed on promoting cart; want cart's default requests to reach green")
	}
	t.Logf("promoting cart changed %d of istiod's %d answers (%d near misses among the requests)", moved, len(cases), nearMisses)

}

// TestIstiodJudgesGatewayAPIAppsInstalledByPlan installs an environment
// of two apps on the Gateway API sharing shop.example.com (gwApps) through
// the pipeline's install plan, as the shop test does, and wants istiod's
// translation of the shared Gateway and the two HTTPRoutes to answer every
// standard request of both apps (/cartoon included) as the Gateway API
// evaluator does through the whole gateway.
func TestIstiodJudgesGatewayAPIAppsInstalledByPlan(t *testing.T) {
	cptest.Binaries(t)
	envs, err := config.Parse("gw.json", []byte(gwApps))
	if err != nil {
		t.Fatal(err)
	}
	e, err := pipeline.New(envs[0])
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.Render(false)
	if err != nil {
		t.Fatal(err)
	}
	cases := allCases(e.Apps())
	if len(e.Apps()) != 2 || len(cases) < 16 {
		t.Fatalf("%d apps, %d standard requests; want 2 apps and at least 8 requests each", len(e.Apps()), len(cases))
	}
	cp, _, ist := installed(t, e, true)
	p := envs[0].Istio.WithDefaults()
	g := gatewayapi.ModelOfMesh(r.Model)
	proxy, err := envoyroutes.GatewayAPIProxy(wait.Context(t, 0), cp.Client, g, p.Version)
	if err != nil {
		t.Fatal(err)
	}
	converge(t, &cluster{cp: cp}, ist, proxy, len(cases), func(rcs []*routev3.RouteConfiguration) ([]envoyroutes.Row, error) {
		return envoyroutes.CompareGatewayCases(g, rcs, cases)
	})
}
