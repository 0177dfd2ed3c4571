package pipeline

import (
	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/routing"
	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// Apps are the environment's apps as the routes and their answers name
// them (mesh.Answers, mesh.AppCases): each app's routing with its
// defaults and its Service and colours, in the order of its app stacks.
func (e *Environment) Apps() []mesh.App {
	var out []mesh.App
	for _, st := range e.Stacks {
		if st.App == nil {
			continue
		}
		app := bluegreen.WithNamespace(st.App.App, e.Env.Namespace).WithDefaults()
		rp := routing.WithGateway(st.App.Routing, app, e.Env.Istio)
		out = append(out, mesh.App{Name: st.App.Name, Routing: rp.Routing, Target: bluegreen.TargetOf(app)})
	}
	return out
}
