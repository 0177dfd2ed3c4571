package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bluegreen-mesh/bluegreen/internal/pipeline"
	"github.com/bluegreen-mesh/bluegreen/internal/verify"
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
)

// headerFlags collects repeated --header "name: value" flags.
type headerFlags map[string]string

func (h headerFlags) String() string { return fmt.Sprint(map[string]string(h)) }

func (h headerFlags) Set(s string) error {
	name, value, ok := strings.Cut(s, ":")
	if !ok {
		name, value, ok = strings.Cut(s, "=")
	}
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return fmt.Errorf("%q: want \"name: value\"", s)
	}
	h[strings.ToLower(name)] = strings.TrimSpace(value)
	return nil
}

// Routes implements `routes <env> [flags]`: it renders the environment's
// releases through Helm's engine, offline (package pipeline), prints
// bluegreen's findings, and prints where requests go through the whole
// ingress gateway, every app at once: the standard set (each app's
// requests under its path prefix, with the near misses; --app limits it to
// one app), or one request described by the flags. Each answer names the
// app, its rule, the colour and the path the app receives; --output json
// prints them as a JSON array (mesh.Answer, docs/routes-json.md). With
// --envoy it also installs the environment's mesh and app stacks, as the
// pipeline computes them, into a local control plane.
func Routes(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("usage: routes <environment> [--app A] [--host H] [--path P] [--header 'name: value']... [--cookie 'a=1; b=2'] [--method M] [--https] [--output text|json] [--envoy [--envoy-timeout D]]")
	}
	envName := args[0]
	fs := flag.NewFlagSet("routes", flag.ContinueOnError)
	fs.SetOutput(stderr)
	appName := fs.String("app", "", "limit the standard requests to this app's, and send a request given by the flags to its host (default: every app)")
	host := fs.String("host", "", "Host header (default: the first of routing.hosts, of --app's app or the first app)")
	path := fs.String("path", "", "request path, with any query string")
	cookie := fs.String("cookie", "", "Cookie header, such as 'session=1; x-version=v2'")
	method := fs.String("method", "GET", "HTTP method")
	https := fs.Bool("https", false, "send the request over HTTPS")
	output := fs.String("output", "text", "text, or json: one JSON object per request (docs/routes-json.md)")
	envoy := fs.Bool("envoy", false, "also install the environment into a local control plane and evaluate the Envoy routes istiod generates (make controlplane builds it)")
	envoyTimeout := fs.Duration("envoy-timeout", 10*time.Minute, "how long --envoy waits in all for the control plane, istiod and the gateway's routes (a loaded machine needs more)")
	headers := headerFlags{}
	fs.Var(headers, "header", "request header 'name: value' (repeatable)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("routes: unexpected arguments %q", fs.Args())
	}
	if *output != "text" && *output != "json" {
		return fmt.Errorf("routes %s: --output %q: must be text or json", envName, *output)
	}
	if *output == "json" && *envoy {
		return fmt.Errorf("routes %s: --output json and --envoy: --envoy prints a comparison table; use one of them", envName)
	}
	var bins verify.Binaries
	if *envoy {
		// Say how to build the control plane before anything else.
		var err error
		if bins, err = verify.FindBinaries("."); err != nil {
			return fmt.Errorf("routes --envoy: %w", err)
		}
	}
	e, err := pipeline.Load(ConfigPath(), envName)
	if err != nil {
		return err
	}
	if names := e.Env.AppNames(); *appName != "" && !slices.Contains(names, *appName) {
		return fmt.Errorf("routes %s: --app %q: not an app of environment %s; apps: %s", envName, *appName, envName, strings.Join(names, ", "))
	}
	r, err := renderEnvironment(e, false, stderr)
	if err != nil {
		return err
	}
	g, err := gatewayOf(r)
	if err != nil {
		return err
	}
	adHoc := *path != "" || *cookie != "" || len(headers) > 0 || *https || *method != "GET"
	var cases []mesh.Case
	if adHoc {
		if *host == "" {
			a := g.apps[0]
			if *appName != "" {
				a, _ = g.app(*appName)
			}
			*host = mesh.RequestHost(a.Routing, a.Name)
		}
		if *cookie != "" {
			headers["cookie"] = *cookie
		}
		req := mesh.Request{Host: *host, Path: *path, Method: *method, Headers: headers}
		if *https {
			req.Scheme = "https"
		}
		name := strings.TrimSpace(fmt.Sprintf("%s %s %s", *method, orSlash(*path), describe(headers)))
		cases = []mesh.Case{{Name: name, Request: req}}
	} else if e.Env.AppEntries == nil {
		// The shorthand's one app, on --host where given.
		a := g.apps[0]
		if *host == "" {
			*host = mesh.RequestHost(a.Routing, a.Name)
		}
		cases = mesh.StandardCases(a.Routing, *host)
	} else {
		cases = g.cases(*appName, *host)
	}
	if *output == "json" {
		answers, err := g.answers(cases)
		if err != nil {
			return err
		}
		out, err := json.MarshalIndent(answers, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", out)
		return err
	}
	if e.Env.AppEntries == nil {
		// The shorthand's one app: its table, with releases and answers.
		if err := shorthandTable(stdout, envName, g, cases, adHoc); err != nil || !*envoy {
			return err
		}
	} else if err := appsTable(stdout, envName, g, cases, adHoc); err != nil || !*envoy {
		return err
	}
	fmt.Fprintln(stdout)
	return envoyRoutes(bins, *envoyTimeout, r.Env, g, cases, stdout, stderr)
}

// shorthandTable writes the routing of an environment of the app + routing
// shorthand: its live colour and the evaluator's table of cases.
func shorthandTable(w io.Writer, envName string, g *gateway, cases []mesh.Case, adHoc bool) error {
	m := g.model
	table := mesh.Table
	if m.UsesGatewayAPI() {
		table = gatewayapi.Table
	}
	if !adHoc {
		// The live colour as the VirtualService says it (its
		// bluegreen.io/live annotation), the same the picture shows.
		live, _ := m.Intent()
		fmt.Fprintf(w, "Routing of %s (live: %s), host %s:\n\n", envName, live, cases[0].Request.Host)
	}
	return table(w, m, cases)
}

// appsTable writes the routing of an environment of apps: each app's live
// colour, hosts and path prefix, then the answers of the cases (the
// standard set: each app's requests, answered by whichever app the whole
// gateway sends them to).
func appsTable(w io.Writer, envName string, g *gateway, cases []mesh.Case, adHoc bool) error {
	answers, err := g.answers(cases)
	if err != nil {
		return err
	}
	if !adHoc {
		fmt.Fprintf(w, "Routing of %s: %d apps behind its ingress gateway\n", envName, len(g.apps))
		for _, a := range g.apps {
			fmt.Fprintf(w, "  %s: live %s, hosts %s, path prefix %s\n", a.Name, a.Routing.Live, strings.Join(a.Routing.Hosts, ", "), a.Routing.PathPrefix)
		}
		fmt.Fprintln(w)
	}
	return AnswerTable(w, cases, answers)
}

// AnswerTable writes one row per destination of each answer: the request's
// name and host, the app and rule that decided, the colour, its weight,
// the path the app receives and the notes; then a row for the mirror.
func AnswerTable(w io.Writer, cases []mesh.Case, answers []mesh.Answer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REQUEST\tHOST\tAPP\tRULE\tCOLOUR\tWEIGHT\tAPP PATH\tNOTES")
	for i, a := range answers {
		name := cases[i].Name
		notes := strings.Join(a.Notes, "; ")
		if len(a.Destinations) == 0 {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t-\t-\t-\t%s\n", name, a.Request.Host, dash(a.App), dash(a.Rule), notes)
			continue
		}
		for j, d := range a.Destinations {
			n, h := name, a.Request.Host
			if j > 0 {
				n, h, notes = "", "", ""
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%g%%\t%s\t%s\n", n, h, dash(a.App), dash(a.Rule), dash(d.Colour), d.Weight, d.Path, notes)
		}
		if mr := a.Mirror; mr != nil {
			fmt.Fprintf(tw, "\t\t%s\t%s\t%s\tmirror %g%%\t%s\t(answer discarded)\n", dash(a.App), dash(a.Rule), mr.Colour, mr.Percent, a.Destinations[0].Path)
		}
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func orSlash(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

func describe(h map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(h)) {
		parts = append(parts, k+": "+h[k])
	}
	return strings.Join(parts, ", ")
}
