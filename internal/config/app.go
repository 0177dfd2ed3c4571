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
// routing says otherwise (routing.WithGateway). It does so for the
// shorthand (app and routing) or, with apps, for each entry of apps
// (appEntryDefaults), leaving the shorthand empty. It runs after
// meshProps.
func (e Environment) appProps() Environment {
	if e.AppEntries != nil {
		entries := make(map[string]AppEntry, len(e.AppEntries))
		for name, a := range e.AppEntries {
			entries[name] = e.appEntryDefaults(name, a)
		}
		e.AppEntries = entries
		return e
	}
	e.App = bluegreen.WithNamespace(e.App, e.Namespace)
	e.Routing = routing.WithGateway(e.Routing, e.App, e.Istio)
	return e
}

// validateApp reports the problems of one app's settings and routing,
// including routes to colours that have no release, with the app's field
// paths under the environment's p; and, once per environment, an Istio
// version the Gateway API CRDs do not pair with when the app's routing
// uses the Gateway API.
func (e Environment) validateApp(p *field.Path, a App) field.ErrorList {
	ap, rp := a.paths(p)
	var errs field.ErrorList
	errs = append(errs, a.App.ValidateAt(ap)...)
	errs = append(errs, a.Routing.ValidateAt(rp)...)
	errs = append(errs, a.Routing.ValidateTarget(rp, routing.TargetOf(a.App))...)
	if r, ok := a.App.Releases[a.Routing.Live]; ok && r.Replicas != nil && *r.Replicas == 0 {
		errs = append(errs, field.Invalid(ap.Child("releases", a.Routing.Live, "replicas"), 0,
			fmt.Sprintf("%s is the live colour (%s), so every request of the default route would fail with no pod to answer it: give %s 1 or more replicas, or make the other colour live first", a.Routing.Live, a.RoutingField.Child("live"), a.Routing.Live)))
	}
	if len(errs) == 0 {
		errs = append(errs, routing.ValidateGatewayAPI(rp, a.Routing, a.App)...)
	}
	if a.Routing.API == mesh.APIGatewayAPI && e.firstGatewayAPIApp() == a.Name {
		if err := gatewayapicrds.CheckPairing(e.Istio.Version); err != nil {
			errs = append(errs, field.Invalid(p.Child("istio", "version"), e.Istio.Version, "with "+a.RoutingField.Child("api").String()+` "gatewayAPI": `+err.Error()))
		}
	}
	return errs
}

// firstGatewayAPIApp is the name of the first app (by name) whose routing
// uses the Gateway API, or "".
func (e Environment) firstGatewayAPIApp() string {
	for _, a := range e.Apps() {
		if a.Routing.API == mesh.APIGatewayAPI {
			return a.Name
		}
	}
	return ""
}

// appWarnings lists the warnings of each app's settings and routing, and
// those between apps (crossAppWarnings).
func (e Environment) appWarnings(p *field.Path) []string {
	var out []string
	apps := e.Apps()
	for _, a := range apps {
		ap, rp := a.paths(p)
		out = append(out, a.App.Warnings(ap)...)
		out = append(out, a.Routing.Warnings(rp, e.Production)...)
	}
	if e.AppEntries != nil {
		out = append(out, crossAppWarnings(p, apps)...)
	}
	return out
}
