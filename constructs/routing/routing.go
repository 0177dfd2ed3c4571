package routing

import (
	"encoding/json"
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-helm-go/helm/v10/release"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/bluegreen-mesh/bluegreen/charts"
	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/internal/helmvalues"
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
	// app names the releases: <app>-gateway, <app>-virtualservice, ...
	app string
}

// New creates the routing of app under scope: three Helm releases of local
// charts, the DestinationRule and the Gateway first, then the
// VirtualService. It returns an error, and creates nothing, when p is
// invalid or refers to a colour app has no release for.
func New(scope constructs.Construct, id string, p Props, app *bluegreen.App) (*Routing, error) {
	if app == nil {
		return nil, fmt.Errorf("routing %q: app is required", id)
	}
	p = p.WithDefaults(app.Props().Name)
	objs, err := mesh.Build(p, app.Target())
	if err != nil {
		return nil, fmt.Errorf("routing %q: %w", id, err)
	}
	r := &Routing{Construct: constructs.NewConstruct(scope, jsii.String(id)), props: p, objects: objs}
	ns := app.Props().Namespace
	appDeps := app.Dependables()
	r.app = app.Props().Name

	dr, err := r.release("destinationrule", DestinationRuleChart, objs.DestinationRuleName, objs.DestinationRule, nil, ns, appDeps)
	if err != nil {
		return nil, err
	}
	gw, err := r.release("gateway", GatewayChart, objs.GatewayName, objs.Gateway, nil, ns, nil)
	if err != nil {
		return nil, err
	}
	// The VirtualService goes last: its routes name the Gateway and the
	// subsets, and must not send traffic to pods that do not exist yet.
	if _, err := r.release("virtualservice", VirtualServiceChart, objs.VirtualServiceName, objs.VirtualService, objs.VirtualServiceAnnotations, ns,
		append([]cdktf.ITerraformDependable{dr, gw}, appDeps...)); err != nil {
		return nil, err
	}
	return r, nil
}

// release installs one routing object through its local chart.
func (r *Routing) release(id, chart, name string, spec proto.Message, annotations map[string]string, namespace string, deps []cdktf.ITerraformDependable) (release.Release, error) {
	path, err := charts.Asset(r.Construct, id+"-chart", chart)
	if err != nil {
		return nil, err
	}
	specJSON, err := protojson.Marshal(spec)
	if err != nil {
		return nil, err
	}
	var specMap map[string]any
	if err := json.Unmarshal(specJSON, &specMap); err != nil {
		return nil, err
	}
	v := map[string]any{"name": name, "spec": specMap}
	if len(annotations) > 0 {
		v["annotations"] = annotations
	}
	values, err := helmvalues.Doc(v)
	if err != nil {
		return nil, err
	}
	cfg := &release.ReleaseConfig{
		Name:          jsii.String(r.app + "-" + id),
		Namespace:     jsii.String(namespace),
		Chart:         path,
		Values:        values,
		Atomic:        jsii.Bool(true),
		CleanupOnFail: jsii.Bool(true),
		MaxHistory:    jsii.Number(10),
	}
	if len(deps) > 0 {
		cfg.DependsOn = &deps
	}
	return release.NewRelease(r.Construct, jsii.String(id), cfg), nil
}

// Props returns the props the routing was built with, defaults applied.
func (r *Routing) Props() Props { return r.props }

// Objects returns the Istio objects the routing installs.
func (r *Routing) Objects() Objects { return r.objects }
