package mesh_test

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/meshtest"
)

// target is the walkthrough's app echo in namespace shop with releases for
// colours (both when none are given).
func target(colours ...string) mesh.Target { return meshtest.Target(colours...) }

func routeNames(o mesh.Objects) string {
	var names []string
	for _, r := range o.VirtualService.GetHttp() {
		names = append(names, r.GetName())
	}
	return strings.Join(names, ",")
}

func TestBuildWalkthrough(t *testing.T) {
	o, err := mesh.Build(props().WithDefaults("echo"), target())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := routeNames(o), "path-blue,path-green,cookie-blue,cookie-green,default"; got != want {
		t.Errorf("routes: got %s, want %s", got, want)
	}
	vs := o.VirtualService
	if got := strings.Join(vs.GetGateways(), ","); got != "echo-gateway" {
		t.Errorf("gateways: got %s, want echo-gateway", got)
	}
	path := vs.GetHttp()[0]
	if len(path.GetMatch()) != 2 || path.GetMatch()[0].GetUri().GetPrefix() != "/v1/" || path.GetMatch()[1].GetUri().GetExact() != "/v1" {
		t.Errorf("path-blue matches: got %v; want prefix /v1/ and exact /v1", path.GetMatch())
	}
	if path.GetRewrite().GetUri() != "/" {
		t.Errorf("path-blue rewrite: got %q, want /", path.GetRewrite().GetUri())
	}
	d := path.GetRoute()[0].GetDestination()
	if d.GetHost() != "echo.shop.svc.cluster.local" || d.GetSubset() != "blue" || d.GetPort().GetNumber() != 8600 {
		t.Errorf("path-blue destination: got %v", d)
	}
	cookie := vs.GetHttp()[3].GetMatch()[0].GetHeaders()["cookie"].GetRegex()
	if cookie != mesh.CookieRegex("x-version", "v2") {
		t.Errorf("cookie-green regex: got %q", cookie)
	}
	def := vs.GetHttp()[4]
	if len(def.GetMatch()) != 0 || len(def.GetRoute()) != 1 || def.GetRoute()[0].GetDestination().GetSubset() != "blue" {
		t.Errorf("default route: got %v; want all traffic to blue", def)
	}
	var subsets []string
	for _, s := range o.DestinationRule.GetSubsets() {
		subsets = append(subsets, s.GetName()+"="+s.GetLabels()["version"])
	}
	if got := strings.Join(subsets, ","); got != "blue=blue,green=green" || o.DestinationRule.GetHost() != "echo.shop.svc.cluster.local" {
		t.Errorf("destination rule: host %s, subsets %s", o.DestinationRule.GetHost(), got)
	}
	if len(o.Gateway.GetServers()) != 1 || o.Gateway.GetServers()[0].GetPort().GetNumber() != 80 || o.Gateway.GetSelector()["istio"] != "ingressgateway" {
		t.Errorf("gateway: got %v", o.Gateway)
	}
}

func TestBuildCanaryHeaderTLSAndRouteSettings(t *testing.T) {
	p := props()
	p.Live = "green"
	p.CandidateWeight = 10
	p.Header = mesh.Rule{Name: "x-version", Values: map[string]string{"blue": "v1"}}
	p.Gateway.TLS = &mesh.TLS{CredentialName: "echo-tls"}
	p.Gateway.HTTPSRedirect = true
	p.Timeout = "10s"
	var retries mesh.Retries
	if err := json.Unmarshal([]byte(`{"attempts": 2, "perTryTimeout": "3s", "retryOn": "5xx"}`), &retries); err != nil {
		t.Fatal(err)
	}
	p.Routes = map[string]mesh.RouteSettings{"default": {Timeout: "30s", Retries: &retries}}
	o, err := mesh.Build(p.WithDefaults("echo"), target())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := routeNames(o), "path-blue,path-green,header-blue,cookie-blue,cookie-green,default"; got != want {
		t.Errorf("routes: got %s, want %s", got, want)
	}
	def := o.VirtualService.GetHttp()[5]
	if got := def.GetRoute(); len(got) != 2 || got[0].GetDestination().GetSubset() != "green" || got[0].GetWeight() != 90 ||
		got[1].GetDestination().GetSubset() != "blue" || got[1].GetWeight() != 10 {
		t.Errorf("default route: got %v; want green 90, blue 10", got)
	}
	if def.GetTimeout().AsDuration().String() != "30s" || def.GetRetries().GetAttempts() != 2 {
		t.Errorf("default route settings: timeout %v retries %v; want the override", def.GetTimeout().AsDuration(), def.GetRetries())
	}
	if first := o.VirtualService.GetHttp()[0]; first.GetTimeout().AsDuration().String() != "10s" || first.GetRetries() != nil {
		t.Errorf("path-blue settings: timeout %v retries %v; want 10s and none", first.GetTimeout().AsDuration(), first.GetRetries())
	}
	servers := o.Gateway.GetServers()
	if len(servers) != 2 || !servers[0].GetTls().GetHttpsRedirect() || servers[1].GetPort().GetNumber() != 443 ||
		servers[1].GetTls().GetCredentialName() != "echo-tls" || servers[1].GetTls().GetMode().String() != "SIMPLE" ||
		servers[1].GetTls().GetMinProtocolVersion().String() != "TLSV1_2" {
		t.Errorf("gateway servers: got %v", servers)
	}
}

func TestBuildRefusesColoursWithoutRelease(t *testing.T) {
	app := target("blue")
	p := props()
	p.VersionPaths = map[string]string{"blue": "/v1"}
	p.Cookie.Values = map[string]string{"blue": "v1"}
	if _, err := mesh.Build(p.WithDefaults("echo"), app); err != nil {
		t.Errorf("blue-only routing of a blue-only app: %v", err)
	}
	p.Live = "green"
	_, err := mesh.Build(p.WithDefaults("echo"), app)
	if err == nil || !strings.Contains(err.Error(), `live: Invalid value: "green": "green" has no release; the app has [blue]`) {
		t.Errorf("got %v, want an error naming live and the missing release", err)
	}
}

func TestBuildAnnotatesTheIntent(t *testing.T) {
	for _, tc := range []struct {
		name string
		live string
		app  mesh.Target
		want map[string]string
	}{
		{"blue live", "blue", target(),
			map[string]string{"bluegreen.io/live": "blue", "bluegreen.io/candidate": "green"}},
		{"green live", "green", target(),
			map[string]string{"bluegreen.io/live": "green", "bluegreen.io/candidate": "blue"}},
		{"no candidate release", "blue", target("blue"),
			map[string]string{"bluegreen.io/live": "blue"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := props()
			p.Live = tc.live
			if len(tc.app.Subsets) == 1 {
				p.VersionPaths = map[string]string{"blue": "/v1"}
				p.Cookie.Values = map[string]string{"blue": "v1"}
			}
			o, err := mesh.Build(p.WithDefaults("echo"), tc.app)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(o.VirtualServiceAnnotations, tc.want) {
				t.Errorf("got annotations %v, want %v", o.VirtualServiceAnnotations, tc.want)
			}
		})
	}
}

func TestBuildStickyCanaryAndMirror(t *testing.T) {
	p := props()
	p.CandidateWeight, p.StickyCanary, p.MirrorPercent = 20, true, 5
	o, err := mesh.Build(p.WithDefaults("echo"), target())
	if err != nil {
		t.Fatal(err)
	}
	def := o.VirtualService.GetHttp()[len(o.VirtualService.GetHttp())-1]
	if def.GetName() != "default" || len(def.GetRoute()) != 2 {
		t.Fatalf("default route: got %v; want two weighted destinations", def)
	}
	for i, want := range []string{"x-version=v1; Path=/", "x-version=v2; Path=/"} {
		if got := def.GetRoute()[i].GetHeaders().GetResponse().GetAdd()["Set-Cookie"]; got != want {
			t.Errorf("destination %d (%s) Set-Cookie: got %q, want %q", i, def.GetRoute()[i].GetDestination().GetSubset(), got, want)
		}
	}
	if got := def.GetMirror(); got.GetSubset() != "green" || got.GetHost() != "echo.shop.svc.cluster.local" || got.GetPort().GetNumber() != 8600 {
		t.Errorf("mirror: got %v; want green of echo.shop.svc.cluster.local:8600", got)
	}
	if got := def.GetMirrorPercentage().GetValue(); got != 5 {
		t.Errorf("mirrorPercentage: got %v, want 5", got)
	}
	// Only the default route is sticky and mirrored.
	for _, r := range o.VirtualService.GetHttp()[:len(o.VirtualService.GetHttp())-1] {
		if r.GetMirror() != nil || r.GetRoute()[0].GetHeaders() != nil {
			t.Errorf("route %s: got mirror %v, headers %v; want neither", r.GetName(), r.GetMirror(), r.GetRoute()[0].GetHeaders())
		}
	}
}

func TestBuildStickyWithoutCanaryAddsNoCookie(t *testing.T) {
	p := props()
	p.StickyCanary = true
	o, err := mesh.Build(p.WithDefaults("echo"), target())
	if err != nil {
		t.Fatal(err)
	}
	def := o.VirtualService.GetHttp()[len(o.VirtualService.GetHttp())-1]
	if h := def.GetRoute()[0].GetHeaders(); h != nil || def.GetMirror() != nil {
		t.Errorf("default route: got headers %v, mirror %v; want none", h, def.GetMirror())
	}
	if w := p.WithDefaults("echo").Warnings(nil, false); len(w) != 1 || !strings.Contains(w[0], "stickyCanary: has no effect") {
		t.Errorf("warnings: got %q; want one saying stickyCanary has no effect", w)
	}
}
