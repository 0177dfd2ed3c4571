package istio

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-helm-go/helm/v10/release"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/namespacev1"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/charts"
)

// ControlChart is the local chart that renders the Sail Operator's Istio
// resource (operator mode).
const ControlChart = "istio-sail-controlplane"

// ControlPlane is Istio's control plane and its ingress gateway.
type ControlPlane struct {
	constructs.Construct

	props    Props
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
	istioNS := c.namespace("namespace", p.Namespace)
	var gatewayNS cdktf.ITerraformDependable
	if *p.IngressGateway.Enabled {
		gatewayNS = c.namespace("gateway-namespace", p.IngressGateway.Namespace)
	}

	switch p.InstallMode {
	case ModeHelm:
		base, err := c.release("base", ReleaseSpec{
			Name: "istio-base", Chart: "base", Source: p.Charts, Version: p.Version,
			Namespace: p.Namespace, Values: p.baseValues(), DependsOn: []cdktf.ITerraformDependable{istioNS},
		})
		if err != nil {
			return nil, err
		}
		name := "istiod"
		if p.Revision != "" {
			name += "-" + p.Revision
		}
		c.istiod, err = c.release("istiod", ReleaseSpec{
			Name: name, Chart: "istiod", Source: p.Charts, Version: p.Version,
			Namespace: p.Namespace, Values: p.istiodValues(), DependsOn: []cdktf.ITerraformDependable{base},
		})
		if err != nil {
			return nil, err
		}
	case ModeOperator:
		opNS := c.namespace("operator-namespace", p.Operator.Namespace)
		operator, err := c.release("sail-operator", ReleaseSpec{
			Name: "sail-operator", Chart: "sail-operator", Source: p.Operator.Chart, Version: p.Operator.ChartVersion,
			Namespace: p.Operator.Namespace, Values: MergeValues(nil, p.ExtraValues.SailOperator),
			DependsOn: []cdktf.ITerraformDependable{opNS},
		})
		if err != nil {
			return nil, err
		}
		chart, err := charts.Asset(c.Construct, "controlplane-chart", ControlChart)
		if err != nil {
			return nil, fmt.Errorf("istio %q: %w", id, err)
		}
		c.istiod, err = c.release("controlplane", ReleaseSpec{
			Name: "istio-" + p.ResourceName(), LocalChart: chart,
			Namespace: p.Namespace, Values: p.sailResourceValues(),
			DependsOn: []cdktf.ITerraformDependable{operator, istioNS},
		})
		if err != nil {
			return nil, err
		}
	}

	if *p.IngressGateway.Enabled {
		if _, err := c.release("gateway", ReleaseSpec{
			Name: p.IngressGateway.Name, Chart: "gateway", Source: p.Charts, Version: p.Version,
			Namespace: p.IngressGateway.Namespace, Values: p.gatewayValues(),
			DependsOn: []cdktf.ITerraformDependable{c.istiod, gatewayNS},
		}); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Props returns the props the control plane was built with, defaults applied.
func (c *ControlPlane) Props() Props { return c.props }

// Releases returns every Helm release of the control plane, in install
// order, for other constructs to depend on.
func (c *ControlPlane) Releases() []cdktf.ITerraformDependable {
	return append([]cdktf.ITerraformDependable(nil), c.releases...)
}

// ControlPlaneRelease is the release that installs istiod: the istiod chart
// in helm mode, the Istio resource in operator mode.
func (c *ControlPlane) ControlPlaneRelease() cdktf.ITerraformDependable { return c.istiod }

func (c *ControlPlane) namespace(id, name string) namespacev1.NamespaceV1 {
	return namespacev1.NewNamespaceV1(c.Construct, jsii.String(id), &namespacev1.NamespaceV1Config{
		Metadata: &namespacev1.NamespaceV1Metadata{
			Name:   jsii.String(name),
			Labels: &map[string]*string{"app.kubernetes.io/managed-by": jsii.String("terraform")},
		},
	})
}

// release creates one of the control plane's Helm releases (see
// NewRelease for the settings they share), with the props' timeout.
func (c *ControlPlane) release(id string, s ReleaseSpec) (release.Release, error) {
	s.TimeoutSeconds = c.props.TimeoutSeconds
	r, err := NewRelease(c.Construct, id, s)
	if err != nil {
		return nil, fmt.Errorf("istio %q: %w", *c.Node().Id(), err)
	}
	c.releases = append(c.releases, r)
	return r, nil
}

// ReleaseSpec is one helm_release as the mesh constructs create it.
type ReleaseSpec struct {
	// Name is the Helm release name.
	Name string
	// Chart names a chart from Source, pinned by Version.
	Chart, Version string
	// Source is where Chart comes from: a repository, or a local directory
	// whose chart becomes an asset of the release.
	Source ChartSource
	// LocalChart is the asset path of one of bluegreen's own charts (from
	// charts.Asset); it replaces Chart, Source and Version.
	LocalChart *string
	// Namespace is the release's namespace, which must exist.
	Namespace string
	// Values are the release's values, passed as one YAML document.
	Values map[string]any
	// SetSensitive maps value paths to sensitive Terraform expressions.
	SetSensitive map[string]*string
	// DependsOn are resources the release waits for.
	DependsOn []cdktf.ITerraformDependable
	// TimeoutSeconds bounds the wait for the release's workloads.
	TimeoutSeconds int
}

// NewRelease creates a helm_release with the settings the mesh constructs
// share: atomic (a failed install is removed and a failed upgrade rolled
// back), wait (until the workloads are ready, because the next release
// needs them), cleanup_on_fail (resources a failed upgrade created are
// deleted), a bounded timeout, and a short release history.
func NewRelease(scope constructs.Construct, id string, s ReleaseSpec) (release.Release, error) {
	doc, err := ToYAML(s.Values)
	if err != nil {
		return nil, fmt.Errorf("values of release %s: %w", s.Name, err)
	}
	cfg := &release.ReleaseConfig{
		Name:          jsii.String(s.Name),
		Namespace:     jsii.String(s.Namespace),
		Atomic:        jsii.Bool(true),
		Wait:          jsii.Bool(true),
		WaitForJobs:   jsii.Bool(true),
		CleanupOnFail: jsii.Bool(true),
		Timeout:       jsii.Number(float64(s.TimeoutSeconds)),
		MaxHistory:    jsii.Number(10),
	}
	if len(s.Values) > 0 {
		cfg.Values = &[]*string{jsii.String(doc)}
	}
	if s.LocalChart != nil {
		cfg.Chart = s.LocalChart
	} else if cfg.Chart, cfg.Repository, cfg.Version, err = s.Source.chart(scope, id+"-chart", s.Chart, s.Version); err != nil {
		return nil, fmt.Errorf("release %s: %w", s.Name, err)
	}
	if len(s.SetSensitive) > 0 {
		var sets []*release.ReleaseSetSensitive
		for _, name := range sortedKeys(s.SetSensitive) {
			sets = append(sets, &release.ReleaseSetSensitive{Name: jsii.String(name), Value: s.SetSensitive[name], Type: jsii.String("string")})
		}
		cfg.SetSensitive = &sets
	}
	var deps []cdktf.ITerraformDependable
	for _, d := range s.DependsOn {
		if d != nil {
			deps = append(deps, d)
		}
	}
	if len(deps) > 0 {
		cfg.DependsOn = &deps
	}
	return release.NewRelease(scope, jsii.String(id), cfg), nil
}
