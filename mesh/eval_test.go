package mesh_test

import (
	"strings"
	"testing"

	networkingv1 "istio.io/api/networking/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/meshtest"
)

func exact(s string) *networkingv1.StringMatch {
	return &networkingv1.StringMatch{MatchType: &networkingv1.StringMatch_Exact{Exact: s}}
}
func prefix(s string) *networkingv1.StringMatch {
	return &networkingv1.StringMatch{MatchType: &networkingv1.StringMatch_Prefix{Prefix: s}}
}
func regex(s string) *networkingv1.StringMatch {
	return &networkingv1.StringMatch{MatchType: &networkingv1.StringMatch_Regex{Regex: s}}
}
func to(subset string, weight int32) *networkingv1.HTTPRouteDestination {
	return &networkingv1.HTTPRouteDestination{Destination: &networkingv1.Destination{Host: "web.ns.svc.cluster.local", Subset: subset}, Weight: weight}
}

func deployment(name, version, text string) mesh.Workload {
	replicas := int32(2)
	return mesh.Workload{Release: version, Deployment: &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web", "version": version}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Args: []string{"-listen=:5678", "-text=" + text}}}},
			},
		},
	}}
}

// model returns a Gateway for web.example.com, a Service, two Deployments
// (versions a and b) with their subsets, and a VirtualService with mesh.
func model(routesList ...*networkingv1.HTTPRoute) *mesh.Model {
	return &mesh.Model{
		Gateways: []mesh.Object[*networkingv1.Gateway]{{Name: "gw", Namespace: "ns", Spec: &networkingv1.Gateway{
			Selector: map[string]string{"istio": "ingressgateway"},
			Servers: []*networkingv1.Server{
				{Port: &networkingv1.Port{Number: 80, Protocol: "HTTP", Name: "http"}, Hosts: []string{"web.example.com", "*.shop.example.com"}},
				{Port: &networkingv1.Port{Number: 443, Protocol: "HTTPS", Name: "https"}, Hosts: []string{"secure.example.com"},
					Tls: &networkingv1.ServerTLSSettings{CredentialName: "c"}},
			},
		}}},
		VirtualServices: []mesh.Object[*networkingv1.VirtualService]{{Name: "web", Namespace: "ns", Spec: &networkingv1.VirtualService{
			Hosts: []string{"web.example.com", "*.shop.example.com"}, Gateways: []string{"gw"}, Http: routesList,
		}}},
		DestinationRules: []mesh.Object[*networkingv1.DestinationRule]{{Name: "web", Namespace: "ns", Spec: &networkingv1.DestinationRule{
			Host: "web.ns.svc.cluster.local",
			Subsets: []*networkingv1.Subset{
				{Name: "a", Labels: map[string]string{"version": "a"}},
				{Name: "b", Labels: map[string]string{"version": "b"}},
			},
		}}},
		Services: []mesh.Service{{Release: "svc", Service: &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"},
			Spec:       corev1.ServiceSpec{Selector: map[string]string{"app": "web"}},
		}}},
		Workloads: []mesh.Workload{deployment("web-a", "a", "A"), deployment("web-b", "b", "B")},
	}
}

func TestEvaluateSemantics(t *testing.T) {
	m := model(
		&networkingv1.HTTPRoute{Name: "api", Match: []*networkingv1.HTTPMatchRequest{
			{Name: "both", Uri: prefix("/api/"), Headers: map[string]*networkingv1.StringMatch{"x-team": exact("b")}},
		}, Rewrite: &networkingv1.HTTPRewrite{Uri: "/"}, Route: []*networkingv1.HTTPRouteDestination{to("b", 0)}},
		&networkingv1.HTTPRoute{Name: "either", Match: []*networkingv1.HTTPMatchRequest{
			{Name: "exact", Uri: exact("/exact")},
			{Name: "regex", Uri: regex("/r/[0-9]+")},
			{Name: "query", QueryParams: map[string]*networkingv1.StringMatch{"beta": exact("1")}},
		}, Route: []*networkingv1.HTTPRouteDestination{to("b", 0)}},
		&networkingv1.HTTPRoute{Name: "no-header", Match: []*networkingv1.HTTPMatchRequest{
			{Uri: prefix("/nh"), WithoutHeaders: map[string]*networkingv1.StringMatch{"x-skip": {}}},
		}, Route: []*networkingv1.HTTPRouteDestination{to("b", 0)}},
		&networkingv1.HTTPRoute{Name: "case", Match: []*networkingv1.HTTPMatchRequest{{Uri: prefix("/CaSe"), IgnoreUriCase: true}},
			Route: []*networkingv1.HTTPRouteDestination{to("b", 0)}},
		&networkingv1.HTTPRoute{Name: "split", Route: []*networkingv1.HTTPRouteDestination{to("a", 80), to("b", 20)}},
	)
	for _, tc := range []struct {
		name, host, path string
		headers          map[string]string
		route, match     string
		appPath          string
		subsets          string
	}{
		{"all conditions of a block hold", "web.example.com", "/api/x", map[string]string{"X-Team": "b"}, "api", "both", "/x", "b100"},
		{"one condition fails: next route", "web.example.com", "/api/x", map[string]string{"x-team": "a"}, "split", "", "/api/x", "a80b20"},
		{"exact ignores the query string", "web.example.com", "/exact?x=1", nil, "either", "exact", "/exact?x=1", "b100"},
		{"exact is exact", "web.example.com", "/exact/more", nil, "split", "", "/exact/more", "a80b20"},
		{"regex must match the whole path", "web.example.com", "/r/42", nil, "either", "regex", "/r/42", "b100"},
		{"regex partial match is no match", "web.example.com", "/r/42x", nil, "split", "", "/r/42x", "a80b20"},
		{"query parameter", "web.example.com", "/x?a=2&beta=1", nil, "either", "query", "/x?a=2&beta=1", "b100"},
		{"withoutHeaders absent", "web.example.com", "/nh", nil, "no-header", "#0", "/nh", "b100"},
		{"withoutHeaders present", "web.example.com", "/nh", map[string]string{"x-skip": "1"}, "split", "", "/nh", "a80b20"},
		{"ignoreUriCase", "web.example.com", "/case/x", nil, "case", "#0", "/case/x", "b100"},
		{"wildcard host", "app.shop.example.com", "/", nil, "split", "", "/", "a80b20"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := m.Evaluate(mesh.Request{Host: tc.host, Path: tc.path, Headers: tc.headers})
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, d := range out.Destinations {
				got += d.Subset + itoa(d.Weight)
			}
			if out.Route != tc.route || out.Match != tc.match || out.Path != tc.appPath || got != tc.subsets {
				t.Errorf("got route %q match %q path %q destinations %s (%s); want %q %q %q %s",
					out.Route, out.Match, out.Path, got, out.NotFound, tc.route, tc.match, tc.appPath, tc.subsets)
			}
		})
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

func TestEvaluateResolvesReleases(t *testing.T) {
	m := model(&networkingv1.HTTPRoute{Name: "all", Route: []*networkingv1.HTTPRouteDestination{to("b", 0)}})
	out, err := m.Evaluate(mesh.Request{Host: "web.example.com", Path: "/"})
	if err != nil {
		t.Fatal(err)
	}
	d := out.Destinations[0]
	if d.Weight != 100 || d.Release != "b" || d.Deployment != "web-b" || d.Text != "B" || d.Replicas != 2 {
		t.Errorf("got %+v; want 100%% to release b (web-b, 2 replicas) answering B", d)
	}
	m.DestinationRules[0].Spec.Subsets = m.DestinationRules[0].Spec.Subsets[:1]
	out, _ = m.Evaluate(mesh.Request{Host: "web.example.com", Path: "/"})
	if out.Destinations[0].Release != "" {
		t.Errorf("a subset missing from the DestinationRule resolved to %q; want no workload", out.Destinations[0].Release)
	}
}

func TestEvaluateNotFound(t *testing.T) {
	m := model(&networkingv1.HTTPRoute{Name: "only", Match: []*networkingv1.HTTPMatchRequest{{Uri: prefix("/only")}},
		Route: []*networkingv1.HTTPRouteDestination{to("a", 0)}})
	for _, tc := range []struct{ host, path, scheme string }{
		{"other.example.com", "/only", "http"},
		{"web.example.com", "/elsewhere", "http"},
		{"web.example.com", "/only", "https"},
		{"secure.example.com", "/only", "https"},
	} {
		out, err := m.Evaluate(mesh.Request{Host: tc.host, Path: tc.path, Scheme: tc.scheme})
		if err != nil {
			t.Fatal(err)
		}
		if out.NotFound == "" {
			t.Errorf("%s %s://%s%s: got %+v; want not found", "GET", tc.scheme, tc.host, tc.path, out)
		}
	}
}

func TestEvaluateRejectsBadRegex(t *testing.T) {
	m := model(&networkingv1.HTTPRoute{Name: "bad", Match: []*networkingv1.HTTPMatchRequest{
		{Headers: map[string]*networkingv1.StringMatch{"cookie": regex("(unclosed")}},
	}, Route: []*networkingv1.HTTPRouteDestination{to("a", 0)}})
	_, err := m.Evaluate(mesh.Request{Host: "web.example.com", Headers: map[string]string{"cookie": "x"}})
	if err == nil {
		t.Error("got no error for an invalid RE2 regex")
	}
}

func TestEvaluateRedirect(t *testing.T) {
	m := model(&networkingv1.HTTPRoute{Name: "all", Route: []*networkingv1.HTTPRouteDestination{to("a", 0)}})
	m.Gateways[0].Spec.Servers[0].Tls = &networkingv1.ServerTLSSettings{HttpsRedirect: true}
	out, err := m.Evaluate(mesh.Request{Host: "web.example.com", Path: "/x"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Redirect != "https://web.example.com/x" {
		t.Errorf("got redirect %q, want https://web.example.com/x", out.Redirect)
	}
}

// TestEvaluateStickyCanary follows a client: its first request lands on a
// colour of the canary, whose answer sets the cookie; the next request,
// carrying that cookie, is decided by the cookie rule and reaches the same
// colour.
func TestEvaluateStickyCanary(t *testing.T) {
	p := props()
	p.CandidateWeight, p.StickyCanary, p.MirrorPercent = 10, true, 25
	m, err := meshtest.Model(p)
	if err != nil {
		t.Fatal(err)
	}
	first, err := m.Evaluate(mesh.Request{Host: "echo.example.com", Path: "/"})
	if err != nil {
		t.Fatal(err)
	}
	if first.Route != "default" || len(first.Destinations) != 2 {
		t.Fatalf("first request: got route %s with %d destinations; want default with 2", first.Route, len(first.Destinations))
	}
	if first.Mirror == nil || first.Mirror.Subset != "green" || first.Mirror.Text != "green-answer" || first.MirrorPercent != 25 {
		t.Errorf("mirror: got %+v at %v%%; want green (green-answer) at 25%%", first.Mirror, first.MirrorPercent)
	}
	for _, tc := range []struct {
		colour, setCookie string
		weight            int
	}{{"blue", "x-version=v1; Path=/", 90}, {"green", "x-version=v2; Path=/", 10}} {
		var d *mesh.Destination
		for i := range first.Destinations {
			if first.Destinations[i].Subset == tc.colour {
				d = &first.Destinations[i]
			}
		}
		if d == nil || d.SetCookie != tc.setCookie || d.Weight != tc.weight {
			t.Fatalf("%s: got %+v; want weight %d and Set-Cookie %q", tc.colour, d, tc.weight, tc.setCookie)
		}
		cookie, _, _ := strings.Cut(d.SetCookie, ";")
		next, err := m.Evaluate(mesh.Request{Host: "echo.example.com", Path: "/", Headers: map[string]string{"Cookie": "session=abc; " + cookie}})
		if err != nil {
			t.Fatal(err)
		}
		if next.Route != "cookie-"+tc.colour || len(next.Destinations) != 1 || next.Destinations[0].Subset != tc.colour || next.Mirror != nil {
			t.Errorf("next request after landing on %s: got route %s to %+v (mirror %v); want cookie-%s to %s only, unmirrored",
				tc.colour, next.Route, next.Destinations, next.Mirror, tc.colour, tc.colour)
		}
	}
}

func TestTableShowsStickyCookieAndMirror(t *testing.T) {
	p := props()
	p.CandidateWeight, p.StickyCanary, p.MirrorPercent = 10, true, 25
	m, err := meshtest.Model(p)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := mesh.Table(&b, m, []mesh.Case{{Name: "GET /", Request: mesh.Request{Host: "echo.example.com", Path: "/"}}}); err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n")[1:] {
		rows = append(rows, strings.Join(strings.Fields(l), " "))
	}
	want := []string{
		"GET / default blue blue 90% / blue-answer (Set-Cookie: x-version=v1; Path=/)",
		"default green green 10% / green-answer (Set-Cookie: x-version=v2; Path=/)",
		"default green green mirror 25% / (answer discarded)",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("table rows:\ngot  %q\nwant %q", rows, want)
	}
}
