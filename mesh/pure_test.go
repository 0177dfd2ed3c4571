package mesh_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsNoDeploymentTool lists every package that mesh and its
// sub-packages (with their tests) depend on, and fails on any of this
// module outside mesh/ (constructs/, internal/, charts/, stacks/) and on
// anything of cdktf, jsii or the constructs library: the model must build
// and test without the generated bindings. Run in a clone without .gen/,
// the `go list` itself fails if anything needs them.
func TestImportsNoDeploymentTool(t *testing.T) {
	const module = "github.com/bluegreen-mesh/bluegreen/"
	// "./..." from this folder (the test's working directory): a pattern
	// with the module path would load every module of the build list,
	// including the generated bindings' replacements, which a fresh clone
	// does not have.
	out, err := exec.Command("go", "list", "-deps", "-test", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	pkgs := strings.Fields(string(out))
	ours := 0
	for _, p := range pkgs {
		if strings.HasPrefix(p, module) {
			ours++
			if !strings.HasPrefix(p, module+"mesh") {
				t.Errorf("mesh depends on %s", p)
			}
		}
		for _, bad := range []string{"jsii", "cdktf", "constructs-go"} {
			if strings.Contains(p, bad) {
				t.Errorf("mesh depends on %s", p)
			}
		}
	}
	// mesh, mesh/check, mesh/graph, mesh/meshtest and mesh/fielderr at
	// least, with their test packages.
	if ours < 5 {
		t.Fatalf("go list found %d packages of this module among %d; want mesh and its sub-packages:\n%s", ours, len(pkgs), out)
	}
}
