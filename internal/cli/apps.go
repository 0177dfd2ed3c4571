package cli

import (
	"fmt"
	"slices"
	"strings"

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
}

// gatewayOf returns the routing of the rendered environment r.
func gatewayOf(r *pipeline.Rendered) (*gateway, error) {
	e := r.Env
	g := &gateway{model: r.Model, specs: map[string]gatewayapi.Spec{}}
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
	return g, nil
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
			if mesh.HostMatches(h, host) {
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
