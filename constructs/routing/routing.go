package routing

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/bluegreen-mesh/bluegreen/constructs/addon"
	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// Chart names of the routing objects.
const (
	GatewayChart         = "istio-gateway"
	VirtualServiceChart  = "istio-virtualservice"
	DestinationRuleChart = "istio-destinationrule"
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
	in := addon.NewInstaller(r.Construct)
	appDeps := app.Dependables()
	installed := map[string]cdktf.ITerraformDependable{}
	// The VirtualService goes last: its routes name the Gateway and the
	// subsets, and must not send traffic to pods that do not exist yet.
	after := map[string][]cdktf.ITerraformDependable{
		RoleDestinationRule: appDeps,
		RoleGateway:         nil,
	}
	for _, rel := range rels {
		deps := after[rel.ID]
		if rel.ID == RoleVirtualService {
			deps = append([]cdktf.ITerraformDependable{installed[RoleDestinationRule], installed[RoleGateway]}, appDeps...)
		}
		h, err := in.Install(rel, deps...)
		if err != nil {
			return nil, fmt.Errorf("routing %q: %w", id, err)
		}
		installed[rel.ID] = h
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
func HelmReleases(p Props, app bluegreen.Props, controlPlane istio.Props) ([]addon.Release, Objects, error) {
	app = app.WithDefaults()
	p = WithGateway(p, app, controlPlane)
	objs, err := mesh.Build(p, bluegreen.TargetOf(app))
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
		specJSON, err := protojson.Marshal(o.spec)
		if err != nil {
			return nil, Objects{}, err
		}
		var spec map[string]any
		if err := json.Unmarshal(specJSON, &spec); err != nil {
			return nil, Objects{}, err
		}
		v := map[string]any{"name": o.name, "spec": spec}
		if len(o.annotations) > 0 {
			a := map[string]any{}
			for k, val := range o.annotations {
				a[k] = val
			}
			v["annotations"] = a
		}
		out = append(out, addon.Release{
			ID: o.role, Name: app.Name + "-" + o.role, Namespace: app.Namespace,
			Chart: addon.Chart{Local: o.chart}, Values: v, Flags: addon.Applied(),
		})
	}
	return out, objs, nil
}

// Props returns the props the routing was built with, defaults applied.
func (r *Routing) Props() Props { return r.props }

// Objects returns the Istio objects the routing installs.
func (r *Routing) Objects() Objects { return r.objects }

// ReleaseSpecs returns the specs of the routing's Helm releases (see
// HelmReleases), in install order.
func (r *Routing) ReleaseSpecs() []addon.Release { return slices.Clone(r.specs) }
