// Command gen rewrites docs/reference.md and docs/checks.md from the code
// (package docgen). Run it from the module's folder: make docs.
package main

import (
	"fmt"
	"os"

	"github.com/bluegreen-mesh/bluegreen/internal/docgen"
)

func main() {
	if err := docgen.Write("."); err != nil {
		fmt.Fprintln(os.Stderr, "docs:", err)
		os.Exit(1)
	}
}
