package graph_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/graph"
	"github.com/bluegreen-mesh/bluegreen/internal/routes"
	"github.com/bluegreen-mesh/bluegreen/internal/synth"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// load synthesizes one environment of testdata/cdktf.json (the shipped dev
// and staging environments as they were when the golden file was made; the
// live cdktf.json is the user's to edit, and `promote` does) and loads its
// routing objects through Helm.
func load(t *testing.T, env string) *routes.Mesh {
	t.Helper()
	res, err := synth.Run(synth.Options{Config: filepath.Join("testdata", "cdktf.json"), Outdir: filepath.Join(t.TempDir(), "out"), Environments: []string{env}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := routes.Load(filepath.Join(res.Outdir, "stacks", env+"-app"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDevMermaid compares the Mermaid picture of dev with
// testdata/dev.mmd.golden; run `go test ./internal/graph -update` to accept
// a change, and review the golden diff like code.
func TestDevMermaid(t *testing.T) {
	got := graph.Build(load(t, "dev")).Mermaid()
	golden := filepath.Join("testdata", "dev.mmd.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/graph -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("Mermaid of dev differs from %s (go test ./internal/graph -update accepts it):\n%s", golden, got)
	}
}

// TestREADMEShowsTheDevDiagram keeps the README's picture of dev in step
// with what the program draws.
func TestREADMEShowsTheDevDiagram(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("testdata", "dev.mmd.golden"))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```mermaid\n"+string(want)+"```") {
		t.Errorf("README.md does not embed the current dev diagram (testdata/dev.mmd.golden) in a mermaid block")
	}
}

func TestDOTRendersWithGraphviz(t *testing.T) {
	g := graph.Build(load(t, "staging"))
	dot := g.DOT()
	for _, want := range []string{`label="90%"`, `label="10%"`, `release blue (live)`, `release green (candidate)`, `header x-version = v2`} {
		if !strings.Contains(dot, want) {
			t.Errorf("DOT lacks %q:\n%s", want, dot)
		}
	}
	svg, ok, err := graph.RenderDOT(dot, "svg")
	if !ok {
		t.Skip("skipping the SVG rendering: Graphviz's dot is not installed (apt-get install graphviz)")
	}
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(svg), "<svg") || !strings.Contains(string(svg), "release green (candidate)") {
		t.Errorf("dot -Tsvg did not draw the routing:\n%.400s", svg)
	}
}

// TestLabelsFollowTheLiveColour draws dev with either colour live and the
// canary at every share from none to all: the live and candidate labels
// follow routing.live, never the weights (above 50 % the candidate has the
// larger share).
func TestLabelsFollowTheLiveColour(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "cdktf.json"))
	if err != nil {
		t.Fatal(err)
	}
	cases := 0
	for _, live := range []string{"blue", "green"} {
		candidate := map[string]string{"blue": "green", "green": "blue"}[live]
		for _, weight := range []int{0, 10, 50, 80, 100} {
			t.Run(fmt.Sprintf("live %s, candidate at %d%%", live, weight), func(t *testing.T) {
				cases++
				var cfg map[string]any
				if err := json.Unmarshal(b, &cfg); err != nil {
					t.Fatal(err)
				}
				envs := cfg["context"].(map[string]any)["environments"].(map[string]any)
				routingCfg := envs["dev"].(map[string]any)["routing"].(map[string]any)
				routingCfg["live"] = live
				routingCfg["candidateWeight"] = weight
				path := filepath.Join(t.TempDir(), "cdktf.json")
				out, _ := json.Marshal(cfg)
				if err := os.WriteFile(path, out, 0o644); err != nil {
					t.Fatal(err)
				}
				res, err := synth.Run(synth.Options{Config: path, Outdir: filepath.Join(t.TempDir(), "out"), Environments: []string{"dev"}})
				if err != nil {
					t.Fatal(err)
				}
				m, err := routes.Load(filepath.Join(res.Outdir, "stacks", "dev-app"))
				if err != nil {
					t.Fatal(err)
				}
				mmd := graph.Build(m).Mermaid()
				for _, want := range []string{"release " + live + " (live)", "release " + candidate + " (candidate)"} {
					if !strings.Contains(mmd, want) {
						t.Errorf("the picture lacks %q:\n%s", want, mmd)
					}
				}
				for _, wrong := range []string{"release " + live + " (candidate)", "release " + candidate + " (live)"} {
					if strings.Contains(mmd, wrong) {
						t.Errorf("the picture says %q:\n%s", wrong, mmd)
					}
				}
			})
		}
	}
	if cases != 10 {
		t.Fatalf("ran %d cases, want 10", cases)
	}
}
