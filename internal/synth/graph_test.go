package synth_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/synth"
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/check"
	"github.com/bluegreen-mesh/bluegreen/mesh/graph"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The pictures of mesh/graph and the checks of mesh/check, drawn from and
// run on what a synthesized environment's charts render: the pure tests in
// mesh/ build their objects with mesh.Build; these make sure the objects
// Helm renders from the synthesized JSON give the same results.

// load synthesizes one environment of testdata/cdktf.json (the shipped dev
// and staging environments as they were when the golden file was made; the
// live cdktf.json is the user's to edit, and `promote` does) and loads its
// routing objects through Helm.
func load(t *testing.T, env string) *mesh.Model {
	t.Helper()
	res, err := synth.Run(synth.Options{Config: filepath.Join("testdata", "cdktf.json"), Outdir: filepath.Join(t.TempDir(), "out"), Environments: []string{env}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := render.Model(filepath.Join(res.Outdir, "stacks", env+"-app"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDevMermaid compares the Mermaid picture of dev with
// testdata/dev.mmd.golden; run `go test ./internal/synth -run TestDevMermaid -update` to accept
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
		t.Fatalf("%v (run go test ./internal/synth -run TestDevMermaid -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("Mermaid of dev differs from %s (go test ./internal/synth -run TestDevMermaid -update accepts it):\n%s", golden, got)
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

// TestLabelsFollowTheAnnotation promotes green in dev and sends the
// candidate blue 80 %: the picture still labels green live, because the
// VirtualService's chart carries the bluegreen.io/live annotation through
// Helm (mesh/graph's tests cover every colour and weight).
func TestLabelsFollowTheAnnotation(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "cdktf.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	routingCfg := cfg["context"].(map[string]any)["environments"].(map[string]any)["dev"].(map[string]any)["routing"].(map[string]any)
	routingCfg["live"], routingCfg["candidateWeight"] = "green", 80
	path := filepath.Join(t.TempDir(), "cdktf.json")
	out, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := synth.Run(synth.Options{Config: path, Outdir: filepath.Join(t.TempDir(), "out"), Environments: []string{"dev"}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := render.Model(filepath.Join(res.Outdir, "stacks", "dev-app"))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.VirtualServices) != 1 || m.VirtualServices[0].Annotations[mesh.LiveAnnotation] != "green" {
		t.Fatalf("got %d VirtualServices (%+v); want one annotated live green", len(m.VirtualServices), m.VirtualServices)
	}
	mmd := graph.Build(m).Mermaid()
	for _, want := range []string{"release green (live)", "release blue (candidate)", "|80%| subset_blue", "|20%| subset_green"} {
		if !strings.Contains(mmd, want) {
			t.Errorf("the picture lacks %q:\n%s", want, mmd)
		}
	}
}

// TestRenderedShippedEnvironmentsPassTheChecks runs the checks on what the
// charts render for dev and staging: no findings.
func TestRenderedShippedEnvironmentsPassTheChecks(t *testing.T) {
	for _, env := range []string{"dev", "staging"} {
		res, err := synth.Run(synth.Options{Config: filepath.Join("testdata", "cdktf.json"), Outdir: filepath.Join(t.TempDir(), "out"), Environments: []string{env}})
		if err != nil {
			t.Fatal(err)
		}
		m, err := render.Model(filepath.Join(res.Outdir, "stacks", env+"-mesh"), filepath.Join(res.Outdir, "stacks", env+"-app"))
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Gateways) != 1 || len(m.VirtualServices) != 1 || len(m.DestinationRules) != 1 || len(m.Workloads) != 2 || len(m.Services) != 1 {
			t.Fatalf("%s: got %d gateways, %d virtual services, %d destination rules, %d deployments, %d services; want 1, 1, 1, 2, 1",
				env, len(m.Gateways), len(m.VirtualServices), len(m.DestinationRules), len(m.Workloads), len(m.Services))
		}
		if got := check.Run(m); len(got) != 0 {
			t.Errorf("%s: got findings %v", env, got)
		}
	}
}
