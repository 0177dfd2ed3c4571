package bgcheck_test

import (
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	networkingv1 "istio.io/api/networking/v1"

	"github.com/bluegreen-mesh/bluegreen/internal/bgcheck"
	"github.com/bluegreen-mesh/bluegreen/internal/routes"
	"github.com/bluegreen-mesh/bluegreen/internal/synth"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
)

// base synthesizes a healthy environment (TLS, a 10% canary, a header
// rule) and loads its objects through Helm.
func base(t *testing.T) *routes.Mesh {
	t.Helper()
	cfg := testutil.WriteConfig(t, `{"chk": {`+testutil.ExistingCluster+`, "routing": {
		"hosts": ["echo.example.com"], "candidateWeight": 10,
		"header": {"name": "x-version", "values": {"green": "v2"}},
		"gateway": {"tls": {"credentialName": "echo-tls"}, "httpsRedirect": true}}}}`)
	res, err := synth.Run(synth.Options{Config: cfg, Outdir: filepath.Join(t.TempDir(), "out"), Environments: []string{"chk"}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := routes.Load(filepath.Join(res.Outdir, "stacks", "chk-mesh"), filepath.Join(res.Outdir, "stacks", "chk-app"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// clone deep-copies a Mesh so each case mutates its own.
func clone(m *routes.Mesh) *routes.Mesh {
	c := &routes.Mesh{}
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

func route(m *routes.Mesh, name string) *networkingv1.HTTPRoute {
	for _, r := range m.VirtualServices[0].Spec.GetHttp() {
		if r.GetName() == name {
			return r
		}
	}
	panic("no route " + name)
}

func TestChecks(t *testing.T) {
	healthy := base(t)
	if got := bgcheck.Run(healthy); len(got) != 0 {
		t.Fatalf("the healthy environment has findings: %v", got)
	}
	for _, tc := range []struct {
		code, field string
		breakIt     func(m *routes.Mesh)
		detail      string
	}{
		{"BG001", "spec.subsets[1] (green)", func(m *routes.Mesh) {
			m.DestinationRules[0].Spec.Subsets[1].Labels = map[string]string{"version": "v2"}
		}, "select no release's pods"},
		{"BG002", "spec.http[", func(m *routes.Mesh) {
			var keep []routes.Workload
			for _, w := range m.Workloads {
				if w.Release != "green" {
					keep = append(keep, w)
				}
			}
			m.Workloads = keep
		}, "sends traffic to green, which has no release"},
		{"BG003", "spec.http[", func(m *routes.Mesh) {
			def := route(m, "default")
			def.Route[1].Destination.Subset = def.Route[0].Destination.Subset
		}, "splits traffic between blue and itself"},
		{"BG004", "spec.http[", func(m *routes.Mesh) {
			route(m, "default").Route[1].Weight = 20
		}, "weights sum to 110, not 100"},
		{"BG005", "spec.http[", func(m *routes.Mesh) {
			for _, w := range m.Workloads {
				if w.Release == "green" {
					zero := int32(0)
					w.Deployment.Spec.Replicas = &zero
				}
			}
		}, "sends 10% to green, whose release green has 0 replicas"},
		{"BG006", "spec.http[", func(m *routes.Mesh) {
			vs := m.VirtualServices[0].Spec
			// A broad cookie route before the specific ones.
			broad := &networkingv1.HTTPRoute{Name: "any-cookie", Match: []*networkingv1.HTTPMatchRequest{{
				Headers: map[string]*networkingv1.StringMatch{"x-version": {MatchType: &networkingv1.StringMatch_Prefix{Prefix: "v"}}},
			}}, Route: vs.Http[0].Route}
			vs.Http = append([]*networkingv1.HTTPRoute{broad}, vs.Http...)
		}, "is shadowed by spec.http[0] (any-cookie)"},
		{"BG007", "spec.http[", func(m *routes.Mesh) {
			vs := m.VirtualServices[0].Spec
			last := vs.Http[len(vs.Http)-1]
			vs.Http = append([]*networkingv1.HTTPRoute{last}, vs.Http[:len(vs.Http)-1]...)
		}, "matches every request but is not last"},
		{"BG008", "spec.servers[1].tls.credentialName", func(m *routes.Mesh) {
			m.Gateways[0].Spec.Servers[1].Tls.CredentialName = ""
		}, "HTTPS server on port 443 has no credentialName"},
		{"BG009", "spec.hosts[1]", func(m *routes.Mesh) {
			m.VirtualServices[0].Spec.Hosts = append(m.VirtualServices[0].Spec.Hosts, "admin.example.com")
		}, "host admin.example.com is not served by Gateway"},
		{"BG010", "spec.ports[0].name", func(m *routes.Mesh) {
			m.Services[0].Service.Spec.Ports[0].Name = "web"
		}, `port name "web" does not start with a protocol`},
	} {
		t.Run(tc.code, func(t *testing.T) {
			m := clone(healthy)
			tc.breakIt(m)
			findings := bgcheck.Run(m)
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
	if got := bgcheck.Run(m); len(got) != 0 {
		t.Errorf("a port with appProtocol set got findings: %v", got)
	}
}

func TestEveryCheckIsDocumented(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range bgcheck.Checks {
		if c.Title == "" || c.Fix == "" || seen[c.Code] {
			t.Errorf("check %s: title %q, fix %q, duplicate %v", c.Code, c.Title, c.Fix, seen[c.Code])
		}
		seen[c.Code] = true
	}
	if len(seen) != 10 {
		t.Errorf("got %d documented checks, want 10", len(seen))
	}
}
