package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/synth"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from this synthesis")

const (
	// goldenConfig is a copy of the shipped cdktf.json, frozen so that users
	// editing (or promoting in) the live file do not change the goldens.
	goldenConfig = "testdata/cdktf.json"
	// goldenDir holds one <stack>.json per synthesized stack, so that the
	// cluster stacks' goldens are reviewed apart from the mesh and app ones.
	goldenDir = "testdata/golden"
	// workdir stands in the goldens for the folder the test runs in (the
	// local backend's state path is absolute).
	workdir = "$WORKDIR"
)

// TestSynthMatchesGolden is the guard against drift in what the stacks
// deploy: every environment of testdata/cdktf.json is synthesized and each
// stack's cdk.tf.json is compared with testdata/golden/<stack>.json, every
// difference listed by its JSON path. The goldens were written from the
// bindings the stacks shipped with (the upstream AWS provider module); only
// `go test -run TestSynthMatchesGolden . -update` rewrites them.
func TestSynthMatchesGolden(t *testing.T) {
	outdir := filepath.Join(t.TempDir(), "cdktf.out")
	res, err := synth.Run(synth.Options{Config: goldenConfig, Outdir: outdir})
	if err != nil {
		t.Fatal(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	// The fixture has four environments, two of them (staging, and qa with
	// the Gateway API) without an EKS cluster: ten stacks.
	if len(res.Stacks) != 10 {
		t.Fatalf("synthesized %d stacks; want 10 (the fixture's four environments)", len(res.Stacks))
	}
	var synthesized []string
	for _, s := range res.Stacks {
		synthesized = append(synthesized, s.Name)
		b, err := os.ReadFile(testutil.StackPath(outdir, s.Name))
		if err != nil {
			t.Fatal(err)
		}
		matchGolden(t, s.Name, filepath.Join(goldenDir, s.Name+".json"), []byte(strings.ReplaceAll(string(b), wd, workdir)))
	}
	goldens, err := filepath.Glob(filepath.Join(goldenDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range goldens {
		if name := strings.TrimSuffix(filepath.Base(g), ".json"); !slices.Contains(synthesized, name) {
			t.Errorf("golden %s has no synthesized stack %s", g, name)
		}
	}
}

// matchGolden compares b, the synthesized JSON of stack name, with the
// golden file, listing every difference by its JSON path; with -update it
// rewrites the golden file instead.
func matchGolden(t *testing.T, name, golden string, b []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Errorf("%s: %v (run go test -run %s . -update to write it)", name, err, t.Name())
		return
	}
	if diffs := jsonDiff(t, want, b); len(diffs) > 0 {
		t.Errorf("%s differs from %s at %d paths:\n  %s", name, golden, len(diffs), strings.Join(diffs, "\n  "))
	}
}

// jsonDiff returns every JSON path at which got differs from want, with
// both values.
func jsonDiff(t *testing.T, want, got []byte) []string {
	t.Helper()
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("golden: %v", err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("synthesized: %v", err)
	}
	var diffs []string
	walkDiff("$", w, g, &diffs)
	return diffs
}

func walkDiff(path string, want, got any, diffs *[]string) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			break
		}
		keys := map[string]bool{}
		for k := range w {
			keys[k] = true
		}
		for k := range g {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			p := path + "." + k
			wv, inW := w[k]
			gv, inG := g[k]
			switch {
			case !inG:
				*diffs = append(*diffs, fmt.Sprintf("%s: missing (golden has %s)", p, brief(wv)))
			case !inW:
				*diffs = append(*diffs, fmt.Sprintf("%s: unexpected %s", p, brief(gv)))
			default:
				walkDiff(p, wv, gv, diffs)
			}
		}
		return
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			break
		}
		for i := range w {
			walkDiff(fmt.Sprintf("%s[%d]", path, i), w[i], g[i], diffs)
		}
		return
	}
	if !reflect.DeepEqual(want, got) {
		*diffs = append(*diffs, fmt.Sprintf("%s: got %s, golden has %s", path, brief(got), brief(want)))
	}
}

func brief(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 120 {
		return string(b[:117]) + "..."
	}
	return string(b)
}
