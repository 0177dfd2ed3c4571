package meshinstall

import (
	"errors"
	"fmt"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"

	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/istiocharts"
)

// ErrNoOfflineSource marks a release whose chart has no source on this
// machine; the installer reports it as not installed.
var ErrNoOfflineSource = errors.New("not installed: no offline chart source")

// ChartSource returns the chart a release installs.
type ChartSource func(r render.Release) (*chart.Chart, error)

// Charts is the chart source of the harness: local charts from the stack
// folder (bluegreen's own charts, and charts from a local-directory chart
// source, which synthesis copies into the stack), and Istio's base, istiod
// and gateway charts of the pinned release from a repository, loaded from
// the istio.io/istio module by internal/verify/istiocharts as Istio's release
// process stamps them. Every other chart from a repository wraps
// ErrNoOfflineSource.
func Charts() ChartSource {
	return func(r render.Release) (*chart.Chart, error) {
		if r.Local() {
			return loader.Load(r.ChartDir)
		}
		if !istiocharts.IsIstio(r) {
			return nil, fmt.Errorf("chart %s from %s: %w", r.Chart, r.Repository, ErrNoOfflineSource)
		}
		return istiocharts.ForRelease(r)
	}
}
