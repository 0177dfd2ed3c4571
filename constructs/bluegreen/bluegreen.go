package bluegreen

import (
	"fmt"
	"maps"
	"slices"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-helm-go/helm/v10/release"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/charts"
	"github.com/bluegreen-mesh/bluegreen/internal/helmvalues"
	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// Chart names of the app.
const (
	EchoChart    = "blue-green-web-echo"
	ServiceChart = "blue-green-service"
)

// VersionLabel is the pod label that tells the colours apart.
const VersionLabel = "version"

// App is the blue and green releases of one app and its Service.
type App struct {
	constructs.Construct

	props    Props
	releases map[string]release.Release
	service  release.Release
}

// Subset is what routing needs to send traffic to one colour (mesh.Subset).
type Subset = mesh.Subset

// New creates an App under scope. It returns an error, and creates nothing,
// when p is invalid. dependsOn are resources the releases wait for (the
// namespace, the mesh).
func New(scope constructs.Construct, id string, p Props, dependsOn ...cdktf.ITerraformDependable) (*App, error) {
	p = p.WithDefaults()
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("app %q: %w", id, err)
	}
	a := &App{Construct: constructs.NewConstruct(scope, jsii.String(id)), props: p, releases: map[string]release.Release{}}
	echo, err := charts.Asset(a.Construct, "echo-chart", EchoChart)
	if err != nil {
		return nil, err
	}
	svc, err := charts.Asset(a.Construct, "service-chart", ServiceChart)
	if err != nil {
		return nil, err
	}
	for _, colour := range a.Colours() {
		r := p.Releases[colour]
		v := map[string]any{
			"app":           p.Name,
			"image":         map[string]any{"repository": p.Image, "tag": r.Tag},
			"containerPort": p.ContainerPort,
			"args":          r.Args,
			"replicas":      *r.Replicas,
			"resources": map[string]any{
				"requests": map[string]string{"cpu": r.Resources.Requests.CPU, "memory": r.Resources.Requests.Memory},
				"limits":   map[string]string{"cpu": r.Resources.Limits.CPU, "memory": r.Resources.Limits.Memory},
			},
		}
		if len(p.ImagePullSecrets) > 0 {
			v["imagePullSecrets"] = p.ImagePullSecrets
		}
		values, err := helmvalues.Doc(v)
		if err != nil {
			return nil, err
		}
		a.releases[colour] = release.NewRelease(a.Construct, jsii.String(colour), &release.ReleaseConfig{
			Name:      jsii.String(r.Name),
			Namespace: jsii.String(p.Namespace),
			Chart:     echo,
			Values:    values,
			// Roll back a failed upgrade of one colour rather than leave it
			// half-updated while it may be taking traffic.
			Atomic:        jsii.Bool(true),
			CleanupOnFail: jsii.Bool(true),
			Wait:          jsii.Bool(true),
			Timeout:       jsii.Number(300),
			MaxHistory:    jsii.Number(10),
			DependsOn:     deps(dependsOn),
		})
	}
	values, err := helmvalues.Doc(map[string]any{
		"app": p.Name, "port": p.ServicePort, "targetPort": p.ContainerPort, "portName": "http",
	})
	if err != nil {
		return nil, err
	}
	a.service = release.NewRelease(a.Construct, jsii.String("service"), &release.ReleaseConfig{
		Name:          jsii.String(p.Name + "-service"),
		Namespace:     jsii.String(p.Namespace),
		Chart:         svc,
		Values:        values,
		Atomic:        jsii.Bool(true),
		CleanupOnFail: jsii.Bool(true),
		MaxHistory:    jsii.Number(10),
		DependsOn:     deps(dependsOn),
	})
	return a, nil
}

func deps(d []cdktf.ITerraformDependable) *[]cdktf.ITerraformDependable {
	if len(d) == 0 {
		return nil
	}
	return &d
}

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
	return mesh.ServiceHost(p.Name, p.Namespace)
}

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
