// Package meshnamespace is a Kubernetes namespace in the Istio mesh. With
// the sidecar data plane its pods get Istio sidecars: labelled
// istio-injection=enabled for the default control plane, or
// istio.io/rev=<revision> for a revisioned one (never both, which Istio
// flags). With the ambient data plane it is enrolled with
// istio.io/dataplane-mode=ambient and gets a waypoint (a Gateway API
// Gateway of class istio-waypoint) that its label istio.io/use-waypoint
// names. Either way optionally with a namespace-wide PeerAuthentication
// that requires mutual TLS.
package meshnamespace

import (
	"fmt"
	"maps"
	"slices"

	"istio.io/api/label"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/mesh/fielderr"
)

// Istio's injection labels.
const (
	InjectionLabel = "istio-injection"
	RevisionLabel  = "istio.io/rev"
)

// Istio's ambient labels, on the namespace.
var (
	// DataplaneModeLabel enrolls the namespace's pods in the ambient mesh
	// (value "ambient").
	DataplaneModeLabel = label.IoIstioDataplaneMode.Name
	// UseWaypointLabel names the waypoint that handles the namespace's
	// traffic.
	UseWaypointLabel = label.IoIstioUseWaypoint.Name
)

// DefaultWaypoint is the name of the namespace's waypoint when
// Props.Waypoint is empty: the name `istioctl waypoint generate` gives a
// namespace's waypoint.
const DefaultWaypoint = "waypoint"

// WaypointChart is the local chart that renders the namespace's waypoint
// (ambient data plane).
const WaypointChart = "istio-waypoint"

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
	// Injection turns sidecar injection on (istio-injection=enabled for
	// the control plane's default revision, or istio.io/rev=<revision> for
	// a revisioned one) or off (istio-injection=disabled). Sidecar data
	// plane only: with the ambient data plane it must stay unset.
	// Default: nil, which means on.
	Injection *bool `json:"injection"`
	// Waypoint is the name of the namespace's waypoint, the Gateway of
	// class istio-waypoint that applies L7 policy and routing to the
	// namespace's Services; the namespace is labelled
	// istio.io/use-waypoint=<name>. Ambient data plane only.
	// Default: DefaultWaypoint with the ambient data plane.
	Waypoint string `json:"waypoint"`
	// PeerAuthentication is the namespace's mutual TLS mode: "STRICT"
	// (workloads accept only mTLS) or "PERMISSIVE" (mTLS and plain text),
	// set by a namespace-wide PeerAuthentication named "default".
	// Default: "" (none: the mesh-wide setting, PERMISSIVE unless changed).
	PeerAuthentication string `json:"peerAuthentication"`
	// Labels are added to the namespace; the injection labels (sidecar) or
	// the dataplane-mode and use-waypoint labels (ambient) are set by the
	// construct, not here. Default: none.
	Labels map[string]string `json:"labels"`
	// Annotations are added to the namespace. Default: none.
	Annotations map[string]string `json:"annotations"`
	// ExtraValues are values of the PeerAuthentication's chart
	// (istio-peerauthentication), deep-merged last. Only with
	// PeerAuthentication. Default: none.
	ExtraValues map[string]any `json:"extraValues"`
}

// WithDefaults returns a copy of p with every unset field given its
// default. It never changes p.
func (p Props) WithDefaults() Props {
	if p.Name == "" {
		p.Name = "bluegreen"
	}
	p.Labels = maps.Clone(p.Labels)
	p.Annotations = maps.Clone(p.Annotations)
	return p
}

// InjectionLabels are the labels that select the namespace's sidecars,
// those of Istio revision revision ("" for the default revision).
func (p Props) InjectionLabels(revision string) map[string]string {
	switch {
	case p.Injection != nil && !*p.Injection:
		return map[string]string{InjectionLabel: "disabled"}
	case revision != "":
		return map[string]string{RevisionLabel: revision}
	default:
		return map[string]string{InjectionLabel: "enabled"}
	}
}

// WaypointName is the name of the namespace's waypoint: Waypoint, or
// DefaultWaypoint.
func (p Props) WaypointName() string {
	if p.Waypoint != "" {
		return p.Waypoint
	}
	return DefaultWaypoint
}

// AmbientLabels are the labels that enroll the namespace in the ambient
// mesh and send its traffic through its waypoint.
func (p Props) AmbientLabels() map[string]string {
	return map[string]string{DataplaneModeLabel: "ambient", UseWaypointLabel: p.WaypointName()}
}

// AllAmbientLabels are the namespace's labels with the ambient data plane:
// Labels and the AmbientLabels.
func (p Props) AllAmbientLabels() map[string]string {
	out := maps.Clone(p.Labels)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, p.AmbientLabels())
	return out
}

// AllLabels are the namespace's labels with the sidecar data plane: Labels
// and the injection labels of revision.
func (p Props) AllLabels(revision string) map[string]string {
	out := maps.Clone(p.Labels)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, p.InjectionLabels(revision))
	return out
}

// Validate reports every problem in p (after defaults), for the sidecars of
// Istio revision revision, as one error.
func (p Props) Validate(revision string) error { return fielderr.Join(p.ValidateAt(nil, revision)) }

// ValidateAt reports every problem in p, which should have its defaults
// applied, for the sidecars of Istio revision revision ("" for the default
// revision), with field paths under fld. The revision itself is the control
// plane's to check.
func (p Props) ValidateAt(fld *field.Path, revision string) field.ErrorList {
	return p.validate(fld, revision, false)
}

// ValidateAmbient reports every problem in p (after defaults), for the
// ambient data plane, as one error.
func (p Props) ValidateAmbient() error { return fielderr.Join(p.ValidateAmbientAt(nil)) }

// ValidateAmbientAt reports every problem in p, which should have its
// defaults applied, for the ambient data plane, with field paths under fld:
// sidecar-only settings (injection, the injection labels) are errors.
func (p Props) ValidateAmbientAt(fld *field.Path) field.ErrorList {
	return p.validate(fld, "", true)
}

// ambientOwned are the labels the construct sets, or that Istio reads as
// sidecar-only, with the ambient data plane.
var ambientOwned = []string{InjectionLabel, RevisionLabel, DataplaneModeLabel, UseWaypointLabel}

func (p Props) validate(fld *field.Path, revision string, ambient bool) field.ErrorList {
	var errs field.ErrorList
	if ambient {
		if p.Injection != nil {
			errs = append(errs, field.Forbidden(fld.Child("injection"),
				`sidecar-only setting: with istio.dataplane "ambient" no sidecars are injected and the namespace is enrolled with `+DataplaneModeLabel+`=ambient; remove it`))
		}
		if p.Waypoint != "" {
			errs = append(errs, dnsLabel(fld.Child("waypoint"), p.Waypoint)...)
			if p.Waypoint == "none" {
				errs = append(errs, field.Invalid(fld.Child("waypoint"), p.Waypoint, `"none" means no waypoint to Istio; name the waypoint, or leave it empty for "`+DefaultWaypoint+`"`))
			}
		}
	} else if p.Waypoint != "" {
		errs = append(errs, field.Forbidden(fld.Child("waypoint"), `only with istio.dataplane "ambient": sidecars need no waypoint`))
	}
	for _, msg := range validation.IsDNS1123Label(p.Name) {
		errs = append(errs, field.Invalid(fld.Child("name"), p.Name, msg))
	}
	if slices.Contains(reserved, p.Name) {
		errs = append(errs, field.Invalid(fld.Child("name"), p.Name, "must not be a namespace Kubernetes creates itself; the construct owns (and would delete) it"))
	}
	lp := fld.Child("labels")
	for _, k := range slices.Sorted(maps.Keys(p.Labels)) {
		v := p.Labels[k]
		switch {
		case ambient && slices.Contains(ambientOwned, k):
			errs = append(errs, field.Forbidden(lp.Key(k), `with istio.dataplane "ambient" the construct sets `+DataplaneModeLabel+" and "+UseWaypointLabel+" (from namespace.waypoint), and the sidecar injection labels do not apply; remove this label"))
		case k == InjectionLabel && revision != "":
			errs = append(errs, field.Invalid(lp.Key(k), v, fmt.Sprintf(
				"both injection labels requested: the namespace gets %s=%s from istio.revision, and Istio ignores %s when %s is also set (istioctl analyze flags it); remove this label",
				RevisionLabel, revision, RevisionLabel, InjectionLabel)))
		case k == InjectionLabel:
			errs = append(errs, field.Forbidden(lp.Key(k), "set from namespace.injection; remove this label"))
		case k == RevisionLabel && revision == "":
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
	if p.PeerAuthentication == "" && p.ExtraValues != nil {
		errs = append(errs, field.Forbidden(fld.Child("extraValues"), "only with peerAuthentication: they are the values of its chart"))
	}
	if p.PeerAuthentication != "" {
		pp := fld.Child("peerAuthentication")
		if !slices.Contains(mtlsModes, p.PeerAuthentication) {
			errs = append(errs, field.NotSupported(pp, p.PeerAuthentication, mtlsModes))
		} else if p.PeerAuthentication == MTLSStrict && p.Injection != nil && !*p.Injection {
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

func dnsLabel(fld *field.Path, v string) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(v) {
		errs = append(errs, field.Invalid(fld, v, msg))
	}
	return errs
}
