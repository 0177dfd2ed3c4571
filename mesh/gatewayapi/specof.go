package gatewayapi

import (
	"maps"
	"slices"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/fielderr"
)

// App is what SpecOf needs to know about the app beyond the routing props.
type App struct {
	// Target is the app's name, namespace, Service port and colours.
	Target mesh.Target
	// PodLabels are carried by both colours' pods (the shared Service's
	// selector, such as {"app": "echo"}); each colour's Service selects
	// them plus its subset's labels.
	PodLabels map[string]string
	// TargetPort is the port the pods listen on. Default: Target.Port.
	TargetPort int
	// MeshService, when set, adds the east-west route attached to that
	// Service (see Spec.MeshService). Default: "" (ingress only).
	MeshService string
}

// SpecOf returns the Spec of the routing props p (defaults applied) for
// app.
//
// It fails, naming the fields, when p uses what the Gateway API cannot
// express: retries (HTTPRoute retries are not in the standard channel)
// and mutual TLS or a minimum TLS version at the Gateway (a Gateway
// listener has only certificate references).
func SpecOf(p mesh.Routing, app App) (Spec, error) {
	if err := fielderr.Join(Unsupported(nil, p)); err != nil {
		return Spec{}, err
	}
	t := app.Target
	s := Spec{
		Routing:     p,
		App:         t.Name,
		Namespace:   t.Namespace,
		Port:        t.Port,
		TargetPort:  app.TargetPort,
		MeshService: app.MeshService,
	}
	for _, sub := range t.Subsets {
		sel := maps.Clone(app.PodLabels)
		if sel == nil {
			sel = map[string]string{}
		}
		maps.Copy(sel, sub.Labels)
		s.Releases = append(s.Releases, Release{Colour: sub.Colour, Selector: sel})
	}
	return s.WithDefaults(), nil
}

// Unsupported reports, with field paths under fld, the settings of the
// routing props p that the Gateway API cannot express.
func Unsupported(fld *field.Path, p mesh.Routing) field.ErrorList {
	var errs field.ErrorList
	why := `not available with api "gatewayAPI"`
	if p.Retries != nil {
		errs = append(errs, field.Forbidden(fld.Child("retries"), why+": HTTPRoute retries are not in the Gateway API's standard channel"))
	}
	for _, name := range slices.Sorted(maps.Keys(p.Routes)) {
		if rs := p.Routes[name]; rs.Retries != nil {
			errs = append(errs, field.Forbidden(fld.Child("routes").Key(name).Child("retries"), why+": HTTPRoute retries are not in the Gateway API's standard channel"))
		}
	}
	if tls := p.Gateway.TLS; tls != nil {
		if tls.Mode != "" && tls.Mode != "SIMPLE" {
			errs = append(errs, field.Forbidden(fld.Child("gateway", "tls", "mode"), why+": a Gateway listener terminates TLS (SIMPLE) with its certificate; "+tls.Mode+" is not expressible"))
		}
		if tls.MinProtocolVersion != "" && tls.MinProtocolVersion != "TLSV1_2" {
			errs = append(errs, field.Forbidden(fld.Child("gateway", "tls", "minProtocolVersion"), why+": a Gateway listener has no minimum TLS version"))
		}
	}
	return errs
}
