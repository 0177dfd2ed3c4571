package istio

import (
	"fmt"
	"slices"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/constructs/addon"
)

// ControlChart is the local chart that renders the Sail Operator's Istio
// resource (operator mode).
const ControlChart = "istio-sail-controlplane"

// ControlPlane is Istio's control plane and its ingress gateway.
type ControlPlane struct {
	constructs.Construct

	props    Props
	specs    []addon.Release
	releases []cdktf.ITerraformDependable
	istiod   cdktf.ITerraformDependable
}

// New creates a ControlPlane under scope. It returns an error, and creates
// nothing, when p is invalid.
func New(scope constructs.Construct, id string, p Props) (*ControlPlane, error) {
	p = p.WithDefaults()
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("istio %q: %w", id, err)
	}
	c := &ControlPlane{Construct: constructs.NewConstruct(scope, jsii.String(id)), props: p}
	for _, w := range p.Warnings(nil) {
		cdktf.Annotations_Of(c.Construct).AddWarning(jsii.String(w))
	}
	rels, err := p.HelmReleases()
	if err != nil {
		return nil, fmt.Errorf("istio %q: %w", id, err)
	}
	c.specs = rels
	in := addon.NewInstaller(c.Construct)
	if err := in.Create(addon.Resources{Namespaces: p.Namespaces(), Releases: rels}); err != nil {
		return nil, fmt.Errorf("istio %q: %w", id, err)
	}
	for _, r := range rels {
		rel := in.Created(r.ID)
		c.releases = append(c.releases, rel)
		if r.ID == "istiod" || r.ID == "controlplane" {
			c.istiod = rel
		}
	}
	return c, nil
}

// Namespaces are the control plane's namespaces, as New creates them from
// p (defaults applied here), each labelled app.kubernetes.io/managed-by:
// terraform: "namespace" (Namespace); with the ingress gateway
// "gateway-namespace" (its namespace); in operator mode
// "operator-namespace" (the Sail Operator's). It creates nothing.
func (p Props) Namespaces() []addon.Namespace {
	p = p.WithDefaults()
	managed := map[string]string{"app.kubernetes.io/managed-by": "terraform"}
	out := []addon.Namespace{{ID: "namespace", Name: p.Namespace, Labels: managed}}
	if *p.IngressGateway.Enabled {
		out = append(out, addon.Namespace{ID: "gateway-namespace", Name: p.IngressGateway.Namespace, Labels: managed})
	}
	if p.InstallMode == ModeOperator {
		out = append(out, addon.Namespace{ID: "operator-namespace", Name: p.Operator.Namespace, Labels: managed})
	}
	return out
}

// Resources are everything the control plane creates, as New creates it
// from p: Namespaces and HelmReleases. It creates nothing.
func (p Props) Resources() (addon.Resources, error) {
	rels, err := p.HelmReleases()
	if err != nil {
		return addon.Resources{}, err
	}
	return addon.Resources{Namespaces: p.Namespaces(), Releases: rels}, nil
}

// after is what each of the control plane's resources is created after, by
// id; ids of resources p does not create are left out.
var after = map[string][]string{
	"base":          {"namespace"},
	"istiod":        {"base"},
	"cni":           {"istiod"},
	"ztunnel":       {"cni"},
	"sail-operator": {"operator-namespace"},
	"controlplane":  {"sail-operator", "namespace"},
	"gateway":       {"istiod", "controlplane", "ztunnel", "gateway-namespace"},
}

// HelmReleases are the control plane's Helm releases in install order, as New
// creates them from p (defaults applied here): in helm mode "base",
// "istiod", with the ambient data plane "cni" and "ztunnel" (the order of
// Istio's ambient Helm install), and "gateway"; in operator mode "sail-operator", "controlplane"
// (the Istio resource, through the local chart ControlChart) and
// "gateway". The gateway is left out when the ingress gateway is off.
// It creates nothing; New turns exactly these into helm_release resources.
func (p Props) HelmReleases() ([]addon.Release, error) {
	p = p.WithDefaults()
	flags := addon.Waited(p.TimeoutSeconds)
	var out []addon.Release
	add := func(id, name, namespace string, chart addon.Chart, values map[string]any) {
		out = append(out, addon.Release{ID: id, Name: name, Namespace: namespace, Chart: chart, Values: values, Flags: flags})
	}
	switch p.InstallMode {
	case ModeHelm:
		base, err := p.Charts.Chart("base", p.Version)
		if err != nil {
			return nil, err
		}
		add("base", "istio-base", p.Namespace, base, p.baseValues())
		istiod, err := p.Charts.Chart("istiod", p.Version)
		if err != nil {
			return nil, err
		}
		name := "istiod"
		if p.Revision != "" {
			name += "-" + p.Revision
		}
		add("istiod", name, p.Namespace, istiod, p.istiodValues())
		if p.Dataplane == DataplaneAmbient {
			cni, err := p.Charts.Chart("cni", p.Version)
			if err != nil {
				return nil, err
			}
			add("cni", "istio-cni", p.Namespace, cni, p.cniValues())
			zt, err := p.Charts.Chart("ztunnel", p.Version)
			if err != nil {
				return nil, err
			}
			add("ztunnel", "ztunnel", p.Namespace, zt, p.ztunnelValues())
		}
	case ModeOperator:
		op, err := p.Operator.Chart.Chart("sail-operator", p.Operator.ChartVersion)
		if err != nil {
			return nil, err
		}
		add("sail-operator", "sail-operator", p.Operator.Namespace, op, addon.MergeValues(nil, p.ExtraValues.SailOperator))
		add("controlplane", "istio-"+p.ResourceName(), p.Namespace, addon.Chart{Local: ControlChart}, p.sailResourceValues())
	}
	if *p.IngressGateway.Enabled {
		gw, err := p.Charts.Chart("gateway", p.Version)
		if err != nil {
			return nil, err
		}
		add("gateway", p.IngressGateway.Name, p.IngressGateway.Namespace, gw, p.gatewayValues())
	}
	exists := map[string]bool{}
	for _, n := range p.Namespaces() {
		exists[n.ID] = true
	}
	for i, r := range out {
		for _, a := range after[r.ID] {
			if exists[a] {
				out[i].After = append(out[i].After, a)
			}
		}
		exists[r.ID] = true
	}
	return out, nil
}

// Props returns the props the control plane was built with, defaults applied.
func (c *ControlPlane) Props() Props { return c.props }

// Releases returns every Helm release of the control plane, in install
// order, for other constructs to depend on.
func (c *ControlPlane) Releases() []cdktf.ITerraformDependable {
	return append([]cdktf.ITerraformDependable(nil), c.releases...)
}

// ReleaseSpecs returns the specs of the control plane's Helm releases (see
// Props.HelmReleases), in install order.
func (c *ControlPlane) ReleaseSpecs() []addon.Release { return slices.Clone(c.specs) }

// ControlPlaneRelease is the release that installs istiod: the istiod chart
// in helm mode, the Istio resource in operator mode.
func (c *ControlPlane) ControlPlaneRelease() cdktf.ITerraformDependable { return c.istiod }
