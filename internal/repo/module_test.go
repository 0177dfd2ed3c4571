package repo_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/repo"
)

// tools returns the tools/ folder, whose go.mod requires the Gateway API
// at the version Istio is built with.
func tools(t *testing.T) string {
	t.Helper()
	dir, err := repo.ToolsDir()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDownloadModule finds the Gateway API module at the version
// tools/go.mod requires, with its CRDs.
func TestDownloadModule(t *testing.T) {
	m, err := repo.DownloadModule(tools(t), "sigs.k8s.io/gateway-api")
	if err != nil {
		t.Fatal(err)
	}
	if m.Path != "sigs.k8s.io/gateway-api" || m.Version != "v1.6.0" {
		t.Errorf("got %s %s; want sigs.k8s.io/gateway-api v1.6.0 (the pin)", m.Path, m.Version)
	}
	if _, err := os.Stat(filepath.Join(m.Dir, "config", "crd", "standard", "gateway.networking.k8s.io_httproutes.yaml")); err != nil {
		t.Errorf("module folder %s lacks the HTTPRoute CRD: %v", m.Dir, err)
	}
}

func TestDownloadModuleNotRequired(t *testing.T) {
	_, err := repo.DownloadModule(tools(t), "example.com/none")
	if err == nil || !strings.Contains(err.Error(), "example.com/none: not a known dependency") {
		t.Errorf("error %v; want the module named as not a dependency", err)
	}
}
