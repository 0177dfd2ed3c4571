package gatewayapi

import (
	"fmt"
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

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

// Spec is an app's routing, in the terms of the routing props of the
// VirtualService API, plus the Gateway API's own needs (per-colour Services,
// a GatewayClass). Users write mesh.Routing (with api "gatewayAPI"); SpecOf
// derives the Spec from it and the app's Target, so the routing settings
// are written and defaulted once, in package mesh. The Spec stays a type of
// its own for what only the Gateway API has (MeshService, ClassName) and
// for the checks the Gateway API's schema adds (lowercase host names,
// GEP-2257 durations).
type Spec struct {
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
	// Hosts are the host names clients use, such as "echo.example.com"; a
	// leading "*." is a wildcard, and "*" alone admits any host.
	// Default: ["*"].
	Hosts []string `json:"hosts"`
	// Gateway is the Gateway that admits the hosts.
	Gateway Gateway `json:"gateway"`
	// Live is the colour that takes traffic by default. Default: "blue".
	Live string `json:"live"`
	// VersionPaths maps a colour to a path prefix that always reaches it;
	// the prefix is replaced by "/", so /v1/health reaches the app as
	// /health. Default: {"blue": "/v1", "green": "/v2"}; {} turns them off.
	VersionPaths map[string]string `json:"versionPaths"`
	// Cookie sends requests that carry a cookie with a colour's value to
	// that colour. Default: name "x-version", values {"blue": "v1",
	// "green": "v2"}; values {} turns it off.
	Cookie Rule `json:"cookie"`
	// Header sends requests with a header of a colour's value to that
	// colour. Default: off (no name).
	Header Rule `json:"header"`
	// CandidateWeight is the percentage of default traffic that goes to the
	// candidate (the colour that is not live): 0 to 100. Default: 0.
	CandidateWeight int `json:"candidateWeight"`
	// StickyCanary, with CandidateWeight above 0, has each colour of the
	// canary answer with Set-Cookie: <cookie name>=<its cookie value>; Path=/
	// so that the cookie rule sends the client's next requests to the same
	// colour. Needs cookie values for both colours. Default: false.
	StickyCanary bool `json:"stickyCanary"`
	// MirrorPercent is the percentage of default traffic that is also sent,
	// as a copy whose answer is discarded, to the candidate: 0 to 100.
	// Default: 0 (no mirroring).
	MirrorPercent int `json:"mirrorPercent"`
	// Timeout is every rule's request timeout, such as "10s".
	// Default: "" (none).
	Timeout string `json:"timeout"`
	// MeshService is the app's shared Service, which selects both colours'
	// pods. When set, a second HTTPRoute (<app>-mesh) attached to it gives
	// callers inside the mesh the same rules as the ingress: with sidecars
	// their own proxy applies it, in ambient mode the Service's waypoint.
	// Default: "" (ingress only).
	MeshService string `json:"meshService"`
	// Routes overrides Timeout for single rules, by rule name: "path-blue",
	// "path-green", "header-blue", "header-green", "cookie-blue",
	// "cookie-green" or "default". Default: none.
	Routes map[string]RouteSettings `json:"routes"`
}

// Release is a colour that has pods.
type Release struct {
	// Colour is "blue" or "green".
	Colour string `json:"colour"`
	// Selector are the labels of the colour's pods, such as
	// {"app": "echo", "version": "blue"}.
	Selector map[string]string `json:"selector"`
}

// Gateway configures the Gateway.
type Gateway struct {
	// Name of the Gateway. Default: "<app>-gateway".
	Name string `json:"name"`
	// ClassName is the GatewayClass; Istio deploys a gateway for each
	// Gateway of class "istio". Default: "istio".
	ClassName string `json:"className"`
	// HTTPPort is the plain HTTP listener's port. Default: 80.
	HTTPPort int `json:"httpPort"`
	// HTTPSPort is the HTTPS listener's port, used with TLS. Default: 443.
	HTTPSPort int `json:"httpsPort"`
	// TLS serves the hosts over HTTPS too. Default: none (HTTP only).
	TLS *TLS `json:"tls"`
	// HTTPSRedirect answers plain HTTP with a redirect to HTTPS. Only with
	// TLS. Default: false.
	HTTPSRedirect bool `json:"httpsRedirect"`
}

// TLS is the HTTPS listener's certificate.
type TLS struct {
	// CredentialName is the Kubernetes Secret (type kubernetes.io/tls) that
	// holds the certificate and key. Unlike an Istio Gateway's, it lives in
	// the Gateway's own namespace (the app's). Required.
	CredentialName string `json:"credentialName"`
}

// Rule maps each colour to the value of a cookie or header that selects it.
type Rule struct {
	// Name is the cookie or header name.
	Name string `json:"name"`
	// Values maps a colour to its value, such as {"green": "v2"}.
	Values map[string]string `json:"values"`
}

// RouteSettings override the settings of one rule.
type RouteSettings struct {
	// Timeout such as "5s". Default: Spec.Timeout.
	Timeout string `json:"timeout"`
}

// RuleNames lists every rule name Routes may override, in the order the
// rules are written.
func RuleNames() []string {
	var out []string
	for _, kind := range []string{RulePath, RuleHeader, RuleCookie} {
		for _, c := range mesh.Colours {
			out = append(out, kind+c)
		}
	}
	return append(out, RuleDefault)
}

// Candidate returns the colour that is not live.
func (s Spec) Candidate() string {
	if s.Live == mesh.Green {
		return mesh.Blue
	}
	return mesh.Green
}

// ServiceName returns the name of the Service that selects colour's pods.
func (s Spec) ServiceName(colour string) string { return s.App + "-" + colour }

// WithDefaults returns a copy of s with every unset field given its default.
// It never changes s.
func (s Spec) WithDefaults() Spec {
	if s.TargetPort == 0 {
		s.TargetPort = s.Port
	}
	if s.PortName == "" {
		s.PortName = "http"
	}
	s.Releases = slices.Clone(s.Releases)
	if s.Hosts == nil {
		s.Hosts = []string{"*"}
	}
	s.Hosts = slices.Clone(s.Hosts)
	if s.Live == "" {
		s.Live = mesh.Blue
	}
	if s.VersionPaths == nil {
		s.VersionPaths = map[string]string{mesh.Blue: "/v1", mesh.Green: "/v2"}
	} else {
		s.VersionPaths = maps.Clone(s.VersionPaths)
	}
	if s.Cookie.Name == "" {
		s.Cookie.Name = "x-version"
	}
	if s.Cookie.Values == nil {
		s.Cookie.Values = map[string]string{mesh.Blue: "v1", mesh.Green: "v2"}
	} else {
		s.Cookie.Values = maps.Clone(s.Cookie.Values)
	}
	s.Header.Values = maps.Clone(s.Header.Values)
	g := s.Gateway
	if g.Name == "" {
		g.Name = s.App + "-gateway"
	}
	if g.ClassName == "" {
		g.ClassName = "istio"
	}
	if g.HTTPPort == 0 {
		g.HTTPPort = 80
	}
	if g.HTTPSPort == 0 {
		g.HTTPSPort = 443
	}
	if g.TLS != nil {
		tls := *g.TLS
		g.TLS = &tls
	}
	s.Gateway = g
	s.Routes = maps.Clone(s.Routes)
	return s
}

var (
	// hostnameRE is the Gateway API's Hostname pattern.
	hostnameRE = regexp.MustCompile(`^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	// pathRE is the characters the Gateway API allows in Exact and
	// PathPrefix paths.
	pathRE = regexp.MustCompile(`^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$`)
	// headerNameRE is the Gateway API's HTTPHeaderName pattern.
	headerNameRE = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+\\-.^_`|~]+$")
)

// Validate reports every problem in s (after defaults) as one error.
func (s Spec) Validate() error { return fielderr.Join(s.ValidateAt(nil)) }

// ValidateAt reports every problem in s, which should have its defaults
// applied, with field paths under fld. The paths are those of the routing
// settings (hosts, gateway, cookie, mirrorPercent, ...), independent of any
// environment, so a caller prefixes its own.
func (s Spec) ValidateAt(fld *field.Path) field.ErrorList {
	var errs field.ErrorList
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
	release := func(p *field.Path, colour string, value any) field.ErrorList {
		if !slices.Contains(mesh.Colours, colour) || has[colour] {
			return nil
		}
		return field.ErrorList{field.Invalid(p, value, fmt.Sprintf("%q has no release; the app has %v", colour, s.colours()))}
	}

	if len(s.Hosts) == 0 {
		errs = append(errs, field.Required(fld.Child("hosts"), `at least one host name clients use, such as "echo.example.com"`))
	}
	for i, h := range s.Hosts {
		if h != "*" && (!hostnameRE.MatchString(h) || len(h) > 253) {
			errs = append(errs, field.Invalid(fld.Child("hosts").Index(i), h, `must be a lowercase host name such as "echo.example.com", optionally starting with "*.", or "*"`))
		}
	}
	errs = append(errs, s.Gateway.validate(fld.Child("gateway"))...)

	if !slices.Contains(mesh.Colours, s.Live) {
		errs = append(errs, field.NotSupported(fld.Child("live"), s.Live, mesh.Colours))
	}
	errs = append(errs, release(fld.Child("live"), s.Live, s.Live)...)
	for _, colour := range slices.Sorted(maps.Keys(s.VersionPaths)) {
		pp := fld.Child("versionPaths").Key(colour)
		prefix := s.VersionPaths[colour]
		switch {
		case !slices.Contains(mesh.Colours, colour):
			errs = append(errs, field.NotSupported(pp, colour, mesh.Colours))
		case !strings.HasPrefix(prefix, "/") || prefix == "/" || strings.HasSuffix(prefix, "/") || strings.Contains(prefix, "//") || !pathRE.MatchString(prefix):
			errs = append(errs, field.Invalid(pp, prefix, `must start with "/" and be a path without a trailing "/" or "//", such as "/v1"`))
		}
		errs = append(errs, release(pp, colour, prefix)...)
	}
	errs = append(errs, s.Cookie.validate(fld.Child("cookie"), mesh.CookieNameRE, mesh.CookieValueRE, release)...)
	errs = append(errs, s.Header.validate(fld.Child("header"), headerNameRE, nil, release)...)

	for _, pct := range []struct {
		name  string
		value int
	}{{"candidateWeight", s.CandidateWeight}, {"mirrorPercent", s.MirrorPercent}} {
		switch {
		case pct.value < 0 || pct.value > 100:
			errs = append(errs, field.Invalid(fld.Child(pct.name), pct.value, "must be a percentage from 0 to 100"))
		case pct.value > 0:
			errs = append(errs, release(fld.Child(pct.name), s.Candidate(), pct.value)...)
		}
	}
	if s.StickyCanary {
		for _, c := range mesh.Colours {
			if s.Cookie.Values[c] == "" {
				errs = append(errs, field.Required(fld.Child("cookie", "values").Key(c),
					"stickyCanary sets a cookie that routes the client back to its colour, so both colours need a cookie value"))
			}
		}
	}
	errs = append(errs, validateTimeout(fld.Child("timeout"), s.Timeout)...)
	names := RuleNames()
	for _, name := range slices.Sorted(maps.Keys(s.Routes)) {
		rp := fld.Child("routes").Key(name)
		if !slices.Contains(names, name) {
			errs = append(errs, field.NotSupported(rp, name, names))
			continue
		}
		errs = append(errs, validateTimeout(rp.Child("timeout"), s.Routes[name].Timeout)...)
	}
	return errs
}

func (s Spec) colours() []string {
	out := []string{}
	for _, r := range s.Releases {
		out = append(out, r.Colour)
	}
	return out
}

func validatePort(fld *field.Path, port int) field.ErrorList {
	if port < 1 || port > 65535 {
		return field.ErrorList{field.Invalid(fld, port, "must be a port between 1 and 65535")}
	}
	return nil
}

func (g Gateway) validate(fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Subdomain(g.Name) {
		errs = append(errs, field.Invalid(fld.Child("name"), g.Name, msg))
	}
	for _, msg := range validation.IsDNS1123Subdomain(g.ClassName) {
		errs = append(errs, field.Invalid(fld.Child("className"), g.ClassName, msg))
	}
	errs = append(errs, validatePort(fld.Child("httpPort"), g.HTTPPort)...)
	errs = append(errs, validatePort(fld.Child("httpsPort"), g.HTTPSPort)...)
	if g.TLS == nil {
		if g.HTTPSRedirect {
			errs = append(errs, field.Invalid(fld.Child("httpsRedirect"), true, "redirecting to HTTPS needs tls (a credentialName for the HTTPS listener)"))
		}
		return errs
	}
	if g.HTTPPort == g.HTTPSPort {
		errs = append(errs, field.Duplicate(fld.Child("httpsPort"), g.HTTPSPort))
	}
	cp := fld.Child("tls", "credentialName")
	if g.TLS.CredentialName == "" {
		errs = append(errs, field.Required(cp, "the Secret, in the app's namespace, that holds the certificate and key"))
	}
	for _, msg := range validation.IsDNS1123Subdomain(g.TLS.CredentialName) {
		if g.TLS.CredentialName != "" {
			errs = append(errs, field.Invalid(cp, g.TLS.CredentialName, msg))
		}
	}
	return errs
}

func (r Rule) validate(fld *field.Path, nameRE, valueRE *regexp.Regexp, release func(*field.Path, string, any) field.ErrorList) field.ErrorList {
	if len(r.Values) == 0 {
		return nil
	}
	var errs field.ErrorList
	if !nameRE.MatchString(r.Name) {
		errs = append(errs, field.Invalid(fld.Child("name"), r.Name, "must be a token: letters, digits and !#$%&'*+-.^_`|~, no spaces"))
	}
	seen := map[string]string{}
	for _, colour := range slices.Sorted(maps.Keys(r.Values)) {
		vp := fld.Child("values").Key(colour)
		v := r.Values[colour]
		switch {
		case !slices.Contains(mesh.Colours, colour):
			errs = append(errs, field.NotSupported(vp, colour, mesh.Colours))
			continue
		case v == "":
			errs = append(errs, field.Required(vp, "the value that selects "+colour))
		case valueRE != nil && !valueRE.MatchString(v):
			errs = append(errs, field.Invalid(vp, v, `must be a cookie value: no spaces, quotes, ',', ';' or '\'`))
		case valueRE == nil && strings.TrimSpace(v) != v:
			errs = append(errs, field.Invalid(vp, v, "must not start or end with whitespace"))
		}
		if other, ok := seen[v]; ok {
			errs = append(errs, field.Duplicate(vp, fmt.Sprintf("%s (also %s's value)", v, other)))
		}
		seen[v] = colour
		errs = append(errs, release(vp, colour, v)...)
	}
	return errs
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
