package envoyroutes

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"

	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// Row is one request evaluated both ways.
type Row struct {
	// Case is the request.
	Case mesh.Case
	// Routes is what `routes` says, and Envoy what the route configuration
	// istiod generated does, in the same words (see Summary).
	Routes, Envoy string
	// RouteConfig names the route configuration evaluated, and Route the
	// virtual host and route in it that decided ("" when none did).
	RouteConfig, Route string
}

// Agree reports whether both answers are the same.
func (r Row) Agree() bool { return r.Routes == r.Envoy }

// Compare evaluates each case with the routing model of package routes and
// with Envoy's semantics on the route configurations istiod generated
// (those named "https.*" for HTTPS requests, "http.*" otherwise).
func Compare(m *mesh.Model, rcs []*routev3.RouteConfiguration, cases []mesh.Case) ([]Row, error) {
	var rows []Row
	for _, c := range cases {
		want, err := m.Evaluate(c.Request)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		tls := c.Request.Scheme == "https"
		req := Request{Host: c.Request.Host, Path: c.Request.Path, Method: c.Request.Method, Headers: c.Request.Headers, TLS: tls}
		got, rc, err := evaluateFirst(rcs, req, func(rc *routev3.RouteConfiguration) bool { return strings.HasPrefix(rc.GetName(), "https.") == tls })
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		rows = append(rows, Row{Case: c, Routes: SummaryOfRoutes(want), Envoy: Summary(got), RouteConfig: rc, Route: decided(got)})
	}
	return rows, nil
}

// evaluateFirst evaluates req on the route configurations that serves
// admits, in order, and returns the outcome of the first with a virtual
// host for the request's host (else of the last one tried) and its name.
func evaluateFirst(rcs []*routev3.RouteConfiguration, req Request, serves func(*routev3.RouteConfiguration) bool) (Outcome, string, error) {
	got, name := Outcome{NotFound: "no route configuration for the request"}, ""
	for _, rc := range rcs {
		if !serves(rc) {
			continue
		}
		o, err := Evaluate(rc, req)
		if err != nil {
			return o, rc.GetName(), fmt.Errorf("route configuration %s: %w", rc.GetName(), err)
		}
		got, name = o, rc.GetName()
		if o.VirtualHost != "" {
			break
		}
	}
	return got, name, nil
}

// decided names the virtual host and route of an outcome.
func decided(o Outcome) string { return strings.TrimSpace(o.VirtualHost + " " + o.Route) }

// answer is an outcome in the words both sides of a comparison share.
type answer struct {
	// notFound says the answer is a 404.
	notFound bool
	// status is a redirect's status (0 where the evaluator does not
	// say), or the status of any other answer the proxy gives itself.
	status   int
	redirect string
	// targets receive the request, mirrors a copy.
	targets, mirrors []target
	// path is the path the upstream receives.
	path string
	// headers are response headers added to every answer.
	headers []Header
	// timeout is the request timeout; 0 for none.
	timeout time.Duration
	// host is the Host the upstream receives when rewritten.
	host string
	// abort and delay are the faults injected, or nil.
	abort, delay *Fault
	// reqHeaders are added to the request and reqRemoved, respRemoved
	// removed from the request and the response, for every target.
	reqHeaders              []Header
	reqRemoved, respRemoved []string
}

// target is a backend and its share of the requests, with the response
// headers added to its answers, and the header changes of its own.
type target struct {
	name                    string
	percent                 float64
	headers                 []Header
	reqHeaders              []Header
	reqRemoved, respRemoved []string
}

// String writes the answer: "abort <status>" (a fault abort of every
// request), "404", "redirect [<status> ]<location>", "status <status>", or
// "<targets>; path <path>" with each target as "<name> <percent>%" and the
// changes to its response headers, its own and those of every answer
// ("(x: 1, remove y)"), and to its request headers ("request (a: 1,
// remove b)"), then the Host rewrite, the mirrors, the timeout and the
// delay, such as "blue 90%, green 10% (set-cookie:
// x-version=v2; Path=/); path /; mirror green 5%; timeout 10s", prefixed
// with "abort <status> <percent>%, else " when part of the requests are
// aborted. Header names are written in lower case (they are
// case-insensitive).
func (a answer) String() string {
	if a.abort != nil && a.abort.Percent >= 100 {
		return fmt.Sprintf("abort %d", a.abort.Status)
	}
	switch {
	case a.notFound:
		return "404"
	case a.redirect != "" && a.status != 0:
		return fmt.Sprintf("redirect %d %s", a.status, a.redirect)
	case a.redirect != "":
		return "redirect " + a.redirect
	case a.status != 0:
		return fmt.Sprintf("status %d", a.status)
	}
	var targets, mirrors []string
	for _, t := range a.targets {
		// A header change is the same wherever it is written (istiod
		// writes a single destination's on the route, a rule's on the
		// route for every destination): each target is said with all
		// that apply to it.
		s := fmt.Sprintf("%s %g%%", t.name, t.percent) +
			changes(append(slices.Clone(a.headers), t.headers...), append(slices.Clone(a.respRemoved), t.respRemoved...))
		if add, rm := append(slices.Clone(a.reqHeaders), t.reqHeaders...), append(slices.Clone(a.reqRemoved), t.reqRemoved...); len(add)+len(rm) > 0 {
			s += " request" + changes(add, rm)
		}
		targets = append(targets, s)
	}
	for _, m := range a.mirrors {
		mirrors = append(mirrors, fmt.Sprintf("%s %g%%", m.name, m.percent))
	}
	s := strings.Join(targets, ", ") + "; path " + a.path
	if len(mirrors) > 0 {
		s += "; mirror " + strings.Join(mirrors, ", ")
	}
	if a.host != "" {
		s += "; host " + a.host
	}
	if a.timeout != 0 {
		s += "; timeout " + a.timeout.String()
	}
	if d := a.delay; d != nil {
		s += fmt.Sprintf("; delay %s %g%%", d.Delay, d.Percent)
	}
	if ab := a.abort; ab != nil {
		s = fmt.Sprintf("abort %d %g%%, else ", ab.Status, ab.Percent) + s
	}
	return s
}

// changes writes header changes as " (name: value, ..., remove name, ...)"
// with lower-case names, sorted, or "" when there are none.
func changes(add []Header, remove []string) string {
	var parts []string
	for _, h := range add {
		parts = append(parts, strings.ToLower(h.Name)+": "+h.Value)
	}
	for _, n := range remove {
		parts = append(parts, "remove "+strings.ToLower(n))
	}
	if len(parts) == 0 {
		return ""
	}
	slices.Sort(parts)
	return " (" + strings.Join(parts, ", ") + ")"
}

// SummaryOfRoutes says where a request goes per package routes, in
// Summary's words, with subsets as the targets: "404",
// "redirect <url>", or the subsets with their weights and sticky cookies,
// the path the app receives, the mirror and the timeout, such as
// "blue 90%, green 10%; path /".
func SummaryOfRoutes(o mesh.Outcome) string {
	a := answer{notFound: o.NotFound != "", redirect: o.Redirect, path: o.Path, timeout: o.Timeout, host: o.Authority, abort: fault(o.Abort), delay: fault(o.Delay)}
	if o.NotEvaluated != "" {
		return o.NotEvaluated
	}
	for _, d := range o.Destinations {
		t := target{name: orNone(d.Subset), percent: float64(d.Weight), respRemoved: d.ResponseHeaders.Remove, reqRemoved: d.RequestHeaders.Remove}
		for _, h := range append(slices.Clone(d.ResponseHeaders.Set), d.ResponseHeaders.Add...) {
			t.headers = append(t.headers, Header{Name: h.Name, Value: h.Value})
		}
		for _, h := range append(slices.Clone(d.RequestHeaders.Set), d.RequestHeaders.Add...) {
			t.reqHeaders = append(t.reqHeaders, Header{Name: h.Name, Value: h.Value})
		}
		a.targets = append(a.targets, t)
	}
	if o.Mirror != nil {
		a.mirrors = []target{{name: orNone(o.Mirror.Subset), percent: o.MirrorPercent}}
	}
	return a.String()
}

// Summary says where Envoy sends a request, in SummaryOfRoutes's words:
// clusters are named by their Istio subset. A redirect's status is left
// out, as package routes does not say it.
func Summary(o Outcome) string {
	a := ofEnvoy(o, func(host, port, subset string) string { return orNone(subset) })
	if o.Redirect != "" {
		a.status = 0
	}
	return a.String()
}

// ofEnvoy returns Envoy's outcome as an answer, naming each cluster by
// name(host, port, subset) of its Istio outbound name.
func ofEnvoy(o Outcome, name func(host, port, subset string) string) answer {
	a := answer{notFound: o.NotFound != "", redirect: o.Redirect, status: o.RedirectStatus, path: o.Path, headers: o.ResponseHeaders, timeout: o.Timeout,
		host: o.HostRewrite, abort: o.Abort, delay: o.Delay, reqHeaders: o.RequestHeaders, reqRemoved: o.RequestHeadersRemoved, respRemoved: o.ResponseHeadersRemoved}
	if o.Redirect == "" {
		a.status = int(o.Direct)
	}
	for _, d := range o.Destinations {
		a.targets = append(a.targets, target{name: name(d.Host, d.Port, d.Subset), percent: float64(d.Weight), headers: d.ResponseHeaders,
			reqHeaders: d.RequestHeaders, reqRemoved: d.RequestHeadersRemoved, respRemoved: d.ResponseHeadersRemoved})
	}
	for _, m := range o.Mirrors {
		a.mirrors = append(a.mirrors, target{name: name(m.Host, m.Port, m.Subset), percent: m.Percent})
	}
	return a
}

func fault(f *mesh.Fault) *Fault {
	if f == nil {
		return nil
	}
	return &Fault{Status: f.Status, Delay: f.Delay, Percent: f.Percent}
}

func orNone(s string) string {
	if s == "" {
		return "(no subset)"
	}
	return s
}

// Table writes the rows: request, what routes says, what Envoy does, and
// whether they agree.
func Table(w io.Writer, rows []Row) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REQUEST\tROUTES SAYS\tENVOY (ISTIOD'S ROUTES)\tROUTE CONFIG / VIRTUAL HOST / ROUTE\tAGREE")
	for _, r := range rows {
		agree := "yes"
		if !r.Agree() {
			agree = "NO"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Case.Name, r.Routes, r.Envoy, strings.TrimSpace(r.RouteConfig+" "+r.Route), agree)
	}
	return tw.Flush()
}

// PrintRoutes writes the route configurations as a table: configuration,
// virtual host and its domains, then each route in order with its match and
// where it sends requests (clusters and shares, rewrites, mirrors, and the
// timeout where one applies).
func PrintRoutes(w io.Writer, rcs []*routev3.RouteConfiguration) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROUTE CONFIG\tVIRTUAL HOST\tROUTE\tMATCH\tACTION")
	for _, rc := range rcs {
		for _, vh := range rc.GetVirtualHosts() {
			fmt.Fprintf(tw, "%s\t%s\t\t%s\t\n", rc.GetName(), vh.GetName(), strings.Join(vh.GetDomains(), " "))
			for _, rt := range vh.GetRoutes() {
				fmt.Fprintf(tw, "\t\t%s\t%s\t%s\n", rt.GetName(), describeMatch(rt.GetMatch()), describeAction(rt))
			}
		}
	}
	return tw.Flush()
}

func describeMatch(m *routev3.RouteMatch) string {
	var parts []string
	switch ps := m.GetPathSpecifier().(type) {
	case *routev3.RouteMatch_Prefix:
		parts = append(parts, "prefix "+ps.Prefix)
	case *routev3.RouteMatch_Path:
		parts = append(parts, "path "+ps.Path)
	case *routev3.RouteMatch_SafeRegex:
		parts = append(parts, "regex "+ps.SafeRegex.GetRegex())
	case *routev3.RouteMatch_PathSeparatedPrefix:
		parts = append(parts, "path-separated prefix "+ps.PathSeparatedPrefix)
	}
	for _, h := range m.GetHeaders() {
		not := ""
		if h.GetInvertMatch() {
			not = "not "
		}
		var v string
		switch s := h.GetHeaderMatchSpecifier().(type) {
		case *routev3.HeaderMatcher_StringMatch:
			v = strings.TrimSpace(strings.ReplaceAll(fmt.Sprint(s.StringMatch), "  ", " "))
		case *routev3.HeaderMatcher_PresentMatch:
			v = "present"
		default:
			v = fmt.Sprint(s)
		}
		parts = append(parts, fmt.Sprintf("header %s %s%s", h.GetName(), not, v))
	}
	for _, q := range m.GetQueryParameters() {
		var v string
		switch s := q.GetQueryParameterMatchSpecifier().(type) {
		case *routev3.QueryParameterMatcher_StringMatch:
			v = strings.TrimSpace(strings.ReplaceAll(fmt.Sprint(s.StringMatch), "  ", " "))
		case *routev3.QueryParameterMatcher_PresentMatch:
			v = fmt.Sprintf("present %t", s.PresentMatch)
		default:
			v = "present"
		}
		parts = append(parts, fmt.Sprintf("query %s %s", q.GetName(), v))
	}
	return strings.Join(parts, ", ")
}

func describeAction(rt *routev3.Route) string {
	switch a := rt.GetAction().(type) {
	case *routev3.Route_Route:
		ds, err := destinations(a.Route)
		if err != nil {
			return err.Error()
		}
		var parts []string
		for _, d := range ds {
			parts = append(parts, fmt.Sprintf("%s %d%%", d.Cluster, d.Weight))
		}
		out := strings.Join(parts, ", ")
		if p := a.Route.GetPrefixRewrite(); p != "" {
			out += "; prefix rewrite " + p
		}
		if r := a.Route.GetRegexRewrite(); r != nil {
			out += fmt.Sprintf("; regex rewrite %s -> %s", r.GetPattern().GetRegex(), r.GetSubstitution())
		}
		for _, m := range mirrors(a.Route) {
			out += fmt.Sprintf("; mirror %s %g%%", m.Cluster, m.Percent)
		}
		if t := a.Route.GetTimeout(); t == nil {
			out += fmt.Sprintf("; timeout %s (Envoy's default)", DefaultTimeout)
		} else if t.AsDuration() != 0 {
			out += "; timeout " + t.AsDuration().String()
		}
		return out
	case *routev3.Route_Redirect:
		return "redirect " + fmt.Sprint(a.Redirect)
	case *routev3.Route_DirectResponse:
		return fmt.Sprintf("direct response %d", a.DirectResponse.GetStatus())
	}
	return fmt.Sprintf("%T", rt.GetAction())
}
