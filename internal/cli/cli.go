// Package cli implements the program's commands: synth, and the offline
// commands routes, check, graph and promote, which read cdktf.json through
// one offline pipeline (package pipeline) and never start Node; only synth
// synthesizes. routes --envoy installs what the pipeline computes
// (pipeline.Environment.InstallPlan) into a local control plane.
package cli

import (
	"cmp"
	"fmt"
	"io"
	"os"

	"github.com/bluegreen-mesh/bluegreen/internal/pipeline"
)

// ConfigPath is the cdktf.json the commands read: $BLUEGREEN_CONFIG, else
// cdktf.json in the working directory.
func ConfigPath() string {
	return cmp.Or(os.Getenv("BLUEGREEN_CONFIG"), "cdktf.json")
}

// renderEnv loads environment name from ConfigPath() and renders it through
// the offline pipeline (with Istio's own charts when istioCharts), then
// writes bluegreen's findings to stderr, one per line: a diagnostic
// reports them and still answers.
func renderEnv(name string, istioCharts bool, stderr io.Writer) (*pipeline.Rendered, error) {
	e, err := pipeline.Load(ConfigPath(), name)
	if err != nil {
		return nil, err
	}
	return renderEnvironment(e, istioCharts, stderr)
}

// renderEnvironment is renderEnv on the environment e already loaded.
func renderEnvironment(e *pipeline.Environment, istioCharts bool, stderr io.Writer) (*pipeline.Rendered, error) {
	r, err := e.Render(istioCharts)
	if err != nil {
		return nil, err
	}
	for _, line := range r.FindingLines() {
		fmt.Fprintln(stderr, line)
	}
	return r, nil
}
