package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/bluegreen-mesh/bluegreen/internal/synth"
)

// Usage is the program's help text.
const Usage = `usage: go run . [command]

commands:
  synth [--warn-only]      synthesize every environment (or those in ENVIRONMENTS) into cdktf.out, run the
                           bluegreen checks and draw each routing (the default)
  routes <env> [flags]     show where requests go: the standard set, or one request (--path, --header, --cookie, --host)
  promote <env> <colour>   make <colour> the live colour of <env> in cdktf.json (routing.live), and show the change
  check <env>              run Istio's analyzer (istioctl analyze, offline) and bluegreen's checks on what <env> deploys
  status <env> [<app>]     what is live in <env>'s cluster (colours, weights, replicas, Helm releases, istiod) and its
                           drift from what <env> deploys; --output json, --exit-code (1 drift, 2 unreachable), --kubeconfig, --context
  graph <env> [-o dir]     draw the routing of <env> as Mermaid and Graphviz DOT (and SVG/PNG with Graphviz)
  help                     print this help

Commands read cdktf.json, or the file named by BLUEGREEN_CONFIG.
`

// Synth implements `synth [--warn-only]`, the default command (as `cdktf
// synth` and `cdktf deploy` run the program): it synthesizes every
// environment, or those named in $ENVIRONMENTS, into cdktf.out (or
// $CDKTF_OUTDIR), and prints a summary of the stacks.
func Synth(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	warnOnly := fs.Bool("warn-only", os.Getenv("BLUEGREEN_WARN_ONLY") == "1",
		"report bluegreen check errors as warnings (also BLUEGREEN_WARN_ONLY=1)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("synth takes no arguments (got %q); choose environments with ENVIRONMENTS=dev,prod", fs.Args())
	}
	res, err := synth.Run(synth.Options{
		Config:       os.Getenv("BLUEGREEN_CONFIG"),
		Environments: synth.EnvironmentsFromList(os.Getenv("ENVIRONMENTS")),
		WarnOnly:     *warnOnly,
	})
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	for _, line := range res.Acknowledged {
		fmt.Fprintln(stderr, line)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "STACK\tRESOURCES\tDATA SOURCES\tJSON\n")
	for _, s := range res.Stacks {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", s.Name, s.Resources, s.DataSources, s.Path)
	}
	return tw.Flush()
}
