package cli_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/cli"
	"github.com/bluegreen-mesh/bluegreen/internal/synth"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
)

var walk = `{
    "walk": {
      ` + testutil.ExistingCluster + `,
      "routing": {
        "hosts": ["echo.example.com"],
        "live": "blue"
      }
    },
    "solo": {
      ` + strings.Replace(testutil.ExistingCluster, `"context": "test"`, `"context": "solo"`, 1) + `,
      "app": { "releases": { "blue": {} } },
      "routing": { "versionPaths": { "blue": "/v1" }, "cookie": { "values": { "blue": "v1" } } }
    }
  }`

func promote(t *testing.T, cfg string, args ...string) (string, error) {
	t.Helper()
	t.Setenv("BLUEGREEN_CONFIG", cfg)
	var out, errs bytes.Buffer
	err := cli.Promote(args, &out, &errs)
	return out.String(), err
}

func TestPromoteChangesOneLine(t *testing.T) {
	cfg := testutil.WriteConfig(t, walk)
	before, _ := os.ReadFile(cfg)
	out, err := promote(t, cfg, "walk", "green")
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(cfg)
	bl, al := strings.Split(string(before), "\n"), strings.Split(string(after), "\n")
	if len(bl) != len(al) {
		t.Fatalf("line count changed from %d to %d", len(bl), len(al))
	}
	var changed []string
	for i := range bl {
		if bl[i] != al[i] {
			changed = append(changed, strings.TrimSpace(bl[i])+" -> "+strings.TrimSpace(al[i]))
		}
	}
	if len(changed) != 1 || changed[0] != `"live": "blue" -> "live": "green"` {
		t.Errorf("changed lines: got %q, want exactly the live line", changed)
	}
	// Defaults: Istio base, istiod and gateway, Kiali, Prometheus and
	// Grafana, blue, green and the Service, the Gateway, the
	// DestinationRule and the VirtualService; only the last changes.
	for _, want := range []string{`routing.live: "blue" -> "green"`, `VirtualService echo, rule "default"`, "before: blue 100%", "after:  green 100%",
		"Helm releases that change: walk-app/echo-virtualservice; the other 11 stay as they are.", "go run . promote walk blue"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Promoting again changes nothing.
	out, err = promote(t, cfg, "walk", "green")
	if err != nil || !strings.Contains(out, "already live") {
		t.Errorf("second promote: %v, %q; want 'already live'", err, out)
	}
	if again, _ := os.ReadFile(cfg); !bytes.Equal(again, after) {
		t.Error("a no-op promote rewrote the file")
	}
}

func TestPromoteRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"fails/colour without a release", []string{"solo", "green"}, "green has no release (context.environments[solo].app.releases has blue)"},
		{"fails/unknown colour", []string{"walk", "purple"}, `colour "purple": must be one of blue, green`},
		{"fails/unknown environment", []string{"stage", "green"}, `context.environments[stage]: Unsupported value: "stage"`},
		{"fails/missing colour", []string{"walk"}, "usage: promote <environment> [<app>] <colour>  (colour: blue or green; app: needed where the environment has several apps)"},
		{"fails/app the shorthand does not have", []string{"walk", "cart", "green"}, `promote walk: app "cart" is not in context.environments[walk] (its one app, app.name, is echo); apps: echo; nothing written`},
		{"fails/colour at zero replicas", []string{"idle", "green"}, "promote idle: green has 0 replicas (context.environments[idle].app.releases.green.replicas), so as the live colour it would fail every request of the default route; set app.releases.green.replicas to 1 or more and deploy it first; nothing written"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testutil.WriteConfig(t, strings.TrimSuffix(walk, "}")+`,
    "idle": {
      `+strings.Replace(testutil.ExistingCluster, `"context": "test"`, `"context": "idle"`, 1)+`,
      "app": { "releases": { "blue": {}, "green": { "replicas": 0 } } }
    }
  }`)
			before, _ := os.ReadFile(cfg)
			_, err := promote(t, cfg, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
			if after, _ := os.ReadFile(cfg); !bytes.Equal(before, after) {
				t.Error("a refused promote changed the file")
			}
		})
	}
}

// TestPromoteKeepsTheUsersFile promotes in a file kept elsewhere behind a
// symbolic link, with CRLF line endings, tab indentation and a private
// mode: the link stays, its target is updated, and the rest of every byte
// and the mode are kept.
func TestPromoteKeepsTheUsersFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "shared"), 0o755); err != nil {
		t.Fatal(err)
	}
	lf, err := os.ReadFile(testutil.WriteConfig(t, walk))
	if err != nil {
		t.Fatal(err)
	}
	crlf := strings.ReplaceAll(strings.ReplaceAll(string(lf), "\n", "\r\n"), "    ", "\t")
	target := filepath.Join(dir, "shared", "cdktf.json")
	if err := os.WriteFile(target, []byte(crlf), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "cdktf.json")
	if err := os.Symlink(filepath.Join("shared", "cdktf.json"), link); err != nil {
		t.Fatal(err)
	}
	if _, err := promote(t, link, "walk", "green"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("%s: got %v, %v; want it still a symbolic link", link, fi.Mode(), err)
	}
	got, _ := os.ReadFile(target)
	if want := strings.Replace(crlf, `"live": "blue"`, `"live": "green"`, 1); string(got) != want {
		t.Errorf("target: got\n%q\nwant\n%q", got, want)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o600 {
		t.Errorf("target mode: got %v, want -rw------- kept", fi.Mode().Perm())
	}
}

// TestPromotionChangesOnlyTheRoute synthesizes an environment before and
// after a promotion and compares every synthesized file: only the
// VirtualService release's values may differ, or with api "gatewayAPI" the
// HTTPRoute release's.
func TestPromotionChangesOnlyTheRoute(t *testing.T) {
	for _, tc := range []struct{ api, release string }{
		{"virtualService", "routing_virtualservice_"},
		{"gatewayAPI", "routing_httproute_"},
	} {
		t.Run(tc.api, func(t *testing.T) {
			promotionChangesOnly(t, strings.Replace(walk, `"live": "blue"`, `"live": "blue", "api": "`+tc.api+`"`, 1), tc.release)
		})
	}
}

func promotionChangesOnly(t *testing.T, config, release string) {
	cfg := testutil.WriteConfig(t, config)
	synthTo := func() string {
		out := filepath.Join(t.TempDir(), "out")
		if _, err := synth.Run(synth.Options{Config: cfg, Outdir: out, Environments: []string{"walk"}}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	before := synthTo()
	if _, err := promote(t, cfg, "walk", "green"); err != nil {
		t.Fatal(err)
	}
	after := synthTo()

	files := func(root string) map[string][]byte {
		out := map[string][]byte{}
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(root, p)
				out[rel], _ = os.ReadFile(p)
			}
			return err
		})
		return out
	}
	b, a := files(before), files(after)
	if !reflect.DeepEqual(keys(b), keys(a)) {
		t.Fatalf("the promotion changed the set of files:\nbefore %v\nafter  %v", keys(b), keys(a))
	}
	// The routing picture beside the app stack is for people, not for
	// Terraform: it must show the new live colour.
	picture := filepath.Join("stacks", "walk-app", synth.GraphFile+".mmd")
	if bytes.Equal(b[picture], a[picture]) || !strings.Contains(string(a[picture]), "release green (live)") {
		t.Errorf("the routing picture does not show green as live after the promotion:\n%s", a[picture])
	}
	var changedFiles []string
	for name := range b {
		if strings.HasPrefix(filepath.Base(name), synth.GraphFile+".") {
			continue
		}
		if !bytes.Equal(b[name], a[name]) {
			changedFiles = append(changedFiles, name)
		}
	}
	appStack := filepath.Join("stacks", "walk-app", "cdk.tf.json")
	if len(changedFiles) != 1 || changedFiles[0] != appStack {
		t.Fatalf("changed files: got %v, want only %s", changedFiles, appStack)
	}
	var docB, docA map[string]any
	json.Unmarshal(b[appStack], &docB)
	json.Unmarshal(a[appStack], &docA)
	var diffs []string
	diff("", docB, docA, &diffs)
	if len(diffs) != 1 || !strings.HasPrefix(diffs[0], "resource.helm_release."+release) || !strings.HasSuffix(diffs[0], ".values") {
		t.Errorf("differences: got %q, want only the values of release %s", diffs, release)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// diff lists the paths at which two decoded JSON documents differ, down to
// the level of one resource attribute.
func diff(path string, a, b any, out *[]string) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if !aok || !bok || strings.Count(path, ".") >= 4 {
		if !reflect.DeepEqual(a, b) {
			*out = append(*out, strings.TrimPrefix(path, "."))
		}
		return
	}
	seen := map[string]bool{}
	for k := range am {
		seen[k] = true
	}
	for k := range bm {
		seen[k] = true
	}
	for k := range seen {
		diff(path+"."+k, am[k], bm[k], out)
	}
}

// appsConfig is the fixture testdata/apps.cdktf.json: dev has the apps
// cart, search and web, solo the one app cart, walk the shorthand.
const appsConfig = "../../testdata/apps.cdktf.json"

// TestPromoteOneAppOfMany promotes cart in dev, which has three apps:
// only cart's routing.live changes, and what promote prints names it.
func TestPromoteOneAppOfMany(t *testing.T) {
	cfg := useCopy(t, appsConfig)
	before, _ := os.ReadFile(cfg)
	out, err := promote(t, cfg, "dev", "cart", "green")
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(cfg)
	// The fixture's cart entry is the only one with "pathPrefix" before
	// its live; web's live comes first in the file.
	want := strings.Replace(string(before), "\"pathPrefix\": \"/cart\",\n              \"live\": \"blue\"", "\"pathPrefix\": \"/cart\",\n              \"live\": \"green\"", 1)
	if want == string(before) {
		t.Fatal("fixture: cart's live line not found")
	}
	if string(after) != want {
		t.Errorf("file after promote:\n%s\nwant only cart's live changed:\n%s", after, want)
	}
	for _, line := range []string{
		cfg + `: context.environments.dev.apps.cart.routing.live: "blue" -> "green"`,
		`  - "live": "blue"`,
		`  + "live": "green"`,
		`VirtualService cart, rule "default" (the default rule):`,
		"  before: blue 100%",
		"  after:  green 100%",
		"Review with `make diff ENV=dev STACK=app-cart`, commit cdktf.json, then `make deploy ENV=dev STACK=app-cart`. Roll back with `go run . promote dev cart blue`.",
		"Helm releases that change: dev-app-cart/cart-virtualservice; the other ",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("output lacks %q:\n%s", line, out)
		}
	}
	out, err = promote(t, cfg, "dev", "cart", "green")
	if err != nil || !strings.Contains(out, "green is already live in dev (app cart); nothing to change.") {
		t.Errorf("second promote: %v, %q; want 'already live'", err, out)
	}
}

// TestPromoteTheOnlyApp promotes the one app of an environment with apps
// without naming it.
func TestPromoteTheOnlyApp(t *testing.T) {
	cfg := useCopy(t, appsConfig)
	before, _ := os.ReadFile(cfg)
	out, err := promote(t, cfg, "solo", "green")
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(cfg)
	if !strings.Contains(out, `context.environments.solo.apps.cart.routing.live: "blue" -> "green"`) || !strings.Contains(out, "Roll back with `go run . promote solo blue`.") {
		t.Errorf("output:\n%s\nwant solo's cart promoted, and the roll back without the app", out)
	}
	var changed []string
	bl, al := strings.Split(string(before), "\n"), strings.Split(string(after), "\n")
	for i := range min(len(bl), len(al)) {
		if bl[i] != al[i] {
			changed = append(changed, fmt.Sprintf("%d: %s -> %s", i+1, strings.TrimSpace(bl[i]), strings.TrimSpace(al[i])))
		}
	}
	if len(bl) != len(al) || len(changed) != 1 || changed[0] != `38: "live": "blue" -> "live": "green"` {
		t.Errorf("changed lines: got %q, want only solo's cart live (line 38)", changed)
	}
}

func TestPromoteAppsRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"fails/no app where there are several", []string{"dev", "green"},
			"promote dev: the environment has 3 apps (cart, search, web); name the one to promote: promote dev <app> <colour>; nothing written"},
		{"fails/unknown app", []string{"dev", "basket", "green"},
			`promote dev: app "basket" is not in context.environments[dev].apps; apps: cart, search, web; nothing written`},
		{"fails/unknown colour of a named app", []string{"dev", "cart", "purple"}, `promote dev: colour "purple": must be one of blue, green`},
		{"fails/too many arguments", []string{"dev", "cart", "green", "now"}, "usage: promote <environment> [<app>] <colour>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := useCopy(t, appsConfig)
			before, _ := os.ReadFile(cfg)
			_, err := promote(t, cfg, tc.args...)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("got %v, want an error starting %q", err, tc.want)
			}
			if after, _ := os.ReadFile(cfg); !bytes.Equal(before, after) {
				t.Error("a refused promote changed the file")
			}
		})
	}
}

// TestMakePromoteChecksApp runs the Makefile's check of make promote
// (tools/envcheck.js) on the apps fixture: APP must name an app of ENV;
// and of make deploy: STACK must name one of ENV's app stacks (app, or
// app-<name> for each app of apps).
func TestMakePromoteChecksApp(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("BLUEGREEN_NODE_REQUIRED") != "" {
			t.Fatal("node is not installed, and BLUEGREEN_NODE_REQUIRED is set")
		}
		t.Skip("node is not installed; tools/envcheck.js cannot run")
	}
	for _, tc := range []struct {
		name, goal, env, stack, colour, app string
		want                                string // "" for exit 0
	}{
		{"an app of the environment", "promote", "dev", "", "green", "cart", ""},
		{"the only app, unnamed", "promote", "solo", "", "green", "", ""},
		{"the shorthand, unnamed", "promote", "walk", "", "green", "", ""},
		{"fails/unknown app", "promote", "dev", "", "green", "basket", `make promote: APP "basket" is not an app of environment "dev"; apps: cart, search, web`},
		{"fails/no app where there are several", "promote", "dev", "", "green", "", `make promote: environment "dev" has several apps; name one with APP=<app>; apps: cart, search, web`},
		{"fails/app of the shorthand", "promote", "walk", "", "green", "cart", `make promote: APP "cart" is not an app of environment "walk"; apps: echo`},
		{"an app's stack", "deploy", "dev", "app-cart", "", "", ""},
		{"the shorthand's stack", "deploy", "walk", "app", "", "", ""},
		{"fails/the shorthand's stack where there are apps", "deploy", "dev", "app", "", "", `make deploy: environment "dev" has no stack app; allowed: mesh, app-cart, app-search, app-web`},
		{"fails/an app's stack of the shorthand", "deploy", "walk", "app-cart", "", "", `make deploy: environment "walk" has no stack app-cart; allowed: mesh, app`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(node, "../../tools/envcheck.js", tc.goal, appsConfig, tc.env, tc.stack, tc.colour, tc.app)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			got := strings.TrimSpace(stderr.String())
			if tc.want == "" {
				if err != nil {
					t.Errorf("got %v, %q; want exit 0", err, got)
				}
				return
			}
			if err == nil || got != tc.want {
				t.Errorf("got %v, %q; want exit 2 and %q", err, got, tc.want)
			}
		})
	}
}
