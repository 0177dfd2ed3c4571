package routes

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/routing"
)

// Case is a named request.
type Case struct {
	// Name describes the request, such as "cookie x-version=v2".
	Name string
	// Request is the request.
	Request Request
}

// RequestHost returns a host name that the routing's hosts admit, for
// requests that do not name one.
func RequestHost(p routing.Props, app string) string {
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
// request, each colour's version path (bare and with a sub-path), each
// colour's header and cookie, and a cookie that merely looks alike.
func StandardCases(p routing.Props, host string) []Case {
	get := func(name, path string, headers map[string]string) Case {
		return Case{Name: name, Request: Request{Host: host, Path: path, Headers: headers}}
	}
	cases := []Case{get("GET /", "/", nil)}
	for _, c := range bluegreen.Colours {
		if prefix, ok := p.VersionPaths[c]; ok {
			cases = append(cases, get("GET "+prefix, prefix, nil), get("GET "+prefix+"/health", prefix+"/health", nil))
		}
	}
	if p.Header.Name != "" {
		for _, c := range bluegreen.Colours {
			if v, ok := p.Header.Values[c]; ok {
				cases = append(cases, get(fmt.Sprintf("header %s: %s", p.Header.Name, v), "/", map[string]string{p.Header.Name: v}))
			}
		}
	}
	for _, c := range bluegreen.Colours {
		if v, ok := p.Cookie.Values[c]; ok {
			cookie := p.Cookie.Name + "=" + v
			cases = append(cases, get("cookie "+cookie, "/", map[string]string{"cookie": "session=abc; " + cookie}))
		}
	}
	if v, ok := p.Cookie.Values[p.Candidate()]; ok {
		lookalike := p.Cookie.Name + "=" + v + "0"
		cases = append(cases, get("cookie "+lookalike, "/", map[string]string{"cookie": lookalike}))
	}
	return cases
}

// Table evaluates each case and writes one row per destination: request,
// matched rule, subset, release, weight, the path the app sees and what it
// answers.
func Table(w io.Writer, m *Mesh, cases []Case) error {
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
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d%%\t%s\t%s\n", name, out.Route, d.Subset, release, d.Weight, out.Path, d.Text)
			}
		}
	}
	return tw.Flush()
}
