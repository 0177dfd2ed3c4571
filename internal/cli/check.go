package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/verify"
	"github.com/bluegreen-mesh/bluegreen/mesh/check"
)

// Check implements `check <env> [--allowlist file] [--keep dir]`: it
// renders every object the environment's mesh and app stacks will create
// through the offline pipeline (Istio's own charts included), and runs Istio's analyzer (istioctl analyze, offline) and
// bluegreen's own checks on them. Any error or warning from the analyzer
// fails, unless the allowlist allows it with a reason; bluegreen's errors
// fail, its warnings are printed.
func Check(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("usage: check <environment> [--allowlist %s] [--keep folder]", verify.AllowlistFile)
	}
	envName := args[0]
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	allowFile := fs.String("allowlist", verify.AllowlistFile, "analyzer findings allowed, each with a reason")
	keep := fs.String("keep", "", "write the rendered objects into this (empty) folder and keep them")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("check: unexpected arguments %q", fs.Args())
	}
	allow, err := verify.ReadAllowlist(*allowFile)
	if err != nil {
		return fmt.Errorf("allowlist: %w", err)
	}
	if err := allow.Validate(); err != nil {
		return fmt.Errorf("allowlist: %w", err)
	}
	r, err := renderEnv(envName, true, io.Discard)
	if err != nil {
		return err
	}
	objs, err := r.Objects()
	if err != nil {
		return err
	}
	res, err := verify.AnalyzeObjects(context.Background(), objs, verify.AnalyzeOptions{Allowlist: allow, Dir: *keep})
	if err != nil {
		return err
	}
	kept, acked := check.Acknowledge(r.Findings, r.Env.Env.Acknowledge)
	report := Report{Analyzer: res, Findings: kept, Acknowledged: acked}
	fmt.Fprint(stdout, report.String(envName))
	return report.Err()
}

// Report is what CheckSynthesized found.
type Report struct {
	// Analyzer is istioctl analyze's result.
	Analyzer verify.AnalyzeResult
	// Findings are bluegreen's checks' findings, less those acknowledged.
	Findings []check.Finding
	// Acknowledged counts, by code, the warnings the environment
	// acknowledges (its acknowledge setting), which are not in Findings.
	Acknowledged map[string]int
}

// CheckSynthesized runs both checks on synthesized mesh and app stack
// folders, rendering the charts for Kubernetes minor version kubeVersion
// (the environment's cluster).
func CheckSynthesized(ctx context.Context, stackDirs []string, kubeVersion string, allow verify.Allowlist, keep string) (Report, error) {
	res, err := verify.Analyze(ctx, stackDirs, verify.AnalyzeOptions{Allowlist: allow, Dir: keep, KubeVersion: kubeVersion})
	if err != nil {
		return Report{}, err
	}
	m, err := render.Model(stackDirs...)
	if err != nil {
		return Report{}, err
	}
	return Report{Analyzer: res, Findings: check.Run(m)}, nil
}

// Err returns nil when nothing fails, and otherwise an error listing what
// does.
func (r Report) Err() error {
	var errs []error
	if err := r.Analyzer.Err(); err != nil {
		errs = append(errs, err)
	}
	if bad := check.Errors(r.Findings); len(bad) > 0 {
		var lines []string
		for _, f := range bad {
			lines = append(lines, f.String())
		}
		errs = append(errs, fmt.Errorf("bluegreen checks: %d error(s):\n  %s", len(bad), strings.Join(lines, "\n  ")))
	}
	return errors.Join(errs...)
}

// String summarizes the report for environment env.
func (r Report) String(env string) string {
	var b strings.Builder
	a := r.Analyzer
	var names []string
	for _, r := range a.Rendered {
		names = append(names, r.Name)
	}
	fmt.Fprintf(&b, "%s: %d objects from %d releases analyzed: %s\n", env, len(a.Files), len(a.Rendered), strings.Join(names, ", "))
	if len(a.Skipped) > 0 {
		fmt.Fprintf(&b, "not analyzed (%d releases):\n", len(a.Skipped))
		for _, s := range a.Skipped {
			fmt.Fprintf(&b, "  %s: %s\n", s.Name, s.Reason)
		}
	}
	fmt.Fprintf(&b, "istioctl analyze: %d failing, %d allowed, %d info\n", len(a.Failing), len(a.Allowed), len(a.Findings)-len(a.Failing)-len(a.Allowed))
	for _, f := range a.Failing {
		fmt.Fprintf(&b, "  FAIL %s\n", f)
	}
	for _, f := range a.Allowed {
		fmt.Fprintf(&b, "  allowed %s\n", f)
	}
	for _, e := range a.Unused {
		fmt.Fprintf(&b, "  unused allowlist entry: %s\n", e)
	}
	fmt.Fprintf(&b, "bluegreen checks: %d error(s), %d warning(s)\n", len(check.Errors(r.Findings)), len(r.Findings)-len(check.Errors(r.Findings)))
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "  %s\n", f)
	}
	if line := check.AcknowledgedLine(env, r.Acknowledged); line != "" {
		fmt.Fprintln(&b, line)
	}
	return b.String()
}
