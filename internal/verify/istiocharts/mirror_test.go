package istiocharts_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chartutil"

	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/synth"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/istiocharts"
)

// TestLocalMirrorOfIstiosCharts builds an air-gapped mirror the way a user
// would with `helm pull`: Istio's real base, istiod and gateway charts of the
// default release (1.31.1, rendered from the pinned 1.31.0 source as
// ForRelease stamps it), as <chart>-<version>.tgz. An environment whose
// istio.charts.repository is that folder synthesizes with each chart copied
// into the stack as an asset, and Helm renders them with the values the
// stack passes: istiod from the hub bluegreen sets, at the release's tag.
func TestLocalMirrorOfIstiosCharts(t *testing.T) {
	mirror := t.TempDir()
	for _, name := range istiocharts.Names {
		c, err := istiocharts.ForRelease(render.Release{Chart: name, Repository: istio.ChartRepository, Version: "1.31.1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := chartutil.Save(c, mirror); err != nil {
			t.Fatal(err)
		}
	}
	cfg := testutil.WriteConfig(t, fmt.Sprintf(`{"airgap": {
		"target": {"type": "kubeconfig", "kubeconfig": {"path": "/dev/null", "context": "test", "kubernetesVersion": "1.35"}},
		"istio": {"charts": {"repository": %q}, "hub": "registry.internal.example.com/istio"}}}`, mirror))
	res, err := synth.Run(synth.Options{Config: cfg, Outdir: filepath.Join(t.TempDir(), "cdktf.out"), Environments: []string{"airgap"}})
	if err != nil {
		t.Fatal(err)
	}
	rels, err := render.Releases(filepath.Join(res.Outdir, "stacks", "airgap-mesh"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"istio-base":           "kind: CustomResourceDefinition",
		"istiod":               `image: "registry.internal.example.com/istio/pilot:1.31.1"`,
		"istio-ingressgateway": "kind: Deployment",
	}
	seen := 0
	for _, r := range rels {
		marker, ok := want[r.Name]
		if !ok {
			continue
		}
		seen++
		if r.Repository != "" || !strings.HasPrefix(r.Chart, "assets/") {
			t.Errorf("%s: chart %q from %q, want an asset of the stack", r.Name, r.Chart, r.Repository)
			continue
		}
		if _, err := os.Stat(filepath.Join(r.ChartDir, "Chart.yaml")); err != nil {
			t.Errorf("%s: %v", r.Name, err)
		}
		manifests, err := render.Render(r)
		if err != nil {
			t.Fatalf("%s: %v", r.Name, err)
		}
		var all strings.Builder
		for _, m := range manifests {
			all.WriteString(m.YAML)
		}
		if !strings.Contains(all.String(), marker) {
			t.Errorf("%s: rendered %d manifests without %q", r.Name, len(manifests), marker)
		}
	}
	if seen != len(want) {
		t.Fatalf("found %d of Istio's %d releases in the mesh stack", seen, len(want))
	}
}
