package bluegreen

import (
	"fmt"
	"maps"
	"slices"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/fielderr"
)

// The two colours (mesh's).
const (
	Blue  = mesh.Blue
	Green = mesh.Green
)

// Colours are the colours an app can have, in order (mesh.Colours).
var Colours = mesh.Colours

// Props configure an App.
type Props struct {
	// Name is the app's name: the Service's name and every pod's app label.
	// Default: "echo".
	Name string `json:"name"`
	// Namespace is where the releases and the Service go, a namespace with
	// Istio sidecar injection. New takes it from the meshnamespace.Namespace
	// it is given (WithNamespace, from the namespace's props); set it only
	// for a namespace made by other means. Default: "bluegreen".
	Namespace string `json:"-"`
	// Image is the container image repository. Default: "hashicorp/http-echo".
	Image string `json:"image"`
	// ImagePullSecrets name Kubernetes secrets of type
	// kubernetes.io/dockerconfigjson in Namespace that the pods use to pull
	// Image from a private registry. Default: none.
	ImagePullSecrets []string `json:"imagePullSecrets"`
	// ContainerPort is where the app listens. Default: 5678.
	ContainerPort int `json:"containerPort"`
	// ServicePort is the Service's port, which routes and clients use.
	// Default: 8600.
	ServicePort int `json:"servicePort"`
	// Releases are the app's releases by colour ("blue", "green"). A colour
	// left out has no release. Default: both, as in DefaultReleases.
	Releases map[string]Release `json:"releases"`
	// ServiceExtraValues are values of the blue-green-service chart,
	// deep-merged last. Default: none.
	ServiceExtraValues map[string]any `json:"serviceExtraValues"`
}

// Release is one colour's Helm release.
type Release struct {
	// Name is the Helm release's name, which is also its pods' version
	// label. Default: the colour.
	Name string `json:"name"`
	// Tag is the image tag. Default: "1.0".
	Tag string `json:"tag"`
	// Args are the app's arguments, such as ["-text", "blue-1.0"].
	// Default: ["-text", "<colour>"].
	Args []string `json:"args"`
	// Replicas is the number of pods; 0 keeps the colour deployed but idle.
	// Default: 2.
	Replicas *int `json:"replicas"`
	// Resources of the app container. Default: requests cpu 10m, memory
	// 16Mi; limits cpu 100m, memory 64Mi.
	Resources Resources `json:"resources"`
	// ExtraValues are values of this colour's blue-green-web-echo release,
	// deep-merged last. Default: none.
	ExtraValues map[string]any `json:"extraValues"`
}

// Resources are container requests and limits, as Kubernetes quantities.
type Resources struct {
	// Requests are the requests. Default: cpu "10m", memory "16Mi".
	Requests Quantities `json:"requests"`
	// Limits are the limits. Default: cpu "100m", memory "64Mi".
	Limits Quantities `json:"limits"`
}

// Quantities are a CPU and a memory quantity.
type Quantities struct {
	// CPU such as "100m". Default: see Resources.
	CPU string `json:"cpu"`
	// Memory such as "64Mi". Default: see Resources.
	Memory string `json:"memory"`
}

// DefaultReleases are the releases of an app that sets none: the
// walkthrough's blue and green.
func DefaultReleases() map[string]Release {
	return map[string]Release{
		Blue:  {Args: []string{"-text", "blue-1.0"}},
		Green: {Args: []string{"-text", "green-2.0"}},
	}
}

// WithDefaults returns a copy of p with every unset field given its default.
// It never changes p.
func (p Props) WithDefaults() Props {
	if p.Name == "" {
		p.Name = "echo"
	}
	if p.Namespace == "" {
		p.Namespace = "bluegreen"
	}
	if p.Image == "" {
		p.Image = "hashicorp/http-echo"
	}
	if p.ContainerPort == 0 {
		p.ContainerPort = 5678
	}
	if p.ServicePort == 0 {
		p.ServicePort = 8600
	}
	p.ImagePullSecrets = slices.Clone(p.ImagePullSecrets)
	releases := p.Releases
	if releases == nil {
		releases = DefaultReleases()
	}
	p.Releases = make(map[string]Release, len(releases))
	for colour, r := range releases {
		if r.Name == "" {
			r.Name = colour
		}
		if r.Tag == "" {
			r.Tag = "1.0"
		}
		if r.Args == nil {
			r.Args = []string{"-text", colour}
		}
		r.Args = slices.Clone(r.Args)
		if r.Replicas == nil {
			two := 2
			r.Replicas = &two
		}
		r.Resources.Requests = r.Resources.Requests.or(Quantities{CPU: "10m", Memory: "16Mi"})
		r.Resources.Limits = r.Resources.Limits.or(Quantities{CPU: "100m", Memory: "64Mi"})
		p.Releases[colour] = r
	}
	return p
}

func (q Quantities) or(d Quantities) Quantities {
	if q.CPU == "" {
		q.CPU = d.CPU
	}
	if q.Memory == "" {
		q.Memory = d.Memory
	}
	return q
}

// Validate reports every problem in p (after defaults) as one error.
func (p Props) Validate() error { return fielderr.Join(p.ValidateAt(nil)) }

// ValidateAt reports every problem in p, which should have its defaults
// applied, with field paths under fld.
func (p Props) ValidateAt(fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1035Label(p.Name) {
		errs = append(errs, field.Invalid(fld.Child("name"), p.Name, msg))
	}
	for _, msg := range validation.IsDNS1123Label(p.Namespace) {
		errs = append(errs, field.Invalid(fld.Child("namespace"), p.Namespace, msg))
	}
	if p.Image == "" {
		errs = append(errs, field.Required(fld.Child("image"), "an image repository such as hashicorp/http-echo"))
	}
	errs = append(errs, fielderr.ObjectNames(fld.Child("imagePullSecrets"), p.ImagePullSecrets)...)
	for _, port := range []struct {
		name  string
		value int
	}{{"containerPort", p.ContainerPort}, {"servicePort", p.ServicePort}} {
		if port.value < 1 || port.value > 65535 {
			errs = append(errs, field.Invalid(fld.Child(port.name), port.value, "must be a port between 1 and 65535"))
		}
	}
	if len(p.Releases) == 0 {
		errs = append(errs, field.Required(fld.Child("releases"), `at least one release, "blue" or "green"`))
	}
	names := map[string]string{}
	for _, colour := range slices.Sorted(maps.Keys(p.Releases)) {
		rp := fld.Child("releases").Key(colour)
		if !slices.Contains(Colours, colour) {
			errs = append(errs, field.NotSupported(rp, colour, Colours))
			continue
		}
		r := p.Releases[colour]
		for _, msg := range validation.IsDNS1035Label(r.Name) {
			errs = append(errs, field.Invalid(rp.Child("name"), r.Name, msg))
		}
		// The release name is the version label the subsets select; two
		// colours with one name could not be told apart.
		if other, ok := names[r.Name]; ok {
			errs = append(errs, field.Duplicate(rp.Child("name"), fmt.Sprintf("%s (also the %s release's name)", r.Name, other)))
		}
		names[r.Name] = colour
		if len(p.Name)+1+len(r.Name) > 63 {
			errs = append(errs, field.Invalid(rp.Child("name"), r.Name, fmt.Sprintf("the Deployment %s-%s would be longer than 63 characters", p.Name, r.Name)))
		}
		if r.Tag == "" || len(r.Tag) > 128 {
			errs = append(errs, field.Invalid(rp.Child("tag"), r.Tag, "must be an image tag of 1-128 characters"))
		}
		if *r.Replicas < 0 {
			errs = append(errs, field.Invalid(rp.Child("replicas"), *r.Replicas, "must be 0 or more"))
		}
		for _, q := range []struct {
			path  *field.Path
			value string
		}{
			{rp.Child("resources", "requests", "cpu"), r.Resources.Requests.CPU},
			{rp.Child("resources", "requests", "memory"), r.Resources.Requests.Memory},
			{rp.Child("resources", "limits", "cpu"), r.Resources.Limits.CPU},
			{rp.Child("resources", "limits", "memory"), r.Resources.Limits.Memory},
		} {
			if _, err := resource.ParseQuantity(q.value); err != nil {
				errs = append(errs, field.Invalid(q.path, q.value, `must be a Kubernetes quantity such as "100m" or "64Mi"`))
			}
		}
	}
	return errs
}

// Warnings lists settings that synthesize but deserve a second look.
func (p Props) Warnings(fld *field.Path) []string { return nil }
