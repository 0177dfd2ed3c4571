package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/synth"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
)

// TestAppsSynthMatchesGolden guards what the shipped environment of
// several apps deploys: shop of testdata/shipped.cdktf.json (catalog at /
// and cart at /cart sharing shop.example.com, search alone on
// search.example.com) is synthesized and each of its stacks compared with
// testdata/golden/apps/<stack>.json (apart, so that TestSynthMatchesGolden
// lists only its own), as TestSynthMatchesGolden does for the
// one-app environments (whose goldens this environment leaves untouched);
// `-update` rewrites them.
func TestAppsSynthMatchesGolden(t *testing.T) {
	outdir := filepath.Join(t.TempDir(), "cdktf.out")
	res, err := synth.Run(synth.Options{Config: filepath.Join("testdata", "shipped.cdktf.json"), Outdir: outdir, Environments: []string{"shop"}})
	if err != nil {
		t.Fatal(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range res.Stacks {
		names = append(names, s.Name)
	}
	slices.Sort(names)
	if want := []string{"shop-app-cart", "shop-app-catalog", "shop-app-search", "shop-mesh"}; !slices.Equal(names, want) {
		t.Fatalf("synthesized %v, want %v", names, want)
	}
	for _, name := range names {
		b, err := os.ReadFile(testutil.StackPath(outdir, name))
		if err != nil {
			t.Fatal(err)
		}
		matchGolden(t, name, filepath.Join(goldenDir, "apps", name+".json"), []byte(strings.ReplaceAll(string(b), wd, workdir)))
	}
}
