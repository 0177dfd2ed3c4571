package check

import (
	"encoding/json"

	networkingv1 "istio.io/api/networking/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// Example is a small input that triggers one check, for docs/checks.md:
// the page shows Input and the findings Run really returns on it, and
// the package's tests hold that Run reports Code (and no code but Code
// and Also).
type Example struct {
	// Code is the check's code.
	Code string
	// Input says in a few words what the example's objects or settings
	// are: the walkthrough's app echo (a 10% canary to green, a header
	// rule, TLS) with one thing changed, or apps sharing a host.
	Input string
	// Also lists the other codes the input reports, because the same
	// mistake breaks them too.
	Also []string
	// Run runs the checks on the input.
	Run func() ([]Finding, error)
}

// Examples holds an Example for every code of All that Run or Apps
// reports (BG013 is a warning of the Istio settings, constructs/istio).
var Examples = []Example{
	{"BG001", "echo's DestinationRule with an extra subset canary selecting version=v3, which no release carries", nil,
		onEcho(func(m *mesh.Model) {
			dr := m.DestinationRules[0].Spec
			dr.Subsets = append(dr.Subsets, &networkingv1.Subset{Name: "canary", Labels: map[string]string{"version": "v3"}})
		})},
	{"BG002", "echo without its green Deployment (no release green), still routed to green", []string{"BG001"},
		onEcho(func(m *mesh.Model) {
			m.Workloads = m.Workloads[:1]
		})},
	{"BG003", "echo's default route splitting traffic between blue and blue", nil,
		onEcho(func(m *mesh.Model) {
			def := echoRoute(m, "default")
			def.Route[1].Destination.Subset = def.Route[0].Destination.Subset
		})},
	{"BG004", "echo's default route with weights 90 and 20", nil,
		onEcho(func(m *mesh.Model) {
			echoRoute(m, "default").Route[1].Weight = 20
		})},
	{"BG005", `echo with "candidateWeight": 10 and green's Deployment at 0 replicas`, nil,
		onEcho(func(m *mesh.Model) {
			m.Workloads[1].Deployment.Spec.Replicas = new(int32)
		})},
	{"BG006", "echo with a route any-version first, matching every x-version header with prefix v", nil,
		onEcho(func(m *mesh.Model) {
			vs := m.VirtualServices[0].Spec
			broad := &networkingv1.HTTPRoute{Name: "any-version", Match: []*networkingv1.HTTPMatchRequest{{
				Headers: map[string]*networkingv1.StringMatch{"x-version": {MatchType: &networkingv1.StringMatch_Prefix{Prefix: "v"}}},
			}}, Route: vs.Http[0].Route}
			vs.Http = append([]*networkingv1.HTTPRoute{broad}, vs.Http...)
		})},
	{"BG007", "echo's default route (no conditions) moved first", []string{"BG006"},
		onEcho(func(m *mesh.Model) {
			vs := m.VirtualServices[0].Spec
			last := vs.Http[len(vs.Http)-1]
			vs.Http = append([]*networkingv1.HTTPRoute{last}, vs.Http[:len(vs.Http)-1]...)
		})},
	{"BG008", `echo's HTTPS server without "credentialName"`, nil,
		onEcho(func(m *mesh.Model) {
			m.Gateways[0].Spec.Servers[1].Tls.CredentialName = ""
		})},
	{"BG009", "echo's VirtualService with a second host admin.example.com that its Gateway does not serve", nil,
		onEcho(func(m *mesh.Model) {
			vs := m.VirtualServices[0].Spec
			vs.Hosts = append(vs.Hosts, "admin.example.com")
		})},
	{"BG010", "echo's Service port named web", nil,
		onEcho(func(m *mesh.Model) {
			m.Services[0].Service.Spec.Ports[0].Name = "web"
		})},
	{"BG011", "echo's VirtualService and an HTTPRoute echo for echo.example.com", nil,
		onEcho(func(m *mesh.Model) {
			m.HTTPRoutes = append(m.HTTPRoutes, httpRoute("echo", "echo.example.com", gwv1.HTTPRouteRule{BackendRefs: []gwv1.HTTPBackendRef{backend("echo", 1)}}))
		})},
	{"BG012", "echo with " + retriesInput, nil,
		func() ([]Finding, error) {
			var p mesh.Routing
			if err := json.Unmarshal([]byte("{"+retriesInput+"}"), &p); err != nil {
				return nil, err
			}
			m, err := echo(p)
			if err != nil {
				return nil, err
			}
			return Run(m), nil
		}},
	{"GW001", "an HTTPRoute on other.example.com whose backend is a Service echo-purple that does not exist", nil,
		onEcho(func(m *mesh.Model) {
			m.HTTPRoutes = append(m.HTTPRoutes, httpRoute("other", "other.example.com", gwv1.HTTPRouteRule{BackendRefs: []gwv1.HTTPBackendRef{backend("echo-purple", 1)}}))
		})},
	{"GW002", "an HTTPRoute on other.example.com whose only backend, Service echo, has weight 0", nil,
		onEcho(func(m *mesh.Model) {
			m.HTTPRoutes = append(m.HTTPRoutes, httpRoute("other", "other.example.com", gwv1.HTTPRouteRule{BackendRefs: []gwv1.HTTPBackendRef{backend("echo", 0)}}))
		})},
	{"GW003", `an HTTPRoute on other.example.com with the rules v1 (PathPrefix "/v1"), then health and health-again (both Exact "/v1/health")`, nil,
		onEcho(func(m *mesh.Model) {
			rule := func(name string, match gwv1.HTTPRouteMatch) gwv1.HTTPRouteRule {
				n := gwv1.SectionName(name)
				return gwv1.HTTPRouteRule{Name: &n, Matches: []gwv1.HTTPRouteMatch{match}, BackendRefs: []gwv1.HTTPBackendRef{backend("echo", 1)}}
			}
			exact, prefix := gwv1.PathMatchExact, gwv1.PathMatchPathPrefix
			m.HTTPRoutes = append(m.HTTPRoutes, httpRoute("other", "other.example.com",
				rule("v1", gwv1.HTTPRouteMatch{Path: &gwv1.HTTPPathMatch{Type: &prefix, Value: ptr("/v1")}}),
				rule("health", gwv1.HTTPRouteMatch{Path: &gwv1.HTTPPathMatch{Type: &exact, Value: ptr("/v1/health")}}),
				rule("health-again", gwv1.HTTPRouteMatch{Path: &gwv1.HTTPPathMatch{Type: &exact, Value: ptr("/v1/health")}}),
			))
		})},
	{"GW004", "an HTTPRoute on other.example.com matching the header x-version by RegularExpression", nil,
		onEcho(func(m *mesh.Model) {
			re := gwv1.HeaderMatchRegularExpression
			m.HTTPRoutes = append(m.HTTPRoutes, httpRoute("other", "other.example.com", gwv1.HTTPRouteRule{
				Matches:     []gwv1.HTTPRouteMatch{{Headers: []gwv1.HTTPHeaderMatch{{Type: &re, Name: "x-version", Value: "v[0-9]+"}}}},
				BackendRefs: []gwv1.HTTPBackendRef{backend("echo", 1)},
			}))
		})},
	{"BG014", `apps shop and cart on shop.example.com, both with "pathPrefix": "/cart"`, nil,
		onApps(sharedApp("shop", "/cart"), sharedApp("cart", "/cart"))},
	{"BG015", `apps shop ("pathPrefix": "/", version paths /v1 and /v2) and v1 ("pathPrefix": "/v1", cookie name v1-version) on shop.example.com`, nil,
		onApps(sharedApp("shop", "/"), withCookie(sharedApp("v1", "/v1"), "v1-version"))},
	{"BG016", `apps shop ("pathPrefix": "/") and cart ("pathPrefix": "/cart") on shop.example.com, both with the default cookie name`, nil,
		onApps(sharedApp("shop", "/"), sharedApp("cart", "/cart"))},
	{"BG017", "apps shop and cart, each with the single-app routing (a Gateway of its own) on shop.example.com", nil,
		onSharedHost(func(*mesh.Model) {})},
	{"BG018", "apps shop and cart on shop.example.com, each with a Gateway of its own on other ingress pods, shop's VirtualService bound to cart's Gateway", nil,
		onSharedHost(func(m *mesh.Model) {
			m.Gateways[1].Spec.Selector = map[string]string{"istio": "other-gateway"}
			m.VirtualServices[1].Spec.Gateways = []string{"cart-gateway"}
		})},
}

// retriesInput is BG012's example: routing settings as cdktf.json has
// them.
const retriesInput = `"routes": {"default": {"timeout": "10s", "retries": {"attempts": 3, "perTryTimeout": "3s"}}}`

func ptr[T any](v T) *T { return &v }

// echo returns the objects of the walkthrough's app echo in namespace
// shop, routed by p on echo.example.com (defaults applied), with a
// Deployment of 2 replicas per colour and the Service echo (port http).
func echo(p mesh.Routing) (*mesh.Model, error) {
	const app, ns, port = "echo", "shop", 8600
	p.Hosts = []string{"echo.example.com"}
	p.Gateway.Selector = map[string]string{"istio": "ingressgateway"}
	t := mesh.Target{Name: app, Namespace: ns, Host: mesh.ServiceHost(app, ns), Port: port}
	for _, c := range mesh.Colours {
		t.Subsets = append(t.Subsets, mesh.Subset{Colour: c, Release: c, Labels: map[string]string{"version": c}})
	}
	o, err := mesh.Build(p.WithDefaults(app), t)
	if err != nil {
		return nil, err
	}
	m := &mesh.Model{}
	m.AddObjects(o, ns, map[string]string{"Gateway": app + "-gateway", "VirtualService": app + "-virtualservice", "DestinationRule": app + "-destinationrule"})
	for _, s := range t.Subsets {
		labels := map[string]string{"app": app, "version": s.Release}
		m.Workloads = append(m.Workloads, mesh.Workload{Release: s.Release, Deployment: &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: app + "-" + s.Release, Namespace: ns},
			Spec: appsv1.DeploymentSpec{
				Replicas: ptr(int32(2)),
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}},
			},
		}})
	}
	m.Services = append(m.Services, mesh.Service{Release: app + "-service", Service: &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: app, Namespace: ns},
		Spec:       corev1.ServiceSpec{Selector: map[string]string{"app": app}, Ports: []corev1.ServicePort{{Name: "http", Port: port}}},
	}})
	return m, nil
}

// healthyEcho is echo with a 10% canary to green, a header rule and TLS:
// the input every echo example changes one thing of.
func healthyEcho() (*mesh.Model, error) {
	return echo(mesh.Routing{
		CandidateWeight: 10,
		Header:          mesh.Rule{Name: "x-version", Values: map[string]string{"green": "v2"}},
		Gateway:         mesh.Gateway{TLS: &mesh.TLS{CredentialName: "echo-tls"}, HTTPSRedirect: true},
	})
}

func onEcho(change func(*mesh.Model)) func() ([]Finding, error) {
	return func() ([]Finding, error) {
		m, err := healthyEcho()
		if err != nil {
			return nil, err
		}
		change(m)
		return Run(m), nil
	}
}

func echoRoute(m *mesh.Model, name string) *networkingv1.HTTPRoute {
	for _, r := range m.VirtualServices[0].Spec.GetHttp() {
		if r.GetName() == name {
			return r
		}
	}
	return &networkingv1.HTTPRoute{}
}

func httpRoute(name, host string, rules ...gwv1.HTTPRouteRule) mesh.GatewayAPIObject[*gwv1.HTTPRoute] {
	return mesh.GatewayAPIObject[*gwv1.HTTPRoute]{Release: name, Object: &gwv1.HTTPRoute{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop"},
		Spec:       gwv1.HTTPRouteSpec{Hostnames: []gwv1.Hostname{gwv1.Hostname(host)}, Rules: rules},
	}}
}

func backend(service string, weight int32) gwv1.HTTPBackendRef {
	return gwv1.HTTPBackendRef{BackendRef: gwv1.BackendRef{Weight: &weight, BackendObjectReference: gwv1.BackendObjectReference{
		Name: gwv1.ObjectName(service), Port: ptr(gwv1.PortNumber(8600)),
	}}}
}

// sharedApp is an app named name in a namespace of its own, both colours
// released, under the path prefix prefix on shop.example.com, its
// routing's defaults applied.
func sharedApp(name, prefix string) mesh.App {
	t := mesh.Target{Name: name, Namespace: name, Host: mesh.ServiceHost(name, name), Port: 8600}
	for _, c := range mesh.Colours {
		t.Subsets = append(t.Subsets, mesh.Subset{Colour: c, Release: name + "-" + c, Labels: map[string]string{"version": c}})
	}
	p := mesh.Routing{Hosts: []string{"shop.example.com"}, PathPrefix: prefix, Gateway: mesh.Gateway{Selector: map[string]string{"istio": "ingressgateway"}}}
	return mesh.App{Name: name, Routing: p.WithDefaults(name), Target: t}
}

func withCookie(a mesh.App, name string) mesh.App {
	a.Routing.Cookie.Name = name
	return a
}

func onApps(apps ...mesh.App) func() ([]Finding, error) {
	return func() ([]Finding, error) { return Apps(apps), nil }
}

// onSharedHost builds apps cart and shop on shop.example.com in namespace
// apps, each routed as a single app (a Gateway and a VirtualService of
// its own), changes them and runs the checks.
func onSharedHost(change func(*mesh.Model)) func() ([]Finding, error) {
	return func() ([]Finding, error) {
		m := &mesh.Model{}
		for _, name := range []string{"cart", "shop"} {
			a := sharedApp(name, "/")
			o, err := mesh.Build(a.Routing, a.Target)
			if err != nil {
				return nil, err
			}
			m.AddObjects(o, "apps", nil)
		}
		change(m)
		return Run(m), nil
	}
}
