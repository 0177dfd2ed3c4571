// Package analyze runs Istio's own configuration analyzer (`istioctl
// analyze`) offline over the Kubernetes and Istio objects the synthesized
// stacks will create, so that a broken reference or an invalid field fails
// `check` and `make test` instead of a deploy.
//
// The objects come from the helm_release resources of the synthesized
// stacks: every release with a local chart, and every release of Istio's
// base, istiod and gateway charts (taken from the istio.io/istio module
// pinned in tools/go.mod, package istiocharts, values keys checked first),
// is rendered by Helm's own engine (package render), as is the istiod the
// Sail Operator installs for an Istio resource; each object is written to a
// folder, one file per object, named after its stack, release and template. istioctl then analyzes that folder with
// --use-kube=false and --all-namespaces. Error and Warning findings fail the
// check unless an allowlist entry with a written reason matches them; Info
// findings never fail it.
//
// istioctl is built from the istio.io/istio module pinned in tools/go.mod
// (`make istioctl`); Istioctl finds the binary.
package analyze

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// Levels of a Finding, as istioctl names them.
const (
	LevelError   = "Error"
	LevelWarning = "Warning"
	LevelInfo    = "Info"
)

// Finding is one message of Istio's analyzer.
type Finding struct {
	// Code is the analyzer message code, such as "IST0101".
	Code string
	// Level is LevelError, LevelWarning or LevelInfo.
	Level string
	// Message is the message text.
	Message string
	// Resource is the object the message is about, as istioctl names it:
	// "<Kind> <namespace>/<name>", such as "VirtualService shop/echo".
	// Empty for a message about no object in particular.
	Resource string
	// File is the analyzed file that holds Resource, relative to the folder
	// Analyze was given; for objects written by WriteObjects it names the
	// stack, release and template. Empty when istioctl reports no file.
	File string
	// Line is the line in File istioctl points at; 0 when unknown.
	Line int
	// DocumentationURL explains the code, its causes and fixes.
	DocumentationURL string
}

// String formats the finding as istioctl's own log output does:
// `Error [IST0101] (VirtualService shop/echo dev-app/routes/...yaml:8) message`.
func (f Finding) String() string {
	where := f.Resource
	if f.File != "" {
		loc := f.File
		if f.Line > 0 {
			loc += ":" + strconv.Itoa(f.Line)
		}
		where = strings.TrimSpace(where + " " + loc)
	}
	if where == "" {
		return fmt.Sprintf("%s [%s] %s", f.Level, f.Code, f.Message)
	}
	return fmt.Sprintf("%s [%s] (%s) %s", f.Level, f.Code, where, f.Message)
}

// fails reports whether the finding's level fails a check.
func (f Finding) fails() bool { return f.Level != LevelInfo }

// ParseError reports files istioctl could not read. It analyzed the other
// files, but their findings are incomplete: an object it could not read can
// be the one another object refers to.
type ParseError struct {
	// Detail is what istioctl printed about the files.
	Detail string
}

func (e *ParseError) Error() string {
	return "istioctl could not parse some of the files: " + e.Detail
}

// parseErrorMarker starts istioctl's report of unreadable files on stderr.
// With -o json that report is the only sign of them: the exit code stays 0.
const parseErrorMarker = "Error(s) adding files"

// Args returns the arguments Analyze passes to istioctl to analyze the
// files in the working directory.
//
//   - --use-kube=false: files only, no cluster. istioctl then drops the
//     Pods, Services, Namespaces, Nodes and Secrets it reads from files and
//     skips the analyzers that need them (among others: a Gateway selector
//     matching no pods, a VirtualService host with no Service, Service port
//     names, injection). The analyzers of Istio's own objects run: schema
//     validation, Gateway and subset references, conflicting hosts.
//   - --all-namespaces: without it only objects in "default" are analyzed.
//   - --output json: machine-readable findings. In this format istioctl
//     exits 0 whatever it finds; only the default log format exits 79 for
//     Error findings (65 for unreadable files).
//   - --output-threshold Info: every finding, Info included.
//   - --log_target stderr: istioctl's own log lines would otherwise precede
//     the JSON on stdout.
//
// Directories are always walked recursively; istioctl's --recursive flag
// would make it print a notice and analyze nothing.
func Args() []string {
	return []string{
		"analyze",
		"--use-kube=false",
		"--all-namespaces",
		"--output", "json",
		"--output-threshold", "Info",
		"--log_target", "stderr",
		".",
	}
}

// Analyze runs istioctl's analyzer over every .yaml, .yml and .json file
// under dir, offline, and returns its findings, Info included.
//
// An error means the analysis did not run or is incomplete: istioctl could
// not be started, exited non-zero, printed output that is not its JSON, or
// could not parse some files (a *ParseError, returned with the findings for
// the other files). Findings, whatever their level, are not an error.
func Analyze(ctx context.Context, istioctl, dir string) ([]Finding, error) {
	cmd := exec.CommandContext(ctx, istioctl, Args()...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %s (in %s): %w: %s", istioctl, strings.Join(Args(), " "), dir, err, strings.TrimSpace(stderr.String()))
	}
	var raw []struct {
		Code             string `json:"code"`
		Level            string `json:"level"`
		Message          string `json:"message"`
		Origin           string `json:"origin"`
		Reference        string `json:"reference"`
		DocumentationURL string `json:"documentationUrl"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &raw); err != nil {
		return nil, fmt.Errorf("%s analyze: output is not a JSON list of messages: %w: %q", istioctl, err, truncate(stdout.String(), 500))
	}
	findings := make([]Finding, 0, len(raw))
	for _, r := range raw {
		f := Finding{
			Code:             r.Code,
			Level:            r.Level,
			Message:          r.Message,
			Resource:         r.Origin,
			DocumentationURL: r.DocumentationURL,
		}
		f.File, f.Line = splitReference(r.Reference)
		findings = append(findings, f)
	}
	if i := strings.Index(stderr.String(), parseErrorMarker); i >= 0 {
		return findings, &ParseError{Detail: strings.TrimSpace(stderr.String()[i:])}
	}
	return findings, nil
}

// splitReference splits istioctl's "file:line" reference.
func splitReference(ref string) (file string, line int) {
	i := strings.LastIndex(ref, ":")
	if i < 0 {
		return ref, 0
	}
	n, err := strconv.Atoi(ref[i+1:])
	if err != nil {
		return ref, 0
	}
	return ref[:i], n
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
