package config

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/gatewayapicrds"
	"github.com/bluegreen-mesh/bluegreen/constructs/routing"
	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// appProps maps the environment onto the props of the app and routing
// constructs, with the constructs' own functions, as their New derives them
// from the constructs they are given: the app runs in the environment's
// injected namespace (bluegreen.WithNamespace), and the routing's Gateway
// takes its selector from the environment's Istio ingress gateway unless
// routing says otherwise (routing.WithGateway). It runs after meshProps.
func (e Environment) appProps() Environment {
	e.App = bluegreen.WithNamespace(e.App, e.Namespace)
	e.Routing = routing.WithGateway(e.Routing, e.App, e.Istio)
	return e
}

// validateApp reports the problems of the app and routing sections,
// including routes to colours that have no release.
func (e Environment) validateApp(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, e.App.ValidateAt(p.Child("app"))...)
	errs = append(errs, e.Routing.ValidateAt(p.Child("routing"))...)
	errs = append(errs, e.Routing.ValidateTarget(p.Child("routing"), routing.TargetOf(e.App))...)
	if r, ok := e.App.Releases[e.Routing.Live]; ok && r.Replicas != nil && *r.Replicas == 0 {
		errs = append(errs, field.Invalid(p.Child("app", "releases", e.Routing.Live, "replicas"), 0,
			fmt.Sprintf("%s is the live colour (routing.live), so every request of the default route would fail with no pod to answer it: give %s 1 or more replicas, or make the other colour live first", e.Routing.Live, e.Routing.Live)))
	}
	if len(errs) == 0 {
		errs = append(errs, routing.ValidateGatewayAPI(p.Child("routing"), e.Routing, e.App)...)
	}
	if e.Routing.API == mesh.APIGatewayAPI {
		if err := gatewayapicrds.CheckPairing(e.Istio.Version); err != nil {
			errs = append(errs, field.Invalid(p.Child("istio", "version"), e.Istio.Version, `with routing.api "gatewayAPI": `+err.Error()))
		}
	}
	return errs
}

// appWarnings lists the warnings of the app and routing sections.
func (e Environment) appWarnings(p *field.Path) []string {
	var out []string
	out = append(out, e.App.Warnings(p.Child("app"))...)
	out = append(out, e.Routing.Warnings(p.Child("routing"), e.Production)...)
	return out
}
