package bluegreen

import (
	"fmt"
	"maps"
	"slices"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-helm-go/helm/v10/release"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/constructs/addon"
	"github.com/bluegreen-mesh/bluegreen/constructs/meshnamespace"
	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// Chart names of the app.
const (
	EchoChart    = "blue-green-web-echo"
	ServiceChart = "blue-green-service"
)

// VersionLabel is the pod label that tells the colours apart. Its value
// is the colour's release name. The chart takes both from the values, so
// the pods and the subsets that select them cannot disagree.
const VersionLabel = "version"

// ServicePortName is the name of the Service's port. Istio selects the
// protocol from its prefix.
const ServicePortName = "http"

// App is the blue and green releases of one app and its Service.
type App struct {
	constructs.Construct

	props    Props
	specs    []addon.Release
	releases map[string]release.Release
	service  release.Release
}

// Subset is what routing needs to send traffic to one colour (mesh.Subset).
type Subset = mesh.Subset

// New creates an App under scope, in the sidecar-injected namespace ns.
// The app's namespace is ns's name, and when ns is in the same stack the
// releases are installed after it (its PeerAuthentication included). ns may
// be nil for a namespace made by other means: p.Namespace names it then.
// It returns an error, and creates nothing, when p is invalid or names
// another namespace than ns.
func New(scope constructs.Construct, id string, p Props, ns *meshnamespace.Namespace) (*App, error) {
	var deps []cdktf.ITerraformDependable
	if ns != nil {
		if p.Namespace != "" && p.Namespace != ns.Name() {
			return nil, fmt.Errorf("app %q: namespace %q differs from the namespace %q the app is installed in; leave it empty", id, p.Namespace, ns.Name())
		}
		p = WithNamespace(p, ns.Props())
		if *cdktf.TerraformStack_Of(scope).Node().Path() == *cdktf.TerraformStack_Of(ns.Construct).Node().Path() {
			deps = ns.Resources()
		}
	}
	p = p.WithDefaults()
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("app %q: %w", id, err)
	}
	a := &App{Construct: constructs.NewConstruct(scope, jsii.String(id)), props: p, specs: p.HelmReleases(), releases: map[string]release.Release{}}
	in := addon.NewInstaller(a.Construct, deps...)
	for _, r := range a.specs {
		rel, err := in.Install(r)
		if err != nil {
			return nil, fmt.Errorf("app %q: %w", id, err)
		}
		if r.ID == "service" {
			a.service = rel
		} else {
			a.releases[r.ID] = rel
		}
	}
	return a, nil
}

// WithNamespace returns p with defaults applied for an app installed in the
// sidecar-injected namespace with props ns: its Namespace is ns's name
// (ns's defaults applied), as New derives it from the namespace construct
// it is given. Code that has the namespace's props but no construct (a
// configuration loader, an offline pipeline) calls it to get the props New
// builds with.
func WithNamespace(p Props, ns meshnamespace.Props) Props {
	p.Namespace = ns.WithDefaults().Name
	return p.WithDefaults()
}

// HelmReleases are the app's Helm releases, as New creates them from p
// (defaults applied here): one per colour with a release (id the colour,
// chart EchoChart), then "service" (chart ServiceChart, release
// "<name>-service"). It creates nothing.
func (p Props) HelmReleases() []addon.Release {
	p = p.WithDefaults()
	var out []addon.Release
	for _, colour := range Colours {
		r, ok := p.Releases[colour]
		if !ok {
			continue
		}
		v := map[string]any{
			"app":           p.Name,
			"colour":        colour,
			"versionLabel":  map[string]any{"key": VersionLabel, "value": r.Name},
			"image":         map[string]any{"repository": p.Image, "tag": r.Tag},
			"containerPort": p.ContainerPort,
			"args":          toAny(r.Args),
			"replicas":      *r.Replicas,
			"resources": map[string]any{
				"requests": map[string]any{"cpu": r.Resources.Requests.CPU, "memory": r.Resources.Requests.Memory},
				"limits":   map[string]any{"cpu": r.Resources.Limits.CPU, "memory": r.Resources.Limits.Memory},
			},
		}
		if len(p.ImagePullSecrets) > 0 {
			v["imagePullSecrets"] = toAny(p.ImagePullSecrets)
		}
		// Roll back a failed upgrade of one colour rather than leave it
		// half-updated while it may be taking traffic.
		flags := addon.Applied()
		flags.Wait, flags.TimeoutSeconds = true, 300
		out = append(out, addon.Release{
			ID: colour, Name: r.Name, Namespace: p.Namespace,
			Chart:  addon.Chart{Local: EchoChart, AssetID: "echo-chart"},
			Values: addon.MergeValues(v, r.ExtraValues), Flags: flags,
			Order: addon.Order{After: []string{addon.Upstream}},
		})
	}
	out = append(out, addon.Release{
		ID: "service", Name: p.Name + "-service", Namespace: p.Namespace,
		Chart: addon.Chart{Local: ServiceChart},
		Values: addon.MergeValues(map[string]any{
			"name": ServiceNameOf(p), "app": p.Name, "port": p.ServicePort, "targetPort": p.ContainerPort, "portName": ServicePortName,
		}, p.ServiceExtraValues),
		Flags: addon.Applied(),
		Order: addon.Order{After: []string{addon.Upstream}},
	})
	return out
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// ReleaseSpecs returns the specs of the app's Helm releases (see
// Props.HelmReleases), in install order.
func (a *App) ReleaseSpecs() []addon.Release { return slices.Clone(a.specs) }

// Props returns the props the app was built with, defaults applied.
func (a *App) Props() Props { return a.props }

// Colours lists the colours that have a release, in order.
func (a *App) Colours() []string {
	var out []string
	for _, c := range Colours {
		if _, ok := a.props.Releases[c]; ok {
			out = append(out, c)
		}
	}
	return out
}

// Subsets returns one Subset per colour with a release, in order.
func (a *App) Subsets() []Subset { return SubsetsOf(a.props) }

// SubsetsOf returns the subsets of an app with props p (defaults applied):
// the same that App.Subsets returns, for code that has props but no
// construct.
func SubsetsOf(p Props) []Subset {
	var out []Subset
	for _, c := range Colours {
		r, ok := p.Releases[c]
		if !ok {
			continue
		}
		out = append(out, Subset{Colour: c, Release: r.Name, Labels: map[string]string{VersionLabel: r.Name}})
	}
	return out
}

// ServiceHost is the Service's cluster-local DNS name, for Istio
// destinations.
func (a *App) ServiceHost() string { return ServiceHostOf(a.props) }

// ServiceHostOf is ServiceHost for props p.
func ServiceHostOf(p Props) string {
	return mesh.ServiceHost(ServiceNameOf(p), p.Namespace)
}

// ServiceNameOf is the name of the Service of an app with props p: its
// name.
func ServiceNameOf(p Props) string { return p.Name }

// ServicePort is the Service's port.
func (a *App) ServicePort() int { return a.props.ServicePort }

// Dependables are the app's Helm releases, for resources that must wait for
// them.
func (a *App) Dependables() []cdktf.ITerraformDependable {
	out := []cdktf.ITerraformDependable{a.service}
	for _, c := range slices.Sorted(maps.Keys(a.releases)) {
		out = append(out, a.releases[c])
	}
	return out
}
