// Package stackstest builds and synthesizes descriptions of environments
// (stacks.Environment) for tests: environments of several apps, which the
// tests of package stacks and of the offline pipeline compare.
package stackstest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/routing"
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/stacks"
)

// WithApps returns d with its apps replaced by one app per name, in that
// order, each in the stack <env>-app-<name> (the default), serving the
// host <name>.example.com, with the releases <name>-blue and <name>-green.
func WithApps(d stacks.Environment, names ...string) stacks.Environment {
	d.Apps = nil
	for _, name := range names {
		d.Apps = append(d.Apps, stacks.App{
			Name: name,
			App: bluegreen.Props{Name: name, Releases: map[string]bluegreen.Release{
				bluegreen.Blue: {Name: name + "-blue"}, bluegreen.Green: {Name: name + "-green"},
			}},
			Routing: routing.Props{Routing: mesh.Routing{Hosts: []string{name + ".example.com"}}},
		})
	}
	return d
}

// Synth builds d's stacks in a fresh cdktf app, synthesizes them into a
// temporary folder and returns the stacks and that folder.
func Synth(t testing.TB, d stacks.Environment) (*stacks.Set, string) {
	t.Helper()
	outdir := t.TempDir()
	app := cdktf.NewApp(&cdktf.AppConfig{Outdir: jsii.String(outdir), StackTraces: jsii.Bool(false)})
	set, err := stacks.New(app, d)
	if err != nil {
		t.Fatal(err)
	}
	app.Synth()
	return set, outdir
}

// AppStacks are the app stacks of set as "<stack>=<app>", in order.
func AppStacks(set *stacks.Set) []string {
	var out []string
	for _, a := range set.Apps {
		out = append(out, *a.Stack.Node().Id()+"="+a.Name)
	}
	return out
}

// AppsConfig writes a cdktf.json with one environment, "many", of n apps
// (app0 ... app<n-1>) on an existing cluster, and returns its path: in
// groups of five on one host (h<i/5>.example.com), the first of each group
// at / and the others at /app<i>, so that most apps share a host by prefix
// and the shared Gateway and its root VirtualServices grow with n.
func AppsConfig(tb testing.TB, n int) string {
	tb.Helper()
	apps := map[string]any{}
	for i := range n {
		r := map[string]any{"hosts": []string{fmt.Sprintf("h%d.example.com", i/5)}, "live": "blue"}
		if i%5 != 0 {
			r["pathPrefix"] = fmt.Sprintf("/app%d", i)
		}
		apps[fmt.Sprintf("app%d", i)] = map[string]any{"routing": r}
	}
	cfg := map[string]any{"language": "go", "app": "go run main.go", "context": map[string]any{"environments": map[string]any{
		"many": map[string]any{
			"target": map[string]any{"type": "kubeconfig", "kubeconfig": map[string]any{"path": "/dev/null", "context": "many", "kubernetesVersion": "1.33"}},
			"apps":   apps,
		},
	}}}
	b, err := json.Marshal(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), "cdktf.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}
