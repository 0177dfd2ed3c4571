// Package stacktest synthesizes test stacks into parsed Terraform JSON. It
// loads cdktf, which starts the jsii Node process; tests that need no
// synthesis use package testutil alone.
package stacktest

import (
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
)

// NewStack returns a fresh stack in a fresh test app.
func NewStack(t testing.TB) cdktf.TerraformStack {
	t.Helper()
	app := cdktf.Testing_App(&cdktf.TestingAppConfig{Outdir: jsii.String(t.TempDir())})
	return cdktf.NewTerraformStack(app, jsii.String("test"))
}

// Synth synthesizes stack, with the construct paths cdktf records (which
// Testing_Synth strips), and parses the result.
func Synth(t testing.TB, stack cdktf.TerraformStack) testutil.Doc {
	t.Helper()
	outdir := cdktf.Testing_FullSynth(stack)
	return testutil.Load(t, testutil.StackPath(*outdir, *stack.Node().Id()))
}
