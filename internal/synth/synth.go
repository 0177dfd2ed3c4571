// Package synth turns cdktf.json into Terraform JSON: it loads and validates
// the environments, builds their stacks, synthesizes them into a staging
// folder and only then moves the result into the output folder, so a failed
// run leaves the previous output as it was.
package synth

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/jsonedit"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/mesh/check"
	"github.com/bluegreen-mesh/bluegreen/mesh/graph"
	"github.com/bluegreen-mesh/bluegreen/stacks"
)

// Options say what to synthesize and where.
type Options struct {
	// Config is the cdktf.json to read. Default: "cdktf.json".
	Config string
	// Outdir receives the Terraform JSON. Default: $CDKTF_OUTDIR, else
	// "cdktf.out".
	Outdir string
	// Environments limits the run to these environments. Default: all.
	Environments []string
	// WarnOnly reports the bluegreen checks' errors as warnings instead of
	// failing, for exploration. Default: false.
	WarnOnly bool
}

// Stack describes one synthesized stack.
type Stack struct {
	// Name is the stack name, such as "dev-cluster".
	Name string
	// Environment is the environment the stack belongs to.
	Environment string
	// Resources counts the managed resources in the stack.
	Resources int
	// DataSources counts the data sources in the stack.
	DataSources int
	// Path is the stack's cdk.tf.json, under Outdir.
	Path string
}

// Result is what a run produced.
type Result struct {
	// Environments are the environments synthesized, defaults applied.
	Environments []config.Environment
	// Warnings are settings that synthesized but deserve a second look.
	Warnings []string
	// Stacks are the synthesized stacks, sorted by name.
	Stacks []Stack
	// Findings are the bluegreen checks' findings (see mesh/check),
	// acknowledged ones included.
	Findings []check.Finding
	// Acknowledged says, one line per environment that has any, how many
	// warnings the environment's acknowledge setting kept quiet, such as
	// "qa: 2 acknowledged findings (GW004)".
	Acknowledged []string
	// Outdir is where the stacks were written.
	Outdir string
}

// EnvironmentsFromList splits a comma-separated list (the ENVIRONMENTS
// variable), ignoring blanks.
func EnvironmentsFromList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (o Options) withDefaults() Options {
	if o.Config == "" {
		o.Config = "cdktf.json"
	}
	if o.Outdir == "" {
		o.Outdir = cmp.Or(os.Getenv("CDKTF_OUTDIR"), "cdktf.out")
	}
	return o
}

// Run synthesizes the environments o selects. On any error the output
// folder is left untouched.
func Run(o Options) (*Result, error) {
	o = o.withDefaults()
	envs, err := config.Load(o.Config, o.Environments...)
	if err != nil {
		return nil, err
	}
	res := &Result{Environments: envs, Outdir: o.Outdir}
	acknowledged := map[string]map[string]int{}
	for _, env := range envs {
		kept, acked := env.Acknowledged(env.Warnings())
		acknowledged[env.Name] = acked
		for _, w := range kept {
			// A warning about two environments (sharing a cluster) is
			// said once.
			if !slices.Contains(res.Warnings, w) {
				res.Warnings = append(res.Warnings, w)
			}
		}
	}

	staging, err := newStaging(o.Outdir)
	if err != nil {
		return nil, err
	}
	defer staging.cleanup()
	if err := synthesize(staging.dir, envs); err != nil {
		return nil, err
	}
	if err := checkAndDraw(staging.dir, envs, res, o.WarnOnly, acknowledged); err != nil {
		return nil, err
	}
	for _, env := range envs {
		if line := check.AcknowledgedLine(env.Name, acknowledged[env.Name]); line != "" {
			res.Acknowledged = append(res.Acknowledged, line)
		}
		for i, code := range env.Acknowledge {
			// Like an unused allowlist entry: a stale acknowledgement would
			// hide the next warning of that code without anyone choosing to.
			if acknowledged[env.Name][code] == 0 {
				res.Warnings = append(res.Warnings, fmt.Sprintf("context.environments[%s].acknowledge[%d]: %s is acknowledged, but %s has no %s warning; remove it, so that it cannot hide a new one",
					env.Name, i, code, env.Name, code))
			}
		}
	}
	if res.Stacks, err = summarize(staging.dir, envs); err != nil {
		return nil, err
	}
	if err := staging.commit(); err != nil {
		return nil, err
	}
	for i := range res.Stacks {
		res.Stacks[i].Path = filepath.Join(o.Outdir, res.Stacks[i].Path)
	}
	return res, nil
}

func synthesize(dir string, envs []config.Environment) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synthesis failed: %v", r)
		}
	}()
	app := cdktf.NewApp(&cdktf.AppConfig{
		Outdir:      jsii.String(dir),
		StackTraces: jsii.Bool(false),
	})
	for _, env := range envs {
		if _, err := stacks.New(app, stacks.FromConfig(env)); err != nil {
			return err
		}
	}
	app.Synth()
	return nil
}

// GraphFile is the name of the routing picture written into each
// environment's app stack folder (with .mmd and .dot extensions).
const GraphFile = "routing"

// checkAndDraw renders each environment's mesh and app stacks through
// Helm, runs the bluegreen checks on the objects, and writes the routing
// picture (of every app) beside each app stack's JSON. Check errors fail the run unless
// warnOnly. Warnings an environment acknowledges are counted in
// acknowledged, not reported.
func checkAndDraw(dir string, envs []config.Environment, res *Result, warnOnly bool, acknowledged map[string]map[string]int) error {
	var failed []string
	for _, env := range envs {
		d := stacks.FromConfig(env)
		var appDirs []string
		for _, name := range d.AppStacks() {
			appDirs = append(appDirs, filepath.Join(dir, "stacks", name))
		}
		m, err := render.Model(append([]string{filepath.Join(dir, "stacks", d.MeshStack())}, appDirs...)...)
		if err != nil {
			return fmt.Errorf("environment %q: %w", env.Name, err)
		}
		found := check.Run(m)
		res.Findings = append(res.Findings, found...)
		kept, acked := check.Acknowledge(found, env.Acknowledge)
		for code, n := range acked {
			acknowledged[env.Name][code] += n
		}
		for _, f := range kept {
			line := "environment " + env.Name + ": " + f.String()
			if f.Severity == check.Error && !warnOnly {
				failed = append(failed, line)
			} else {
				res.Warnings = append(res.Warnings, line)
			}
		}
		g := graph.Build(m)
		for _, app := range appDirs {
			for ext, content := range map[string]string{".mmd": g.Mermaid(), ".dot": g.DOT()} {
				if err := os.WriteFile(filepath.Join(app, GraphFile+ext), []byte(content), 0o644); err != nil {
					return err
				}
			}
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("bluegreen checks failed (go run . synth --warn-only to synthesize anyway):\n  %s", strings.Join(failed, "\n  "))
	}
	return nil
}

// manifest is the part of cdktf's manifest.json that Run reads.
type manifest struct {
	Stacks map[string]struct {
		SynthesizedStackPath string `json:"synthesizedStackPath"`
	} `json:"stacks"`
}

func summarize(dir string, envs []config.Environment) ([]Stack, error) {
	var m manifest
	if err := jsonedit.ReadFile(filepath.Join(dir, "manifest.json"), &m); err != nil {
		return nil, err
	}
	var out []Stack
	for name, s := range m.Stacks {
		var doc struct {
			Resource map[string]map[string]json.RawMessage `json:"resource"`
			Data     map[string]map[string]json.RawMessage `json:"data"`
		}
		if err := jsonedit.ReadFile(filepath.Join(dir, s.SynthesizedStackPath), &doc); err != nil {
			return nil, err
		}
		st := Stack{Name: name, Path: s.SynthesizedStackPath}
		for _, byName := range doc.Resource {
			st.Resources += len(byName)
		}
		for _, byName := range doc.Data {
			st.DataSources += len(byName)
		}
		for _, e := range envs {
			if strings.HasPrefix(name, e.Name+"-") {
				st.Environment = e.Name
			}
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b Stack) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
