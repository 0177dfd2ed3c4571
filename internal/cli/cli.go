// Package cli implements the program's commands: synth, and the offline
// commands routes, check, graph and promote, which read cdktf.json through
// one offline pipeline (package pipeline) and never start Node; only synth
// and routes --envoy synthesize.
package cli

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/pipeline"
	"github.com/bluegreen-mesh/bluegreen/internal/synth"
	"github.com/bluegreen-mesh/bluegreen/stacks"
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
	r, err := e.Render(istioCharts)
	if err != nil {
		return nil, err
	}
	for _, line := range r.FindingLines() {
		fmt.Fprintln(stderr, line)
	}
	return r, nil
}

// Synthesized is one environment synthesized into a temporary folder.
type Synthesized struct {
	// Env is the environment, defaults applied.
	Env config.Environment
	// Outdir is the temporary output folder.
	Outdir string
}

// StackDir returns the folder of the environment's stack with suffix (such
// as stacks.AppSuffix).
func (s Synthesized) StackDir(suffix string) string {
	return filepath.Join(s.Outdir, "stacks", s.Env.Name+suffix)
}

// MeshAndApp are the folders of the mesh and app stacks.
func (s Synthesized) MeshAndApp() []string {
	return []string{s.StackDir(stacks.MeshSuffix), s.StackDir(stacks.AppSuffix)}
}

// Close removes the temporary folder.
func (s Synthesized) Close() { os.RemoveAll(s.Outdir) }

// Synthesize synthesizes one environment into a new temporary folder, so a
// command sees what the configuration says now, not a stale cdktf.out.
// Only routes --envoy needs it: its installer reads the synthesized stacks.
// bluegreen's checks do not stop it: a diagnostic must show where requests
// go exactly when a check fails (the pipeline reports their findings).
func Synthesize(env string) (*Synthesized, error) {
	tmp, err := os.MkdirTemp("", "bluegreen-"+env+"-")
	if err != nil {
		return nil, err
	}
	res, err := synth.Run(synth.Options{Config: ConfigPath(), Outdir: filepath.Join(tmp, "cdktf.out"), Environments: []string{env}, WarnOnly: true})
	if err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	if len(res.Environments) != 1 {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("environment %q: synthesized %d environments", env, len(res.Environments))
	}
	return &Synthesized{Env: res.Environments[0], Outdir: res.Outdir}, nil
}
