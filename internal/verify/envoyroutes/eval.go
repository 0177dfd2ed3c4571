package envoyroutes

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	faultv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/fault/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"

	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// Request is an HTTP request arriving at the gateway's listener.
type Request struct {
	// Host is the :authority, without a port.
	Host string
	// Path is the path with any query string. Default: "/".
	Path string
	// Method is the HTTP method. Default: "GET".
	Method string
	// Headers are further headers; names are compared in lower case.
	Headers map[string]string
	// TLS says the request arrived over TLS.
	TLS bool
}

// Destination is a cluster share.
type Destination struct {
	// Cluster is Envoy's cluster name, such as
	// "outbound|8600|green|echo.bluegreen.svc.cluster.local".
	Cluster string
	// Host, Port and Subset are read from an Istio outbound cluster name.
	Host, Port, Subset string
	// Weight is the share in percent.
	Weight int
	// ResponseHeaders are added to the responses of this cluster only,
	// and ResponseHeadersRemoved removed from them; RequestHeaders are
	// added to the requests sent to it, and RequestHeadersRemoved removed.
	ResponseHeaders        []Header
	ResponseHeadersRemoved []string
	RequestHeaders         []Header
	RequestHeadersRemoved  []string
}

// Fault is a fault the route's fault filter configuration injects: Percent
// of the requests are aborted with Status, or delayed by Delay.
type Fault struct {
	Status  int
	Delay   time.Duration
	Percent float64
}

// Header is a response header a route adds.
type Header struct {
	// Name and Value are the header's.
	Name, Value string
}

// Mirror is a cluster that receives a copy of some requests.
type Mirror struct {
	// Cluster, Host, Port and Subset are as in Destination.
	Cluster, Host, Port, Subset string
	// Percent is the share of requests copied.
	Percent float64
}

// Outcome is what Envoy does with a request.
type Outcome struct {
	// VirtualHost and Route name what matched.
	VirtualHost, Route string
	// Path is the path the upstream receives, after rewrites.
	Path string
	// Destinations are the clusters and their shares.
	Destinations []Destination
	// ResponseHeaders are added to every response: the route's, then its
	// virtual host's, then the route configuration's (Envoy's default
	// order).
	ResponseHeaders []Header
	// Mirrors receive copies of the request.
	Mirrors []Mirror
	// Redirect is the Location of a redirect answer, and RedirectStatus
	// its status.
	Redirect       string
	RedirectStatus int
	// NotFound says why Envoy answers 404.
	NotFound string
	// Direct is the status of a direct response, if any.
	Direct uint32
	// Timeout is the route action's timeout: Envoy's default of 15 s when
	// the action sets none, 0 when it disables the timeout.
	Timeout time.Duration
	// ResponseHeadersRemoved are removed from every response;
	// RequestHeaders are added to the request and RequestHeadersRemoved
	// removed from it (route, virtual host, route configuration).
	ResponseHeadersRemoved []string
	RequestHeaders         []Header
	RequestHeadersRemoved  []string
	// HostRewrite is the Host the upstream receives (host_rewrite_literal);
	// "" when the route keeps it.
	HostRewrite string
	// Abort and Delay are the route's faults (the per-route configuration
	// of envoy.filters.http.fault), or nil.
	Abort, Delay *Fault
}

// DefaultTimeout is the timeout Envoy applies to a route whose action sets
// none (RouteAction.timeout).
const DefaultTimeout = 15 * time.Second

// Evaluate routes r through rc as Envoy does.
func Evaluate(rc *routev3.RouteConfiguration, r Request) (Outcome, error) {
	if r.Path == "" {
		r.Path = "/"
	}
	if r.Method == "" {
		r.Method = "GET"
	}
	headers := map[string]string{":authority": r.Host, ":path": r.Path, ":method": r.Method, "host": r.Host}
	if r.TLS {
		headers[":scheme"] = "https"
	} else {
		headers[":scheme"] = "http"
	}
	for k, v := range r.Headers {
		headers[strings.ToLower(k)] = v
	}
	var out Outcome
	vh := virtualHost(rc.GetVirtualHosts(), r.Host)
	if vh == nil {
		out.NotFound = fmt.Sprintf("no virtual host of %s has domain %q", rc.GetName(), r.Host)
		return out, nil
	}
	out.VirtualHost = vh.GetName()
	switch vh.GetRequireTls() {
	case routev3.VirtualHost_ALL, routev3.VirtualHost_EXTERNAL_ONLY:
		if !r.TLS {
			out.Redirect = "https://" + r.Host + r.Path
			return out, nil
		}
	}
	pathOnly, query, _ := strings.Cut(r.Path, "?")
	params := parseQuery(query)
	for _, rt := range vh.GetRoutes() {
		ok, err := matches(rt.GetMatch(), pathOnly, params, headers)
		if err != nil {
			return out, fmt.Errorf("route %s: %w", rt.GetName(), err)
		}
		if !ok {
			continue
		}
		out.Route = rt.GetName()
		switch a := rt.GetAction().(type) {
		case *routev3.Route_Route:
			if out.Path, err = rewrite(rt.GetMatch(), a.Route, r.Path); err != nil {
				return out, fmt.Errorf("route %s: %w", rt.GetName(), err)
			}
			out.Destinations, err = destinations(a.Route)
			if err != nil {
				return out, fmt.Errorf("route %s: %w", rt.GetName(), err)
			}
			out.Mirrors = mirrors(a.Route)
			out.Timeout = DefaultTimeout
			if a.Route.GetTimeout() != nil {
				out.Timeout = a.Route.GetTimeout().AsDuration()
			}
			out.ResponseHeaders = headersToAdd(rt.GetResponseHeadersToAdd(), vh.GetResponseHeadersToAdd(), rc.GetResponseHeadersToAdd())
			out.ResponseHeadersRemoved = concat(rt.GetResponseHeadersToRemove(), vh.GetResponseHeadersToRemove(), rc.GetResponseHeadersToRemove())
			out.RequestHeaders = headersToAdd(rt.GetRequestHeadersToAdd(), vh.GetRequestHeadersToAdd(), rc.GetRequestHeadersToAdd())
			out.RequestHeadersRemoved = concat(rt.GetRequestHeadersToRemove(), vh.GetRequestHeadersToRemove(), rc.GetRequestHeadersToRemove())
			out.HostRewrite = a.Route.GetHostRewriteLiteral()
			if out.Abort, out.Delay, err = faults(rt); err != nil {
				return out, fmt.Errorf("route %s: %w", rt.GetName(), err)
			}
		case *routev3.Route_Redirect:
			rd := a.Redirect
			scheme := headers[":scheme"]
			if rd.GetHttpsRedirect() || rd.GetSchemeRedirect() == "https" {
				scheme = "https"
			}
			host := r.Host
			if rd.GetHostRedirect() != "" {
				host = rd.GetHostRedirect()
			}
			path := r.Path
			if rd.GetPathRedirect() != "" {
				path = rd.GetPathRedirect()
			}
			out.Redirect = scheme + "://" + host + path
			out.RedirectStatus = redirectStatus[rd.GetResponseCode()]
		case *routev3.Route_DirectResponse:
			out.Direct = a.DirectResponse.GetStatus()
			if out.Direct == 404 {
				out.NotFound = "direct response 404 from route " + rt.GetName()
			}
		default:
			return out, fmt.Errorf("route %s: action %T is not evaluated", rt.GetName(), a)
		}
		return out, nil
	}
	out.NotFound = fmt.Sprintf("no route of virtual host %s matches", vh.GetName())
	return out, nil
}

// virtualHost picks the virtual host for host as Envoy does: an exact
// domain first, then the longest suffix wildcard ("*.example.com"), then the
// longest prefix wildcard ("echo.*"), then "*". A domain "name:*" or
// "name:port" is compared on its name part only, as the request has no port.
func virtualHost(vhs []*routev3.VirtualHost, host string) *routev3.VirtualHost {
	host = strings.ToLower(host)
	var best *routev3.VirtualHost
	bestRank, bestLen := 0, -1
	for _, vh := range vhs {
		for _, d := range vh.GetDomains() {
			d = strings.ToLower(d)
			if name, port, ok := strings.Cut(d, ":"); ok && port != "" && !strings.Contains(name, "[") {
				// "host:port" entries only match requests with that port;
				// requests here carry none.
				continue
			}
			rank, n := 0, len(d)
			switch {
			case d == host:
				rank = 4
			case strings.HasPrefix(d, "*") && d != "*" && strings.HasSuffix(host, d[1:]) && len(host) > len(d)-1:
				rank = 3
			case strings.HasSuffix(d, "*") && d != "*" && strings.HasPrefix(host, d[:len(d)-1]) && len(host) > len(d)-1:
				rank = 2
			case d == "*":
				rank = 1
			}
			if rank > bestRank || (rank == bestRank && rank > 0 && n > bestLen) {
				best, bestRank, bestLen = vh, rank, n
			}
		}
	}
	return best
}

func matches(m *routev3.RouteMatch, path string, params map[string]string, headers map[string]string) (bool, error) {
	caseSensitive := m.GetCaseSensitive() == nil || m.GetCaseSensitive().GetValue()
	cmp := func(a string) string {
		if caseSensitive {
			return a
		}
		return strings.ToLower(a)
	}
	switch ps := m.GetPathSpecifier().(type) {
	case *routev3.RouteMatch_Prefix:
		if !strings.HasPrefix(cmp(path), cmp(ps.Prefix)) {
			return false, nil
		}
	case *routev3.RouteMatch_Path:
		if cmp(path) != cmp(ps.Path) {
			return false, nil
		}
	case *routev3.RouteMatch_SafeRegex:
		ok, err := fullMatch(ps.SafeRegex.GetRegex(), path)
		if err != nil || !ok {
			return false, err
		}
	case *routev3.RouteMatch_PathSeparatedPrefix:
		p := ps.PathSeparatedPrefix
		if !(cmp(path) == cmp(p) || strings.HasPrefix(cmp(path), cmp(p)+"/")) {
			return false, nil
		}
	default:
		return false, fmt.Errorf("path matcher %T is not evaluated", ps)
	}
	for _, h := range m.GetHeaders() {
		ok, err := headerMatches(h, headers)
		if err != nil || !ok {
			return false, err
		}
	}
	for _, q := range m.GetQueryParameters() {
		ok, err := queryMatches(q, params)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// parseQuery reads a query string as Envoy's route matching does: pairs
// split at "&", name and value at the first "=" (a pair without one has the
// value ""), nothing percent-decoded, and only the first value of a name
// kept.
func parseQuery(query string) map[string]string {
	params := map[string]string{}
	if query == "" {
		return params
	}
	for _, pair := range strings.Split(query, "&") {
		name, value, _ := strings.Cut(pair, "=")
		if _, seen := params[name]; !seen {
			params[name] = value
		}
	}
	return params
}

// queryMatches applies a query parameter matcher as Envoy does: the name
// is compared exactly; present_match says whether the parameter must be
// there or absent (Envoy's behaviour since 1.34); otherwise the parameter
// must be there and its first value match the string matcher, if any.
func queryMatches(q *routev3.QueryParameterMatcher, params map[string]string) (bool, error) {
	v, present := params[q.GetName()]
	switch s := q.GetQueryParameterMatchSpecifier().(type) {
	case *routev3.QueryParameterMatcher_PresentMatch:
		return present == s.PresentMatch, nil
	case *routev3.QueryParameterMatcher_StringMatch:
		if !present {
			return false, nil
		}
		return stringMatches(s.StringMatch, v)
	case nil:
		return present, nil
	default:
		return false, fmt.Errorf("query parameter matcher %T is not evaluated", s)
	}
}

func headerMatches(h *routev3.HeaderMatcher, headers map[string]string) (bool, error) {
	v, present := headers[strings.ToLower(h.GetName())]
	var ok bool
	switch s := h.GetHeaderMatchSpecifier().(type) {
	case *routev3.HeaderMatcher_PresentMatch:
		ok = present == s.PresentMatch
	case *routev3.HeaderMatcher_ExactMatch:
		ok = present && v == s.ExactMatch
	case *routev3.HeaderMatcher_PrefixMatch:
		ok = present && strings.HasPrefix(v, s.PrefixMatch)
	case *routev3.HeaderMatcher_SuffixMatch:
		ok = present && strings.HasSuffix(v, s.SuffixMatch)
	case *routev3.HeaderMatcher_SafeRegexMatch:
		if present {
			var err error
			if ok, err = fullMatch(s.SafeRegexMatch.GetRegex(), v); err != nil {
				return false, err
			}
		}
	case *routev3.HeaderMatcher_StringMatch:
		if present {
			var err error
			if ok, err = stringMatches(s.StringMatch, v); err != nil {
				return false, err
			}
		}
	case nil:
		ok = present
	default:
		return false, fmt.Errorf("header matcher %T is not evaluated", s)
	}
	if h.GetInvertMatch() {
		// Envoy: an inverted matcher on an absent header does not match,
		// unless treat_missing_header_as_empty is set.
		if !present && !h.GetTreatMissingHeaderAsEmpty() {
			if _, isPresent := h.GetHeaderMatchSpecifier().(*routev3.HeaderMatcher_PresentMatch); !isPresent {
				return false, nil
			}
		}
		ok = !ok
	}
	return ok, nil
}

// stringMatches applies a string matcher. ignore_case lowers both sides of
// exact, prefix, suffix and contains; Envoy ignores it for safe_regex.
func stringMatches(m *matcherv3.StringMatcher, v string) (bool, error) {
	if _, isRegex := m.GetMatchPattern().(*matcherv3.StringMatcher_SafeRegex); m.GetIgnoreCase() && !isRegex {
		v = strings.ToLower(v)
	}
	lower := func(s string) string {
		if m.GetIgnoreCase() {
			return strings.ToLower(s)
		}
		return s
	}
	switch p := m.GetMatchPattern().(type) {
	case *matcherv3.StringMatcher_Exact:
		return v == lower(p.Exact), nil
	case *matcherv3.StringMatcher_Prefix:
		return strings.HasPrefix(v, lower(p.Prefix)), nil
	case *matcherv3.StringMatcher_Suffix:
		return strings.HasSuffix(v, lower(p.Suffix)), nil
	case *matcherv3.StringMatcher_Contains:
		return strings.Contains(v, lower(p.Contains)), nil
	case *matcherv3.StringMatcher_SafeRegex:
		return fullMatch(p.SafeRegex.GetRegex(), v)
	default:
		return false, fmt.Errorf("string matcher %T is not evaluated", p)
	}
}

// fullMatch applies an RE2 regex to the whole value, as Envoy's safe_regex
// does (mesh.FullMatch).
func fullMatch(re, v string) (bool, error) {
	r, err := mesh.FullMatch(re)
	if err != nil {
		return false, err
	}
	return r.MatchString(v), nil
}

// rewrite returns the path the upstream receives: prefix_rewrite swaps the
// matched prefix (or whole path); regex_rewrite substitutes on the path
// without its query string.
func rewrite(m *routev3.RouteMatch, a *routev3.RouteAction, path string) (string, error) {
	p, query, hasQuery := strings.Cut(path, "?")
	switch {
	case a.GetPrefixRewrite() != "":
		var matched string
		switch ps := m.GetPathSpecifier().(type) {
		case *routev3.RouteMatch_Prefix:
			matched = ps.Prefix
		case *routev3.RouteMatch_Path:
			matched = ps.Path
		case *routev3.RouteMatch_PathSeparatedPrefix:
			matched = ps.PathSeparatedPrefix
		default:
			return "", fmt.Errorf("prefix_rewrite with a %T match is not evaluated", ps)
		}
		p = a.GetPrefixRewrite() + p[len(matched):]
	case a.GetRegexRewrite() != nil:
		rr := a.GetRegexRewrite()
		re, err := regexp.Compile(rr.GetPattern().GetRegex())
		if err != nil {
			return "", fmt.Errorf("regex_rewrite %q: %w", rr.GetPattern().GetRegex(), err)
		}
		p = re.ReplaceAllString(p, mesh.EnvoySubstitution(rr.GetSubstitution()))
	}
	if hasQuery {
		p += "?" + query
	}
	return p, nil
}

func destinations(a *routev3.RouteAction) ([]Destination, error) {
	switch c := a.GetClusterSpecifier().(type) {
	case *routev3.RouteAction_Cluster:
		return []Destination{cluster(c.Cluster, 100)}, nil
	case *routev3.RouteAction_WeightedClusters:
		total := 0
		for _, w := range c.WeightedClusters.GetClusters() {
			total += int(w.GetWeight().GetValue())
		}
		if total == 0 {
			return nil, fmt.Errorf("weighted clusters with a total weight of 0")
		}
		var out []Destination
		for _, w := range c.WeightedClusters.GetClusters() {
			d := cluster(w.GetName(), int(w.GetWeight().GetValue())*100/total)
			d.ResponseHeaders = headersToAdd(w.GetResponseHeadersToAdd())
			d.ResponseHeadersRemoved = w.GetResponseHeadersToRemove()
			d.RequestHeaders = headersToAdd(w.GetRequestHeadersToAdd())
			d.RequestHeadersRemoved = w.GetRequestHeadersToRemove()
			out = append(out, d)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("cluster specifier %T is not evaluated", c)
	}
}

// cluster reads an Istio outbound cluster name,
// outbound|<port>|<subset>|<host>.
func cluster(name string, weight int) Destination {
	d := Destination{Cluster: name, Weight: weight}
	if parts := strings.Split(name, "|"); len(parts) == 4 && parts[0] == "outbound" {
		d.Port, d.Subset, d.Host = parts[1], parts[2], parts[3]
	}
	return d
}

// redirectStatus maps Envoy's redirect response codes to HTTP statuses.
var redirectStatus = map[routev3.RedirectAction_RedirectResponseCode]int{
	routev3.RedirectAction_MOVED_PERMANENTLY:  301,
	routev3.RedirectAction_FOUND:              302,
	routev3.RedirectAction_SEE_OTHER:          303,
	routev3.RedirectAction_TEMPORARY_REDIRECT: 307,
	routev3.RedirectAction_PERMANENT_REDIRECT: 308,
}

// headersToAdd lists the response headers of each level, in the order given.
func headersToAdd(levels ...[]*corev3.HeaderValueOption) []Header {
	var out []Header
	for _, level := range levels {
		for _, h := range level {
			out = append(out, Header{Name: h.GetHeader().GetKey(), Value: h.GetHeader().GetValue()})
		}
	}
	return out
}

func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// faultFilter is the name of Envoy's fault injection filter, under which
// istiod writes a route's faults (typed_per_filter_config).
const faultFilter = "envoy.filters.http.fault"

// faults reads the abort and the delay of a route's fault filter
// configuration.
func faults(rt *routev3.Route) (abort, delay *Fault, err error) {
	cfg, ok := rt.GetTypedPerFilterConfig()[faultFilter]
	if !ok {
		return nil, nil, nil
	}
	f := &faultv3.HTTPFault{}
	if err := cfg.UnmarshalTo(f); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", faultFilter, err)
	}
	percent := func(p *typev3.FractionalPercent) float64 {
		return 100 * float64(p.GetNumerator()) / float64(denominators[p.GetDenominator()])
	}
	if a := f.GetAbort(); a != nil {
		if _, ok := a.GetErrorType().(*faultv3.FaultAbort_HttpStatus); !ok {
			return nil, nil, fmt.Errorf("%s: abort %T is not evaluated", faultFilter, a.GetErrorType())
		}
		abort = &Fault{Status: int(a.GetHttpStatus()), Percent: percent(a.GetPercentage())}
	}
	if d := f.GetDelay(); d != nil {
		delay = &Fault{Delay: d.GetFixedDelay().AsDuration(), Percent: percent(d.GetPercentage())}
	}
	return abort, delay, nil
}

// mirrors reads a route's request mirror policies; a policy without a
// runtime fraction copies every request.
func mirrors(a *routev3.RouteAction) []Mirror {
	var out []Mirror
	for _, p := range a.GetRequestMirrorPolicies() {
		d := cluster(p.GetCluster(), 0)
		m := Mirror{Cluster: d.Cluster, Host: d.Host, Port: d.Port, Subset: d.Subset, Percent: 100}
		if f := p.GetRuntimeFraction().GetDefaultValue(); f != nil {
			m.Percent = 100 * float64(f.GetNumerator()) / float64(denominators[f.GetDenominator()])
		}
		out = append(out, m)
	}
	return out
}

// denominators are the values of Envoy's fractional percent denominators.
var denominators = map[typev3.FractionalPercent_DenominatorType]int{
	typev3.FractionalPercent_HUNDRED:      100,
	typev3.FractionalPercent_TEN_THOUSAND: 10000,
	typev3.FractionalPercent_MILLION:      1000000,
}
