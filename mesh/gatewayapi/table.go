package gatewayapi

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// Table is mesh.Table for an environment whose routing uses the Gateway
// API: it evaluates each case with the Gateway API's precedence and writes
// one row per backend (request, the rule that decided, the backend
// Service, its release, its share, the path the app sees, what it
// answers), then one row per mirror, and for each request why its rule
// decided and which matching rules it outranked.
func Table(w io.Writer, m *mesh.Model, cases []mesh.Case) error {
	g := ModelOfMesh(m)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REQUEST\tRULE\tSERVICE\tRELEASE\tWEIGHT\tAPP PATH\tANSWER")
	var why []string
	for _, c := range cases {
		out, err := g.Evaluate(Request{Host: c.Request.Host, Scheme: c.Request.Scheme, Method: c.Request.Method, Path: c.Request.Path, Headers: c.Request.Headers})
		if err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
		switch {
		case out.NotEvaluated != "":
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t%s\n", c.Name, out.NotEvaluated)
			continue
		case out.Redirect != "":
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t-\t%d to %s\n", c.Name, out.Rule, out.Status, out.Redirect)
			continue
		case len(out.Backends) == 0:
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t%d: %s\n", c.Name, out.Status, out.Reason)
			continue
		}
		for i, b := range out.Backends {
			name := c.Name
			if i > 0 {
				name = ""
			}
			release, answer := resolve(m, b.Service)
			if b.Unresolved != "" {
				answer = "500: " + b.Unresolved
			}
			for _, h := range b.ResponseHeaders {
				answer += fmt.Sprintf(" (%s: %s)", h.Name, h.Value)
			}
			answer += notes(out, b)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%g%%\t%s\t%s\n", name, out.Rule, b.Service, release, b.Percent, out.Path, answer)
		}
		for _, mr := range out.Mirrors {
			release, _ := resolve(m, mr.Service)
			fmt.Fprintf(tw, "\t%s\t%s\t%s\tmirror %g%%\t%s\t(answer discarded)\n", out.Rule, mr.Service, release, mr.Percent, out.Path)
		}
		line := fmt.Sprintf("%s: %s decided by %s", c.Name, out.Rule, out.Precedence)
		if len(out.Outranked) > 0 {
			line += "; outranked " + strings.Join(out.Outranked, ", ")
		}
		why = append(why, line)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nWhy (Gateway API precedence: exact path, longest prefix, method, header and query matches, then age):")
	for _, l := range why {
		fmt.Fprintln(w, "  "+l)
	}
	return nil
}

// notes writes what the rule and backend b change beside the backend, for
// the ANSWER column: the Host rewrite, the request header changes, and the
// response headers the rule adds and removes and b removes.
func notes(out Outcome, b Backend) string {
	s := ""
	if out.Hostname != "" {
		s += " (Host rewritten to " + out.Hostname + ")"
	}
	if req := merged(out.RequestHeaders, &b.RequestHeaders); len(req.Set)+len(req.Add)+len(req.Remove) > 0 {
		s += " (request headers: " + Changes(req) + ")"
	}
	// The rule's added and set response headers (the backend's are
	// written beside its answer already), then every removal.
	var resp []string
	for _, h := range out.ResponseHeaders {
		resp = append(resp, fmt.Sprintf("%s: %s", h.Name, h.Value))
	}
	for _, n := range append(slices.Clone(out.ResponseHeadersRemoved), b.ResponseHeadersRemoved...) {
		resp = append(resp, "remove "+n)
	}
	if len(resp) > 0 {
		s += " (response headers: " + strings.Join(resp, ", ") + ")"
	}
	return s
}

// Changes writes a header filter as "set a: 1, add b: 2, remove c".
func Changes(f gwv1.HTTPHeaderFilter) string {
	var parts []string
	for _, h := range f.Set {
		parts = append(parts, fmt.Sprintf("set %s: %s", h.Name, h.Value))
	}
	for _, h := range f.Add {
		parts = append(parts, fmt.Sprintf("add %s: %s", h.Name, h.Value))
	}
	for _, n := range f.Remove {
		parts = append(parts, "remove "+n)
	}
	return strings.Join(parts, ", ")
}

// resolve returns the release and the answer of the pods behind the
// Service "namespace/name".
func resolve(m *mesh.Model, service string) (release, answer string) {
	ns, name, _ := strings.Cut(service, "/")
	d := m.Resolve(mesh.Destination{Host: name}, ns)
	if d.Release == "" {
		return "(no workload)", ""
	}
	return d.Release, d.Text
}
