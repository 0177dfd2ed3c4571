package routing

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"google.golang.org/protobuf/proto"
	"k8s.io/apimachinery/pkg/util/validation/field"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/bluegreen-mesh/bluegreen/constructs/addon"
	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
)

// Chart names of the routing objects.
const (
	GatewayChart         = "istio-gateway"
	VirtualServiceChart  = "istio-virtualservice"
	DestinationRuleChart = "istio-destinationrule"
	// With api "gatewayAPI".
	KubernetesGatewayChart = "gatewayapi-gateway"
	HTTPRouteChart         = "gatewayapi-httproute"
	ColourServiceChart     = "blue-green-colour-service"
)

// Routing is the Istio routing of a blue/green app.
type Routing struct {
	constructs.Construct

	props   Props
	objects Objects
	specs   []addon.Release
}

// New creates the routing of app under scope: three Helm releases of local
// charts, the DestinationRule and the Gateway first, then the
// VirtualService. The Gateway is served by the ingress gateway of the
// Istio control plane cp (its selector), unless p.Gateway.Selector says
// otherwise; cp may be nil for Istio installed by other means, in which
// case the default is the selector of Istio's default ingress gateway
// (istio: ingressgateway). It returns an error, and creates nothing, when
// p is invalid or refers to a colour app has no release for.
func New(scope constructs.Construct, id string, p Props, app *bluegreen.App, cp *istio.ControlPlane) (*Routing, error) {
	if app == nil {
		return nil, fmt.Errorf("routing %q: app is required", id)
	}
	var cpProps istio.Props
	if cp != nil {
		cpProps = cp.Props()
	}
	rels, objs, err := HelmReleases(p, app.Props(), cpProps)
	if err != nil {
		return nil, fmt.Errorf("routing %q: %w", id, err)
	}
	r := &Routing{Construct: constructs.NewConstruct(scope, jsii.String(id)), props: WithGateway(p, app.Props(), cpProps), objects: objs, specs: rels}
	if err := addon.NewInstaller(r.Construct, app.Dependables()...).Create(addon.Resources{Releases: rels}); err != nil {
		return nil, fmt.Errorf("routing %q: %w", id, err)
	}
	return r, nil
}

// Roles of the routing's releases: each release is named
// "<app name>-<role>" and its construct id is the role, so neither
// depends on the routing's own id.
const (
	RoleDestinationRule = "destinationrule"
	RoleGateway         = "gateway"
	RoleVirtualService  = "virtualservice"
	// With api "gatewayAPI": the Gateway keeps the role "gateway"; the
	// per-colour Services are "service-blue" and "service-green"; the
	// HTTPRoute is "httproute", and the redirect and east-west routes
	// "httproute-redirect" and "httproute-mesh". Promotion changes only
	// the HTTPRoute releases.
	RoleColourService = "service-"
	RoleHTTPRoute     = "httproute"
)

// WithGateway returns p with defaults applied for app, and the Gateway's
// selector, when p leaves it unset, taken from the ingress gateway of the
// control plane with props controlPlane.
func WithGateway(p Props, app bluegreen.Props, controlPlane istio.Props) Props {
	if len(p.Gateway.Selector) == 0 {
		p.Gateway.Selector = controlPlane.GatewaySelector()
	}
	return p.WithDefaults(app.WithDefaults().Name)
}

// HelmReleases are the routing's Helm releases, as New creates them for an
// app with props app and the control plane with props controlPlane:
// "destinationrule", "gateway" and "virtualservice", in that order, in the
// app's namespace; and the Istio objects they install. It creates nothing.
//
// With p.API "gatewayAPI" the releases are instead the per-colour Services
// ("service-blue", "service-green"), the Gateway ("gateway", class istio)
// and the HTTPRoute(s) ("httproute", and "httproute-redirect" with an HTTPS
// redirect) that GatewayAPIObjects returns, and Objects is empty; in
// ambient mode also "httproute-mesh", attached to the app's shared Service
// for callers inside the mesh.
//
// p.ExtraValues are deep-merged last into the values of the release of
// each role; values for a role that is not among the releases are an
// error.
func HelmReleases(p Props, app bluegreen.Props, controlPlane istio.Props) ([]addon.Release, Objects, error) {
	app = app.WithDefaults()
	p = WithGateway(p, app, controlPlane)
	if p.API == mesh.APIGatewayAPI {
		rels, err := GatewayAPIReleases(p, app, controlPlane, eastWestService(app, controlPlane))
		return rels, Objects{}, err
	}
	objs, err := mesh.Build(p.Routing, bluegreen.TargetOf(app))
	if err != nil {
		return nil, Objects{}, err
	}
	var out []addon.Release
	for _, o := range []struct {
		role, chart, name string
		spec              proto.Message
		annotations       map[string]string
	}{
		{RoleDestinationRule, DestinationRuleChart, objs.DestinationRuleName, objs.DestinationRule, nil},
		{RoleGateway, GatewayChart, objs.GatewayName, objs.Gateway, nil},
		{RoleVirtualService, VirtualServiceChart, objs.VirtualServiceName, objs.VirtualService, objs.VirtualServiceAnnotations},
	} {
		r, err := release(o.role, o.chart, o.name, app.Namespace, o.spec, nil, o.annotations)
		if err != nil {
			return nil, Objects{}, err
		}
		r.Name = app.Name + "-" + o.role
		out = append(out, r)
	}
	if out, err = withExtraValues(out, p); err != nil {
		return nil, Objects{}, err
	}
	return ordered(out), objs, nil
}

// ordered returns rels with what each is installed after, where
// addon.Upstream stands for the app's releases: the DestinationRule and
// the per-colour Services after the app; the Gateway first; the
// VirtualService last, after the DestinationRule, the Gateway and the app,
// as its routes name the Gateway and the subsets and must not send traffic
// to pods that do not exist yet; the HTTPRoutes, like it, after the
// Gateway, the Services their backends name and the app, so no rule sends
// traffic nowhere.
func ordered(rels []addon.Release) []addon.Release {
	ids := map[string]bool{}
	for _, r := range rels {
		ids[r.ID] = true
	}
	for i, r := range rels {
		var after []string
		switch {
		case r.ID == RoleDestinationRule:
			after = []string{addon.Upstream}
		case r.ID == RoleVirtualService:
			after = []string{RoleDestinationRule, RoleGateway, addon.Upstream}
		case strings.HasPrefix(r.ID, RoleColourService):
			after = []string{addon.Upstream}
		case strings.HasPrefix(r.ID, RoleHTTPRoute):
			after = []string{RoleGateway}
			for _, c := range mesh.Colours {
				if ids[RoleColourService+c] {
					after = append(after, RoleColourService+c)
				}
			}
			after = append(after, addon.Upstream)
		}
		rels[i].After = after
	}
	return rels
}

// eastWestService is the Service whose callers inside the mesh get the
// blue/green rules too: in ambient mode the app's shared Service (its
// waypoint applies the HTTPRoute attached to it); with sidecars none, as
// the VirtualService API's routing is for the ingress only.
func eastWestService(app bluegreen.Props, controlPlane istio.Props) string {
	if controlPlane.Ambient() {
		return bluegreen.ServiceNameOf(app)
	}
	return ""
}

// GatewayAPIObjects returns the Gateway API objects of the routing props p
// (api "gatewayAPI") for an app with props app. meshService, when not
// empty, adds the HTTPRoute attached to that Service for callers inside
// the mesh (east-west; see gatewayapi.Spec.MeshService).
func GatewayAPIObjects(p Props, app bluegreen.Props, controlPlane istio.Props, meshService string) (gatewayapi.Objects, error) {
	app = app.WithDefaults()
	p = WithGateway(p, app, controlPlane)
	spec, err := gatewayapi.SpecOf(p.Routing, gatewayapi.App{
		Target:      bluegreen.TargetOf(app),
		PodLabels:   bluegreen.PodLabelsOf(app),
		TargetPort:  app.ContainerPort,
		MeshService: meshService,
	})
	if err != nil {
		return gatewayapi.Objects{}, err
	}
	return gatewayapi.Build(spec)
}

// ValidateGatewayAPI reports, with field paths under fld (the routing
// section), what the Gateway API adds to the checks of p (api
// "gatewayAPI", defaults applied) for an app with props app: settings it
// cannot express, and its own rules such as whole-millisecond timeouts. It
// reports nothing for another api.
func ValidateGatewayAPI(fld *field.Path, p Props, app bluegreen.Props) field.ErrorList {
	if p.API != mesh.APIGatewayAPI {
		return nil
	}
	if errs := gatewayapi.Unsupported(fld, p.Routing); len(errs) > 0 {
		return errs
	}
	app = app.WithDefaults()
	spec, err := gatewayapi.SpecOf(p.Routing, gatewayapi.App{Target: bluegreen.TargetOf(app), PodLabels: bluegreen.PodLabelsOf(app), TargetPort: app.ContainerPort})
	if err != nil {
		return field.ErrorList{field.InternalError(fld, err)}
	}
	return spec.ValidateOwnAt(fld)
}

// GatewayAPIReleases are the releases of the Gateway API objects of the
// routing props p (api "gatewayAPI") for an app with props app, in install
// order: the per-colour Services, the Gateway, the HTTPRoutes. meshService,
// when not empty, adds the release "httproute-mesh": the same rules in an
// HTTPRoute attached to that Service, for callers inside the mesh
// (east-west; in ambient mode the Service's waypoint applies it).
// p.ExtraValues are merged as HelmReleases says.
func GatewayAPIReleases(p Props, app bluegreen.Props, controlPlane istio.Props, meshService string) ([]addon.Release, error) {
	o, err := GatewayAPIObjects(p, app, controlPlane, meshService)
	if err != nil {
		return nil, err
	}
	var out []addon.Release
	add := func(role, chart, name string, spec any, labels, annotations map[string]string) error {
		r, err := release(role, chart, name, app.Namespace, spec, labels, annotations)
		if err != nil {
			return err
		}
		r.Name = app.Name + "-" + role
		out = append(out, r)
		return nil
	}
	for _, svc := range o.Services {
		if err := add(RoleColourService+svc.Labels[gatewayapi.ColourLabel], ColourServiceChart, svc.Name, svc.Spec, svc.Labels, nil); err != nil {
			return nil, err
		}
	}
	if err := add(RoleGateway, KubernetesGatewayChart, o.Gateway.Name, o.Gateway.Spec, nil, nil); err != nil {
		return nil, err
	}
	for _, r := range []struct {
		role  string
		route *gwv1.HTTPRoute
	}{{RoleHTTPRoute, o.HTTPRoute}, {RoleHTTPRoute + "-redirect", o.RedirectRoute}, {RoleHTTPRoute + "-mesh", o.MeshRoute}} {
		if r.route == nil {
			continue
		}
		if err := add(r.role, HTTPRouteChart, r.route.Name, r.route.Spec, nil, r.route.Annotations); err != nil {
			return nil, err
		}
	}
	if out, err = withExtraValues(out, p); err != nil {
		return nil, err
	}
	return ordered(out), nil
}

// Props returns the props the routing was built with, defaults applied.
func (r *Routing) Props() Props { return r.props }

// Objects returns the Istio objects the routing installs.
func (r *Routing) Objects() Objects { return r.objects }

// ReleaseSpecs returns the specs of the routing's Helm releases (see
// HelmReleases), in install order.
func (r *Routing) ReleaseSpecs() []addon.Release { return slices.Clone(r.specs) }
