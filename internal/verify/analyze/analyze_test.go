package analyze_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bluegreen-mesh/bluegreen/internal/verify/analyze"
)

// copyTestdata copies testdata/<name> into a fresh folder.
func copyTestdata(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", name))); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestAnalyzeFindings(t *testing.T) {
	bin := istioctl(t)
	dir := copyTestdata(t, "objects")
	start := time.Now()
	got, err := analyze.Analyze(context.Background(), bin, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("one istioctl analyze run: %v", time.Since(start))
	want := []analyze.Finding{{
		Code:     "IST0101",
		Level:    "Error",
		Message:  `Referenced gateway not found: "missing"`,
		Resource: "VirtualService shop/echo",
		File:     filepath.Join("shop", "virtualservice.yaml"),
		Line:     8,
	}, {
		Code:     "IST0132",
		Level:    "Warning",
		Message:  "one or more host [shop.example.com] defined in VirtualService shop/echo not found in Gateway shop/missing.",
		Resource: "VirtualService shop/echo",
		File:     filepath.Join("shop", "virtualservice.yaml"),
		Line:     8,
	}}
	if len(got) != len(want) {
		t.Fatalf("got %d findings:%s\nwant %d", len(got), findings(got), len(want))
	}
	for i := range want {
		g := got[i]
		if !strings.HasPrefix(g.DocumentationURL, "https://istio.io/") {
			t.Errorf("documentation URL: got %q; want one on istio.io", g.DocumentationURL)
		}
		g.DocumentationURL = ""
		if g != want[i] {
			t.Errorf("finding %d: got %+v; want %+v", i, g, want[i])
		}
	}
}

func TestAnalyzeErrors(t *testing.T) {
	bin := istioctl(t)

	t.Run("fails/a file istioctl cannot parse", func(t *testing.T) {
		dir := copyTestdata(t, "objects")
		if err := os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte("a: [\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := analyze.Analyze(context.Background(), bin, dir)
		var perr *analyze.ParseError
		if !errors.As(err, &perr) || !strings.Contains(perr.Detail, "broken.yaml") {
			t.Fatalf("got error %v; want a *ParseError naming broken.yaml", err)
		}
		if len(got) == 0 || got[0].Code != "IST0101" {
			t.Errorf("got findings:%s\nwant the other files' IST0101 still reported", findings(got))
		}
	})

	t.Run("fails/istioctl that exits non-zero", func(t *testing.T) {
		_, err := analyze.Analyze(context.Background(), "/bin/false", t.TempDir())
		if err == nil || !strings.Contains(err.Error(), "exit status 1") {
			t.Errorf("got %v; want an error with the exit status", err)
		}
	})

	t.Run("fails/istioctl that cannot start", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "istioctl")
		_, err := analyze.Analyze(context.Background(), missing, t.TempDir())
		if err == nil || !strings.Contains(err.Error(), missing) {
			t.Errorf("got %v; want an error naming %s", err, missing)
		}
	})

	t.Run("fails/output that is not istioctl's JSON", func(t *testing.T) {
		_, err := analyze.Analyze(context.Background(), "/bin/echo", t.TempDir())
		if err == nil || !strings.Contains(err.Error(), "not a JSON list") {
			t.Errorf("got %v; want an error about the output", err)
		}
	})
}

func TestFindingString(t *testing.T) {
	f := analyze.Finding{Code: "IST0101", Level: "Error", Message: "m", Resource: "VirtualService shop/echo", File: "a/b.yaml", Line: 8}
	if got, want := f.String(), "Error [IST0101] (VirtualService shop/echo a/b.yaml:8) m"; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
	if got, want := (analyze.Finding{Code: "IST0001", Level: "Info", Message: "m"}).String(), "Info [IST0001] m"; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
}
