package mesh

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// Case is a named request.
type Case struct {
	// Name describes the request, such as "cookie x-version=v2".
	Name string
	// Request is the request.
	Request Request
	// Route is the route the request shows: the name of the VirtualService
	// route Build made for it. Empty for requests not made by
	// StandardCases.
	Route string
}

// RequestHost returns a host name that the routing's hosts admit, for
// requests that do not name one.
func RequestHost(p Routing, app string) string {
	for _, h := range p.Hosts {
		switch {
		case h == "*":
		case strings.HasPrefix(h, "*."):
			return app + h[1:]
		default:
			return h
		}
	}
	return app + ".example.test"
}

// StandardCases are the requests that show an app's routing: the default
// request, then, in the order the VirtualService tries its routes, each
// colour's version path (bare and with a sub-path), header and cookie, and
// last a cookie that merely looks like the candidate's. p has its defaults
// applied. Under a path prefix (p.PathPrefix other than "/") every request
// is made under it (GET /cart, GET /cart/v1/health, the cookie on
// /cart), and NearMisses follow.
func StandardCases(p Routing, host string) []Case {
	at := func(path string) string { return UnderPrefix(p.PathPrefix, path) }
	get := func(name, route, path string, headers map[string]string) Case {
		return Case{Name: name, Route: route, Request: Request{Host: host, Path: path, Headers: headers}}
	}
	root := at("/")
	on := ""
	if root != "/" {
		on = " on " + root
	}
	cases := []Case{get("GET "+root, RouteDefault, root, nil)}
	for _, sel := range p.Selectors() {
		switch sel.Kind {
		case KindPath:
			full := at(sel.Value)
			cases = append(cases, get("GET "+full, sel.Route, full, nil), get("GET "+full+"/health", sel.Route, full+"/health", nil))
		case KindHeader:
			cases = append(cases, get(fmt.Sprintf("header %s: %s%s", p.Header.Name, sel.Value, on), sel.Route, root, map[string]string{p.Header.Name: sel.Value}))
		case KindCookie:
			cookie := p.Cookie.Name + "=" + sel.Value
			cases = append(cases, get("cookie "+cookie+on, sel.Route, root, map[string]string{"cookie": "session=abc; " + cookie}))
		}
	}
	if v, ok := p.Cookie.Values[p.Candidate()]; ok {
		lookalike := p.Cookie.Name + "=" + v + "0"
		cases = append(cases, get("cookie "+lookalike+on, RouteDefault, root, map[string]string{"cookie": lookalike}))
	}
	return append(cases, NearMisses(p, host)...)
}

// NearMisses are the requests that look like an app's under its path
// prefix but are not its own, as a string prefix would take them: the
// prefix with more characters in its last segment (/cartoon for /cart),
// and that with a sub-path (/cartoon/v1). Their Route is empty: another
// app, or no app, answers them. None under "/".
func NearMisses(p Routing, host string) []Case {
	if p.PathPrefix == "" || p.PathPrefix == "/" {
		return nil
	}
	var out []Case
	for _, path := range []string{p.PathPrefix + "oon", p.PathPrefix + "oon/v1"} {
		out = append(out, Case{Name: "GET " + path + " (near miss)", Request: Request{Host: host, Path: path}})
	}
	return out
}

// Table evaluates each case and writes one row per destination: request,
// matched rule, subset, release, weight, the path the app sees and what it
// answers (with the Set-Cookie of a sticky canary); then a row for the
// mirror, if the route has one.
func Table(w io.Writer, m *Model, cases []Case) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REQUEST\tRULE\tSUBSET\tRELEASE\tWEIGHT\tAPP PATH\tANSWER")
	ev := m.Evaluator()
	for _, c := range cases {
		out, err := ev.Evaluate(c.Request)
		if err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
		switch {
		case out.NotEvaluated != "":
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t%s\n", c.Name, out.NotEvaluated)
		case out.Abort != nil && out.Abort.Percent >= 100:
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t-\t%d: fault abort of every request%s\n", c.Name, out.Route, out.Abort.Status, faultNotes(out, false))
		case out.NotFound != "":
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t404: %s\n", c.Name, out.NotFound)
		case out.Redirect != "":
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t301 to %s\n", c.Name, out.Redirect)
		default:
			for i, d := range out.Destinations {
				name := c.Name
				if i > 0 {
					name = ""
				}
				release := d.Release
				if release == "" {
					release = "(no workload)"
				}
				answer := d.Text
				if d.SetCookie != "" {
					answer += " (Set-Cookie: " + d.SetCookie + ")"
				}
				answer += faultNotes(out, true) + changeNotes(out.Authority, d)
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d%%\t%s\t%s\n", name, out.Route, d.Subset, release, d.Weight, out.Path, answer)
			}
			if mr := out.Mirror; mr != nil {
				release := mr.Release
				if release == "" {
					release = "(no workload)"
				}
				fmt.Fprintf(tw, "\t%s\t%s\t%s\tmirror %g%%\t%s\t(answer discarded)\n", out.Route, mr.Subset, release, out.MirrorPercent, out.Path)
			}
		}
	}
	return tw.Flush()
}

// faultNotes writes the faults of out as notes for the ANSWER column: the
// delay, and with abort the share of requests aborted.
func faultNotes(out Outcome, abort bool) string {
	s := ""
	if a := out.Abort; abort && a != nil {
		s += fmt.Sprintf(" (fault: %g%% aborted with %d)", a.Percent, a.Status)
	}
	if d := out.Delay; d != nil {
		s += fmt.Sprintf(" (fault: %g%% delayed %s)", d.Percent, d.Delay)
	}
	return s
}

// changeNotes writes the Host rewrite and the header changes of a
// destination as notes for the ANSWER column.
func changeNotes(authority string, d Destination) string {
	s := ""
	if authority != "" {
		s += " (Host rewritten to " + authority + ")"
	}
	if !d.RequestHeaders.Empty() {
		s += " (request headers: " + d.RequestHeaders.String() + ")"
	}
	resp := d.ResponseHeaders
	if d.SetCookie != "" {
		// Already written as Set-Cookie.
		resp = withoutSetCookie(resp)
	}
	if !resp.Empty() {
		s += " (response headers: " + resp.String() + ")"
	}
	return s
}

func withoutSetCookie(c HeaderChanges) HeaderChanges {
	drop := func(h Header) bool { return strings.EqualFold(h.Name, "set-cookie") }
	c.Set = slices.DeleteFunc(slices.Clone(c.Set), drop)
	c.Add = slices.DeleteFunc(slices.Clone(c.Add), drop)
	return c
}
