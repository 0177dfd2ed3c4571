package check_test

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	networkingv1 "istio.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/check"
	"github.com/bluegreen-mesh/bluegreen/mesh/meshtest"
)

// base builds a healthy app (TLS, a 10% canary, a header rule) with
// mesh.Build. (internal/synth's tests run the checks on the objects Helm
// renders from a synthesized environment.)
func base(t *testing.T) *mesh.Model {
	t.Helper()
	m, err := meshtest.Model(mesh.Routing{
		Hosts:           []string{"echo.example.com"},
		CandidateWeight: 10,
		Header:          mesh.Rule{Name: "x-version", Values: map[string]string{"green": "v2"}},
		Gateway: mesh.Gateway{
			Selector:      map[string]string{"istio": "ingressgateway"},
			TLS:           &mesh.TLS{CredentialName: "echo-tls"},
			HTTPSRedirect: true,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// clone deep-copies a Model so each case mutates its own.
func clone(m *mesh.Model) *mesh.Model {
	c := &mesh.Model{}
	for _, g := range m.Gateways {
		g.Spec = proto.Clone(g.Spec).(*networkingv1.Gateway)
		c.Gateways = append(c.Gateways, g)
	}
	for _, v := range m.VirtualServices {
		v.Spec = proto.Clone(v.Spec).(*networkingv1.VirtualService)
		c.VirtualServices = append(c.VirtualServices, v)
	}
	for _, d := range m.DestinationRules {
		d.Spec = proto.Clone(d.Spec).(*networkingv1.DestinationRule)
		c.DestinationRules = append(c.DestinationRules, d)
	}
	for _, w := range m.Workloads {
		w.Deployment = w.Deployment.DeepCopy()
		c.Workloads = append(c.Workloads, w)
	}
	for _, s := range m.Services {
		s.Service = s.Service.DeepCopy()
		c.Services = append(c.Services, s)
	}
	return c
}

func route(m *mesh.Model, name string) *networkingv1.HTTPRoute {
	r := meshtest.Route(m, name)
	if r == nil {
		panic("no route " + name)
	}
	return r
}

func TestChecks(t *testing.T) {
	healthy := base(t)
	if got := check.Run(healthy); len(got) != 0 {
		t.Fatalf("the healthy environment has findings: %v", got)
	}
	for _, tc := range []struct {
		code, field string
		breakIt     func(m *mesh.Model)
		detail      string
	}{
		{"BG001", "spec.subsets[1] (green)", func(m *mesh.Model) {
			m.DestinationRules[0].Spec.Subsets[1].Labels = map[string]string{"version": "v2"}
		}, "select no release's pods"},
		{"BG002", "spec.http[", func(m *mesh.Model) {
			var keep []mesh.Workload
			for _, w := range m.Workloads {
				if w.Release != "green" {
					keep = append(keep, w)
				}
			}
			m.Workloads = keep
		}, "sends traffic to green, which has no release"},
		{"BG003", "spec.http[", func(m *mesh.Model) {
			def := route(m, "default")
			def.Route[1].Destination.Subset = def.Route[0].Destination.Subset
		}, "splits traffic between blue and itself"},
		{"BG004", "spec.http[", func(m *mesh.Model) {
			route(m, "default").Route[1].Weight = 20
		}, "weights sum to 110, not 100"},
		{"BG005", "spec.http[", func(m *mesh.Model) {
			for _, w := range m.Workloads {
				if w.Release == "green" {
					zero := int32(0)
					w.Deployment.Spec.Replicas = &zero
				}
			}
		}, "sends 10% to green, whose release green has 0 replicas"},
		{"BG006", "spec.http[", func(m *mesh.Model) {
			vs := m.VirtualServices[0].Spec
			// A broad cookie route before the specific ones.
			broad := &networkingv1.HTTPRoute{Name: "any-cookie", Match: []*networkingv1.HTTPMatchRequest{{
				Headers: map[string]*networkingv1.StringMatch{"x-version": {MatchType: &networkingv1.StringMatch_Prefix{Prefix: "v"}}},
			}}, Route: vs.Http[0].Route}
			vs.Http = append([]*networkingv1.HTTPRoute{broad}, vs.Http...)
		}, "is shadowed by spec.http[0] (any-cookie)"},
		{"BG007", "spec.http[", func(m *mesh.Model) {
			vs := m.VirtualServices[0].Spec
			last := vs.Http[len(vs.Http)-1]
			vs.Http = append([]*networkingv1.HTTPRoute{last}, vs.Http[:len(vs.Http)-1]...)
		}, "matches every request but is not last"},
		{"BG008", "spec.servers[1].tls.credentialName", func(m *mesh.Model) {
			m.Gateways[0].Spec.Servers[1].Tls.CredentialName = ""
		}, "HTTPS server on port 443 has no credentialName"},
		{"BG009", "spec.hosts[1]", func(m *mesh.Model) {
			m.VirtualServices[0].Spec.Hosts = append(m.VirtualServices[0].Spec.Hosts, "admin.example.com")
		}, "host admin.example.com is not served by Gateway"},
		{"BG010", "spec.ports[0].name", func(m *mesh.Model) {
			m.Services[0].Service.Spec.Ports[0].Name = "web"
		}, `port name "web" does not start with a protocol`},
	} {
		t.Run(tc.code, func(t *testing.T) {
			m := clone(healthy)
			tc.breakIt(m)
			findings := check.Run(m)
			for _, f := range findings {
				if f.Code == tc.code && strings.HasPrefix(f.Field, tc.field) && strings.Contains(f.Message, tc.detail) {
					return
				}
			}
			t.Errorf("got %v\nwant %s at %s containing %q", findings, tc.code, tc.field, tc.detail)
		})
	}
}

func TestBG010AcceptsAppProtocol(t *testing.T) {
	m := clone(base(t))
	m.Services[0].Service.Spec.Ports[0].Name = "web"
	http := "http"
	m.Services[0].Service.Spec.Ports[0].AppProtocol = &http
	if got := check.Run(m); len(got) != 0 {
		t.Errorf("a port with appProtocol set got findings: %v", got)
	}
}

func TestEveryCheckIsDocumented(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range check.All {
		if c.Title == "" || c.Fix == "" || seen[c.Code] {
			t.Errorf("check %s: title %q, fix %q, duplicate %v", c.Code, c.Title, c.Fix, seen[c.Code])
		}
		seen[c.Code] = true
	}
	if len(seen) != 22 {
		t.Errorf("got %d documented checks, want 22", len(seen))
	}
}

// TestBG009AgreesWithTheEvaluator holds BG009 (is a VirtualService host
// served by its Gateway?) against the evaluator (does a request for that
// host reach the VirtualService?): both read mesh.ServerAdmits and
// mesh.GatewayOf, so for every host they must give the same answer.
func TestBG009AgreesWithTheEvaluator(t *testing.T) {
	for _, tc := range []struct {
		serverHost, vsHost, gatewayRef string
		served                         bool
	}{
		{"echo.example.com", "echo.example.com", "echo-gateway", true},
		{"echo.example.com", "ECHO.example.com", "echo-gateway", true},
		{"*.example.com", "echo.example.com", "echo-gateway", true},
		{"*.example.com", "a.b.example.com", "echo-gateway", true},
		{"*.example.com", "example.com", "echo-gateway", false},
		{"*", "anything.test", "echo-gateway", true},
		{"shop/echo.example.com", "echo.example.com", "echo-gateway", true},
		{"echo.example.com", "echo.example.com", "shop/echo-gateway", true},
		{"echo.example.com", "other.example.com", "shop/echo-gateway", false},
		{"other.example.com", "echo.example.com", "echo-gateway", false},
	} {
		name := tc.serverHost + " serves " + tc.vsHost + " via " + tc.gatewayRef
		t.Run(name, func(t *testing.T) {
			m := clone(base(t))
			for _, s := range m.Gateways[0].Spec.Servers {
				s.Hosts = []string{tc.serverHost}
			}
			m.Gateways[0].Spec.Servers[0].Tls = nil // no redirect: the request is routed
			vs := m.VirtualServices[0].Spec
			vs.Hosts, vs.Gateways = []string{tc.vsHost}, []string{tc.gatewayRef}
			bg009 := 0
			for _, f := range check.Run(m) {
				if f.Code == "BG009" {
					bg009++
				}
			}
			out, err := m.Evaluate(mesh.Request{Host: tc.vsHost, Path: "/"})
			if err != nil {
				t.Fatal(err)
			}
			routed := out.NotFound == "" && len(out.Destinations) > 0
			// With a 10% canary the default route has two destinations.
			if routed && len(out.Destinations) != 2 {
				t.Fatalf("got %d destinations, want 2: %+v", len(out.Destinations), out)
			}
			if served := bg009 == 0; served != tc.served || routed != tc.served {
				t.Errorf("BG009 says served %v, the evaluator routed %v (%s); want both %v", served, routed, out.NotFound, tc.served)
			}
		})
	}
}

// TestBG009IgnoresOtherNamespacesGateway checks that a reference to a
// Gateway in another namespace is not taken for the same-named one here.
func TestBG009IgnoresOtherNamespacesGateway(t *testing.T) {
	m := clone(base(t))
	vs := m.VirtualServices[0].Spec
	vs.Hosts, vs.Gateways = []string{"other.example.com"}, []string{"elsewhere/echo-gateway"}
	if got := check.Run(m); len(got) != 0 {
		t.Errorf("got %v; want no finding for a Gateway that is not among the objects (Istio's IST0101 reports it)", got)
	}
	if out, _ := m.Evaluate(mesh.Request{Host: "other.example.com"}); out.NotFound == "" {
		t.Errorf("the evaluator routed through another namespace's Gateway: %+v", out)
	}
}

// TestFindingsNameRoutesAsTheEvaluatorDoes strips every route's name: a
// finding about the default route and the evaluator's answer for a request
// that reaches it must both call it "#5" (mesh.RouteName).
func TestFindingsNameRoutesAsTheEvaluatorDoes(t *testing.T) {
	m := clone(base(t))
	http := m.VirtualServices[0].Spec.Http
	if len(http) != 6 {
		t.Fatalf("got %d routes, want 6 (path-blue, path-green, header-green, cookie-blue, cookie-green, default)", len(http))
	}
	for _, r := range http {
		r.Name = ""
	}
	http[5].Route[1].Weight = 20
	findings := check.Run(m)
	if len(findings) != 1 || findings[0].Code != "BG004" {
		t.Fatalf("got %v; want one BG004", findings)
	}
	out, err := m.Evaluate(mesh.Request{Host: "echo.example.com", Scheme: "https"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Route != "#5" || !strings.Contains(findings[0].Message, "route #5 ") {
		t.Errorf("the evaluator names the route %q and the finding says %q; want both #5", out.Route, findings[0].Message)
	}
}

// TestGatewayAPIChecksRunOnTheMeshModel: with an HTTPRoute in the model,
// Run reports the GW checks and a host routed by both APIs.
func TestGatewayAPIChecksRunOnTheMeshModel(t *testing.T) {
	m, err := meshtest.Model(mesh.Routing{Hosts: []string{"echo.example.com"}, Gateway: mesh.Gateway{Selector: map[string]string{"istio": "ingressgateway"}}})
	if err != nil {
		t.Fatal(err)
	}
	m.HTTPRoutes = append(m.HTTPRoutes, mesh.GatewayAPIObject[*gwv1.HTTPRoute]{Release: "r", Object: &gwv1.HTTPRoute{
		ObjectMeta: metav1.ObjectMeta{Name: "echo", Namespace: meshtest.Namespace},
		Spec: gwv1.HTTPRouteSpec{
			Hostnames: []gwv1.Hostname{"echo.example.com"},
			Rules: []gwv1.HTTPRouteRule{{BackendRefs: []gwv1.HTTPBackendRef{{BackendRef: gwv1.BackendRef{BackendObjectReference: gwv1.BackendObjectReference{
				Name: "echo-purple", Port: ptr.To(gwv1.PortNumber(meshtest.Port)),
			}}}}}},
		},
	}})
	var got []string
	for _, f := range check.Run(m) {
		got = append(got, f.Code+" "+string(f.Severity)+" "+f.Object)
	}
	want := []string{"GW001 error HTTPRoute shop/echo", "BG011 error VirtualService shop/echo"}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\ngot  %q\nwant %q", got, want)
	}
}
