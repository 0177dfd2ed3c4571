package meshinstall

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"

	"github.com/bluegreen-mesh/bluegreen/internal/render"
)

// ErrNoOfflineSource marks a release whose chart has no source on this
// machine; the installer reports it as not installed.
var ErrNoOfflineSource = errors.New("not installed: no offline chart source")

// ChartSource returns the chart a release installs.
type ChartSource func(r render.Release) (*chart.Chart, error)

// istioCharts maps Istio's chart names to their folders in the istio.io/istio
// module.
var istioCharts = map[string]string{
	"base":    "manifests/charts/base",
	"istiod":  "manifests/charts/istio-control/istio-discovery",
	"gateway": "manifests/charts/gateway",
}

// Charts is the chart source of the harness: local charts from the stack
// folder, and Istio's base, istiod and gateway charts from the istio.io/istio
// module at istioDir (see IstioModuleDir), with the chart version set to the
// release's, as Istio's release process stamps it. Every other chart from a
// repository wraps ErrNoOfflineSource.
//
// It stands in for the Istio construct's chart-source setting until that
// exists; then the release's own source decides, and this function only
// resolves "local directory" sources.
func Charts(istioDir string) ChartSource {
	return func(r render.Release) (*chart.Chart, error) {
		if r.Local() {
			return loader.Load(r.ChartDir)
		}
		dir, ok := istioCharts[r.Chart]
		if !ok || !strings.Contains(r.Repository, "istio") {
			return nil, fmt.Errorf("chart %s from %s: %w", r.Chart, r.Repository, ErrNoOfflineSource)
		}
		c, err := loader.Load(filepath.Join(istioDir, dir))
		if err != nil {
			return nil, fmt.Errorf("chart %s from the istio.io/istio module: %w", r.Chart, err)
		}
		if r.Version != "" {
			c.Metadata.Version = r.Version
			c.Metadata.AppVersion = r.Version
		}
		return c, nil
	}
}

// IstioModuleDir returns the folder of the istio.io/istio module that
// tools/go.mod (under root, the checkout) pins: the same commit istioctl
// and pilot-discovery are built from.
func IstioModuleDir(root string) (string, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "istio.io/istio")
	cmd.Dir = filepath.Join(root, "tools")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("locating istio.io/istio from tools/go.mod: %v: %s", err, stderr.String())
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", errors.New("istio.io/istio from tools/go.mod is not downloaded: run make istioctl")
	}
	return dir, nil
}
