package envoyroutes

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

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
	// RouteConfig names the route configuration evaluated.
	RouteConfig string
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
		row := Row{Case: c, Routes: SummaryOfRoutes(want)}
		got := Outcome{NotFound: "no route configuration for the scheme"}
		for _, rc := range rcs {
			if strings.HasPrefix(rc.GetName(), "https.") != tls {
				continue
			}
			o, err := Evaluate(rc, req)
			if err != nil {
				return nil, fmt.Errorf("%s: route configuration %s: %w", c.Name, rc.GetName(), err)
			}
			got, row.RouteConfig = o, rc.GetName()
			if o.VirtualHost != "" {
				break
			}
		}
		row.Envoy = Summary(got)
		rows = append(rows, row)
	}
	return rows, nil
}

// SummaryOfRoutes says where a request goes per package routes: "404",
// "redirect <url>", or the subsets with their weights and the path the app
// receives, such as "blue 90%, green 10%; path /".
func SummaryOfRoutes(o mesh.Outcome) string {
	switch {
	case o.NotFound != "":
		return "404"
	case o.Redirect != "":
		return "redirect " + o.Redirect
	}
	var parts []string
	for _, d := range o.Destinations {
		parts = append(parts, fmt.Sprintf("%s %d%%", orNone(d.Subset), d.Weight))
	}
	return strings.Join(parts, ", ") + "; path " + o.Path
}

// Summary says where Envoy sends a request, in SummaryOfRoutes's words.
func Summary(o Outcome) string {
	switch {
	case o.NotFound != "":
		return "404"
	case o.Redirect != "":
		return "redirect " + o.Redirect
	case o.Direct != 0:
		return fmt.Sprintf("direct response %d", o.Direct)
	}
	var parts []string
	for _, d := range o.Destinations {
		parts = append(parts, fmt.Sprintf("%s %d%%", orNone(d.Subset), d.Weight))
	}
	return strings.Join(parts, ", ") + "; path " + o.Path
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
	fmt.Fprintln(tw, "REQUEST\tROUTES SAYS\tENVOY (ISTIOD'S ROUTES)\tROUTE CONFIG\tAGREE")
	for _, r := range rows {
		agree := "yes"
		if !r.Agree() {
			agree = "NO"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Case.Name, r.Routes, r.Envoy, r.RouteConfig, agree)
	}
	return tw.Flush()
}

// PrintRoutes writes the route configurations as a table: configuration,
// virtual host and its domains, then each route in order with its match and
// where it sends requests.
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
		return out
	case *routev3.Route_Redirect:
		return "redirect " + fmt.Sprint(a.Redirect)
	case *routev3.Route_DirectResponse:
		return fmt.Sprintf("direct response %d", a.DirectResponse.GetStatus())
	}
	return fmt.Sprintf("%T", rt.GetAction())
}
