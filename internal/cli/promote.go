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
	"github.com/bluegreen-mesh/bluegreen/internal/pipeline"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// Promote implements `promote <env> [<app>] <colour>`: it makes colour the
// live colour of one app of env by changing that app's routing.live in
// cdktf.json (apps.<app>.routing.live, or routing.live for the shorthand),
// and nothing else, after checking that the colour has a release and that
// the edited file validates and its charts render (offline pipeline).
// Without app the environment must have one app. It prints the change:
// the edited line, the default rule before and after, and which Helm
// releases change (their specs compared through the pipeline). On any
// error it writes nothing.
func Promote(args []string, stdout, stderr io.Writer) error {
	// The promotion gate's flags (gate.go), wherever they stand.
	args, gateOpts, err := parseGateFlags(args)
	if err != nil {
		return err
	}
	if len(args) != 2 && len(args) != 3 {
		return fmt.Errorf("usage: promote <environment> [<app>] <colour>  (colour: %s; app: needed where the environment has several apps)", strings.Join(bluegreen.Colours, " or "))
	}
	envName, appName, colour := args[0], "", args[len(args)-1]
	if len(args) == 3 {
		appName = args[1]
	}
	path := ConfigPath()
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	before, err := pipeline.Parse(path, data, envName)
	if err != nil {
		return err
	}
	app, err := promotedApp(before.Env, appName)
	if err != nil {
		return err
	}
	if !slices.Contains(bluegreen.Colours, colour) {
		return fmt.Errorf("promote %s: colour %q: must be one of %s", envName, colour, strings.Join(bluegreen.Colours, ", "))
	}
	released := bluegreen.TargetOf(app.App).Colours()
	if !slices.Contains(released, colour) {
		return fmt.Errorf("promote %s: %s has no release (context.environments[%s].%s.releases has %s); deploy a %s release first",
			envName, colour, envName, app.Field, strings.Join(released, ", "), colour)
	}
	if r := app.App.Releases[colour]; r.Replicas != nil && *r.Replicas == 0 {
		return fmt.Errorf("promote %s: %s has 0 replicas (context.environments[%s].%s.releases.%s.replicas), so as the live colour it would fail every request of the default route; set %s.releases.%s.replicas to 1 or more and deploy it first; nothing written",
			envName, colour, envName, app.Field, colour, app.Field, colour)
	}
	was := app.Routing.Live
	if was == colour {
		fmt.Fprintf(stdout, "%s is already live in %s; nothing to change.\n", colour, promotedName(before.Env, app))
		return nil
	}

	livePath := []string{"context", "environments", envName, "routing", "live"}
	if before.Env.AppEntries != nil {
		livePath = []string{"context", "environments", envName, "apps", app.Name, "routing", "live"}
	}
	edited, err := jsonedit.Set(data, colour, livePath...)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	// Check the edited file, and render both, before it replaces the
	// original.
	after, err := pipeline.Parse(path, edited, envName)
	if err != nil {
		return fmt.Errorf("promote %s: the edited configuration does not validate, nothing written: %w", envName, err)
	}
	afterApp, err := promotedApp(after.Env, app.Name)
	if err != nil || afterApp.Routing.Live != colour {
		return fmt.Errorf("promote %s: the edit did not take (live is %q); nothing written", envName, afterApp.Routing.Live)
	}
	target := bluegreen.TargetOf(app.App)
	oldObjs, err := mesh.Build(app.Routing.Routing, target)
	if err != nil {
		return err
	}
	newObjs, err := mesh.Build(afterApp.Routing.Routing, target)
	if err != nil {
		return fmt.Errorf("promote %s: with live %s, nothing written: %w", envName, colour, err)
	}
	// The charts that change must render with the new value, as the
	// deploy will; the others render as they did (with dozens of apps,
	// rendering every release was most of promote's time).
	if _, _, err := render.ReleasesWith(render.Options{KubeVersion: after.KubeVersion()}, changedOf(before.Releases, after.Releases)); err != nil {
		return fmt.Errorf("promote %s: with live %s, nothing written: environment %q: %w", envName, colour, envName, err)
	}
	// The promotion gate (gate.go): with --require-healthy or
	// promotion.gate.requireHealthy, evidence from Prometheus or no write.
	if err := gateOpts.check(stdout, before.Env, app, colour, was); err != nil {
		return err
	}
	if err := jsonedit.WriteFile(path, edited); err != nil {
		return err
	}

	fmt.Fprintf(stdout, "%s: %s: %q -> %q\n", path, strings.Join(livePath, "."), was, colour)
	for _, line := range diffLines(string(data), string(edited)) {
		fmt.Fprintln(stdout, "  "+line)
	}
	// Both APIs build the default rule from the same props, to the same
	// colours and weights (mesh/gatewayapi.SpecOf); only the object differs.
	object := "VirtualService " + oldObjs.VirtualServiceName
	if app.Routing.API == mesh.APIGatewayAPI {
		object = "HTTPRoute " + target.Name
	}
	fmt.Fprintf(stdout, "\n%s, rule %q (the default rule):\n", object, mesh.RouteDefault)
	fmt.Fprintf(stdout, "  before: %s\n  after:  %s\n", defaultRoute(oldObjs), defaultRoute(newObjs))
	changed, kept := changedReleases(before.Releases, after.Releases)
	fmt.Fprintf(stdout, "\nHelm releases that change: %s; the other %d stay as they are.\n", strings.Join(changed, ", "), kept)
	rollback := envName + " " + was
	if len(args) == 3 {
		rollback = envName + " " + app.Name + " " + was
	}
	// A promotion changes the app's own stack only: with apps, say so.
	stack := ""
	if before.Env.AppEntries != nil {
		stack = " STACK=" + strings.TrimPrefix(app.Stack, envName+"-")
	}
	fmt.Fprintf(stdout, "Review with `make diff ENV=%s%s`, commit %s, then `make deploy ENV=%s%s`. Roll back with `go run . promote %s`.\n",
		envName, stack, filepath.Base(path), envName, stack, rollback)
	return nil
}

// promotedApp returns the app of env that promote acts on: the one named
// name, or, with name empty, the environment's only app. It fails naming
// the environment's apps when name is not one of them, or is empty and
// the environment has several.
func promotedApp(env config.Environment, name string) (config.App, error) {
	apps := env.Apps()
	names := strings.Join(env.AppNames(), ", ")
	if name == "" {
		if len(apps) != 1 {
			return config.App{}, fmt.Errorf("promote %s: the environment has %d apps (%s); name the one to promote: promote %s <app> <colour>; nothing written",
				env.Name, len(apps), names, env.Name)
		}
		return apps[0], nil
	}
	for _, a := range apps {
		if a.Name == name {
			return a, nil
		}
	}
	where := fmt.Sprintf("context.environments[%s].apps", env.Name)
	if env.AppEntries == nil {
		where = fmt.Sprintf("context.environments[%s] (its one app, app.name, is %s)", env.Name, names)
	}
	return config.App{}, fmt.Errorf("promote %s: app %q is not in %s; apps: %s; nothing written", env.Name, name, where, names)
}

// promotedName names what a promotion acts on: the environment, and the
// app where the environment has apps.
func promotedName(env config.Environment, a config.App) string {
	if env.AppEntries == nil {
		return env.Name
	}
	return env.Name + " (app " + a.Name + ")"
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

// changedReleases lists, as "<stack>/<release>", the releases of after
// that differ from before's (changedOf), and counts the others.
func changedReleases(before, after []render.Release) (changed []string, kept int) {
	rs := changedOf(before, after)
	for _, r := range rs {
		changed = append(changed, r.Stack+"/"+r.Name)
	}
	return changed, len(after) - len(rs)
}

// changedOf returns the releases of after that differ from before's: a
// release added, or a different name, namespace, chart or values.
func changedOf(before, after []render.Release) []render.Release {
	old := map[string]render.Release{}
	for _, r := range before {
		old[r.Path] = r
	}
	var out []render.Release
	for _, r := range after {
		o, ok := old[r.Path]
		if ok && o.Name == r.Name && o.Namespace == r.Namespace && o.Chart == r.Chart && o.Version == r.Version && slices.Equal(o.Values, r.Values) && slices.Equal(o.SetSensitive, r.SetSensitive) {
			continue
		}
		out = append(out, r)
	}
	return out
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
