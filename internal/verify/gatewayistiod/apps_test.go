package gatewayistiod_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/bluegreen-mesh/bluegreen/internal/testutil/cptest"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/wait"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/controlplane"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/envoyroutes"
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
	"github.com/bluegreen-mesh/bluegreen/mesh/meshtest"
)

// TestIstiodJudgesManyApps stores the objects of several apps sharing one
// ingress gateway and wants istiod's Envoy routes to send every standard
// request of every app (mesh.AppCases: each app's requests under its
// prefix, and near misses such as /cartoon) to the app, rule, colours and
// path the evaluator answers through the whole gateway:
//
//   - with VirtualServices, shop (/) and cart (/cart) sharing
//     shop.example.com through a root VirtualService that delegates to
//     each app's delegate VirtualService, and blog alone on
//     blog.example.com with a VirtualService of its own, all on one shared
//     Gateway (mesh.BuildApps);
//   - with the Gateway API, shop (/) and cart (/cart, green live, a 20 %
//     canary) sharing shop.example.com, each an HTTPRoute attached to one
//     shared Gateway (gatewayapi.BuildApps), decided by precedence.
//
// Envoy's clusters are read back to the app whose Service they name, so an
// answer that reached the right colour of the wrong app disagrees. Then
// cart is promoted (its delegate VirtualService alone is updated): istiod's
// answers to cart's default requests change, and no other.
func TestIstiodJudgesManyApps(t *testing.T) {
	cptest.Binaries(t)
	c := startCluster(t)

	// VirtualServices with delegation.
	apps := []mesh.App{meshtest.SharedApp("shop", "/", "shop.example.com"), meshtest.SharedApp("cart", "/cart", "shop.example.com"), meshtest.SharedApp("blog", "/", "blog.example.com")}
	cartRouting := apps[1].Routing
	cartRouting.Header = mesh.Rule{Name: "x-cart", Values: map[string]string{mesh.Blue: "qa", mesh.Green: "next"}}
	cartRouting.CandidateWeight = 10
	apps[1].Routing = cartRouting
	g := mesh.SharedGateway{Name: "shared", Namespace: "ingress", Gateway: mesh.Gateway{Selector: map[string]string{"istio": "ingressgateway"}, HTTPPort: 80, HTTPSPort: 443}}
	shared, objs, err := mesh.BuildApps(g, apps)
	if err != nil {
		t.Fatal(err)
	}
	m := &mesh.Model{}
	m.AddShared(shared, nil)
	c.namespace(t, g.Namespace)
	c.storeIstio(t, "Gateway", g.Namespace, shared.GatewayName, nil, shared.Gateway)
	for _, r := range shared.Roots {
		c.storeIstio(t, "VirtualService", g.Namespace, r.Name, nil, r.VirtualService)
	}
	for _, a := range apps {
		o := objs[a.Name]
		m.AddObjects(o.Objects, a.Target.Namespace, nil)
		c.namespace(t, a.Target.Namespace)
		c.createServices(t, appService(a.Target))
		c.storeIstio(t, "DestinationRule", a.Target.Namespace, o.DestinationRuleName, nil, o.DestinationRule)
		c.storeIstio(t, "VirtualService", a.Target.Namespace, o.VirtualServiceName, o.VirtualServiceAnnotations, o.VirtualService)
	}

	// The Gateway API, on a Gateway of its own.
	specs := []gatewayapi.Spec{appSpec("gshop", "/", "shop.example.com"), appSpec("gcart", "/cart", "shop.example.com")}
	specs[1].Live, specs[1].CandidateWeight = mesh.Green, 20
	gwShared, gwObjs, err := gatewayapi.BuildApps(gatewayapi.SharedGateway{Name: "shared-gw", Namespace: "gw-ingress"}, specs)
	if err != nil {
		t.Fatal(err)
	}
	c.namespace(t, "gw-ingress")
	c.createGateway(t, gwShared.Gateway)
	for _, s := range specs {
		c.namespace(t, s.Namespace)
		c.createServices(t, gwObjs[s.App].Services...)
		c.applyRoutes(t, gwObjs[s.App].Routes()...)
	}

	c.namespace(t, "istio-system")
	ist, err := c.cp.StartIstiod(wait.Context(t, 0), controlplane.IstiodOptions{GatewayAPI: true})
	if err != nil {
		t.Fatal(err)
	}

	// Every app's standard requests, through the whole gateway.
	var cases []mesh.Case
	perApp := mesh.AppCases(apps)
	for _, a := range apps {
		cases = append(cases, perApp[a.Name]...)
	}
	if len(cases) != 28 {
		t.Fatalf("%d standard requests of the VirtualService apps; want 28 (shop 8, blog 8, cart 12 with its header rule and 2 near misses)", len(cases))
	}
	want := map[string]string{
		"cart: GET /cartoon (near miss)":    "shop default blue 100%; path /cartoon",
		"cart: GET /cartoon/v1 (near miss)": "shop default blue 100%; path /cartoon/v1",
		"cart: GET /cart/v2/health":         "cart path-green green 100%; path /cart/health",
		"cart: GET /cart":                   "cart default blue 90%, green 10%; path /cart",
	}
	answers, err := mesh.Answers(m, apps, cases)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range answers {
		if w, ok := want[cases[i].Name]; ok && appAnswer(a) != w {
			t.Errorf("%s: the evaluator answers %q; want %q", cases[i].Name, appAnswer(a), w)
		}
	}
	agreed := converge(t, c, ist, ingressProxy(g.Namespace), len(cases), func(rcs []*routev3.RouteConfiguration) ([]envoyroutes.Row, error) {
		return compareApps(m, apps, rcs, cases)
	})
	// And the full answer (timeouts, headers, mirrors) as envoyroutes
	// compares it for a single app.
	agreed += checkIstio(t, c, ist, m, ingressProxy(g.Namespace), cases)

	// Promoting cart (green live, no canary) changes cart's delegate
	// only, and of istiod's routes only cart's default ones.
	before := envoyAnswers(t, ist, ingressProxy(g.Namespace), m, apps, cases)
	cartRouting.Live, cartRouting.CandidateWeight = mesh.Green, 0
	apps[1].Routing = cartRouting
	shared2, objs2, err := mesh.BuildApps(g, apps)
	if err != nil {
		t.Fatal(err)
	}
	m = &mesh.Model{}
	m.AddShared(shared2, nil)
	for _, a := range apps {
		m.AddObjects(objs2[a.Name].Objects, a.Target.Namespace, nil)
		if a.Name != "cart" && !proto.Equal(objs2[a.Name].VirtualService, objs[a.Name].VirtualService) {
			t.Errorf("promoting cart changed %s's VirtualService", a.Name)
		}
	}
	c.updateIstio(t, "VirtualService", "cart", objs2["cart"].VirtualServiceName, objs2["cart"].VirtualServiceAnnotations, objs2["cart"].VirtualService)
	agreed += converge(t, c, ist, ingressProxy(g.Namespace), len(cases), func(rcs []*routev3.RouteConfiguration) ([]envoyroutes.Row, error) {
		return compareApps(m, apps, rcs, cases)
	})
	after := envoyAnswers(t, ist, ingressProxy(g.Namespace), m, apps, cases)
	changed := 0
	for _, cs := range cases {
		moved := before[cs.Name] != after[cs.Name]
		if moved {
			changed++
		}
		if want := strings.HasPrefix(cs.Name, "cart: ") && cs.Route == mesh.RouteDefault; moved != want {
			t.Errorf("%s: istiod's answer went from %q to %q on promoting cart; want a change %v", cs.Name, before[cs.Name], after[cs.Name], want)
		}
	}
	if changed != 2 {
		t.Errorf("%d answers changed on promoting cart; want 2 (cart's GET /cart and its lookalike cookie)", changed)
	}

	gwApps := gatewayapi.AppsOf(specs)
	var gwCases []mesh.Case
	gwPerApp := mesh.AppCases(gwApps)
	for _, a := range gwApps {
		gwCases = append(gwCases, gwPerApp[a.Name]...)
	}
	if len(gwCases) != 18 {
		t.Fatalf("%d standard requests of the Gateway API apps; want 18", len(gwCases))
	}
	gwModel := c.storedIn(t, "gw-ingress", "gshop", "gcart")
	gwAnswers, err := gatewayapi.Answers(gwModel, specs, gwCases)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range gwAnswers {
		if cases := gwCases[i]; cases.Route != "" && (a.App != strings.SplitN(cases.Name, ":", 2)[0] || a.Rule != cases.Route) {
			t.Errorf("%s: the evaluator answers app %q rule %q; want the case's own", cases.Name, a.App, a.Rule)
		}
	}
	for _, ns := range []string{"gshop", "gcart"} {
		c.routesRead(t, ist, ns)
	}
	agreed += checkModel(t, c, ist, gwModel, gatewayProxy("gw-ingress", "shared-gw"), envoyroutes.RequestsOf(gwCases))
	t.Logf("%d of %d requests answered alike by the evaluator and by istiod's Envoy routes", agreed, 3*len(cases)+len(gwCases))
}

// appSpec is an app of the Gateway API named name in a namespace of its
// own under prefix on hosts, both colours released.
func appSpec(name, prefix string, hosts ...string) gatewayapi.Spec {
	return gatewayapi.Spec{
		App: name, Namespace: name, Port: 8600, TargetPort: 5678,
		Releases: []gatewayapi.Release{
			{Colour: mesh.Blue, Selector: map[string]string{"app": name, "version": "blue"}},
			{Colour: mesh.Green, Selector: map[string]string{"app": name, "version": "green"}},
		},
		Routing: mesh.Routing{Hosts: hosts, PathPrefix: prefix},
	}.WithDefaults()
}

// appService is the app's Service of both colours, port http.
func appService(t mesh.Target) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: t.Name, Namespace: t.Namespace},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": t.Name},
			Ports:    []corev1.ServicePort{{Name: "http", Port: int32(t.Port)}},
		},
	}
}

// storeIstio stores an Istio networking.istio.io/v1 object of kind in ns
// with spec, as the charts render it.
func (c *cluster) storeIstio(t *testing.T, kind, ns, name string, annotations map[string]string, spec proto.Message) {
	t.Helper()
	b, err := protojson.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	obj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "networking.istio.io/v1", "kind": kind, "spec": s}}
	obj.SetName(name)
	obj.SetNamespace(ns)
	obj.SetAnnotations(annotations)
	dyn, err := dynamic.NewForConfig(c.cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	gvr := schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: strings.ToLower(kind) + "s"}
	if _, err := dyn.Resource(gvr).Namespace(ns).Create(context.Background(), obj, metav1.CreateOptions{}); err != nil {
		t.Fatalf("%s %s/%s: %v", kind, ns, name, err)
	}
}

// updateIstio replaces the spec and annotations of a stored
// networking.istio.io/v1 object of kind in ns.
func (c *cluster) updateIstio(t *testing.T, kind, ns, name string, annotations map[string]string, spec proto.Message) {
	t.Helper()
	b, err := protojson.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(c.cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	res := dyn.Resource(schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: strings.ToLower(kind) + "s"}).Namespace(ns)
	obj, err := res.Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	obj.Object["spec"] = s
	obj.SetAnnotations(annotations)
	if _, err := res.Update(context.Background(), obj, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("%s %s/%s: %v", kind, ns, name, err)
	}
}

// envoyAnswers fetches the routes istiod sends proxy once and returns
// Envoy's answer to each case (compareApps' words), by case name.
func envoyAnswers(t *testing.T, ist *controlplane.Istiod, proxy envoyroutes.Proxy, m *mesh.Model, apps []mesh.App, cases []mesh.Case) map[string]string {
	t.Helper()
	rcs, err := envoyroutes.Fetch(context.Background(), ist.XDSAddr, proxy)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := compareApps(m, apps, rcs, cases)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.Case.Name] = r.Envoy
	}
	return out
}

// appAnswer writes an answer as "<app> <rule> <colour> <weight>%, ...;
// path <path>", "404" when no app takes it.
func appAnswer(a mesh.Answer) string {
	if len(a.Destinations) == 0 {
		return "404"
	}
	var ds []string
	for _, d := range a.Destinations {
		ds = append(ds, fmt.Sprintf("%s %g%%", d.Colour, d.Weight))
	}
	return fmt.Sprintf("%s %s %s; path %s", a.App, a.Rule, strings.Join(ds, ", "), a.Destinations[0].Path)
}

// compareApps answers each case through the whole gateway with the
// evaluator (mesh.Answers) and with Envoy's semantics on istiod's route
// configurations for plain HTTP, each cluster read back to the app whose
// Service it names and the rule to the app's route (the part of the
// Envoy route's name after "<app>-", as Istio names a delegate's merged
// routes, and before ".<match block>").
func compareApps(m *mesh.Model, apps []mesh.App, rcs []*routev3.RouteConfiguration, cases []mesh.Case) ([]envoyroutes.Row, error) {
	answers, err := mesh.Answers(m, apps, cases)
	if err != nil {
		return nil, err
	}
	var rows []envoyroutes.Row
	for i, cs := range cases {
		req := envoyroutes.Request{Host: cs.Request.Host, Path: cs.Request.Path, Method: cs.Request.Method, Headers: cs.Request.Headers}
		got, rc := envoyroutes.Outcome{NotFound: "no route configuration"}, ""
		for _, r := range rcs {
			if strings.HasPrefix(r.GetName(), "https.") {
				continue
			}
			o, err := envoyroutes.Evaluate(r, req)
			if err != nil {
				return nil, fmt.Errorf("%s: route configuration %s: %w", cs.Name, r.GetName(), err)
			}
			got, rc = o, r.GetName()
			if o.VirtualHost != "" {
				break
			}
		}
		envoy := "404"
		if got.NotFound == "" && len(got.Destinations) > 0 {
			app := ""
			var ds []string
			for _, d := range got.Destinations {
				for _, a := range apps {
					if d.Host == a.Target.Host {
						app = a.Name
					}
				}
				ds = append(ds, fmt.Sprintf("%s %d%%", d.Subset, d.Weight))
			}
			// Istio names the Envoy route of each match block of a route
			// "<route>.<match block>".
			rule, _, _ := strings.Cut(got.Route, ".")
			if app != "" {
				rule = strings.TrimPrefix(rule, app+"-")
			}
			envoy = fmt.Sprintf("%s %s %s; path %s", app, rule, strings.Join(ds, ", "), got.Path)
		}
		rows = append(rows, envoyroutes.Row{Case: cs, Routes: appAnswer(answers[i]), Envoy: envoy, RouteConfig: rc, Route: got.VirtualHost + " " + got.Route})
	}
	return rows, nil
}
