package mesh

import (
	"fmt"
	"io"
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
// applied.
func StandardCases(p Routing, host string) []Case {
	get := func(name, route, path string, headers map[string]string) Case {
		return Case{Name: name, Route: route, Request: Request{Host: host, Path: path, Headers: headers}}
	}
	cases := []Case{get("GET /", RouteDefault, "/", nil)}
	for _, sel := range p.selectors() {
		switch sel.kind {
		case kindPath:
			cases = append(cases, get("GET "+sel.value, sel.route, sel.value, nil), get("GET "+sel.value+"/health", sel.route, sel.value+"/health", nil))
		case kindHeader:
			cases = append(cases, get(fmt.Sprintf("header %s: %s", p.Header.Name, sel.value), sel.route, "/", map[string]string{p.Header.Name: sel.value}))
		case kindCookie:
			cookie := p.Cookie.Name + "=" + sel.value
			cases = append(cases, get("cookie "+cookie, sel.route, "/", map[string]string{"cookie": "session=abc; " + cookie}))
		}
	}
	if v, ok := p.Cookie.Values[p.Candidate()]; ok {
		lookalike := p.Cookie.Name + "=" + v + "0"
		cases = append(cases, get("cookie "+lookalike, RouteDefault, "/", map[string]string{"cookie": lookalike}))
	}
	return cases
}

// Table evaluates each case and writes one row per destination: request,
// matched rule, subset, release, weight, the path the app sees and what it
// answers (with the Set-Cookie of a sticky canary); then a row for the
// mirror, if the route has one.
func Table(w io.Writer, m *Model, cases []Case) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REQUEST\tRULE\tSUBSET\tRELEASE\tWEIGHT\tAPP PATH\tANSWER")
	for _, c := range cases {
		out, err := m.Evaluate(c.Request)
		if err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
		switch {
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
