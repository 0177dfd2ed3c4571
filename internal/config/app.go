package config

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/constructs/routing"
)

// appDefaults applies the defaults of the app and routing sections: the app
// runs in the environment's injected namespace, and the Gateway is served
// by the environment's Istio ingress gateway unless routing says otherwise.
// It runs after meshDefaults.
func (e Environment) appDefaults() Environment {
	e.App.Namespace = e.Namespace.Name
	e.App = e.App.WithDefaults()
	if len(e.Routing.Gateway.Selector) == 0 {
		e.Routing.Gateway.Selector = e.Istio.GatewaySelector()
	}
	e.Routing = e.Routing.WithDefaults(e.App.Name)
	return e
}

// validateApp reports the problems of the app and routing sections,
// including routes to colours that have no release.
func (e Environment) validateApp(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, e.App.ValidateAt(p.Child("app"))...)
	errs = append(errs, e.Routing.ValidateAt(p.Child("routing"))...)
	errs = append(errs, e.Routing.ValidateTarget(p.Child("routing"), routing.TargetOf(e.App))...)
	return errs
}

// appWarnings lists the warnings of the app and routing sections.
func (e Environment) appWarnings(p *field.Path) []string {
	var out []string
	out = append(out, e.App.Warnings(p.Child("app"))...)
	out = append(out, e.Routing.Warnings(p.Child("routing"), e.Production)...)
	return out
}
