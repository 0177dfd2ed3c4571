package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/jsonedit"
	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// Promote implements `promote <env> <colour>`: it makes colour the live
// colour of env by changing routing.live in cdktf.json, and nothing else,
// after checking that the colour has a release. It prints the change.
func Promote(args []string, stdout, stderr io.Writer) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: promote <environment> <colour>  (colour: %s)", strings.Join(bluegreen.Colours, " or "))
	}
	envName, colour := args[0], args[1]
	path := ConfigPath()
	env, err := environment(envName)
	if err != nil {
		return err
	}
	if !slices.Contains(bluegreen.Colours, colour) {
		return fmt.Errorf("promote %s: colour %q: must be one of %s", envName, colour, strings.Join(bluegreen.Colours, ", "))
	}
	target := bluegreen.TargetOf(env.App)
	released := target.Colours()
	if !slices.Contains(released, colour) {
		return fmt.Errorf("promote %s: %s has no release (context.environments[%s].app.releases has %s); deploy a %s release first",
			envName, colour, envName, strings.Join(released, ", "), colour)
	}
	before := env.Routing
	if before.Live == colour {
		fmt.Fprintf(stdout, "%s is already live in %s; nothing to change.\n", colour, envName)
		return nil
	}
	after := before
	after.Live = colour
	oldObjs, err := mesh.Build(before, target)
	if err != nil {
		return err
	}
	newObjs, err := mesh.Build(after, target)
	if err != nil {
		return fmt.Errorf("promote %s: with live %s: %w", envName, colour, err)
	}

	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	livePath := []string{"context", "environments", envName, "routing", "live"}
	edited, err := jsonedit.Set(data, colour, livePath...)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	// Check the edited file before it replaces the original.
	envs, err := config.Parse(path, edited, envName)
	if err != nil {
		return fmt.Errorf("promote %s: the edited configuration does not validate, nothing written: %w", envName, err)
	}
	if envs[0].Routing.Live != colour {
		return fmt.Errorf("promote %s: the edit did not take (live is %q); nothing written", envName, envs[0].Routing.Live)
	}
	if err := writeAtomic(path, edited); err != nil {
		return err
	}

	fmt.Fprintf(stdout, "%s: context.environments.%s.routing.live: %q -> %q\n", path, envName, before.Live, colour)
	for _, line := range diffLines(string(data), string(edited)) {
		fmt.Fprintln(stdout, "  "+line)
	}
	// Both APIs build the default rule from the same props, to the same
	// colours and weights (mesh/gatewayapi.SpecOf); only the object differs.
	object, unchanged := "VirtualService "+oldObjs.VirtualServiceName, "the Service, the Gateway and the DestinationRule"
	if before.API == mesh.APIGatewayAPI {
		object, unchanged = "HTTPRoute "+target.Name, "the Services (shared and per colour) and the Gateway"
	}
	fmt.Fprintf(stdout, "\n%s, rule %q (the default rule):\n", object, mesh.RouteDefault)
	fmt.Fprintf(stdout, "  before: %s\n  after:  %s\n", defaultRoute(oldObjs), defaultRoute(newObjs))
	fmt.Fprintf(stdout, "\nOnly the %s's Helm release changes; the releases, %s stay as they are.\n", strings.Fields(object)[0], unchanged)
	fmt.Fprintf(stdout, "Review with `make diff ENV=%s`, commit cdktf.json, then `make deploy ENV=%s`. Roll back with `go run . promote %s %s`.\n",
		envName, envName, envName, before.Live)
	return nil
}

// defaultRoute describes the destinations of the last (default) route.
func defaultRoute(o mesh.Objects) string {
	routes := o.VirtualService.GetHttp()
	last := routes[len(routes)-1]
	var parts []string
	for j, d := range last.GetRoute() {
		parts = append(parts, fmt.Sprintf("%s %d%%", d.GetDestination().GetSubset(), mesh.Weight(last, j)))
	}
	return strings.Join(parts, ", ")
}

// diffLines returns the changed lines of a one-place edit as "- old" and
// "+ new" lines.
func diffLines(a, b string) []string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	start := 0
	for start < len(al) && start < len(bl) && al[start] == bl[start] {
		start++
	}
	ea, eb := len(al), len(bl)
	for ea > start && eb > start && al[ea-1] == bl[eb-1] {
		ea--
		eb--
	}
	var out []string
	for _, l := range al[start:ea] {
		out = append(out, "- "+strings.TrimSpace(l))
	}
	for _, l := range bl[start:eb] {
		out = append(out, "+ "+strings.TrimSpace(l))
	}
	return out
}

// writeAtomic replaces path with data through a temporary file in the same
// folder, keeping path's permissions, so a failure cannot leave it half
// written.
func writeAtomic(path string, data []byte) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
