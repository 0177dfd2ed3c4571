package gatewayapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
	"github.com/bluegreen-mesh/bluegreen/mesh/meshtest"
)

// routingProps are the walkthrough's routing props for api gatewayAPI,
// with changes applied, defaults applied.
func routingProps(change func(*mesh.Routing)) mesh.Routing {
	p := mesh.Routing{API: mesh.APIGatewayAPI, Hosts: []string{"echo.example.com"}, Gateway: mesh.Gateway{Selector: map[string]string{"istio": "ingressgateway"}}}
	if change != nil {
		change(&p)
	}
	return p.WithDefaults(meshtest.App)
}

func specOf(t *testing.T, p mesh.Routing) gatewayapi.Spec {
	t.Helper()
	s, err := gatewayapi.SpecOf(p, gatewayapi.App{Target: meshtest.Target(), PodLabels: map[string]string{"app": "echo"}, TargetPort: 5678})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSpecOfCarriesTheRoutingProps(t *testing.T) {
	s := specOf(t, routingProps(func(p *mesh.Routing) {
		p.CandidateWeight, p.StickyCanary, p.MirrorPercent, p.Live = 30, true, 10, "green"
	}))
	o, err := gatewayapi.Build(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Services) != 2 {
		t.Fatalf("services: got %d, want 2", len(o.Services))
	}
	for i, want := range []string{
		`echo-blue {"app":"echo","version":"blue"} 8600->5678`,
		`echo-green {"app":"echo","version":"green"} 8600->5678`,
	} {
		svc := o.Services[i]
		sel, _ := json.Marshal(svc.Spec.Selector)
		got := fmt.Sprintf("%s %s %d->%s", svc.Name, sel, svc.Spec.Ports[0].Port, svc.Spec.Ports[0].TargetPort.String())
		if got != want {
			t.Errorf("service %d: got %s, want %s", i, got, want)
		}
	}
	m := gatewayapi.ModelOf(o)
	out := evaluate(t, m, gatewayapi.Request{Host: "echo.example.com", Path: "/"})
	if got, want := backends(out), "shop/echo-green:8600 green 70%, shop/echo-blue:8600 blue 30%"; out.Rule != "default" || got != want {
		t.Errorf("GET /: got rule %s to %s; want default to %s", out.Rule, got, want)
	}
	if len(out.Mirrors) != 1 || out.Mirrors[0].Service != "shop/echo-blue" || out.Mirrors[0].Percent != 10 {
		t.Errorf("mirrors: got %+v; want shop/echo-blue at 10%%", out.Mirrors)
	}
}

func TestSpecOfRejectsWhatTheGatewayAPICannotExpress(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*mesh.Routing)
		want   string
	}{
		{"fails/retries", func(p *mesh.Routing) { p.Retries = &mesh.Retries{} },
			`retries: Forbidden: not available with api "gatewayAPI": HTTPRoute retries are not in the Gateway API's standard channel`},
		{"fails/route retries", func(p *mesh.Routing) { p.Routes = map[string]mesh.RouteSettings{"default": {Retries: &mesh.Retries{}}} },
			`routes[default].retries: Forbidden: not available with api "gatewayAPI"`},
		{"fails/mutual TLS", func(p *mesh.Routing) { p.Gateway.TLS = &mesh.TLS{CredentialName: "c", Mode: "MUTUAL"} },
			`gateway.tls.mode: Forbidden: not available with api "gatewayAPI": a Gateway listener terminates TLS (SIMPLE) with its certificate; MUTUAL is not expressible`},
		{"fails/TLS 1.3 minimum", func(p *mesh.Routing) { p.Gateway.TLS = &mesh.TLS{CredentialName: "c", MinProtocolVersion: "TLSV1_3"} },
			`gateway.tls.minProtocolVersion: Forbidden: not available with api "gatewayAPI": a Gateway listener has no minimum TLS version`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gatewayapi.SpecOf(routingProps(tc.change), gatewayapi.App{Target: meshtest.Target()})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v; want one containing %q", err, tc.want)
			}
		})
	}
}
