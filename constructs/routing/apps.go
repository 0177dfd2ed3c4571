package routing

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/bluegreen-mesh/bluegreen/constructs/addon"
	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
)

// AppRouting is one app of a shared Gateway: its name, its routing props
// and its app's props.
type AppRouting struct {
	// Name is the app's name. Required.
	Name string
	// Props are the app's routing props; Gateway is not used (the apps
	// share SharedProps' Gateway). Defaults as Props'.
	Props Props
	// App are the app's props (its Service, namespace and colours).
	App bluegreen.Props
}

// SharedProps configure the one ingress Gateway several apps share, on
// the mesh side, and the apps routed through it.
type SharedProps struct {
	// Name is the shared Gateway's name. Required.
	Name string
	// Namespace is where the Gateway and the root VirtualServices live;
	// it must exist. Required.
	Namespace string
	// API is the routing API every app uses: "virtualService" or
	// "gatewayAPI". Each app's Props.API must agree. Default:
	// "virtualService".
	API string
	// Gateway holds the selector (default: the control plane's ingress
	// gateway), the ports and TLS (virtualService only). Defaults as
	// Props'.
	Gateway mesh.Gateway
	// Apps are the apps routed through the Gateway. Required.
	Apps []AppRouting
}

// SharedPlan is what the apps of a shared Gateway install, computed once
// from SharedProps (PlanShared) and read by the mesh side
// (NewSharedGateway) and by each app's stack (NewAppRouting): which hosts
// are shared, and so which apps are reached by delegation, depends on
// every app.
type SharedPlan struct {
	props  SharedProps
	shared []addon.Release
	apps   map[string][]addon.Release
	// Objects are the Istio objects of api "virtualService" (empty with
	// "gatewayAPI"), for the offline commands' model.
	Objects mesh.SharedObjects
	// AppObjects are each app's Istio objects with api "virtualService".
	AppObjects map[string]mesh.AppObjects
}

// IngressOf identifies the ingress that serves the hosts of routing p
// (defaults applied): its API and, for "virtualService", the ingress
// gateway pods it selects. Apps share a host only on one ingress.
func IngressOf(p Props) string {
	if p.API == mesh.APIGatewayAPI {
		return p.API
	}
	var sel []string
	for _, k := range slices.Sorted(maps.Keys(p.Gateway.Selector)) {
		sel = append(sel, k+"="+p.Gateway.Selector[k])
	}
	return p.API + " " + strings.Join(sel, ",")
}

// helmNameMax is the longest Helm release name (Helm's own limit).
const helmNameMax = 53

// Role of the root VirtualServices' releases: "root-<root name>", each in
// the shared Gateway's namespace.
const RoleRoot = "root-"

// PlanShared returns the releases of the apps of p sharing one Gateway:
// the shared ones (the Gateway, and with api "virtualService" one root
// VirtualService per shared host, each release named after its object, in
// p.Namespace) and each app's (with api "virtualService" its
// DestinationRule and its VirtualService, a delegate when the app shares a
// host; with "gatewayAPI" its per-colour Services and HTTPRoute; all in
// the app's namespace, named "<app>-<role>" as New names them). It creates
// nothing, and fails naming the app and the field when the apps conflict
// (mesh.CheckApps' errors) or an app's props are not valid.
func PlanShared(p SharedProps, controlPlane istio.Props) (SharedPlan, error) {
	if p.API == "" {
		p.API = mesh.APIVirtualService
	}
	if len(p.Gateway.Selector) == 0 {
		p.Gateway.Selector = controlPlane.GatewaySelector()
	}
	gw := (mesh.Routing{Gateway: p.Gateway}).WithDefaults(p.Name).Gateway
	plan := SharedPlan{props: p, apps: map[string][]addon.Release{}}
	var apps []mesh.App
	var specs []gatewayapi.Spec
	byName := map[string]AppRouting{}
	for _, a := range p.Apps {
		app := a.App.WithDefaults()
		rp := WithGateway(a.Props, app, controlPlane)
		if rp.API != p.API {
			return SharedPlan{}, fmt.Errorf("app %s: routing.api %q: must be the shared Gateway's, %q", a.Name, rp.API, p.API)
		}
		if err := rp.Validate(); err != nil {
			return SharedPlan{}, fmt.Errorf("app %s: %w", a.Name, err)
		}
		a.Props, a.App = rp, app
		byName[a.Name] = a
		if p.API == mesh.APIGatewayAPI {
			// In ambient mode the app's Service gets the same rules for
			// callers inside the mesh, as with a Gateway of its own.
			spec, err := gatewayapi.SpecOf(rp.Routing, gatewayapi.App{Target: bluegreen.TargetOf(app), PodLabels: bluegreen.PodLabelsOf(app), TargetPort: app.ContainerPort,
				MeshService: eastWestService(app, controlPlane)})
			if err != nil {
				return SharedPlan{}, fmt.Errorf("app %s: %w", a.Name, err)
			}
			specs = append(specs, spec)
			continue
		}
		apps = append(apps, mesh.App{Name: a.Name, Routing: rp.Routing, Target: bluegreen.TargetOf(app)})
	}
	plan.props.Apps = nil
	for _, a := range p.Apps {
		plan.props.Apps = append(plan.props.Apps, byName[a.Name])
	}
	if p.API == mesh.APIGatewayAPI {
		shared, objs, err := gatewayapi.BuildApps(gatewayapi.SharedGateway{Name: p.Name, Namespace: p.Namespace, Gateway: gw}, specs)
		if err != nil {
			return SharedPlan{}, err
		}
		rel, err := release(RoleGateway, KubernetesGatewayChart, p.Name, p.Namespace, shared.Gateway.Spec, nil, nil)
		if err != nil {
			return SharedPlan{}, err
		}
		rel.After = []string{addon.Upstream}
		plan.shared = []addon.Release{rel}
		for name, o := range objs {
			a := byName[name]
			var rels []addon.Release
			for _, svc := range o.Services {
				r, err := release(RoleColourService+svc.Labels[gatewayapi.ColourLabel], ColourServiceChart, svc.Name, a.App.Namespace, svc.Spec, svc.Labels, nil)
				if err != nil {
					return SharedPlan{}, err
				}
				r.Name = a.App.Name + "-" + r.ID
				rels = append(rels, r)
			}
			for _, x := range []struct {
				role  string
				route *gwv1.HTTPRoute
			}{{RoleHTTPRoute, o.HTTPRoute}, {RoleHTTPRoute + "-mesh", o.MeshRoute}} {
				if x.route == nil {
					continue
				}
				r, err := release(x.role, HTTPRouteChart, x.route.Name, a.App.Namespace, x.route.Spec, nil, x.route.Annotations)
				if err != nil {
					return SharedPlan{}, err
				}
				r.Name = a.App.Name + "-" + r.ID
				rels = append(rels, r)
			}
			var err error
			if plan.apps[name], err = finish(rels, a.Props); err != nil {
				return SharedPlan{}, fmt.Errorf("app %s: %w", name, err)
			}
		}
		return plan, nil
	}
	shared, objs, err := mesh.BuildApps(mesh.SharedGateway{Name: p.Name, Namespace: p.Namespace, Gateway: gw}, apps)
	if err != nil {
		return SharedPlan{}, err
	}
	plan.Objects, plan.AppObjects = shared, objs
	rel, err := release(RoleGateway, GatewayChart, p.Name, p.Namespace, shared.Gateway, nil, nil)
	if err != nil {
		return SharedPlan{}, err
	}
	rel.After = []string{addon.Upstream}
	plan.shared = []addon.Release{rel}
	for _, root := range shared.Roots {
		if len(root.Name) > helmNameMax {
			return SharedPlan{}, fmt.Errorf("shared gateway %q, host %q: the root VirtualService's release %q is longer than Helm's %d characters; shorten the gateway's name", p.Name, root.Host, root.Name, helmNameMax)
		}
		r, err := release(RoleRoot+root.Name, VirtualServiceChart, root.Name, p.Namespace, root.VirtualService, nil, nil)
		if err != nil {
			return SharedPlan{}, err
		}
		r.After = []string{RoleGateway}
		plan.shared = append(plan.shared, r)
	}
	for name, o := range objs {
		a := byName[name]
		var rels []addon.Release
		for _, x := range []struct {
			role, chart, name string
			spec              proto.Message
			annotations       map[string]string
		}{
			{RoleDestinationRule, DestinationRuleChart, o.DestinationRuleName, o.DestinationRule, nil},
			{RoleVirtualService, VirtualServiceChart, o.VirtualServiceName, o.VirtualService, o.VirtualServiceAnnotations},
		} {
			r, err := release(x.role, x.chart, x.name, a.App.Namespace, x.spec, nil, x.annotations)
			if err != nil {
				return SharedPlan{}, err
			}
			r.Name = a.App.Name + "-" + x.role
			rels = append(rels, r)
		}
		if plan.apps[name], err = finish(rels, a.Props); err != nil {
			return SharedPlan{}, fmt.Errorf("app %s: %w", name, err)
		}
	}
	return plan, nil
}

// finish merges the app's ExtraValues into rels and orders them (see
// ordered), leaving out what the app does not install (its Gateway is the
// shared one).
func finish(rels []addon.Release, p Props) ([]addon.Release, error) {
	rels, err := withExtraValues(rels, p)
	if err != nil {
		return nil, err
	}
	rels = ordered(rels)
	ids := map[string]bool{addon.Upstream: true}
	for _, r := range rels {
		ids[r.ID] = true
	}
	for i := range rels {
		rels[i].After = slices.DeleteFunc(slices.Clone(rels[i].After), func(a string) bool { return !ids[a] })
	}
	return rels, nil
}

// release is the release of one object: its spec (an Istio proto or a
// Gateway API spec), labels and annotations as the local chart's values.
func release(role, chart, name, ns string, spec any, labels, annotations map[string]string) (addon.Release, error) {
	var b []byte
	var err error
	if m, ok := spec.(proto.Message); ok {
		b, err = protojson.Marshal(m)
	} else {
		b, err = json.Marshal(spec)
	}
	if err != nil {
		return addon.Release{}, err
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		return addon.Release{}, err
	}
	values := map[string]any{"name": name, "spec": v}
	for key, m := range map[string]map[string]string{"labels": labels, "annotations": annotations} {
		if len(m) > 0 {
			a := map[string]any{}
			for k, val := range m {
				a[k] = val
			}
			values[key] = a
		}
	}
	return addon.Release{ID: role, Name: name, Namespace: ns, Chart: addon.Chart{Local: chart}, Values: values, Flags: addon.Applied()}, nil
}

// SharedReleases are the releases of the shared objects, in install
// order: the Gateway, then the roots.
func (p SharedPlan) SharedReleases() []addon.Release { return slices.Clone(p.shared) }

// AppReleases are the releases of app name, in install order, and whether
// the plan has the app.
func (p SharedPlan) AppReleases(name string) ([]addon.Release, bool) {
	r, ok := p.apps[name]
	return slices.Clone(r), ok
}

// Apps lists the plan's apps, by name.
func (p SharedPlan) Apps() []string {
	var out []string
	for _, a := range p.props.Apps {
		out = append(out, a.Name)
	}
	slices.Sort(out)
	return out
}

// SharedGateway is the Gateway several apps share, and the root
// VirtualServices of the hosts they share, on the mesh side.
type SharedGateway struct {
	constructs.Construct
	plan SharedPlan
}

// NewSharedGateway installs the shared releases of plan under scope, after
// dependsOn (such as the namespace they live in): the Gateway, then each
// root VirtualService.
func NewSharedGateway(scope constructs.Construct, id string, plan SharedPlan, dependsOn ...cdktf.ITerraformDependable) (*SharedGateway, error) {
	g := &SharedGateway{Construct: constructs.NewConstruct(scope, jsii.String(id)), plan: plan}
	if err := addon.NewInstaller(g.Construct, dependsOn...).Create(addon.Resources{Releases: plan.SharedReleases()}); err != nil {
		return nil, fmt.Errorf("shared gateway %q: %w", id, err)
	}
	return g, nil
}

// Plan returns the plan the Gateway was built from.
func (g *SharedGateway) Plan() SharedPlan { return g.plan }

// NewAppRouting installs app name's releases of plan under scope, after
// the app's releases: the routing of one app of a shared Gateway (a
// delegate VirtualService where it shares a host), in the app's own stack.
// It fails, creating nothing, when the plan has no such app.
func NewAppRouting(scope constructs.Construct, id string, plan SharedPlan, name string, app *bluegreen.App) (*Routing, error) {
	if app == nil {
		return nil, fmt.Errorf("routing %q: app is required", id)
	}
	rels, ok := plan.AppReleases(name)
	if !ok {
		return nil, fmt.Errorf("routing %q: the shared gateway routes no app %q; it routes %s", id, name, strings.Join(plan.Apps(), ", "))
	}
	var props Props
	var objs Objects
	for _, a := range plan.props.Apps {
		if a.Name == name {
			props = a.Props
		}
	}
	if o, ok := plan.AppObjects[name]; ok {
		objs = o.Objects
	}
	r := &Routing{Construct: constructs.NewConstruct(scope, jsii.String(id)), props: props, objects: objs, specs: rels}
	if err := addon.NewInstaller(r.Construct, app.Dependables()...).Create(addon.Resources{Releases: rels}); err != nil {
		return nil, fmt.Errorf("routing %q: %w", id, err)
	}
	return r, nil
}

// CheckApps runs the checks between apps that share a host (BG014, BG015
// and BG016; see mesh.CheckApps) on the apps' props, defaults applied as
// PlanShared applies them, before anything is built: errors PlanShared
// would refuse, and warnings it builds anyway. Each finding names both
// apps and the field.
func CheckApps(apps []AppRouting, controlPlane istio.Props) []mesh.Finding {
	var in []mesh.App
	for _, a := range apps {
		app := a.App.WithDefaults()
		rp := WithGateway(a.Props, app, controlPlane)
		in = append(in, mesh.App{Name: a.Name, Routing: rp.Routing, Target: bluegreen.TargetOf(app)})
	}
	return mesh.CheckApps(in)
}
