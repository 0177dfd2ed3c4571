package meshnamespace

import (
	"fmt"
	"slices"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/namespacev1"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/constructs/addon"
	"github.com/bluegreen-mesh/bluegreen/constructs/gatewayapicrds"
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
)

// PeerAuthenticationChart is the local chart that renders the namespace's
// PeerAuthentication.
const PeerAuthenticationChart = "istio-peerauthentication"

// Namespace is the app's namespace in the mesh: sidecar-injected, or
// enrolled in the ambient mesh with its waypoint.
type Namespace struct {
	constructs.Construct

	props     Props
	revision  string
	ambient   bool
	specs     []addon.Release
	namespace namespacev1.NamespaceV1
	resources []cdktf.ITerraformDependable
}

// New creates a Namespace under scope, created after the Istio control
// plane cp, so that its injector (or ztunnel) is ready before any pod. With
// cp's sidecar data plane it is labelled for cp's sidecars (its injection
// revision); with the ambient data plane it is labelled
// istio.io/dataplane-mode=ambient and istio.io/use-waypoint=<waypoint>, and
// gets the waypoint, a Gateway API Gateway of class istio-waypoint, through
// the local chart WaypointChart (the Gateway API CRDs must be installed
// before it: see istio.Props.NeedsGatewayAPICRDs). crds are the installed
// Gateway API CRDs, which the namespace then waits for: required with the
// ambient data plane, else optional (nil). It returns an error, and creates
// nothing, when cp is nil, the ambient data plane has no crds, or p is
// invalid.
func New(scope constructs.Construct, id string, p Props, cp *istio.ControlPlane, crds *gatewayapicrds.CRDs) (*Namespace, error) {
	if cp == nil {
		return nil, fmt.Errorf("namespace %q: the control plane is required: the namespace asks for its sidecars and is created after it", id)
	}
	if cp.Props().Ambient() && crds == nil {
		return nil, fmt.Errorf("namespace %q: the ambient data plane needs the Gateway API CRDs (package gatewayapicrds): the namespace's waypoint is a Gateway API Gateway", id)
	}
	revision := cp.Props().InjectionRevision()
	ambient := cp.Props().Ambient()
	p = p.WithDefaults()
	err := p.Validate(revision)
	specs := p.ReleasesFor(cp.Props())
	if ambient {
		err = p.ValidateAmbient()
	}
	if err != nil {
		return nil, fmt.Errorf("namespace %q: %w", id, err)
	}
	n := &Namespace{Construct: constructs.NewConstruct(scope, jsii.String(id)), props: p, revision: revision, ambient: ambient, specs: specs}
	for _, w := range p.Warnings(nil) {
		cdktf.Annotations_Of(n.Construct).AddWarning(jsii.String(w))
	}
	upstream := cp.Releases()
	if crds != nil {
		upstream = append(upstream, crds.Dependable())
	}
	in := addon.NewInstaller(n.Construct, upstream...)
	if err := in.Create(p.ResourcesFor(cp.Props())); err != nil {
		return nil, fmt.Errorf("namespace %q: %w", id, err)
	}
	n.namespace = in.Created("namespace").(namespacev1.NamespaceV1)
	n.resources = append(n.resources, n.namespace)
	for _, r := range n.specs {
		n.resources = append(n.resources, in.Created(r.ID))
	}
	return n, nil
}

// NamespaceFor is the namespace itself ("namespace"), as New creates it
// from p (defaults applied here) for a control plane with props cp: named
// Name, with Annotations, labelled for cp's sidecars (AllLabels for its
// injection revision) or, with cp's ambient data plane, for the ambient
// mesh (AllAmbientLabels); created after the control plane's releases and
// the Gateway API CRDs. It creates nothing.
func (p Props) NamespaceFor(cp istio.Props) addon.Namespace {
	p = p.WithDefaults()
	labels := p.AllLabels(cp.InjectionRevision())
	if cp.Ambient() {
		labels = p.AllAmbientLabels()
	}
	return addon.Namespace{
		ID: "namespace", Name: p.Name, Labels: labels, Annotations: p.Annotations,
		Order: addon.Order{After: []string{addon.Upstream}},
	}
}

// ResourcesFor are everything the namespace creates, as New creates it
// from p for a control plane with props cp: NamespaceFor and ReleasesFor.
// It creates nothing.
func (p Props) ResourcesFor(cp istio.Props) addon.Resources {
	return addon.Resources{Namespaces: []addon.Namespace{p.NamespaceFor(cp)}, Releases: p.ReleasesFor(cp)}
}

// HelmReleases are the namespace's Helm releases, as New creates them from p
// (defaults applied here): "peer-authentication", the PeerAuthentication
// named "default", when PeerAuthentication is set; else none. Their Helm
// timeout is 300 s here; ReleasesFor (and so New) gives them the control
// plane's. It creates nothing.
func (p Props) HelmReleases() []addon.Release {
	p = p.WithDefaults()
	if p.PeerAuthentication == "" {
		return nil
	}
	return []addon.Release{{
		ID: "peer-authentication", Name: "peer-authentication", Namespace: p.Name,
		Chart:  addon.Chart{Local: PeerAuthenticationChart},
		Values: addon.MergeValues(map[string]any{"name": "default", "mtlsMode": p.PeerAuthentication}, p.ExtraValues),
		Flags:  addon.Waited(300),
		Order:  addon.Order{After: []string{"namespace"}},
	}}
}

// ReleasesFor are the namespace's Helm releases, as New creates them from p
// (defaults applied here) for a control plane with props cp: HelmReleases,
// and with cp's ambient data plane the waypoint (WaypointRelease for cp's
// injection revision) after them, each with cp's timeoutSeconds (defaults
// applied), as every release of the mesh takes it. It creates nothing.
func (p Props) ReleasesFor(cp istio.Props) []addon.Release {
	p = p.WithDefaults()
	out := p.HelmReleases()
	if cp.Ambient() {
		out = append(out, p.WaypointRelease(cp.InjectionRevision()))
	}
	timeout := cp.WithDefaults().TimeoutSeconds
	for i := range out {
		out[i].Flags.TimeoutSeconds = timeout
	}
	return out
}

// WaypointRelease is the release of the namespace's waypoint (ambient data
// plane), as New creates it from p: "waypoint", the local chart
// WaypointChart with the Gateway named WaypointName, for the control plane
// revision revision ("" for the default one). It creates nothing.
func (p Props) WaypointRelease(revision string) addon.Release {
	v := map[string]any{"name": p.WaypointName()}
	if revision != "" {
		v["revision"] = revision
	}
	return addon.Release{
		ID: "waypoint", Name: p.WaypointName(), Namespace: p.Name,
		Chart:  addon.Chart{Local: WaypointChart},
		Values: v,
		Flags:  addon.Waited(300),
		Order:  addon.Order{After: []string{"namespace"}},
	}
}

// Ambient reports whether the namespace is in the ambient data plane.
func (n *Namespace) Ambient() bool { return n.ambient }

// Waypoint is the name of the namespace's waypoint with the ambient data
// plane, "" with sidecars.
func (n *Namespace) Waypoint() string {
	if !n.ambient {
		return ""
	}
	return n.props.WaypointName()
}

// Revision is the Istio revision whose sidecars the namespace gets ("" for
// the default revision), from its control plane.
func (n *Namespace) Revision() string { return n.revision }

// ReleaseSpecs returns the specs of the namespace's Helm releases (see
// Props.HelmReleases).
func (n *Namespace) ReleaseSpecs() []addon.Release { return slices.Clone(n.specs) }

// Name is the namespace's name.
func (n *Namespace) Name() string { return n.props.Name }

// Props returns the props the namespace was built with, defaults applied.
func (n *Namespace) Props() Props { return n.props }

// Resources returns the namespace and its PeerAuthentication and waypoint
// releases, for other constructs (the app) to depend on.
func (n *Namespace) Resources() []cdktf.ITerraformDependable {
	return slices.Clone(n.resources)
}
