package docgen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/internal/jsonedit"
	"github.com/bluegreen-mesh/bluegreen/mesh/check"
)

// Checks renders docs/checks.md from mesh/check's registry (check.All,
// check.Acknowledgeable and check.Examples): each code's example is what
// the check reports when it runs on the example's input.
func Checks() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(generatedHeader())
	b.WriteString("# Checks\n\n")
	b.WriteString("`go run . synth` and `go run . check <env>` run Istio's own analyzer and the checks below on every object an environment deploys. ")
	b.WriteString("BG codes are bluegreen's checks of the blue/green intent (VirtualService, DestinationRule, Gateway, Service); GW codes check HTTPRoutes (`routing.api: \"gatewayAPI\"`). ")
	b.WriteString("An error stops synthesis; a warning is printed, and an environment can keep one on purpose by listing its code under `acknowledge`.\n\n")
	b.WriteString("| Code | Catches | Can be acknowledged | Fix |\n|---|---|---|---|\n")
	for _, d := range check.All {
		ack := "no"
		if slices.Contains(check.Acknowledgeable, d.Code) {
			ack = "yes (warning)"
		}
		fmt.Fprintf(&b, "| [%s](#%s) | %s | %s | %s |\n", d.Code, strings.ToLower(d.Code), cell(d.Title), ack, cell(d.Fix))
	}
	b.WriteString("\n## Examples\n\n")
	b.WriteString("Each example is a small input and what the check reports on it, produced by running the check when this page is generated (mesh/check's `Examples`; its tests hold each input to its code). ")
	b.WriteString("echo is the walkthrough's app in namespace shop on echo.example.com, with both colours released: a 10% canary to green, a header rule x-version: v2 for green and TLS (credentialName echo-tls); each echo example changes one thing of it.\n\n")
	for _, d := range check.All {
		ex, err := exampleOf(d.Code)
		if err != nil {
			return nil, err
		}
		var lines []string
		fs, err := ex.Run()
		if err != nil {
			return nil, fmt.Errorf("example %s: %w", d.Code, err)
		}
		for _, f := range fs {
			if f.Code == d.Code {
				lines = append(lines, line(f))
			}
		}
		if len(lines) == 0 {
			return nil, fmt.Errorf("example %s: its input reports no %s (got %v)", d.Code, d.Code, fs)
		}
		fmt.Fprintf(&b, "### %s\n\n%s. Input: %s.\n\n```text\n%s\n```\n\n", d.Code, upperFirst(d.Title), ex.Input, strings.Join(lines, "\n"))
		if len(ex.Also) > 0 {
			fmt.Fprintf(&b, "The same input also reports %s.\n\n", strings.Join(ex.Also, ", "))
		}
	}
	return b.Bytes(), nil
}

// exampleOf returns code's example: mesh/check's, or for BG013, which
// the Istio settings report as a warning, one that runs
// istio.Props.Warnings.
func exampleOf(code string) (check.Example, error) {
	if code == istio.SailOrderCode {
		return check.Example{Code: code, Input: `"istio": ` + sailOrderInput, Run: sailOrderFindings}, nil
	}
	i := slices.IndexFunc(check.Examples, func(e check.Example) bool { return e.Code == code })
	if i < 0 {
		return check.Example{}, fmt.Errorf("check %s has no example in mesh/check's Examples", code)
	}
	return check.Examples[i], nil
}

// sailOrderInput is BG013's example: an environment's istio settings as
// cdktf.json has them.
const sailOrderInput = `{"installMode": "operator", "ingressGateway": {"enabled": true}}`

// sailOrderFindings returns, as findings without an object, the warnings
// of the Istio settings sailOrderInput of an environment dev that end
// with the code BG013.
func sailOrderFindings() ([]check.Finding, error) {
	var p istio.Props
	if err := json.Unmarshal([]byte(sailOrderInput), &p); err != nil {
		return nil, err
	}
	var out []check.Finding
	for _, w := range p.Warnings(field.NewPath("context", "environments").Key("dev").Child("istio")) {
		if strings.HasSuffix(w, " ("+istio.SailOrderCode+")") {
			out = append(out, check.Finding{Code: istio.SailOrderCode, Severity: check.Warning, Message: w})
		}
	}
	return out, nil
}

// line is a finding as bluegreen prints it: a finding on an object as
// check prints it, a warning of the settings (no object) as synth does.
func line(f check.Finding) string {
	if f.Object == "" {
		return string(f.Severity) + ": " + f.Message
	}
	return f.String()
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Pages returns every generated page by its path below root.
func Pages(root string) (map[string][]byte, error) {
	ref, err := Reference(root)
	if err != nil {
		return nil, err
	}
	pages, err := Includes(root)
	if err != nil {
		return nil, err
	}
	pages["docs/reference.md"] = ref
	checks, err := Checks()
	if err != nil {
		return nil, err
	}
	pages["docs/checks.md"] = checks
	return pages, nil
}

// Write writes every generated page under root, each atomically.
func Write(root string) error {
	pages, err := Pages(root)
	if err != nil {
		return err
	}
	for _, p := range slices.Sorted(maps.Keys(pages)) {
		path := filepath.Join(root, p)
		err := jsonedit.WriteFile(path, pages[p])
		if errors.Is(err, fs.ErrNotExist) {
			// A first run: nothing to keep, so a plain write.
			if err = os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
				err = os.WriteFile(path, pages[p], 0o644)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}
