package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
)

// TestNoRetiredIstioLocations fails if anything bluegreen ships names a
// chart or image location that Istio removed in December 2026: the
// synthesized JSON of environments that take every default (both install
// modes, with Kiali, Prometheus and Grafana), the shipped cdktf.json and
// README, and every source file and chart. The one file allowed to name
// them is the list that refuses them (constructs/istio/retired.go).
func TestNoRetiredIstioLocations(t *testing.T) {
	if got := len(istio.RetiredLocations); got != 3 {
		t.Fatalf("got %d retired locations, want the 3 of istio/istio#61467", got)
	}
	t.Setenv("BLUEGREEN_CONFIG", filepath.Join("testdata", "defaults.cdktf.json"))
	outdir, _ := synthAll(t, "")

	scanned := 0
	scan := func(root string, skip func(path string, d fs.DirEntry) bool) {
		t.Helper()
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if skip(path, d) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			scanned++
			for _, loc := range istio.RetiredLocations {
				if strings.Contains(string(b), loc) {
					t.Errorf("%s names %s, which Istio removed in December 2026", path, loc)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	before := scanned
	scan(outdir, func(string, fs.DirEntry) bool { return false })
	if n := scanned - before; n < 5 {
		t.Fatalf("scanned %d synthesized files, want the JSON of 5 stacks and their assets", n)
	}
	before = scanned
	scan(".", func(path string, d fs.DirEntry) bool {
		name := d.Name()
		switch {
		case d.IsDir():
			return path != "." && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "cdktf.out" || name == "bin")
		case strings.HasSuffix(name, "_test.go"), path == filepath.Join("constructs", "istio", "retired.go"):
			return true
		}
		return !strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, ".json") && !strings.HasSuffix(name, ".yaml") &&
			!strings.HasSuffix(name, ".tpl") && !strings.HasSuffix(name, ".md") && !strings.HasSuffix(name, ".mod") && name != "Makefile"
	})
	if n := scanned - before; n < 50 {
		t.Fatalf("scanned %d files of the project, want its sources, charts, README and cdktf.json", n)
	}
}
