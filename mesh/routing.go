package mesh

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	networkingv1 "istio.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/mesh/fielderr"
)

// Routing configures the routing of one blue/green app: the settings
// Build turns into a Gateway, a VirtualService and a DestinationRule.
type Routing struct {
	// API is the Istio traffic API the routing is written in:
	// "virtualService" (an Istio Gateway, a VirtualService and a
	// DestinationRule; Build) or "gatewayAPI" (a Kubernetes Gateway of class
	// istio, an HTTPRoute and per-colour Services; package
	// mesh/gatewayapi). Default: "virtualService".
	API string `json:"api"`
	// Hosts are the host names clients use, such as "echo.example.com"; a
	// leading "*." is a wildcard, and "*" alone admits any host.
	// Default: ["*"] (any host, as the walkthrough does; warns in
	// production).
	Hosts []string `json:"hosts"`
	// PathPrefix is the part of Hosts the app serves, for apps that share
	// a host: "/cart" takes /cart and /cart/items, never /cartoon (whole
	// path segments). The app's version paths, cookie and header rules
	// apply under it. It starts with "/" and, unless it is "/", does not
	// end with one. Default: "/".
	PathPrefix string `json:"pathPrefix"`
	// Gateway is the Istio Gateway that admits the hosts.
	Gateway Gateway `json:"gateway"`
	// Live is the colour that takes traffic by default: "blue" or "green".
	// Promotion is changing this one field. Default: "blue".
	Live string `json:"live"`
	// VersionPaths maps a colour to a path prefix that always reaches it;
	// the prefix is stripped, so /v1/health reaches the app as /health.
	// Default: {"blue": "/v1", "green": "/v2"}; {} turns them off.
	VersionPaths map[string]string `json:"versionPaths"`
	// Cookie sends requests that carry a cookie with a colour's value to
	// that colour. Default: name "x-version", values {"blue": "v1",
	// "green": "v2"}; values {} turns it off.
	Cookie Rule `json:"cookie"`
	// Header sends requests with a header of a colour's value to that
	// colour. Default: off (no name).
	Header Rule `json:"header"`
	// CandidateWeight is the percentage of default traffic that goes to the
	// candidate (the colour that is not live), for a canary: 0 to 100.
	// Default: 0 (all default traffic to the live colour).
	CandidateWeight int `json:"candidateWeight"`
	// StickyCanary, with CandidateWeight above 0, has each weighted
	// destination of the default route answer with
	// Set-Cookie: <cookie name>=<colour's cookie value>; Path=/ so that the
	// cookie rule sends the client's next requests to the colour it got.
	// Needs cookie values for both colours. Default: false.
	StickyCanary bool `json:"stickyCanary"`
	// MirrorPercent is the percentage of default traffic that is also sent
	// to the candidate as a copy whose answer is discarded: 0 to 100.
	// Default: 0 (no mirroring).
	MirrorPercent int `json:"mirrorPercent"`
	// Timeout is every route's request timeout, such as "10s".
	// Default: "" (Istio's: none).
	Timeout string `json:"timeout"`
	// Retries is every route's retry policy, in Istio's HTTPRetry terms
	// ({"attempts": 3, "perTryTimeout": "2s", "retryOn": "5xx,reset"}).
	// Default: none (Istio's default policy).
	Retries *Retries `json:"retries"`
	// Routes overrides Timeout and Retries for single routes, by route name:
	// "path-blue", "path-green", "header-blue", "header-green",
	// "cookie-blue", "cookie-green" or "default". Default: none.
	Routes map[string]RouteSettings `json:"routes"`
}

// Gateway configures the Istio Gateway.
type Gateway struct {
	// Name of the Gateway. Default: "<app>-gateway".
	Name string `json:"name"`
	// Selector selects the ingress gateway pods that serve the Gateway.
	// Required with api "virtualService"; routing.New (package
	// constructs/routing) fills it, when empty, from the ingress gateway of
	// the control plane it is given (Istio's default
	// {"istio": "ingressgateway"} without one). Not used with api
	// "gatewayAPI", where Istio deploys the Gateway's pods itself.
	Selector map[string]string `json:"selector"`
	// HTTPPort is the plain HTTP port. Default: 80.
	HTTPPort int `json:"httpPort"`
	// HTTPSPort is the HTTPS port, used with TLS. Default: 443.
	HTTPSPort int `json:"httpsPort"`
	// TLS serves the hosts over HTTPS. Default: none (HTTP only).
	TLS *TLS `json:"tls"`
	// HTTPSRedirect answers plain HTTP with a redirect to HTTPS. Only with
	// TLS. Default: false.
	HTTPSRedirect bool `json:"httpsRedirect"`
}

// TLS is the HTTPS server of the Gateway.
type TLS struct {
	// CredentialName is the Kubernetes secret holding the certificate and
	// key: in the ingress gateway's namespace with api "virtualService", in
	// the app's (the Gateway's) with api "gatewayAPI". Required.
	CredentialName string `json:"credentialName"`
	// Mode is "SIMPLE" (server TLS) or "MUTUAL" (client certificates too).
	// Default: "SIMPLE".
	Mode string `json:"mode"`
	// MinProtocolVersion is "TLSV1_2" or "TLSV1_3". Default: "TLSV1_2".
	MinProtocolVersion string `json:"minProtocolVersion"`
}

// Rule maps each colour to the value of a cookie or header that selects it.
type Rule struct {
	// Name is the cookie or header name.
	Name string `json:"name"`
	// Values maps a colour to its value, such as {"green": "v2"}.
	Values map[string]string `json:"values"`
}

// RouteSettings override the timeout and retries of one route.
type RouteSettings struct {
	// Timeout such as "5s". Default: Routing.Timeout.
	Timeout string `json:"timeout"`
	// Retries in Istio's HTTPRetry terms. Default: Routing.Retries.
	Retries *Retries `json:"retries"`
}

// Retries is Istio's HTTPRetry, read from and written to JSON with Istio's
// own field names and duration format.
type Retries struct {
	*networkingv1.HTTPRetry
}

// UnmarshalJSON reads an HTTPRetry, rejecting unknown fields.
func (r *Retries) UnmarshalJSON(b []byte) error {
	v := &networkingv1.HTTPRetry{}
	if err := protojson.Unmarshal(b, v); err != nil {
		return fmt.Errorf("not an Istio HTTPRetry: %w", err)
	}
	r.HTTPRetry = v
	return nil
}

// MarshalJSON writes the HTTPRetry as Istio's CRDs spell it.
func (r Retries) MarshalJSON() ([]byte, error) {
	if r.HTTPRetry == nil {
		return []byte("null"), nil
	}
	return protojson.Marshal(r.HTTPRetry)
}

// The routing APIs (Routing.API).
const (
	APIVirtualService = "virtualService"
	APIGatewayAPI     = "gatewayAPI"
)

// APIs lists the routing APIs.
var APIs = []string{APIVirtualService, APIGatewayAPI}

// DefaultCookie is the cookie rule of props that set none: the
// walkthrough's x-version=v1 (blue) and x-version=v2 (green).
func DefaultCookie() Rule {
	return Rule{Name: "x-version", Values: map[string]string{Blue: "v1", Green: "v2"}}
}

// WithDefaults returns a copy of p with every unset field given its default,
// for an app named app. It never changes p.
func (p Routing) WithDefaults(app string) Routing {
	if p.API == "" {
		p.API = APIVirtualService
	}
	if p.Hosts == nil {
		p.Hosts = []string{"*"}
	}
	p.Hosts = slices.Clone(p.Hosts)
	if p.PathPrefix == "" {
		p.PathPrefix = "/"
	}
	if p.Live == "" {
		p.Live = Blue
	}
	if p.VersionPaths == nil {
		p.VersionPaths = map[string]string{Blue: "/v1", Green: "/v2"}
	} else {
		p.VersionPaths = maps.Clone(p.VersionPaths)
	}
	d := DefaultCookie()
	if p.Cookie.Name == "" {
		p.Cookie.Name = d.Name
	}
	if p.Cookie.Values == nil {
		p.Cookie.Values = d.Values
	} else {
		p.Cookie.Values = maps.Clone(p.Cookie.Values)
	}
	p.Header.Values = maps.Clone(p.Header.Values)
	g := p.Gateway
	if g.Name == "" {
		g.Name = app + "-gateway"
	}
	g.Selector = maps.Clone(g.Selector)
	if g.HTTPPort == 0 {
		g.HTTPPort = 80
	}
	if g.HTTPSPort == 0 {
		g.HTTPSPort = 443
	}
	if g.TLS != nil {
		tls := *g.TLS
		if tls.Mode == "" {
			tls.Mode = "SIMPLE"
		}
		if tls.MinProtocolVersion == "" {
			tls.MinProtocolVersion = "TLSV1_2"
		}
		g.TLS = &tls
	}
	p.Gateway = g
	p.Routes = maps.Clone(p.Routes)
	return p
}

var (
	tlsModes       = []string{"SIMPLE", "MUTUAL"}
	tlsVersions    = []string{"TLSV1_2", "TLSV1_3"}
	pathPrefixRE   = regexp.MustCompile(`^/[A-Za-z0-9._~!$&'()*+,;=:@%-]+(/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*$`)
	retryOnTokens  = []string{"5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "envoy-ratelimited", "retriable-4xx", "refused-stream", "retriable-status-codes", "retriable-headers", "http3-post-connect-failure", "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable"}
	statusCodeRE   = regexp.MustCompile(`^[1-5][0-9][0-9]$`)
	gatewayLabelRE = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$`)
)

// Validate reports every problem in p (after defaults) as one error.
func (p Routing) Validate() error { return fielderr.Join(p.ValidateAt(nil)) }

// ValidateAt reports every problem in p, which should have its defaults
// applied, with field paths under fld.
func (p Routing) ValidateAt(fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if !slices.Contains(APIs, p.API) {
		errs = append(errs, field.NotSupported(fld.Child("api"), p.API, APIs))
	}
	if len(p.Hosts) == 0 {
		errs = append(errs, field.Required(fld.Child("hosts"), `at least one host name clients use, such as "echo.example.com"`))
	}
	seenHosts := map[string]bool{}
	for i, h := range p.Hosts {
		hp := fld.Child("hosts").Index(i)
		if h == "" {
			errs = append(errs, field.Invalid(hp, h, `must be a host name such as "echo.example.com"`))
			continue
		}
		if seenHosts[h] {
			errs = append(errs, field.Duplicate(hp, h))
		}
		seenHosts[h] = true
		if h == "*" {
			continue
		}
		name := strings.TrimPrefix(h, "*.")
		if msgs := validation.IsDNS1123Subdomain(name); len(msgs) > 0 || !strings.Contains(name, ".") {
			errs = append(errs, field.Invalid(hp, h, `must be a fully qualified host name such as "echo.example.com", optionally starting with "*.", or "*"`))
		}
	}
	errs = append(errs, validatePathPrefix(fld.Child("pathPrefix"), p.PathPrefix)...)
	errs = append(errs, p.Gateway.validate(fld.Child("gateway"), p.API)...)
	if !slices.Contains(Colours, p.Live) {
		errs = append(errs, field.NotSupported(fld.Child("live"), p.Live, Colours))
	}

	prefixes := map[string]string{}
	for _, colour := range slices.Sorted(maps.Keys(p.VersionPaths)) {
		pp := fld.Child("versionPaths").Key(colour)
		prefix := p.VersionPaths[colour]
		if !slices.Contains(Colours, colour) {
			errs = append(errs, field.NotSupported(pp, colour, Colours))
			continue
		}
		if !pathPrefixRE.MatchString(prefix) {
			errs = append(errs, field.Invalid(pp, prefix, `must start with "/" and be a path without a trailing "/" or "//", such as "/v1"`))
			continue
		}
		if other, ok := prefixes[prefix]; ok {
			errs = append(errs, field.Duplicate(pp, fmt.Sprintf("%s (also %s's prefix)", prefix, other)))
		}
		for op, other := range prefixes {
			if strings.HasPrefix(prefix, op+"/") || strings.HasPrefix(op, prefix+"/") {
				errs = append(errs, field.Invalid(pp, prefix, fmt.Sprintf("nests with %s's prefix %s; the colours' paths must not contain each other", other, op)))
			}
		}
		prefixes[prefix] = colour
	}
	errs = append(errs, p.Cookie.validate(fld.Child("cookie"), CookieNameRE, "a cookie name (letters, digits and !#$%&'*+.^_`|~-; no spaces, '=' or ';')", CookieValueRE)...)
	errs = append(errs, p.Header.validate(fld.Child("header"), headerNameRE, "a lowercase HTTP header name such as x-version", nil)...)
	if p.CandidateWeight < 0 || p.CandidateWeight > 100 {
		errs = append(errs, field.Invalid(fld.Child("candidateWeight"), p.CandidateWeight, "must be a percentage from 0 to 100"))
	}
	if p.MirrorPercent < 0 || p.MirrorPercent > 100 {
		errs = append(errs, field.Invalid(fld.Child("mirrorPercent"), p.MirrorPercent, "must be a percentage from 0 to 100"))
	}
	if p.StickyCanary {
		for _, c := range Colours {
			if p.Cookie.Values[c] == "" {
				errs = append(errs, field.Required(fld.Child("cookie", "values").Key(c),
					"stickyCanary sets a cookie that routes the client back to its colour, so both colours need a cookie value"))
			}
		}
	}
	errs = append(errs, validateTimeout(fld.Child("timeout"), p.Timeout)...)
	errs = append(errs, p.Retries.validate(fld.Child("retries"))...)
	names := RouteNames()
	for _, name := range slices.Sorted(maps.Keys(p.Routes)) {
		rp := fld.Child("routes").Key(name)
		if !slices.Contains(names, name) {
			errs = append(errs, field.NotSupported(rp, name, names))
			continue
		}
		errs = append(errs, validateTimeout(rp.Child("timeout"), p.Routes[name].Timeout)...)
		errs = append(errs, p.Routes[name].Retries.validate(rp.Child("retries"))...)
	}
	return errs
}

// validate checks g for the routing API api: the Gateway API's Gateway
// needs no selector, and its TLS secret lives in the app's namespace.
func (g Gateway) validate(fld *field.Path, api string) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Subdomain(g.Name) {
		errs = append(errs, field.Invalid(fld.Child("name"), g.Name, msg))
	}
	if len(g.Selector) == 0 && api != APIGatewayAPI {
		errs = append(errs, field.Required(fld.Child("selector"), `the labels of the ingress gateway pods, such as {"istio": "ingressgateway"}`))
	}
	for _, k := range slices.Sorted(maps.Keys(g.Selector)) {
		for _, msg := range validation.IsQualifiedName(k) {
			errs = append(errs, field.Invalid(fld.Child("selector").Key(k), k, msg))
		}
		for _, msg := range validation.IsValidLabelValue(g.Selector[k]) {
			errs = append(errs, field.Invalid(fld.Child("selector").Key(k), g.Selector[k], msg))
		}
	}
	for _, port := range []struct {
		name  string
		value int
	}{{"httpPort", g.HTTPPort}, {"httpsPort", g.HTTPSPort}} {
		if port.value < 1 || port.value > 65535 {
			errs = append(errs, field.Invalid(fld.Child(port.name), port.value, "must be a port between 1 and 65535"))
		}
	}
	if g.TLS != nil && g.HTTPPort == g.HTTPSPort {
		errs = append(errs, field.Duplicate(fld.Child("httpsPort"), g.HTTPSPort))
	}
	if g.TLS == nil {
		if g.HTTPSRedirect {
			errs = append(errs, field.Invalid(fld.Child("httpsRedirect"), true, "redirecting to HTTPS needs tls (a credentialName for the HTTPS server)"))
		}
		return errs
	}
	tp := fld.Child("tls")
	if g.TLS.CredentialName == "" {
		where := "the ingress gateway's namespace"
		if api == APIGatewayAPI {
			where = "the app's namespace"
		}
		errs = append(errs, field.Required(tp.Child("credentialName"), "the Kubernetes secret, in "+where+", that holds the certificate and key"))
	} else {
		for _, msg := range validation.IsDNS1123Subdomain(g.TLS.CredentialName) {
			errs = append(errs, field.Invalid(tp.Child("credentialName"), g.TLS.CredentialName, msg))
		}
	}
	if !slices.Contains(tlsModes, g.TLS.Mode) {
		errs = append(errs, field.NotSupported(tp.Child("mode"), g.TLS.Mode, tlsModes))
	}
	if !slices.Contains(tlsVersions, g.TLS.MinProtocolVersion) {
		errs = append(errs, field.NotSupported(tp.Child("minProtocolVersion"), g.TLS.MinProtocolVersion, tlsVersions))
	}
	return errs
}

func (r Rule) validate(fld *field.Path, nameRE *regexp.Regexp, nameHint string, valueRE *regexp.Regexp) field.ErrorList {
	var errs field.ErrorList
	if len(r.Values) == 0 {
		return nil
	}
	if !nameRE.MatchString(r.Name) {
		errs = append(errs, field.Invalid(fld.Child("name"), r.Name, "must be "+nameHint))
	}
	seen := map[string]string{}
	for _, colour := range slices.Sorted(maps.Keys(r.Values)) {
		vp := fld.Child("values").Key(colour)
		v := r.Values[colour]
		if !slices.Contains(Colours, colour) {
			errs = append(errs, field.NotSupported(vp, colour, Colours))
			continue
		}
		switch {
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
	}
	return errs
}

func validateTimeout(fld *field.Path, s string) field.ErrorList {
	if s == "" {
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Millisecond {
		return field.ErrorList{field.Invalid(fld, s, `must be a duration of at least 1ms, such as "10s" or "500ms"`)}
	}
	return nil
}

func (r *Retries) validate(fld *field.Path) field.ErrorList {
	if r == nil || r.HTTPRetry == nil {
		return nil
	}
	var errs field.ErrorList
	if r.Attempts < 0 {
		errs = append(errs, field.Invalid(fld.Child("attempts"), r.Attempts, "must be 0 or more"))
	}
	if r.PerTryTimeout != nil && r.PerTryTimeout.AsDuration() < time.Millisecond {
		errs = append(errs, field.Invalid(fld.Child("perTryTimeout"), r.PerTryTimeout.AsDuration().String(), "must be at least 1ms"))
	}
	if r.RetryOn != "" {
		for _, tok := range strings.Split(r.RetryOn, ",") {
			tok = strings.TrimSpace(tok)
			if !slices.Contains(retryOnTokens, tok) && !statusCodeRE.MatchString(tok) {
				errs = append(errs, field.Invalid(fld.Child("retryOn"), r.RetryOn, fmt.Sprintf("%s is not an Envoy retry condition (%s) or an HTTP status code", strconv.Quote(tok), strings.Join(retryOnTokens, ", "))))
			}
		}
	}
	return errs
}

// Warnings lists settings that synthesize but deserve a second look;
// production is true in an environment marked production.
func (p Routing) Warnings(fld *field.Path, production bool) []string {
	var out []string
	if production && slices.Contains(p.Hosts, "*") {
		out = append(out, fld.Child("hosts").String()+`: "*" admits requests for any host name; list the app's host names`)
	}
	if p.StickyCanary && p.CandidateWeight == 0 {
		out = append(out, fld.Child("stickyCanary").String()+": has no effect without a canary (candidateWeight is 0)")
	}
	if production && p.Gateway.TLS == nil {
		out = append(out, fld.Child("gateway", "tls").String()+": the hosts are served over plain HTTP only; set tls.credentialName (and httpsRedirect) for HTTPS")
	}
	return out
}

// validatePathPrefix reports a routing.pathPrefix that is not "/" or a
// path without a trailing "/"; empty is the default, "/".
func validatePathPrefix(p *field.Path, prefix string) field.ErrorList {
	switch {
	case prefix == "" || prefix == "/" || pathPrefixRE.MatchString(prefix):
		return nil
	case !strings.HasPrefix(prefix, "/"):
		return field.ErrorList{field.Invalid(p, prefix, `must start with "/", such as "/`+strings.TrimRight(prefix, "/")+`"`)}
	case strings.HasSuffix(prefix, "/") && pathPrefixRE.MatchString(strings.TrimRight(prefix, "/")):
		return field.ErrorList{field.Invalid(p, prefix, `must not end with "/" (a prefix matches whole path segments, so "`+strings.TrimRight(prefix, "/")+`" already takes everything under it): use "`+strings.TrimRight(prefix, "/")+`"`)}
	}
	return field.ErrorList{field.Invalid(p, prefix, `must be "/" or a path of segments such as "/cart" or "/shop/cart": no trailing "/", "//", spaces, "?" or "#"`)}
}
