package cli

import (
	"fmt"
	"slices"
	"strings"

	networkingv1 "istio.io/api/networking/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/routing"
	"github.com/bluegreen-mesh/bluegreen/internal/pipeline"
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
)

// gateway is an environment's routing as routes, graph and routes --envoy
// read it: every app behind the environment's ingress gateway at once.
type gateway struct {
	// model is the mesh model every request is evaluated on.
	model *mesh.Model
	// apps are the environment's apps, sorted by name, as the routing sees
	// them (defaults applied, the Gateway's selector that of the
	// environment's Istio).
	apps []mesh.App
	// specs are the Gateway API specs of the apps whose routing.api is
	// "gatewayAPI", by app name.
	specs map[string]gatewayapi.Spec
	// interim names the hosts that apps share where the pipeline's model
	// still gives each app a Gateway of its own (one per app, which Istio
	// would not serve as the apps mean), and model is then the apps'
	// shared routing built by mesh.BuildApps and gatewayapi.BuildApps
	// instead; empty where the model is the pipeline's own.
	interim []string
}

// sharedGatewayName and sharedGatewayAPIName are the names of the one
// Gateway that apps sharing a host are served by (with VirtualServices,
// with the Gateway API), in the commands' own evaluation of such apps where
// the pipeline does not route them through one Gateway yet: the names the
// mesh stack is to give them.
const (
	sharedGatewayName    = "shared-ingress"
	sharedGatewayAPIName = "shared-ingress-gatewayapi"
)

// gatewayOf returns the routing of the rendered environment r.
func gatewayOf(r *pipeline.Rendered) (*gateway, error) {
	e := r.Env
	g := &gateway{model: r.Model, specs: map[string]gatewayapi.Spec{}}
	routingReleases := map[string][]string{} // app -> its routing's Helm releases
	for _, s := range e.Specs {
		for _, st := range e.Stacks {
			if st.App != nil && st.Name == s.Stack && s.Construct == "routing" {
				routingReleases[st.App.Name] = append(routingReleases[st.App.Name], s.Release.Name)
			}
		}
	}
	for _, st := range e.Stacks {
		if st.App == nil {
			continue
		}
		app := bluegreen.WithNamespace(st.App.App, e.Env.Namespace).WithDefaults()
		rp := routing.WithGateway(st.App.Routing, app, e.Env.Istio)
		a := mesh.App{Name: st.App.Name, Routing: rp.Routing, Target: bluegreen.TargetOf(app)}
		g.apps = append(g.apps, a)
		if rp.API == mesh.APIGatewayAPI {
			spec, err := gatewayapi.SpecOf(rp.Routing, gatewayapi.App{Target: a.Target, PodLabels: bluegreen.PodLabelsOf(app), TargetPort: app.ContainerPort})
			if err != nil {
				return nil, fmt.Errorf("environment %q: app %s: %w", e.Env.Name, a.Name, err)
			}
			g.specs[a.Name] = spec
		}
	}
	slices.SortFunc(g.apps, func(a, b mesh.App) int { return strings.Compare(a.Name, b.Name) })
	if err := g.shareHosts(routingReleases, e.Env.Namespace.WithDefaults().Name); err != nil {
		return nil, fmt.Errorf("environment %q: %w", e.Env.Name, err)
	}
	return g, nil
}

// shareHosts replaces, in the model, the routing of the apps that share a
// host on one routing API with their shared routing, where the model
// declares such a host on more than one Gateway: the pipeline gives each
// app a Gateway of its own until the mesh stack holds the shared routing.
// Once it does, one Gateway declares each shared host and the model is
// left as the pipeline renders it. releases are each app's routing
// releases; namespace is the environment's.
func (g *gateway) shareHosts(releases map[string][]string, namespace string) error {
	for _, api := range []string{mesh.APIVirtualService, mesh.APIGatewayAPI} {
		var on []mesh.App
		for _, a := range g.apps {
			if _, gw := g.specs[a.Name]; gw == (api == mesh.APIGatewayAPI) {
				on = append(on, a)
			}
		}
		sharing := map[string]bool{}
		var hosts []string
		for h, apps := range mesh.HostsOf(on) {
			if len(apps) < 2 || g.gatewaysDeclaring(h, api) < 2 {
				continue
			}
			hosts = append(hosts, h)
			for _, a := range apps {
				sharing[a.Name] = true
			}
		}
		if len(hosts) == 0 {
			continue
		}
		slices.Sort(hosts)
		g.interim = append(g.interim, hosts...)
		var apps []mesh.App
		drop := map[string]bool{}
		for _, a := range on {
			if sharing[a.Name] {
				apps = append(apps, a)
				for _, r := range releases[a.Name] {
					drop[r] = true
				}
			}
		}
		m := withoutReleases(g.model, drop)
		if api == mesh.APIGatewayAPI {
			var specs []gatewayapi.Spec
			for _, a := range apps {
				specs = append(specs, g.specs[a.Name])
			}
			shared, objs, err := gatewayapi.BuildApps(gatewayapi.SharedGateway{Name: sharedGatewayAPIName, Namespace: namespace, Gateway: apps[0].Routing.Gateway}, specs)
			if err != nil {
				return err
			}
			shared.Gateway.Namespace = namespace
			m.KubernetesGateways = append(m.KubernetesGateways, mesh.GatewayAPIObject[*gwv1.Gateway]{Release: sharedGatewayAPIName, Object: shared.Gateway})
			for _, a := range apps {
				o := objs[g.specs[a.Name].App]
				for _, rt := range o.Routes() {
					m.HTTPRoutes = append(m.HTTPRoutes, mesh.GatewayAPIObject[*gwv1.HTTPRoute]{Release: a.Name + "-httproute", Object: rt})
				}
				for _, s := range o.Services {
					m.Services = append(m.Services, mesh.Service{Release: a.Name + "-" + s.Name, Service: s})
				}
			}
		} else {
			shared, objs, err := mesh.BuildApps(mesh.SharedGateway{Name: sharedGatewayName, Namespace: namespace, Gateway: apps[0].Routing.Gateway}, apps)
			if err != nil {
				return err
			}
			m.AddShared(shared, map[string]string{"Gateway": sharedGatewayName, "VirtualService": sharedGatewayName})
			for _, a := range apps {
				o := objs[a.Name]
				m.AddObjects(o.Objects, a.Target.Namespace, map[string]string{"VirtualService": a.Name + "-virtualservice", "DestinationRule": a.Name + "-destinationrule"})
			}
			slices.SortFunc(m.VirtualServices, func(a, b mesh.Object[*networkingv1.VirtualService]) int { return strings.Compare(a.Name, b.Name) })
		}
		g.model = m
	}
	return nil
}

// gatewaysDeclaring counts the Gateways of the model, of routing API api,
// that declare host.
func (g *gateway) gatewaysDeclaring(host, api string) int {
	n := 0
	if api == mesh.APIGatewayAPI {
		for _, gw := range g.model.KubernetesGateways {
			if slices.ContainsFunc(gw.Object.Spec.Listeners, func(l gwv1.Listener) bool {
				return l.Hostname == nil || strings.EqualFold(string(*l.Hostname), host)
			}) {
				n++
			}
		}
		return n
	}
	for _, gw := range g.model.Gateways {
		if slices.ContainsFunc(gw.Spec.GetServers(), func(s *networkingv1.Server) bool { return mesh.ServerAdmits(s, host) }) {
			n++
		}
	}
	return n
}

// withoutReleases returns a copy of m without the routing objects (Istio
// and Gateway API Gateways, VirtualServices, DestinationRules, HTTPRoutes,
// and the per-colour Services of the Gateway API) that the Helm releases
// drop create.
func withoutReleases(m *mesh.Model, drop map[string]bool) *mesh.Model {
	out := *m
	out.Gateways = slices.DeleteFunc(slices.Clone(m.Gateways), func(o mesh.Object[*networkingv1.Gateway]) bool { return drop[o.Release] })
	out.VirtualServices = slices.DeleteFunc(slices.Clone(m.VirtualServices), func(o mesh.Object[*networkingv1.VirtualService]) bool { return drop[o.Release] })
	out.DestinationRules = slices.DeleteFunc(slices.Clone(m.DestinationRules), func(o mesh.Object[*networkingv1.DestinationRule]) bool { return drop[o.Release] })
	out.KubernetesGateways = slices.DeleteFunc(slices.Clone(m.KubernetesGateways), func(o mesh.GatewayAPIObject[*gwv1.Gateway]) bool { return drop[o.Release] })
	out.HTTPRoutes = slices.DeleteFunc(slices.Clone(m.HTTPRoutes), func(o mesh.GatewayAPIObject[*gwv1.HTTPRoute]) bool { return drop[o.Release] })
	out.Services = slices.DeleteFunc(slices.Clone(m.Services), func(o mesh.Service) bool { return drop[o.Release] })
	return &out
}

// names returns the apps' names, sorted.
func (g *gateway) names() []string {
	var out []string
	for _, a := range g.apps {
		out = append(out, a.Name)
	}
	return out
}

// app returns the app named name.
func (g *gateway) app(name string) (mesh.App, bool) {
	i := slices.IndexFunc(g.apps, func(a mesh.App) bool { return a.Name == name })
	if i < 0 {
		return mesh.App{}, false
	}
	return g.apps[i], true
}

// cases are the standard requests of every app (mesh.AppCases: each app's
// under its path prefix, with the near misses), apps in name order, or of
// the app named only; on host where it is not empty.
func (g *gateway) cases(only, host string) []mesh.Case {
	byApp := mesh.AppCases(g.apps)
	var out []mesh.Case
	for _, a := range g.apps {
		if only == "" || a.Name == only {
			for _, c := range byApp[a.Name] {
				if host != "" {
					c.Request.Host = host
				}
				out = append(out, c)
			}
		}
	}
	return out
}

// apiOf returns the routing API that answers requests for host: that of
// the first app (by name) whose hosts admit it, else the model's.
func (g *gateway) apiOf(host string) string {
	for _, a := range g.apps {
		for _, h := range a.Routing.Hosts {
			if hostAdmits(h, host) {
				if _, ok := g.specs[a.Name]; ok {
					return mesh.APIGatewayAPI
				}
				return mesh.APIVirtualService
			}
		}
	}
	if g.model.UsesGatewayAPI() {
		return mesh.APIGatewayAPI
	}
	return mesh.APIVirtualService
}

// hostAdmits reports whether a routing host (a name, "*" or "*.suffix")
// admits the request host.
func hostAdmits(pattern, host string) bool {
	pattern, host = strings.ToLower(pattern), strings.ToLower(host)
	switch {
	case pattern == "*":
		return true
	case strings.HasPrefix(pattern, "*."):
		return strings.HasSuffix(host, pattern[1:])
	}
	return pattern == host
}

// answers evaluates each case through the whole gateway, with the
// evaluator of the routing API that serves its host, and answers it.
func (g *gateway) answers(cases []mesh.Case) ([]mesh.Answer, error) {
	var specs []gatewayapi.Spec
	for _, a := range g.apps {
		if s, ok := g.specs[a.Name]; ok {
			specs = append(specs, s)
		}
	}
	// Each API's cases in one call, which evaluates them on one model.
	var vs, gw []mesh.Case
	var vsAt, gwAt []int
	for i, c := range cases {
		if g.apiOf(c.Request.Host) == mesh.APIGatewayAPI {
			gw, gwAt = append(gw, c), append(gwAt, i)
		} else {
			vs, vsAt = append(vs, c), append(vsAt, i)
		}
	}
	out := make([]mesh.Answer, len(cases))
	if len(vs) > 0 {
		as, err := mesh.Answers(g.model, g.apps, vs)
		if err != nil {
			return nil, err
		}
		for j, a := range as {
			out[vsAt[j]] = a
		}
	}
	if len(gw) > 0 {
		as, err := gatewayapi.Answers(gatewayapi.ModelOfMesh(g.model), specs, gw)
		if err != nil {
			return nil, err
		}
		for j, a := range as {
			// The Gateway API names an app by its Service; the apps of
			// cdktf.json are named so too, but say the app's name.
			for _, app := range g.apps {
				if s, ok := g.specs[app.Name]; ok && s.App == a.App {
					a.App = app.Name
					break
				}
			}
			out[gwAt[j]] = a
		}
	}
	return out, nil
}
