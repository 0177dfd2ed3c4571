package pipeline_test

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bluegreen-mesh/bluegreen/internal/pipeline"
)

// TestIstioChartsCache renders dev's Istio charts twice with an empty
// cache folder: the first run stores base, istiod and gateway, the second
// gives the same manifests, a corrupt entry is rendered again, changed
// values miss the cache, and the switch turns it off.
func TestIstioChartsCache(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("BLUEGREEN_CACHE", cache)
	stored := func() []string {
		files, _ := filepath.Glob(filepath.Join(cache, "rendered", "*.json"))
		return files
	}
	// An entry no run has read for more than a week goes.
	old := filepath.Join(cache, "rendered", "old.json")
	if err := os.MkdirAll(filepath.Dir(old), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(old, []byte("[]"), 0o644); err != nil {
		t.Fatal(err)
	}
	longAgo := time.Now().Add(-8 * 24 * time.Hour)
	if err := os.Chtimes(old, longAgo, longAgo); err != nil {
		t.Fatal(err)
	}
	e, err := pipeline.Load(fixture, "dev")
	if err != nil {
		t.Fatal(err)
	}
	first, err := e.Render(true)
	if err != nil {
		t.Fatal(err)
	}
	if got := stored(); len(got) != 3 || slices.Contains(got, old) {
		t.Fatalf("cache entries after the first check: %v, want 3 (base, istiod, gateway), the week-old one removed", got)
	}
	second, err := e.Render(true)
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Releases) != 9 || !reflect.DeepEqual(first.Releases, second.Releases) {
		t.Fatalf("from the cache: %d releases rendered, want the same 9 as rendered afresh (%d)", len(second.Releases), len(first.Releases))
	}

	for _, f := range stored() {
		if err := os.WriteFile(f, []byte("not json"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	third, err := e.Render(true)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first.Releases, third.Releases) {
		t.Error("with corrupt cache entries, the charts did not render as before")
	}

	// Other values are another key.
	addIstiodValues(e, "pilot:\n  traceSampling: 2.5\n")
	if _, err := e.Render(true); err != nil {
		t.Fatal(err)
	}
	if got := len(stored()); got != 4 {
		t.Errorf("cache entries after changing istiod's values: %d, want 4", got)
	}

	// Off: still other values, and nothing stored.
	t.Setenv(pipeline.EnvNoCache, "1")
	addIstiodValues(e, "pilot:\n  traceSampling: 5\n")
	if _, err := e.Render(true); err != nil {
		t.Fatal(err)
	}
	if got := len(stored()); got != 4 {
		t.Errorf("with %s=1 the cache changed: %d entries", pipeline.EnvNoCache, got)
	}
}

// addIstiodValues appends a values document to the istiod release of e.
func addIstiodValues(e *pipeline.Environment, doc string) {
	for i, r := range e.Releases {
		if r.Name == "istiod" {
			e.Releases[i].Values = append(r.Values, doc)
		}
	}
}

// TestGatewayAPICRDsCache renders qa (routing.api "gatewayAPI") without
// Istio's charts, as routes and graph do, with an empty cache folder: the
// Gateway API CRDs' chart is stored, the only entry, and read back the
// same on the next run.
func TestGatewayAPICRDsCache(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("BLUEGREEN_CACHE", cache)
	e, err := pipeline.Load(fixture, "qa")
	if err != nil {
		t.Fatal(err)
	}
	first, err := e.Render(false)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(cache, "rendered", "*.json"))
	if len(files) != 1 {
		t.Fatalf("cache entries after routes: %v, want 1 (the Gateway API CRDs)", files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "httproutes.gateway.networking.k8s.io") {
		t.Errorf("the cache entry is not the CRDs' chart: %.200s", b)
	}
	second, err := e.Render(false)
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Releases) != len(first.Releases) || !reflect.DeepEqual(first.Releases, second.Releases) {
		t.Fatalf("from the cache: %d releases rendered, want the same %d as rendered afresh", len(second.Releases), len(first.Releases))
	}
}
