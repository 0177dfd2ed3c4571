package mesh

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	networkingv1 "istio.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Request is an HTTP request arriving at the ingress gateway.
type Request struct {
	// Host is the Host (:authority) header, without a port.
	Host string
	// Path is the request path, with any query string.
	Path string
	// Method is the HTTP method. Default: "GET".
	Method string
	// Scheme is "http" or "https". Default: "http".
	Scheme string
	// Headers are the request headers; names are matched case-insensitively.
	Headers map[string]string
}

// Destination is where a share of the matched requests goes.
type Destination struct {
	// Host and Subset are the route destination's.
	Host, Subset string
	// Weight is the share of requests, in percent.
	Weight int
	// Release is the Helm release whose pods serve the subset, and
	// Deployment its Deployment; empty when no workload matches.
	Release, Deployment string
	// Replicas is the Deployment's replica count.
	Replicas int32
	// Text is what the http-echo pods answer (their -text argument).
	Text string
	// SetCookie is the Set-Cookie header the route adds to this
	// destination's answers (a sticky canary), or "".
	SetCookie string
	// RequestHeaders and ResponseHeaders are the header changes the route
	// and this destination make (headers.request, headers.response), the
	// route's first; Set-Cookie is among them too.
	RequestHeaders, ResponseHeaders HeaderChanges
}

// HeaderChanges are the changes a route makes to the headers of a request
// or of a response: set (replace), add (append) and remove. They never
// change where the request goes.
type HeaderChanges struct {
	// Set and Add are header names and values, sorted by name.
	Set, Add []Header
	// Remove are the header names removed.
	Remove []string
}

// Header is a header name and value.
type Header struct {
	Name, Value string
}

// Empty reports whether c changes nothing.
func (c HeaderChanges) Empty() bool { return len(c.Set)+len(c.Add)+len(c.Remove) == 0 }

// String writes the changes as "set a: 1, add b: 2, remove c", or "".
func (c HeaderChanges) String() string {
	var parts []string
	for _, h := range c.Set {
		parts = append(parts, "set "+h.Name+": "+h.Value)
	}
	for _, h := range c.Add {
		parts = append(parts, "add "+h.Name+": "+h.Value)
	}
	for _, n := range c.Remove {
		parts = append(parts, "remove "+n)
	}
	return strings.Join(parts, ", ")
}

// Fault is a fault a route injects (fault.abort, fault.delay): Percent of
// the requests are aborted with Status, or delayed by Delay.
type Fault struct {
	// Status is the abort's HTTP status; 0 for a delay.
	Status int
	// Delay is the delay's fixed delay; 0 for an abort.
	Delay time.Duration
	// Percent is the share of requests it applies to.
	Percent float64
}

// Outcome is where a request goes.
type Outcome struct {
	// Gateway and VirtualService name the objects that admitted and routed
	// the request ("namespace/name").
	Gateway, VirtualService string
	// Route is the matched HTTP route's name, or "#<index>" if unnamed.
	Route string
	// Match names the match block that held ("#<index>" if unnamed; "" when
	// the route has no conditions).
	Match string
	// Path is the path the app receives, after any rewrite.
	Path string
	// Redirect is set when the gateway redirects instead (HTTPS redirect).
	Redirect string
	// Destinations are the weighted destinations.
	Destinations []Destination
	// NotFound says why nothing routes the request (Envoy answers 404).
	NotFound string
	// Mirror is where a copy of the request goes, its answer discarded, or
	// nil; MirrorPercent is the share of requests mirrored.
	Mirror        *Destination
	MirrorPercent float64
	// Timeout is the route's request timeout; 0 when the route sets none
	// (Istio then disables Envoy's default of 15 s).
	Timeout time.Duration
	// Abort is the fault the route aborts requests with, or nil: with
	// Percent 100 no request reaches Destinations. Delay is the delay the
	// route injects, or nil.
	Abort, Delay *Fault
	// Authority is the Host (:authority) the app receives, when the route
	// rewrites it (rewrite.authority); "" when it does not.
	Authority string
	// NotEvaluated says which field of the objects that decide the
	// request the evaluator does not model ("not evaluated: <field
	// path>"); the rest of the outcome is then not an answer.
	NotEvaluated string
	// Delegate is the VirtualService ("namespace/name") that a route of
	// the root VirtualService delegated the request to, and DelegateRoute
	// the name of its route that matched (Route is then the merged name
	// Istio gives it, "<root route>-<delegate route>"); both "" without
	// delegation.
	Delegate, DelegateRoute string
}

// Evaluate returns where r goes, with Istio's semantics: the Gateway must
// serve the host on the request's scheme, the first VirtualService bound to
// it whose hosts match wins, and within it the first HTTP route whose
// conditions hold (any match block; every condition of a block; regexes are
// RE2 and must match the whole value, as Envoy applies them).
func (m *Model) Evaluate(r Request) (Outcome, error) {
	return m.evaluate(r, nil)
}

// Evaluator evaluates many requests on one model, reusing what each
// request reads again (a root VirtualService's routes merged with its
// delegates', the check of the fields the evaluator models), which with
// dozens of apps behind one root is most of the time. The model must not
// change while an Evaluator of it is used.
type Evaluator struct {
	m          *Model
	routes     map[*networkingv1.VirtualService][]effectiveRoute
	unmodelled map[evalKey]string
}

type evalKey struct {
	what string
	spec any
}

// Evaluator returns an Evaluator of m.
func (m *Model) Evaluator() *Evaluator {
	return &Evaluator{m: m, routes: map[*networkingv1.VirtualService][]effectiveRoute{}, unmodelled: map[evalKey]string{}}
}

// Evaluate is Model.Evaluate.
func (e *Evaluator) Evaluate(r Request) (Outcome, error) { return e.m.evaluate(r, e) }

func (e *Evaluator) effectiveRoutes(vs Object[*networkingv1.VirtualService]) []effectiveRoute {
	if e == nil {
		return nil
	}
	if rs, ok := e.routes[vs.Spec]; ok {
		return rs
	}
	rs := e.m.effectiveRoutes(vs)
	e.routes[vs.Spec] = rs
	return rs
}

func (e *Evaluator) notEvaluated(f Fields, what string, spec any) string {
	if e == nil {
		return f.NotEvaluated(what, spec)
	}
	k := evalKey{what, spec}
	if s, ok := e.unmodelled[k]; ok {
		return s
	}
	s := f.NotEvaluated(what, spec)
	e.unmodelled[k] = s
	return s
}

// evaluate is Evaluate, with what e holds (nil: nothing).
func (m *Model) evaluate(r Request, e *Evaluator) (Outcome, error) {
	if r.Method == "" {
		r.Method = "GET"
	}
	if r.Scheme == "" {
		r.Scheme = "http"
	}
	if r.Path == "" {
		r.Path = "/"
	}
	headers := map[string]string{}
	for k, v := range r.Headers {
		headers[strings.ToLower(k)] = v
	}
	r.Headers = headers

	var out Outcome
	gw, server := m.server(r)
	if gw == nil {
		out.NotFound = fmt.Sprintf("no Gateway serves host %q over %s", r.Host, r.Scheme)
		return out, nil
	}
	out.Gateway = gw.Namespace + "/" + gw.Name
	if out.NotEvaluated = e.notEvaluated(GatewayFields, "Gateway "+out.Gateway, gw.Spec); out.NotEvaluated != "" {
		return out, nil
	}
	if server.GetTls().GetHttpsRedirect() && r.Scheme == "http" {
		out.Redirect = "https://" + r.Host + r.Path
		return out, nil
	}
	for _, vs := range m.VirtualServices {
		if !boundTo(vs.Spec.GetGateways(), vs.Namespace, gw) || !anyHostMatches(vs.Spec.GetHosts(), r.Host) {
			continue
		}
		out.VirtualService = vs.Namespace + "/" + vs.Name
		if out.NotEvaluated = e.notEvaluated(VirtualServiceFields, "VirtualService "+out.VirtualService, vs.Spec); out.NotEvaluated != "" {
			return out, nil
		}
		routes := e.effectiveRoutes(vs)
		if e == nil {
			routes = m.effectiveRoutes(vs)
		}
		for i, route := range routes {
			match, prefix, ok, err := routeMatches(route.HTTPRoute, r)
			if err != nil {
				return out, fmt.Errorf("virtualservice %s route %s: %w", out.VirtualService, RouteName(route.HTTPRoute, i), err)
			}
			if !ok {
				continue
			}
			if route.delegate != nil {
				out.Delegate = route.delegate.Namespace + "/" + route.delegate.Name
				out.DelegateRoute = route.delegateRoute
				if out.NotEvaluated = e.notEvaluated(VirtualServiceFields, "VirtualService "+out.Delegate, route.delegate.Spec); out.NotEvaluated != "" {
					return out, nil
				}
			}
			vs := vs
			if route.delegate != nil {
				vs = *route.delegate
			}
			i, route := i, route.HTTPRoute
			out.Route, out.Match = RouteName(route, i), match
			out.Path, err = rewrite(route.GetRewrite(), r.Path, prefix)
			if err != nil {
				return out, fmt.Errorf("virtualservice %s route %s: %w", out.VirtualService, out.Route, err)
			}
			out.Authority = route.GetRewrite().GetAuthority()
			if route.GetRedirect() != nil || route.GetDirectResponse() != nil || route.GetDelegate() != nil {
				return out, fmt.Errorf("virtualservice %s route %s: redirect, directResponse and delegate routes are not evaluated", out.VirtualService, out.Route)
			}
			if out.Abort, out.Delay, out.NotEvaluated = faults(route.GetFault(), fmt.Sprintf("VirtualService %s spec.http[%d].fault", out.VirtualService, i)); out.NotEvaluated != "" {
				return out, nil
			}
			out.Destinations = m.destinations(route, vs.Namespace)
			out.Timeout = route.GetTimeout().AsDuration()
			if mr := route.GetMirror(); mr != nil {
				d := m.Resolve(Destination{Host: mr.GetHost(), Subset: mr.GetSubset(), Weight: 100}, vs.Namespace)
				out.Mirror = &d
				// Istio mirrors 100 % when mirrorPercentage is unset.
				out.MirrorPercent = 100
				if pct := route.GetMirrorPercentage(); pct != nil {
					out.MirrorPercent = pct.GetValue()
				}
			}
			hosts := []string{}
			for _, d := range route.GetRoute() {
				hosts = append(hosts, d.GetDestination().GetHost())
			}
			if mr := route.GetMirror(); mr != nil {
				hosts = append(hosts, mr.GetHost())
			}
			for _, h := range hosts {
				if dr := m.destinationRule(h, vs.Namespace); dr != nil {
					if out.NotEvaluated = e.notEvaluated(DestinationRuleFields, "DestinationRule "+dr.Namespace+"/"+dr.Name, dr.Spec); out.NotEvaluated != "" {
						return out, nil
					}
				}
			}
			return out, nil
		}
		out.NotFound = fmt.Sprintf("no route of VirtualService %s matches", out.VirtualService)
		return out, nil
	}
	out.NotFound = fmt.Sprintf("no VirtualService bound to Gateway %s has host %q", out.Gateway, r.Host)
	return out, nil
}

// faults reads a route's fault injection: the abort and the delay, each
// with the share of requests it applies to. An abort without a
// percentage, or with a gRPC status or an HTTP/2 error, is not evaluated
// (at names the fault in the answer).
func faults(f *networkingv1.HTTPFaultInjection, at string) (abort, delay *Fault, notEvaluated string) {
	if a := f.GetAbort(); a != nil {
		if a.GetPercentage() == nil {
			return nil, nil, NotEvaluatedPrefix + at + ".abort.percentage (unset; Envoy's default share is not modelled)"
		}
		abort = &Fault{Status: int(a.GetHttpStatus()), Percent: a.GetPercentage().GetValue()}
	}
	if d := f.GetDelay(); d != nil {
		delay = &Fault{Delay: d.GetFixedDelay().AsDuration(), Percent: d.GetPercentage().GetValue()}
	}
	return abort, delay, ""
}

// destinationRule returns the DestinationRule for a destination host
// (relative to namespace ns), or nil.
func (m *Model) destinationRule(host, ns string) *Object[*networkingv1.DestinationRule] {
	name, sns := serviceOf(host, ns)
	for i, dr := range m.DestinationRules {
		if n, drns := serviceOf(dr.Spec.GetHost(), dr.Namespace); n == name && drns == sns {
			return &m.DestinationRules[i]
		}
	}
	return nil
}

// server returns the first Gateway server that admits the request.
func (m *Model) server(r Request) (*Object[*networkingv1.Gateway], *networkingv1.Server) {
	for i := range m.Gateways {
		gw := &m.Gateways[i]
		for _, s := range gw.Spec.GetServers() {
			proto := strings.ToUpper(s.GetPort().GetProtocol())
			if (r.Scheme == "https") != (proto == "HTTPS") {
				continue
			}
			if ServerAdmits(s, r.Host) {
				return gw, s
			}
		}
	}
	return nil, nil
}

// boundTo reports whether a VirtualService in namespace ns with gateways
// names gw.
func boundTo(gateways []string, ns string, gw *Object[*networkingv1.Gateway]) bool {
	return slices.ContainsFunc(gateways, func(ref string) bool {
		gns, name := GatewayRef(ref, ns)
		return name == gw.Name && gns == gw.Namespace
	})
}

func anyHostMatches(hosts []string, host string) bool {
	return slices.ContainsFunc(hosts, func(h string) bool { return HostMatches(h, host) })
}

// routeMatches reports whether r satisfies route: a route without match
// blocks matches everything; otherwise the first block whose conditions all
// hold. It returns the block's name and the path prefix the block matched,
// which a rewrite replaces.
func routeMatches(route *networkingv1.HTTPRoute, r Request) (name, prefix string, ok bool, err error) {
	if len(route.GetMatch()) == 0 {
		return "", "/", true, nil
	}
	for i, m := range route.GetMatch() {
		prefix, ok, err := blockMatches(m, r)
		if err != nil {
			return "", "", false, err
		}
		if ok {
			return nameOr(m.GetName(), i), prefix, true, nil
		}
	}
	return "", "", false, nil
}

// blockMatches evaluates one HTTPMatchRequest: every condition must hold.
func blockMatches(m *networkingv1.HTTPMatchRequest, r Request) (prefix string, ok bool, err error) {
	switch {
	case len(m.GetSourceLabels()) > 0, m.GetSourceNamespace() != "":
		return "", false, fmt.Errorf("sourceLabels and sourceNamespace describe mesh-internal callers, not ingress requests; not evaluated")
	case len(m.GetGateways()) > 0:
		return "", false, fmt.Errorf("match-level gateways are not evaluated")
	}
	path, _, _ := strings.Cut(r.Path, "?")
	prefix = "/"
	if u := m.GetUri(); u != nil {
		subject := r.Path
		if u.GetPrefix() == "" {
			// Envoy compares exact and regex path matches without the
			// query string, prefixes against the whole :path.
			subject = path
		}
		ok, err := stringMatches(u, subject, m.GetIgnoreUriCase())
		if err != nil || !ok {
			return "", false, err
		}
		switch {
		case u.GetPrefix() != "":
			prefix = r.Path[:len(u.GetPrefix())]
		case u.GetExact() != "":
			prefix = path
		default:
			prefix = ""
		}
	}
	for _, c := range []struct {
		m     *networkingv1.StringMatch
		value string
	}{{m.GetScheme(), r.Scheme}, {m.GetMethod(), r.Method}, {m.GetAuthority(), r.Host}} {
		if c.m == nil {
			continue
		}
		if ok, err := stringMatches(c.m, c.value, false); err != nil || !ok {
			return "", false, err
		}
	}
	if m.GetPort() != 0 {
		return "", false, fmt.Errorf("port matches are not evaluated")
	}
	for _, name := range slices.Sorted(maps.Keys(m.GetHeaders())) {
		value, present := r.Headers[strings.ToLower(name)]
		if !present {
			return "", false, nil
		}
		if ok, err := stringMatches(m.GetHeaders()[name], value, false); err != nil || !ok {
			return "", false, err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(m.GetWithoutHeaders())) {
		value, present := r.Headers[strings.ToLower(name)]
		if present {
			ok, err := stringMatches(m.GetWithoutHeaders()[name], value, false)
			if err != nil {
				return "", false, err
			}
			if ok {
				return "", false, nil
			}
		}
	}
	if len(m.GetQueryParams()) > 0 {
		query := parseQuery(r.Path)
		for _, name := range slices.Sorted(maps.Keys(m.GetQueryParams())) {
			value, present := query[name]
			if !present {
				return "", false, nil
			}
			if ok, err := stringMatches(m.GetQueryParams()[name], value, false); err != nil || !ok {
				return "", false, err
			}
		}
	}
	return prefix, true, nil
}

func parseQuery(path string) map[string]string {
	out := map[string]string{}
	_, q, ok := strings.Cut(path, "?")
	if !ok {
		return out
	}
	for _, kv := range strings.Split(q, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if _, seen := out[k]; !seen && k != "" {
			out[k] = v
		}
	}
	return out
}

// stringMatches applies an Istio StringMatch. An empty StringMatch ({})
// matches any value (presence). Regexes are RE2 and match the whole value.
func stringMatches(m *networkingv1.StringMatch, value string, ignoreCase bool) (bool, error) {
	switch t := m.GetMatchType().(type) {
	case nil:
		return true, nil
	case *networkingv1.StringMatch_Exact:
		if ignoreCase {
			return strings.EqualFold(value, t.Exact), nil
		}
		return value == t.Exact, nil
	case *networkingv1.StringMatch_Prefix:
		if ignoreCase {
			return len(value) >= len(t.Prefix) && strings.EqualFold(value[:len(t.Prefix)], t.Prefix), nil
		}
		return strings.HasPrefix(value, t.Prefix), nil
	case *networkingv1.StringMatch_Regex:
		re, err := FullMatch(t.Regex)
		if err != nil {
			return false, err
		}
		return re.MatchString(value), nil
	default:
		return false, fmt.Errorf("unknown string match %T", t)
	}
}

// rewrite applies an HTTPRewrite to path. With a uri rewrite, the prefix the
// route matched is replaced (for an exact or regex match, the whole path;
// the query string is kept).
func rewrite(rw *networkingv1.HTTPRewrite, path, prefix string) (string, error) {
	if rw == nil {
		return path, nil
	}
	if re := rw.GetUriRegexRewrite(); re != nil {
		p, q, hasQuery := strings.Cut(path, "?")
		compiled, err := regexp.Compile(re.GetMatch())
		if err != nil {
			return "", fmt.Errorf("uriRegexRewrite %q is not valid RE2: %w", re.GetMatch(), err)
		}
		repl := EnvoySubstitution(re.GetRewrite())
		p = compiled.ReplaceAllString(p, repl)
		if hasQuery {
			p += "?" + q
		}
		return p, nil
	}
	if rw.GetUri() == "" {
		return path, nil
	}
	if prefix == "" {
		// A regex match: the whole path (not the query) is replaced.
		_, q, hasQuery := strings.Cut(path, "?")
		if hasQuery {
			return rw.GetUri() + "?" + q, nil
		}
		return rw.GetUri(), nil
	}
	return rw.GetUri() + path[len(prefix):], nil
}

// destinations resolves a route's destinations to releases.
func (m *Model) destinations(route *networkingv1.HTTPRoute, ns string) []Destination {
	var out []Destination
	for j, d := range route.GetRoute() {
		dest := Destination{Host: d.GetDestination().GetHost(), Subset: d.GetDestination().GetSubset(), Weight: Weight(route, j)}
		// A destination's header changes apply after the route's.
		for _, h := range []*networkingv1.Headers{route.GetHeaders(), d.GetHeaders()} {
			dest.RequestHeaders = dest.RequestHeaders.with(h.GetRequest())
			dest.ResponseHeaders = dest.ResponseHeaders.with(h.GetResponse())
			for k, v := range h.GetResponse().GetSet() {
				if strings.EqualFold(k, "set-cookie") {
					dest.SetCookie = v
				}
			}
			for k, v := range h.GetResponse().GetAdd() {
				if strings.EqualFold(k, "set-cookie") {
					dest.SetCookie = v
				}
			}
		}
		out = append(out, m.Resolve(dest, ns))
	}
	return out
}

// with returns c followed by the changes of ops.
func (c HeaderChanges) with(ops *networkingv1.Headers_HeaderOperations) HeaderChanges {
	for _, k := range slices.Sorted(maps.Keys(ops.GetSet())) {
		c.Set = append(c.Set, Header{k, ops.GetSet()[k]})
	}
	for _, k := range slices.Sorted(maps.Keys(ops.GetAdd())) {
		c.Add = append(c.Add, Header{k, ops.GetAdd()[k]})
	}
	c.Remove = append(c.Remove, ops.GetRemove()...)
	return c
}

// ServiceSelector returns the pod selector of the Service a destination
// host names (relative to namespace ns) and the Service's namespace.
func (m *Model) ServiceSelector(host, ns string) (map[string]string, string, bool) {
	name, sns := serviceOf(host, ns)
	for _, s := range m.Services {
		if s.Service.Name == name && s.Service.Namespace == sns {
			return maps.Clone(s.Service.Spec.Selector), sns, true
		}
	}
	return nil, sns, false
}

// Subset returns the DestinationRule subset named subset for a destination
// host (relative to namespace ns).
func (m *Model) Subset(host, subset, ns string) (*networkingv1.Subset, bool) {
	name, sns := serviceOf(host, ns)
	for _, dr := range m.DestinationRules {
		if n, drns := serviceOf(dr.Spec.GetHost(), dr.Namespace); n != name || drns != sns {
			continue
		}
		for _, s := range dr.Spec.GetSubsets() {
			if s.GetName() == subset {
				return s, true
			}
		}
	}
	return nil, false
}

// PodsOf returns the workloads whose pods a destination reaches: those
// carrying the Service's selector and the subset's labels. It is empty when
// the Service or the subset does not exist.
func (m *Model) PodsOf(host, subset, ns string) []Workload {
	selector, sns, ok := m.ServiceSelector(host, ns)
	if !ok {
		return nil
	}
	if subset != "" {
		s, ok := m.Subset(host, subset, ns)
		if !ok {
			return nil
		}
		maps.Copy(selector, s.GetLabels())
	}
	sel := labels.SelectorFromSet(selector)
	var out []Workload
	for _, w := range m.Workloads {
		if w.Deployment.Namespace == sns && sel.Matches(labels.Set(w.Deployment.Spec.Template.Labels)) {
			out = append(out, w)
		}
	}
	return out
}

// Resolve fills in the release behind a destination (relative to namespace
// ns): the first workload PodsOf finds, its replicas and its answer.
func (m *Model) Resolve(d Destination, ns string) Destination {
	pods := m.PodsOf(d.Host, d.Subset, ns)
	if len(pods) == 0 {
		return d
	}
	dep := pods[0].Deployment
	d.Release, d.Deployment = pods[0].Release, dep.Name
	if dep.Spec.Replicas != nil {
		d.Replicas = *dep.Spec.Replicas
	}
	for _, c := range dep.Spec.Template.Spec.Containers {
		if t, ok := echoText(c.Args); ok {
			d.Text = t
		}
	}
	return d
}

// echoText returns http-echo's -text argument.
func echoText(args []string) (string, bool) {
	for i, a := range args {
		switch {
		case strings.HasPrefix(a, "-text=") || strings.HasPrefix(a, "--text="):
			_, v, _ := strings.Cut(a, "=")
			return v, true
		case (a == "-text" || a == "--text") && i+1 < len(args):
			return args[i+1], true
		}
	}
	return "", false
}

// effectiveRoute is an HTTP route as Istio serves it: a route of the
// VirtualService itself, or a route of a delegate VirtualService merged
// with the root's route that delegates to it.
type effectiveRoute struct {
	*networkingv1.HTTPRoute
	// delegate is the delegate VirtualService the route comes from, and
	// delegateRoute its own name; nil and "" for a route of vs itself.
	delegate      *Object[*networkingv1.VirtualService]
	delegateRoute string
}

// effectiveRoutes returns vs's HTTP routes with each delegating route
// replaced by the routes of its delegate, merged as Istio merges them
// (pilot/pkg/model's MergeHTTPRoutes): each delegate route's match blocks
// must each find a root block they do not conflict with, and take the
// root's conditions they do not set; a delegate route that conflicts is
// dropped, and so is a delegating route whose delegate does not exist.
// Unset fields (rewrite, timeout, retries, fault, mirror, headers) come
// from the root's route; the merged route is named
// "<root name>-<delegate name>" when both are named.
func (m *Model) effectiveRoutes(vs Object[*networkingv1.VirtualService]) []effectiveRoute {
	var out []effectiveRoute
	for _, root := range vs.Spec.GetHttp() {
		d := root.GetDelegate()
		if d == nil {
			out = append(out, effectiveRoute{HTTPRoute: root})
			continue
		}
		ns := d.GetNamespace()
		if ns == "" {
			ns = vs.Namespace
		}
		var delegate *Object[*networkingv1.VirtualService]
		for i := range m.VirtualServices {
			if m.VirtualServices[i].Name == d.GetName() && m.VirtualServices[i].Namespace == ns {
				delegate = &m.VirtualServices[i]
			}
		}
		if delegate == nil {
			continue
		}
		for j, sub := range delegate.Spec.GetHttp() {
			matches, conflict := mergeMatches(root.GetMatch(), sub.GetMatch())
			if conflict {
				continue
			}
			merged := proto.Clone(sub).(*networkingv1.HTTPRoute)
			merged.Match = matches
			switch {
			case merged.Name == "":
				merged.Name = root.GetName()
			case root.GetName() != "":
				merged.Name = root.GetName() + "-" + merged.Name
			}
			if merged.Rewrite == nil {
				merged.Rewrite = root.GetRewrite()
			}
			if merged.Timeout == nil {
				merged.Timeout = root.GetTimeout()
			}
			if merged.Retries == nil {
				merged.Retries = root.GetRetries()
			}
			if merged.Fault == nil {
				merged.Fault = root.GetFault()
			}
			if merged.Mirror == nil {
				merged.Mirror = root.GetMirror()
			}
			if merged.MirrorPercentage == nil {
				merged.MirrorPercentage = root.GetMirrorPercentage()
			}
			if merged.Headers == nil {
				merged.Headers = root.GetHeaders()
			}
			out = append(out, effectiveRoute{HTTPRoute: merged, delegate: delegate, delegateRoute: RouteName(sub, j)})
		}
	}
	return out
}

// mergeMatches merges a delegate route's match blocks with its root
// route's as Istio does: no root blocks leaves the delegate's, no
// delegate blocks takes the root's; otherwise each delegate block is
// merged with every root block it does not conflict with, and a delegate
// block that conflicts with every root block makes the route conflict.
func mergeMatches(root, sub []*networkingv1.HTTPMatchRequest) ([]*networkingv1.HTTPMatchRequest, bool) {
	if len(root) == 0 {
		return sub, false
	}
	if len(sub) == 0 {
		return root, false
	}
	var out []*networkingv1.HTTPMatchRequest
	for _, s := range sub {
		found := false
		for _, r := range root {
			if matchConflict(r, s) {
				continue
			}
			found = true
			b := proto.Clone(s).(*networkingv1.HTTPMatchRequest)
			switch {
			case b.Name == "":
				b.Name = r.GetName()
			case r.GetName() != "":
				b.Name = r.GetName() + "-" + b.Name
			}
			if b.Uri == nil {
				b.Uri = r.GetUri()
			}
			if b.Scheme == nil {
				b.Scheme = r.GetScheme()
			}
			if b.Method == nil {
				b.Method = r.GetMethod()
			}
			if b.Authority == nil {
				b.Authority = r.GetAuthority()
			}
			b.Headers = mergedMatches(r.GetHeaders(), s.GetHeaders())
			b.WithoutHeaders = mergedMatches(r.GetWithoutHeaders(), s.GetWithoutHeaders())
			b.QueryParams = mergedMatches(r.GetQueryParams(), s.GetQueryParams())
			out = append(out, b)
		}
		if !found {
			return nil, true
		}
	}
	return out, len(out) == 0
}

// mergedMatches returns root's string matches with sub's over them.
func mergedMatches(root, sub map[string]*networkingv1.StringMatch) map[string]*networkingv1.StringMatch {
	if len(root)+len(sub) == 0 {
		return nil
	}
	out := maps.Clone(root)
	if out == nil {
		out = map[string]*networkingv1.StringMatch{}
	}
	maps.Copy(out, sub)
	return out
}

// matchConflict reports whether a delegate's match block s asks for
// something its root's block r excludes: a uri, scheme, method, authority,
// header, withoutHeaders or query match that is not a narrowing of the
// root's, or a different ignoreUriCase.
func matchConflict(r, s *networkingv1.HTTPMatchRequest) bool {
	pairs := [][2]*networkingv1.StringMatch{{r.GetUri(), s.GetUri()}, {r.GetScheme(), s.GetScheme()}, {r.GetMethod(), s.GetMethod()}, {r.GetAuthority(), s.GetAuthority()}}
	for k, v := range s.GetHeaders() {
		pairs = append(pairs, [2]*networkingv1.StringMatch{r.GetHeaders()[k], v})
	}
	for k, v := range s.GetWithoutHeaders() {
		pairs = append(pairs, [2]*networkingv1.StringMatch{r.GetWithoutHeaders()[k], v})
	}
	for k, v := range s.GetQueryParams() {
		pairs = append(pairs, [2]*networkingv1.StringMatch{r.GetQueryParams()[k], v})
	}
	for _, p := range pairs {
		if stringMatchConflict(p[0], p[1]) {
			return true
		}
	}
	return r.GetIgnoreUriCase() != s.GetIgnoreUriCase()
}

// stringMatchConflict reports whether the delegate's match sub is not a
// narrowing of the root's match root: none conflicts with none; a regex
// on either side conflicts with any other match; an exact root takes only
// the same exact; a prefix root takes an exact or a prefix that starts
// with it. Any other pair conflicts.
func stringMatchConflict(root, sub *networkingv1.StringMatch) bool {
	if root == nil || sub == nil {
		return false
	}
	if root.GetRegex() != "" || sub.GetRegex() != "" {
		return true
	}
	if exact := root.GetExact(); exact != "" {
		return sub.GetExact() != exact
	}
	if prefix := root.GetPrefix(); prefix != "" {
		switch {
		case sub.GetPrefix() != "":
			return !strings.HasPrefix(sub.GetPrefix(), prefix)
		case sub.GetExact() != "":
			return !strings.HasPrefix(sub.GetExact(), prefix)
		}
	}
	return true
}
