package analyze_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bluegreen-mesh/bluegreen/internal/verify/analyze"
)

// fakeModule lays out a module root with tools/go.mod and tools/go.sum,
// and with tools/bin/istioctl when built, and changes into a folder below
// it. Builds are dated an hour after the pins.
func fakeModule(t *testing.T, built bool) (root string) {
	t.Helper()
	root = t.TempDir()
	write := func(rel, body string, mode os.FileMode, mtime time.Time) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	pinned := time.Now().Add(-2 * time.Hour)
	write("go.mod", "module "+analyze.ModulePath+"\n\ngo 1.26\n", 0o644, pinned)
	write("tools/go.mod", "module "+analyze.ModulePath+"/tools\n", 0o644, pinned)
	write("tools/go.sum", "", 0o644, pinned)
	if built {
		write("tools/bin/istioctl", "#!/bin/sh\n", 0o755, pinned.Add(time.Hour))
	}
	wd := filepath.Join(root, "tools", "sub")
	if err := os.MkdirAll(wd, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(wd)
	t.Setenv(analyze.EnvIstioctl, "")
	return root
}

func TestIstioctl(t *testing.T) {
	t.Run("built, found from below the module root past the tools module", func(t *testing.T) {
		root := fakeModule(t, true)
		got, err := analyze.Istioctl()
		if want := filepath.Join(root, "tools", "bin", "istioctl"); err != nil || got != want {
			t.Errorf("got %q, %v; want %q", got, err, want)
		}
	})

	t.Run("environment variable", func(t *testing.T) {
		fakeModule(t, false)
		bin := filepath.Join(t.TempDir(), "istioctl")
		if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv(analyze.EnvIstioctl, bin)
		if got, err := analyze.Istioctl(); err != nil || got != bin {
			t.Errorf("got %q, %v; want %q", got, err, bin)
		}
	})

	tests := []struct {
		name  string
		setup func(t *testing.T)
		want  string
	}{
		{"fails/not built", func(t *testing.T) { fakeModule(t, false) }, "istioctl is not built: "},
		{"fails/older than tools/go.sum", func(t *testing.T) {
			root := fakeModule(t, true)
			if err := os.Chtimes(filepath.Join(root, "tools", "go.sum"), time.Now(), time.Now()); err != nil {
				t.Fatal(err)
			}
		}, "istioctl is out of date: "},
		{"fails/environment variable naming no file", func(t *testing.T) {
			fakeModule(t, true)
			t.Setenv(analyze.EnvIstioctl, filepath.Join(t.TempDir(), "nope"))
		}, "$BLUEGREEN_ISTIOCTL: stat "},
		{"fails/outside the module", func(t *testing.T) {
			t.Chdir(t.TempDir())
			t.Setenv(analyze.EnvIstioctl, "")
		}, "no go.mod of module github.com/bluegreen-mesh/bluegreen at or above "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup(t)
			_, err := analyze.Istioctl()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v; want an error with %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), "make istioctl") && !strings.Contains(err.Error(), analyze.EnvIstioctl) {
				t.Errorf("error %q says neither to run `make istioctl` nor to set $%s", err, analyze.EnvIstioctl)
			}
		})
	}
}
