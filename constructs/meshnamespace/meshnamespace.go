package meshnamespace

import (
	"fmt"
	"slices"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/namespacev1"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/charts"
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/internal/jsiival"
)

// PeerAuthenticationChart is the local chart that renders the namespace's
// PeerAuthentication.
const PeerAuthenticationChart = "istio-peerauthentication"

// Namespace is the sidecar-injected namespace.
type Namespace struct {
	constructs.Construct

	props     Props
	namespace namespacev1.NamespaceV1
	resources []cdktf.ITerraformDependable
}

// New creates a Namespace under scope. It returns an error, and creates
// nothing, when p is invalid.
func New(scope constructs.Construct, id string, p Props) (*Namespace, error) {
	p = p.WithDefaults()
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("namespace %q: %w", id, err)
	}
	n := &Namespace{Construct: constructs.NewConstruct(scope, jsii.String(id)), props: p}
	for _, w := range p.Warnings(nil) {
		cdktf.Annotations_Of(n.Construct).AddWarning(jsii.String(w))
	}
	cfg := &namespacev1.NamespaceV1Config{
		Metadata: &namespacev1.NamespaceV1Metadata{
			Name:   jsii.String(p.Name),
			Labels: jsiival.StringMap(p.AllLabels()),
		},
	}
	if len(p.Annotations) > 0 {
		cfg.Metadata.Annotations = jsiival.StringMap(p.Annotations)
	}
	if len(p.DependsOn) > 0 {
		cfg.DependsOn = &p.DependsOn
	}
	n.namespace = namespacev1.NewNamespaceV1(n.Construct, jsii.String("namespace"), cfg)
	n.resources = append(n.resources, n.namespace)

	if p.PeerAuthentication != "" {
		chart, err := charts.Asset(n.Construct, "peer-authentication-chart", PeerAuthenticationChart)
		if err != nil {
			return nil, fmt.Errorf("namespace %q: %w", id, err)
		}
		r, err := istio.NewRelease(n.Construct, "peer-authentication", istio.ReleaseSpec{
			Name: "peer-authentication", LocalChart: chart, Namespace: p.Name,
			Values:    map[string]any{"name": "default", "mtlsMode": p.PeerAuthentication},
			DependsOn: []cdktf.ITerraformDependable{n.namespace}, TimeoutSeconds: 300,
		})
		if err != nil {
			return nil, fmt.Errorf("namespace %q: %w", id, err)
		}
		n.resources = append(n.resources, r)
	}
	return n, nil
}

// Name is the namespace's name.
func (n *Namespace) Name() string { return n.props.Name }

// Props returns the props the namespace was built with, defaults applied.
func (n *Namespace) Props() Props { return n.props }

// Resources returns the namespace and its PeerAuthentication release, for
// other constructs (the app) to depend on.
func (n *Namespace) Resources() []cdktf.ITerraformDependable {
	return slices.Clone(n.resources)
}
