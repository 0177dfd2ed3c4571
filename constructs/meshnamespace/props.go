// Package meshnamespace is a Kubernetes namespace whose pods get Istio
// sidecars: labelled istio-injection=enabled for the default control plane,
// or istio.io/rev=<revision> for a revisioned one (never both, which Istio
// flags), optionally with a namespace-wide PeerAuthentication that requires
// mutual TLS.
package meshnamespace

import (
	"fmt"
	"maps"
	"slices"

	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/mesh/fielderr"
)

// Istio's injection labels.
const (
	InjectionLabel = "istio-injection"
	RevisionLabel  = "istio.io/rev"
)

// Mutual TLS modes of the namespace's PeerAuthentication.
const (
	MTLSStrict     = "STRICT"
	MTLSPermissive = "PERMISSIVE"
)

var (
	mtlsModes = []string{MTLSStrict, MTLSPermissive}
	reserved  = []string{"default", "kube-system", "kube-public", "kube-node-lease"}
)

// Props configure a Namespace. The zero value of every optional field means
// its default.
type Props struct {
	// Name of the namespace. Default: "bluegreen".
	Name string `json:"name"`
	// Revision is the Istio revision whose sidecars the namespace gets. Set
	// from the environment's istio settings, not from cdktf.json.
	// Default: "" (the default revision).
	Revision string `json:"-"`
	// Injection turns sidecar injection on (istio-injection=enabled, or
	// istio.io/rev=<revision>) or off (istio-injection=disabled).
	// Default: true.
	Injection *bool `json:"injection"`
	// PeerAuthentication is the namespace's mutual TLS mode: "STRICT"
	// (workloads accept only mTLS) or "PERMISSIVE" (mTLS and plain text),
	// set by a namespace-wide PeerAuthentication named "default".
	// Default: "" (none: the mesh-wide setting, PERMISSIVE unless changed).
	PeerAuthentication string `json:"peerAuthentication"`
	// Labels are added to the namespace; the injection labels are set from
	// Injection and the revision, not here. Default: none.
	Labels map[string]string `json:"labels"`
	// Annotations are added to the namespace. Default: none.
	Annotations map[string]string `json:"annotations"`
	// DependsOn are what the namespace is created after (the control
	// plane, so its injector is ready before any pod). Set by the stack.
	// Default: none.
	DependsOn []cdktf.ITerraformDependable `json:"-"`
}

// WithDefaults returns a copy of p with every unset field given its
// default. It never changes p.
func (p Props) WithDefaults() Props {
	if p.Name == "" {
		p.Name = "bluegreen"
	}
	if p.Injection == nil {
		p.Injection = ptr(true)
	}
	p.Labels = maps.Clone(p.Labels)
	p.Annotations = maps.Clone(p.Annotations)
	p.DependsOn = slices.Clone(p.DependsOn)
	return p
}

// InjectionLabels are the labels that select the namespace's sidecars.
func (p Props) InjectionLabels() map[string]string {
	switch {
	case p.Injection != nil && !*p.Injection:
		return map[string]string{InjectionLabel: "disabled"}
	case p.Revision != "":
		return map[string]string{RevisionLabel: p.Revision}
	default:
		return map[string]string{InjectionLabel: "enabled"}
	}
}

// AllLabels are the namespace's labels: Labels and the injection labels.
func (p Props) AllLabels() map[string]string {
	out := maps.Clone(p.Labels)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, p.InjectionLabels())
	return out
}

// Validate reports every problem in p (after defaults) as one error.
func (p Props) Validate() error { return fielderr.Join(p.ValidateAt(nil)) }

// ValidateAt reports every problem in p, which should have its defaults
// applied, with field paths under fld.
func (p Props) ValidateAt(fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(p.Name) {
		errs = append(errs, field.Invalid(fld.Child("name"), p.Name, msg))
	}
	if slices.Contains(reserved, p.Name) {
		errs = append(errs, field.Invalid(fld.Child("name"), p.Name, "must not be a namespace Kubernetes creates itself; the construct owns (and would delete) it"))
	}
	if p.Revision != "" {
		for _, msg := range validation.IsValidLabelValue(p.Revision) {
			errs = append(errs, field.Invalid(fld.Child("revision"), p.Revision, msg))
		}
	}
	lp := fld.Child("labels")
	for _, k := range slices.Sorted(maps.Keys(p.Labels)) {
		v := p.Labels[k]
		switch {
		case k == InjectionLabel && p.Revision != "":
			errs = append(errs, field.Invalid(lp.Key(k), v, fmt.Sprintf(
				"both injection labels requested: the namespace gets %s=%s from istio.revision, and Istio ignores %s when %s is also set (istioctl analyze flags it); remove this label",
				RevisionLabel, p.Revision, RevisionLabel, InjectionLabel)))
		case k == InjectionLabel:
			errs = append(errs, field.Forbidden(lp.Key(k), "set from namespace.injection; remove this label"))
		case k == RevisionLabel && p.Revision == "":
			errs = append(errs, field.Invalid(lp.Key(k), v, fmt.Sprintf(
				"both injection labels requested: the namespace gets %s=enabled (no istio.revision is set), and Istio ignores %s when %s is also set; set istio.revision instead of this label",
				InjectionLabel, RevisionLabel, InjectionLabel)))
		case k == RevisionLabel:
			errs = append(errs, field.Forbidden(lp.Key(k), "set from istio.revision; remove this label"))
		default:
			for _, msg := range validation.IsQualifiedName(k) {
				errs = append(errs, field.Invalid(lp.Key(k), k, msg))
			}
			for _, msg := range validation.IsValidLabelValue(v) {
				errs = append(errs, field.Invalid(lp.Key(k), v, msg))
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(p.Annotations)) {
		for _, msg := range validation.IsQualifiedName(k) {
			errs = append(errs, field.Invalid(fld.Child("annotations").Key(k), k, msg))
		}
	}
	if p.PeerAuthentication != "" {
		pp := fld.Child("peerAuthentication")
		if !slices.Contains(mtlsModes, p.PeerAuthentication) {
			errs = append(errs, field.NotSupported(pp, p.PeerAuthentication, mtlsModes))
		} else if p.PeerAuthentication == MTLSStrict && !*p.Injection {
			errs = append(errs, field.Invalid(pp, p.PeerAuthentication, "STRICT needs sidecars to terminate mutual TLS; turn namespace.injection on"))
		}
	}
	return errs
}

// Warnings lists settings that synthesize but deserve a second look, with
// field paths under fld.
func (p Props) Warnings(fld *field.Path) []string {
	if p.Injection != nil && !*p.Injection {
		return []string{fld.Child("injection").String() + ": sidecar injection is off, so the blue/green routing (which Istio sidecars enforce) does not apply to this namespace's pods"}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }
