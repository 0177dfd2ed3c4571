package cli_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/cli"
	"github.com/bluegreen-mesh/bluegreen/internal/config"
)

// shipped is the copy of the cdktf.json the project ships (tests never read
// the live file, which is the user's). The test below reads it as input
// only, into a copy it edits; no expectation comes from it.
const shipped = "../../testdata/shipped.cdktf.json"

// TestEveryShippedEnvironmentPromoted copies the shipped cdktf.json,
// promotes every environment in the copy to its other colour with the
// promote command, and then runs routes, graph and check against the copy
// through the offline pipeline: each must show the new live colour, and
// check must still pass. It is what a user's `go run . promote <env>
// <colour>` does to the live file, so the commands (and the tests, which
// read fixtures under testdata/) must keep working after it.
// useCopy copies the configuration file src into a temporary folder and
// points the commands at the copy (BLUEGREEN_CONFIG); it returns the copy.
func useCopy(t testing.TB, src string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "cdktf.json")
	if err := os.WriteFile(cfg, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BLUEGREEN_CONFIG", cfg)
	return cfg
}

func TestEveryShippedEnvironmentPromoted(t *testing.T) {
	cfg := useCopy(t, shipped)
	envs, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(envs) == 0 {
		t.Fatalf("%s: no environments", shipped)
	}
	other := map[string]string{"blue": "green", "green": "blue"}
	promoted := map[string]string{}
	total := len(envs)
	var oneApp []config.Environment
	for _, env := range envs {
		if env.AppEntries != nil {
			// Promoted app by app (promote <env> <app> <colour>); this
			// test's routes and graph expectations are the one-app form's.
			t.Logf("environment %s has apps %v: not promoted here, its apps are promoted app by app", env.Name, env.AppNames())
			continue
		}
		oneApp = append(oneApp, env)
	}
	if len(oneApp) == 0 {
		t.Fatalf("%s: no environment of one app", shipped)
	}
	envs = oneApp
	for _, env := range envs {
		was := env.Routing.Live
		want, ok := other[was]
		if !ok {
			t.Fatalf("environment %s: live colour %q, want blue or green", env.Name, was)
		}
		var out, errs bytes.Buffer
		if err := cli.Promote([]string{env.Name, want}, &out, &errs); err != nil {
			t.Fatalf("promote %s %s: %v", env.Name, want, err)
		}
		if line := fmt.Sprintf("context.environments.%s.routing.live: %q -> %q", env.Name, was, want); !strings.Contains(out.String(), line) {
			t.Errorf("promote %s %s: output lacks %q:\n%s", env.Name, want, line, out.String())
		}
		promoted[env.Name] = want
	}
	after, err := config.Load(cfg)
	if err != nil {
		t.Fatalf("the promoted copy does not load: %v", err)
	}
	if len(after) != total {
		t.Fatalf("the promoted copy has %d environments, the original %d", len(after), total)
	}
	for _, env := range after {
		want, ok := promoted[env.Name]
		if !ok {
			continue // an environment of apps, not promoted above
		}
		t.Run(env.Name, func(t *testing.T) {
			if env.Routing.Live != want {
				t.Fatalf("routing.live in the copy: %q, want %q", env.Routing.Live, want)
			}
			var out, errs bytes.Buffer
			if err := cli.Routes([]string{env.Name}, &out, &errs); err != nil {
				t.Fatalf("routes: %v\n%s", err, errs.String())
			}
			if head := fmt.Sprintf("Routing of %s (live: %s)", env.Name, want); !strings.Contains(out.String(), head) {
				t.Errorf("routes does not say %s is live:\n%s", want, out.String())
			}
			dir := t.TempDir()
			if err := cli.Graph([]string{env.Name, "-o", dir}, &out, &errs); err != nil {
				t.Fatalf("graph: %v", err)
			}
			mmd, err := os.ReadFile(filepath.Join(dir, env.Name+"-routing.mmd"))
			if err != nil {
				t.Fatal(err)
			}
			if live := fmt.Sprintf("release %s (live)", want); !strings.Contains(string(mmd), live) {
				t.Errorf("the picture lacks %q:\n%s", live, mmd)
			}
			out.Reset()
			allow := filepath.Join("..", "..", "analyzer-allowlist.json")
			if err := cli.Check([]string{env.Name, "--allowlist", allow}, &out, &errs); err != nil {
				t.Errorf("check after the promotion: %v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), "istioctl analyze: 0 failing") {
				t.Errorf("check did not report a clean analysis:\n%s", out.String())
			}
		})
	}
}
