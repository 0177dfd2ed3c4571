package cli

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/bluegreen-mesh/bluegreen/internal/verify/controlplane"
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
// bluegreen's findings, and prints where requests go: the standard set, or
// one request described by the flags. With --envoy it also installs the
// environment's mesh and app stacks, as the pipeline computes them, into a
// local control plane.
func Routes(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("usage: routes <environment> [--host H] [--path P] [--header 'name: value']... [--cookie 'a=1; b=2'] [--method M] [--https] [--envoy [--envoy-timeout D]]")
	}
	envName := args[0]
	fs := flag.NewFlagSet("routes", flag.ContinueOnError)
	fs.SetOutput(stderr)
	host := fs.String("host", "", "Host header (default: the first of routing.hosts)")
	path := fs.String("path", "", "request path, with any query string")
	cookie := fs.String("cookie", "", "Cookie header, such as 'session=1; x-version=v2'")
	method := fs.String("method", "GET", "HTTP method")
	https := fs.Bool("https", false, "send the request over HTTPS")
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
	var bins controlplane.Binaries
	if *envoy {
		// Say how to build the control plane before anything else.
		var err error
		if bins, err = controlplane.FindBinaries("."); err != nil {
			return fmt.Errorf("routes --envoy: %w", err)
		}
	}

	r, err := renderEnv(envName, false, stderr)
	if err != nil {
		return err
	}
	env, m := r.Env.Env, r.Model
	if *host == "" {
		*host = mesh.RequestHost(env.Routing.Routing, env.App.Name)
	}
	table := mesh.Table
	if m.UsesGatewayAPI() {
		table = gatewayapi.Table
	}
	adHoc := *path != "" || *cookie != "" || len(headers) > 0 || *https || *method != "GET"
	if !adHoc {
		// The live colour as the VirtualService says it (its
		// bluegreen.io/live annotation), the same the picture shows.
		live, _ := m.Intent()
		fmt.Fprintf(stdout, "Routing of %s (live: %s), host %s:\n\n", envName, live, *host)
		cases := mesh.StandardCases(env.Routing.Routing, *host)
		if err := table(stdout, m, cases); err != nil || !*envoy {
			return err
		}
		fmt.Fprintln(stdout)
		return envoyRoutes(bins, *envoyTimeout, r.Env, m, cases, stdout, stderr)
	}
	if *cookie != "" {
		headers["cookie"] = *cookie
	}
	req := mesh.Request{Host: *host, Path: *path, Method: *method, Headers: headers}
	if *https {
		req.Scheme = "https"
	}
	name := strings.TrimSpace(fmt.Sprintf("%s %s %s", *method, orSlash(*path), describe(headers)))
	cases := []mesh.Case{{Name: name, Request: req}}
	if err := table(stdout, m, cases); err != nil || !*envoy {
		return err
	}
	fmt.Fprintln(stdout)
	return envoyRoutes(bins, *envoyTimeout, r.Env, m, cases, stdout, stderr)
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
