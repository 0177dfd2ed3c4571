package docgen

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/bluegreen-mesh/bluegreen/internal/jsonedit"
	"github.com/bluegreen-mesh/bluegreen/mesh/check"
)

// Checks renders docs/checks.md from mesh/check's registry (check.All and
// check.Acknowledgeable).
func Checks() []byte {
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
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", d.Code, cell(d.Title), ack, cell(d.Fix))
	}
	b.WriteString("\n")
	return b.Bytes()
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
	pages["docs/checks.md"] = Checks()
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
