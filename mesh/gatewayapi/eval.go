package gatewayapi

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// Model is the Gateway API objects a request meets.
type Model struct {
	// Gateways are the Gateways requests arrive at.
	Gateways []*gwv1.Gateway
	// HTTPRoutes are the routes attached to them.
	HTTPRoutes []*gwv1.HTTPRoute
	// Services are the Services the routes' backendRefs name.
	Services []*corev1.Service
	// Namespaces are the namespaces whose labels a listener's
	// allowedRoutes selector reads, with the kubernetes.io/metadata.name
	// label the API server gives each.
	Namespaces []*corev1.Namespace
}

// ModelOf returns the model of built objects.
func ModelOf(o Objects) Model {
	return Model{Gateways: []*gwv1.Gateway{o.Gateway}, HTTPRoutes: o.Routes(), Services: o.Services}
}

// Request is an HTTP request arriving at a Gateway.
type Request struct {
	// Host is the Host (:authority) header; a port in it is ignored.
	Host string
	// Scheme is "http" or "https". Default: "http".
	Scheme string
	// Port is the Gateway port the request arrives at. Default: 80 for
	// http, 443 for https.
	Port int
	// Method is the HTTP method. Default: "GET".
	Method string
	// Path is the request path, with any query string. Default: "/".
	Path string
	// Headers are the request headers; names are matched
	// case-insensitively.
	Headers map[string]string
	// Cookies are name=value pairs, appended in order to the Cookie header
	// with "; ".
	Cookies []string
	// Service, "namespace/name", makes the request an in-mesh call to that
	// Service (on Port, if set) instead of a request at a Gateway; Host,
	// Scheme and the Gateways are then not used. Default: "" (ingress).
	Service string
}

// Outcome is what the Gateway does with a request.
type Outcome struct {
	// Status is 0 when the request is forwarded to Backends; else the
	// status the Gateway answers with itself: 404 when no rule matches,
	// 500 when the rule has no usable backend, or the redirect's status.
	Status int
	// Reason says why Status is not 0.
	Reason string
	// Gateway ("namespace/name") and Listener admitted the request.
	Gateway, Listener string
	// Route is the HTTPRoute ("namespace/name") whose rule decided.
	Route string
	// Rule is the rule's name, or "#<index>" when it has none.
	Rule string
	// Match is the index of the rule's match that held.
	Match int
	// Precedence describes the winning match as the Gateway API ranks
	// it, such as `PathPrefix "/v1" (3 characters), 0 headers`.
	Precedence string
	// Outranked lists the other rules that matched too but rank lower
	// ("namespace/name rule"), best first; under a VirtualService's
	// first-match order, one of them listed before the deciding rule would
	// have decided instead.
	Outranked []string
	// Path is the path, with the query string, the backend receives.
	Path string
	// Redirect is the Location of a redirect.
	Redirect string
	// Backends are the weighted backends.
	Backends []Backend
	// ResponseHeaders are added to every response by the rule (its
	// ResponseHeaderModifier's set and add), and ResponseHeadersRemoved
	// removed from it (its remove).
	ResponseHeaders        []gwv1.HTTPHeader
	ResponseHeadersRemoved []string
	// RequestHeaders are the changes the rule's RequestHeaderModifier
	// makes to the request before it is forwarded; they never change the
	// backend.
	RequestHeaders gwv1.HTTPHeaderFilter
	// Hostname is the Host the backend receives when a URLRewrite
	// rewrites it; "" when none does.
	Hostname string
	// Mirrors receive a copy of the request; their answers are discarded.
	Mirrors []Mirror
	// Timeout is the rule's request timeout (timeouts.request); 0 when the
	// rule sets none or sets "0s", which both mean no timeout in Istio.
	Timeout time.Duration
	// NotEvaluated says which field of the objects that decide the
	// request the evaluator does not model ("not evaluated: <object>
	// <field path>", or "not evaluated: namespace labels unknown: ...");
	// the rest of the outcome is then not an answer.
	NotEvaluated string
}

// Backend is a weighted backend of the deciding rule.
type Backend struct {
	// Service is "namespace/name" and Port its port.
	Service string
	Port    int
	// Colour is the Service's bluegreen.io/colour label, if any.
	Colour string
	// Weight is the backendRef's weight (default 1) and Percent its share
	// of the rule's requests.
	Weight  int
	Percent float64
	// ResponseHeaders are added to the responses this backend sends, and
	// ResponseHeadersRemoved removed from them; RequestHeaders are the
	// changes made to the requests sent to it.
	ResponseHeaders        []gwv1.HTTPHeader
	ResponseHeadersRemoved []string
	RequestHeaders         gwv1.HTTPHeaderFilter
	// Unresolved says why the backend cannot be reached (requests sent to
	// it get a 500); empty when it can.
	Unresolved string
}

// Mirror is a mirror target.
type Mirror struct {
	// Service is "namespace/name" and Port its port.
	Service string
	Port    int
	// Colour is the Service's bluegreen.io/colour label, if any.
	Colour string
	// Percent is the share of requests mirrored.
	Percent float64
	// Unresolved says why the mirror cannot be reached; empty when it can.
	Unresolved string
}

// candidate is one match of one rule that holds for a request.
type candidate struct {
	route       *gwv1.HTTPRoute
	rule, match int
	m           gwv1.HTTPRouteMatch
	value       string // the path match's value
	prefix      string // the PathPrefix that matched, trailing "/" removed
	rank, size  int
}

// Evaluate returns what the Gateway does with r, with the Gateway API's
// semantics as Istio implements them: the virtual host (the intersection of
// a listener's and a route's hostnames) that matches the host most
// specifically, among the listeners on the request's port and protocol (for
// HTTPS, only the listener whose hostname best matches the server name);
// among the rules of its HTTPRoutes, the matching one with the highest
// precedence (exact path, then the longest PathPrefix, then
// regular-expression paths, then a method match, then the most header
// matches, then the most query matches, then the oldest route, then
// "namespace/name", then list order). PathPrefix matches whole path
// segments; regexes are RE2 and match the whole value, as Envoy applies
// them.
//
// A request with Service set is an in-mesh call to that Service (the
// Gateway API for service meshes, GAMMA): the HTTPRoutes in the Service's
// namespace whose parentRef is the Service decide, with the same
// precedence; without one, the Service itself receives the request.
func (m Model) Evaluate(r Request) (Outcome, error) {
	r = r.withDefaults()
	var out Outcome
	var routes []*gwv1.HTTPRoute
	where := ""
	if r.Service != "" {
		routes = m.meshRoutes(r)
		if len(routes) == 0 {
			return m.direct(r), nil
		}
		where = "Service " + r.Service
	} else {
		gw, l, attachedRoutes, found, unknown := m.served(r)
		if !found {
			return notFound(out, fmt.Sprintf("no Gateway listener serves host %q on %s port %d", r.Host, r.Scheme, r.Port)), nil
		}
		out.Gateway, out.Listener = key(gw.Namespace, gw.Name), string(l.Name)
		if out.NotEvaluated = GatewayFields.NotEvaluated("Gateway "+out.Gateway, gw.Spec); out.NotEvaluated != "" {
			return out, nil
		}
		if unknown != "" {
			out.NotEvaluated = mesh.NotEvaluatedPrefix + unknown
			return out, nil
		}
		if len(attachedRoutes) == 0 {
			return notFound(out, fmt.Sprintf("no HTTPRoute attached to %s listener %s admits host %q", out.Gateway, out.Listener, r.Host)), nil
		}
		routes = attachedRoutes
		where = out.Gateway + " listener " + out.Listener
	}
	for _, route := range routes {
		if out.NotEvaluated = HTTPRouteFields.NotEvaluated("HTTPRoute "+key(route.Namespace, route.Name), route.Spec); out.NotEvaluated != "" {
			return out, nil
		}
	}

	win, outranked, err := decide(routes, r)
	if err != nil {
		return out, err
	}
	if win == nil {
		return notFound(out, fmt.Sprintf("no rule of the HTTPRoutes attached to %s matches", where)), nil
	}
	rule := win.route.Spec.Rules[win.rule]
	out.Route, out.Rule, out.Match = key(win.route.Namespace, win.route.Name), ruleName(rule, win.rule), win.match
	out.Precedence, out.Outranked = describe(*win), outranked
	out.Path = r.Path
	if err := m.apply(&out, *win, r); err != nil {
		return out, fmt.Errorf("httproute %s rule %s: %w", out.Route, out.Rule, err)
	}
	return out, nil
}

// decide returns the matching rule of routes with the highest precedence
// for r, or nil, and the other matching rules ("namespace/name rule"), best
// first.
func decide(routes []*gwv1.HTTPRoute, r Request) (*candidate, []string, error) {
	var cands []candidate
	err := eachMatch(routes, func(at candidate) error {
		c, ok, err := matchRequest(at.m, r)
		if ok {
			c.route, c.rule, c.match = at.route, at.rule, at.match
			cands = append(cands, c)
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if len(cands) == 0 {
		return nil, nil, nil
	}
	slices.SortStableFunc(cands, precedence)
	win := cands[0]
	var outranked []string
	for _, c := range cands[1:] {
		name := key(c.route.Namespace, c.route.Name) + " " + ruleName(c.route.Spec.Rules[c.rule], c.rule)
		if (c.route != win.route || c.rule != win.rule) && !slices.Contains(outranked, name) {
			outranked = append(outranked, name)
		}
	}
	return &win, outranked, nil
}

// apply applies the winning rule's filters and backends to out.
func (m Model) apply(out *Outcome, win candidate, r Request) error {
	rule := win.route.Spec.Rules[win.rule]
	if t := rule.Timeouts; t != nil && t.Request != nil {
		d, err := time.ParseDuration(string(*t.Request))
		if err != nil {
			return fmt.Errorf("timeouts.request %q: %w", *t.Request, err)
		}
		out.Timeout = d
	}
	for _, f := range rule.Filters {
		switch {
		case f.Type == gwv1.HTTPRouteFilterURLRewrite && f.URLRewrite != nil:
			p, err := rewritePath(f.URLRewrite.Path, win, r.Path)
			if err != nil {
				return err
			}
			out.Path = p
			if f.URLRewrite.Hostname != nil {
				out.Hostname = string(*f.URLRewrite.Hostname)
			}
		case f.Type == gwv1.HTTPRouteFilterRequestRedirect && f.RequestRedirect != nil:
			loc, status, err := redirect(f.RequestRedirect, win, r)
			if err != nil {
				return err
			}
			out.Status, out.Redirect, out.Reason = status, loc, "redirect"
			return nil
		case f.Type == gwv1.HTTPRouteFilterRequestMirror && f.RequestMirror != nil:
			mirror := Mirror{Percent: mirrorPercent(f.RequestMirror)}
			mirror.Service, mirror.Port, mirror.Colour, mirror.Unresolved = m.resolve(win.route.Namespace, f.RequestMirror.BackendRef)
			out.Mirrors = append(out.Mirrors, mirror)
		case f.Type == gwv1.HTTPRouteFilterResponseHeaderModifier && f.ResponseHeaderModifier != nil:
			out.ResponseHeaders = append(out.ResponseHeaders, headersAdded(f.ResponseHeaderModifier)...)
			out.ResponseHeadersRemoved = append(out.ResponseHeadersRemoved, f.ResponseHeaderModifier.Remove...)
		case f.Type == gwv1.HTTPRouteFilterRequestHeaderModifier && f.RequestHeaderModifier != nil:
			out.RequestHeaders = merged(out.RequestHeaders, f.RequestHeaderModifier)
		default:
			out.NotEvaluated = fmt.Sprintf("%sHTTPRoute %s rule %s: a %s filter (or a filter without its settings)", mesh.NotEvaluatedPrefix, out.Route, out.Rule, f.Type)
			return nil
		}
	}

	total := 0
	for _, b := range rule.BackendRefs {
		total += int(weight(b))
	}
	for _, b := range rule.BackendRefs {
		be := Backend{Weight: int(weight(b))}
		if total > 0 {
			be.Percent = 100 * float64(be.Weight) / float64(total)
		}
		be.Service, be.Port, be.Colour, be.Unresolved = m.resolve(win.route.Namespace, b.BackendObjectReference)
		for _, f := range b.Filters {
			switch {
			case f.Type == gwv1.HTTPRouteFilterResponseHeaderModifier && f.ResponseHeaderModifier != nil:
				be.ResponseHeaders = append(be.ResponseHeaders, headersAdded(f.ResponseHeaderModifier)...)
				be.ResponseHeadersRemoved = append(be.ResponseHeadersRemoved, f.ResponseHeaderModifier.Remove...)
			case f.Type == gwv1.HTTPRouteFilterRequestHeaderModifier && f.RequestHeaderModifier != nil:
				be.RequestHeaders = merged(be.RequestHeaders, f.RequestHeaderModifier)
			default:
				out.NotEvaluated = fmt.Sprintf("%sHTTPRoute %s rule %s backend %s: a %s filter (or a filter without its settings)", mesh.NotEvaluatedPrefix, out.Route, out.Rule, be.Service, f.Type)
				return nil
			}
		}
		out.Backends = append(out.Backends, be)
	}
	if total == 0 {
		out.Status, out.Reason = 500, "the rule has no backend with a weight above 0"
	}
	return nil
}

func notFound(out Outcome, reason string) Outcome {
	out.Status, out.Reason = 404, reason
	return out
}

func (r Request) withDefaults() Request {
	if r.Scheme == "" {
		r.Scheme = "http"
	}
	if r.Port == 0 && r.Service == "" {
		r.Port = 80
		if r.Scheme == "https" {
			r.Port = 443
		}
	}
	if r.Method == "" {
		r.Method = "GET"
	}
	if r.Path == "" {
		r.Path = "/"
	}
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		r.Host = h
	}
	r.Host = strings.ToLower(r.Host)
	headers := map[string]string{}
	for k, v := range r.Headers {
		headers[strings.ToLower(k)] = v
	}
	if len(r.Cookies) > 0 {
		cookies := strings.Join(r.Cookies, "; ")
		if c, ok := headers["cookie"]; ok && c != "" {
			cookies = c + "; " + cookies
		}
		headers["cookie"] = cookies
	}
	r.Headers = headers
	return r
}

func key(ns, name string) string { return ns + "/" + name }

func ruleName(rule gwv1.HTTPRouteRule, i int) string {
	if rule.Name != nil && *rule.Name != "" {
		return string(*rule.Name)
	}
	return "#" + strconv.Itoa(i)
}

// rewritePath applies a URLRewrite path modifier. ReplacePrefixMatch
// replaces the matched prefix by whole segments (/v1/a with "/" becomes
// /a, /v1 becomes /); the query string is kept.
func rewritePath(pm *gwv1.HTTPPathModifier, c candidate, full string) (string, error) {
	if pm == nil {
		return full, nil
	}
	path, query, hasQuery := strings.Cut(full, "?")
	switch pm.Type {
	case gwv1.FullPathHTTPPathModifier:
		if pm.ReplaceFullPath == nil {
			return "", fmt.Errorf("ReplaceFullPath without a replaceFullPath value")
		}
		path = *pm.ReplaceFullPath
	case gwv1.PrefixMatchHTTPPathModifier:
		if pm.ReplacePrefixMatch == nil {
			return "", fmt.Errorf("ReplacePrefixMatch without a replacePrefixMatch value")
		}
		if c.rank != rankPrefix {
			return "", fmt.Errorf("ReplacePrefixMatch needs a PathPrefix match")
		}
		rest := path
		if c.prefix != "/" {
			rest = path[len(c.prefix):]
		}
		if rest != "" && !strings.HasPrefix(rest, "/") {
			rest = "/" + rest
		}
		path = strings.TrimSuffix(*pm.ReplacePrefixMatch, "/") + rest
		if path == "" {
			path = "/"
		}
	default:
		return "", fmt.Errorf("path modifier %q is not evaluated", pm.Type)
	}
	if hasQuery {
		path += "?" + query
	}
	return path, nil
}

// redirect returns the Location and status of a RequestRedirect.
func redirect(f *gwv1.HTTPRequestRedirectFilter, c candidate, r Request) (string, int, error) {
	scheme, host, port := r.Scheme, r.Host, r.Port
	if f.Scheme != nil {
		scheme = *f.Scheme
		// Without a port, the scheme's well-known port.
		port = map[string]int{"http": 80, "https": 443}[scheme]
	}
	if f.Hostname != nil {
		host = string(*f.Hostname)
	}
	if f.Port != nil {
		port = int(*f.Port)
	}
	path := r.Path
	if f.Path != nil {
		p, err := rewritePath(f.Path, c, r.Path)
		if err != nil {
			return "", 0, err
		}
		path = p
	}
	if port != 0 && port != map[string]int{"http": 80, "https": 443}[scheme] {
		host = net.JoinHostPort(host, strconv.Itoa(port))
	}
	status := 302
	if f.StatusCode != nil {
		status = *f.StatusCode
	}
	return scheme + "://" + host + path, status, nil
}

func mirrorPercent(f *gwv1.HTTPRequestMirrorFilter) float64 {
	switch {
	case f.Percent != nil:
		return float64(*f.Percent)
	case f.Fraction != nil:
		den := int32(100)
		if f.Fraction.Denominator != nil {
			den = *f.Fraction.Denominator
		}
		return 100 * float64(f.Fraction.Numerator) / float64(den)
	default:
		return 100
	}
}

func headersAdded(f *gwv1.HTTPHeaderFilter) []gwv1.HTTPHeader {
	if f == nil {
		return nil
	}
	return append(slices.Clone(f.Set), f.Add...)
}

// merged returns a followed by the changes of b.
func merged(a gwv1.HTTPHeaderFilter, b *gwv1.HTTPHeaderFilter) gwv1.HTTPHeaderFilter {
	return gwv1.HTTPHeaderFilter{
		Set:    append(slices.Clone(a.Set), b.Set...),
		Add:    append(slices.Clone(a.Add), b.Add...),
		Remove: append(slices.Clone(a.Remove), b.Remove...),
	}
}

func weight(b gwv1.HTTPBackendRef) int32 {
	if b.Weight == nil {
		return 1
	}
	return *b.Weight
}

// resolve finds the Service a backend reference names, relative to the
// route's namespace ns.
func (m Model) resolve(routeNS string, ref gwv1.BackendObjectReference) (service string, port int, colour, unresolved string) {
	ns := routeNS
	if ref.Namespace != nil {
		ns = string(*ref.Namespace)
	}
	service = key(ns, string(ref.Name))
	if ref.Port != nil {
		port = int(*ref.Port)
	}
	if ref.Group != nil && *ref.Group != "" || ref.Kind != nil && *ref.Kind != "Service" {
		return service, port, "", "only Service backends are evaluated"
	}
	if ns != routeNS {
		return service, port, "", "a backend in another namespace needs a ReferenceGrant, which is not evaluated"
	}
	for _, s := range m.Services {
		if s.Namespace != ns || s.Name != string(ref.Name) {
			continue
		}
		colour = s.Labels[ColourLabel]
		if ref.Port == nil {
			return service, port, colour, "a Service backend needs a port"
		}
		for _, p := range s.Spec.Ports {
			if int(p.Port) == port {
				return service, port, colour, ""
			}
		}
		return service, port, colour, fmt.Sprintf("Service %s has no port %d", service, port)
	}
	return service, port, "", fmt.Sprintf("Service %s does not exist", service)
}

// ModelOfMesh returns the Gateway API part of an environment's mesh model:
// its Gateways, HTTPRoutes, Services (the Services as decoded, which
// include the per-colour ones the routes name) and Namespaces.
func ModelOfMesh(m *mesh.Model) Model {
	var out Model
	for _, g := range m.KubernetesGateways {
		out.Gateways = append(out.Gateways, g.Object)
	}
	for _, r := range m.HTTPRoutes {
		out.HTTPRoutes = append(out.HTTPRoutes, r.Object)
	}
	for _, s := range m.Services {
		out.Services = append(out.Services, s.Service)
	}
	for _, n := range m.Namespaces {
		out.Namespaces = append(out.Namespaces, n.Namespace)
	}
	return out
}
