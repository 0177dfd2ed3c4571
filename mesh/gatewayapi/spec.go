package gatewayapi

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/fielderr"
)

// Rule names, as HTTPRouteRule names: the same names the VirtualService
// gives its routes, so that routes, check and graph name a rule the same way
// for both APIs.
const (
	RulePath    = "path-"
	RuleHeader  = "header-"
	RuleCookie  = "cookie-"
	RuleDefault = "default"
)

// Metadata keys the built objects carry.
const (
	// LiveAnnotation on the HTTPRoute names the live colour, as on the
	// VirtualService.
	LiveAnnotation = mesh.LiveAnnotation
	// CandidateAnnotation on the HTTPRoute names the candidate colour when
	// it has a release.
	CandidateAnnotation = mesh.CandidateAnnotation
	// ColourLabel on a per-colour Service names the colour whose pods it
	// selects; the evaluator reads it to say which colour a backend is.
	ColourLabel = "bluegreen.io/colour"
)

// Spec is an app's routing for the Gateway API: the routing settings users
// write (mesh.Routing, with api "gatewayAPI"), plus what only the Gateway
// API needs (the app's Services, its releases' pod labels, the
// GatewayClass, the mesh route).
//
// mesh.Routing is embedded rather than held in a named field so that a
// Spec reads as what it is, the routing settings and a few more: s.Hosts,
// s.Live, s.Cookie, s.Gateway are the routing settings themselves, with
// their defaults (mesh.Routing.WithDefaults) and checks
// (mesh.Routing.ValidateAt) written once, in package mesh. The methods
// WithDefaults, Validate and ValidateAt of Spec wrap those of the
// embedded Routing (reach them as s.Routing.WithDefaults and so on). A
// Spec has no retries and only SIMPLE TLS at TLSV1_2 (see Unsupported);
// Gateway.Selector is not used. SpecOf derives a Spec from the routing
// props and the app.
type Spec struct {
	mesh.Routing

	// App is the app's name; the Gateway, the HTTPRoute and the per-colour
	// Services (<app>-blue, <app>-green) are named after it. Required.
	App string `json:"app"`
	// Namespace is the app's namespace, where every object is created.
	// Required.
	Namespace string `json:"namespace"`
	// Port is the port of the app's Services, which routes use. Required.
	Port int `json:"port"`
	// TargetPort is the port the app's pods listen on. Default: Port.
	TargetPort int `json:"targetPort"`
	// PortName is the Services' port name; Istio reads the protocol from
	// it. Default: "http".
	PortName string `json:"portName"`
	// Releases are the colours that have a release, each with the labels
	// that select its pods. Required (at least the live colour).
	Releases []Release `json:"releases"`
	// GatewayClassName is the Gateway's class; Istio deploys a gateway for
	// each Gateway of class "istio". Default: "istio".
	GatewayClassName string `json:"gatewayClassName"`
	// MeshService is the app's shared Service, which selects both colours'
	// pods. When set, a second HTTPRoute (<app>-mesh) attached to it gives
	// callers inside the mesh the same rules as the ingress: with sidecars
	// their own proxy applies it, in ambient mode the Service's waypoint.
	// Default: "" (ingress only).
	MeshService string `json:"meshService"`
}

// Release is a colour that has pods.
type Release struct {
	// Colour is "blue" or "green".
	Colour string `json:"colour"`
	// Selector are the labels of the colour's pods, such as
	// {"app": "echo", "version": "blue"}.
	Selector map[string]string `json:"selector"`
}

// ServiceName returns the name of the Service that selects colour's pods.
func (s Spec) ServiceName(colour string) string { return s.App + "-" + colour }

// WithDefaults returns a copy of s with every unset field given its
// default: the routing settings' (mesh.Routing.WithDefaults, for the app
// s.App) and the Spec's own. API is always "gatewayAPI". It never changes
// s.
func (s Spec) WithDefaults() Spec {
	s.API = mesh.APIGatewayAPI
	s.Routing = s.Routing.WithDefaults(s.App)
	if s.TargetPort == 0 {
		s.TargetPort = s.Port
	}
	if s.PortName == "" {
		s.PortName = "http"
	}
	if s.GatewayClassName == "" {
		s.GatewayClassName = "istio"
	}
	s.Releases = slices.Clone(s.Releases)
	return s
}

// pathRE is the characters the Gateway API allows in Exact and PathPrefix
// paths; unlike a VirtualService's, "%" only starts an escape such as "%2F".
var pathRE = regexp.MustCompile(`^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$`)

// Validate reports every problem in s (after defaults) as one error.
func (s Spec) Validate() error { return fielderr.Join(s.ValidateAt(nil)) }

// ValidateAt reports every problem in s, which should have its defaults
// applied, with field paths under fld: those of the routing settings
// (mesh.Routing.ValidateAt), routes to a colour without a release
// (mesh.Routing.ValidateTarget), then ValidateOwnAt's, except on a field
// already reported, so that each bad value is reported once. The paths are
// those of the routing settings (hosts, gateway, cookie, mirrorPercent,
// ...), independent of any environment, so a caller prefixes its own.
func (s Spec) ValidateAt(fld *field.Path) field.ErrorList {
	errs := s.Routing.ValidateAt(fld)
	errs = append(errs, s.Routing.ValidateTarget(fld, s.target())...)
	reported := map[string]bool{}
	for _, e := range errs {
		reported[e.Field] = true
	}
	for _, e := range s.ValidateOwnAt(fld) {
		if !reported[e.Field] {
			errs = append(errs, e)
		}
	}
	return errs
}

// ValidateOwnAt reports, with field paths under fld, what the Gateway API
// adds to the checks of the routing settings: the fields mesh.Routing
// lacks (app, namespace, ports, releases, gatewayClassName, meshService),
// the settings it cannot express (Unsupported), and its stricter forms of
// durations (whole milliseconds) and paths (percent escapes). It does not
// repeat mesh.Routing's checks; ValidateAt runs both.
func (s Spec) ValidateOwnAt(fld *field.Path) field.ErrorList {
	errs := Unsupported(fld, s.Routing)
	// Service names are DNS-1035 labels; <app>-green is the longest.
	for _, msg := range validation.IsDNS1035Label(s.ServiceName(mesh.Green)) {
		errs = append(errs, field.Invalid(fld.Child("app"), s.App, "<app>-green names a Service: "+msg))
	}
	if s.MeshService != "" {
		for _, msg := range validation.IsDNS1035Label(s.MeshService) {
			errs = append(errs, field.Invalid(fld.Child("meshService"), s.MeshService, msg))
		}
		for _, c := range mesh.Colours {
			if s.MeshService == s.ServiceName(c) {
				errs = append(errs, field.Invalid(fld.Child("meshService"), s.MeshService, "must be the Service of both colours, not "+c+"'s own"))
			}
		}
	}
	for _, msg := range validation.IsDNS1123Label(s.Namespace) {
		errs = append(errs, field.Invalid(fld.Child("namespace"), s.Namespace, msg))
	}
	errs = append(errs, validatePort(fld.Child("port"), s.Port)...)
	errs = append(errs, validatePort(fld.Child("targetPort"), s.TargetPort)...)
	for _, msg := range validation.IsValidPortName(s.PortName) {
		errs = append(errs, field.Invalid(fld.Child("portName"), s.PortName, msg))
	}
	for _, msg := range validation.IsDNS1123Subdomain(s.GatewayClassName) {
		errs = append(errs, field.Invalid(fld.Child("gatewayClassName"), s.GatewayClassName, msg))
	}
	has := map[string]bool{}
	for i, r := range s.Releases {
		rp := fld.Child("releases").Index(i)
		switch {
		case !slices.Contains(mesh.Colours, r.Colour):
			errs = append(errs, field.NotSupported(rp.Child("colour"), r.Colour, mesh.Colours))
		case has[r.Colour]:
			errs = append(errs, field.Duplicate(rp.Child("colour"), r.Colour))
		}
		has[r.Colour] = true
		if len(r.Selector) == 0 {
			errs = append(errs, field.Required(rp.Child("selector"), "the labels of the colour's pods"))
		}
	}
	for _, colour := range slices.Sorted(maps.Keys(s.VersionPaths)) {
		if prefix := s.VersionPaths[colour]; !pathRE.MatchString(prefix) {
			errs = append(errs, field.Invalid(fld.Child("versionPaths").Key(colour), prefix, `must write "%" only as an escape such as "%2F", as the Gateway API's paths do`))
		}
	}
	errs = append(errs, validateTimeout(fld.Child("timeout"), s.Timeout)...)
	for _, name := range slices.Sorted(maps.Keys(s.Routes)) {
		errs = append(errs, validateTimeout(fld.Child("routes").Key(name).Child("timeout"), s.Routes[name].Timeout)...)
	}
	return errs
}

// target is the app as mesh.Routing.ValidateTarget sees it: the colours
// with a release.
func (s Spec) target() mesh.Target {
	t := mesh.Target{Name: s.App, Namespace: s.Namespace, Port: s.Port}
	for _, r := range s.Releases {
		t.Subsets = append(t.Subsets, mesh.Subset{Colour: r.Colour, Labels: r.Selector})
	}
	return t
}

func validatePort(fld *field.Path, port int) field.ErrorList {
	if port < 1 || port > 65535 {
		return field.ErrorList{field.Invalid(fld, port, "must be a port between 1 and 65535")}
	}
	return nil
}

// validateTimeout checks a timeout that must become a Gateway API duration
// (GEP-2257: at most four of h, m, s and ms, no fractions).
func validateTimeout(fld *field.Path, s string) field.ErrorList {
	if s == "" {
		return nil
	}
	if _, err := duration(s); err != nil {
		return field.ErrorList{field.Invalid(fld, s, `must be a duration of at least 1ms in whole milliseconds, such as "10s", "1m30s" or "500ms"`)}
	}
	return nil
}

// duration converts a Go duration string, such as "90s", to a Gateway API
// duration (GEP-2257: hours, minutes, seconds and milliseconds, each of at
// most five digits, such as "1m30s").
func duration(s string) (string, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return "", err
	}
	if d < time.Millisecond || d%time.Millisecond != 0 || d >= 100000*time.Hour {
		return "", fmt.Errorf("%s is not a whole number of milliseconds from 1ms to 99999h", s)
	}
	var out strings.Builder
	for _, unit := range []struct {
		name string
		d    time.Duration
	}{{"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}, {"ms", time.Millisecond}} {
		if n := d / unit.d; n > 0 {
			fmt.Fprintf(&out, "%d%s", n, unit.name)
			d -= n * unit.d
		}
	}
	return out.String(), nil
}
