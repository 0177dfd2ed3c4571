// Package cli implements the program's commands besides synth: promote,
// routes (and, built on the same pieces, check and graph).
package cli

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/synth"
	"github.com/bluegreen-mesh/bluegreen/stacks"
)

// ConfigPath is the cdktf.json the commands read: $BLUEGREEN_CONFIG, else
// cdktf.json in the working directory.
func ConfigPath() string {
	return cmp.Or(os.Getenv("BLUEGREEN_CONFIG"), "cdktf.json")
}

// environment loads one environment, validated.
func environment(name string) (config.Environment, error) {
	envs, err := config.Load(ConfigPath(), name)
	if err != nil {
		return config.Environment{}, err
	}
	return envs[0], nil
}

// Synthesized is one environment synthesized into a temporary folder.
type Synthesized struct {
	// Env is the environment, defaults applied.
	Env config.Environment
	// Outdir is the temporary output folder.
	Outdir string
	// Findings are bluegreen's checks' findings, errors included: the
	// diagnostics report them and still answer.
	Findings []string
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
// bluegreen's checks do not stop it: a diagnostic must show where requests
// go exactly when a check fails, so their findings are returned to report.
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
	var findings []string
	for _, f := range res.Findings {
		findings = append(findings, "environment "+env+": "+f.String())
	}
	return &Synthesized{Env: res.Environments[0], Outdir: res.Outdir, Findings: findings}, nil
}

// ReportFindings writes the findings of bluegreen's checks to w, one per
// line, before a diagnostic's answer.
func (s Synthesized) ReportFindings(w io.Writer) {
	for _, f := range s.Findings {
		fmt.Fprintln(w, f)
	}
}
