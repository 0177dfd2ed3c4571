// Command bluegreen synthesizes, per environment in cdktf.json, the
// Terraform JSON of an EKS cluster, Istio with Kiali, and a blue/green app
// with the Istio routing between its two releases.
//
// With no arguments (as `cdktf synth` and `cdktf deploy` run it) it
// synthesizes every environment, or those named in ENVIRONMENTS
// (comma-separated), into cdktf.out. Run `go run . help` for the other
// commands.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/bluegreen-mesh/bluegreen/internal/cli"
	"github.com/bluegreen-mesh/bluegreen/internal/synth"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: go run . [command]

commands:
  synth [--warn-only]      synthesize every environment (or those in ENVIRONMENTS) into cdktf.out, run the
                           bluegreen checks and draw each routing (the default)
  routes <env> [flags]     show where requests go: the standard set, or one request (--path, --header, --cookie, --host)
  promote <env> <colour>   make <colour> the live colour of <env> in cdktf.json (routing.live), and show the change
  check <env>              run Istio's analyzer (istioctl analyze, offline) and bluegreen's checks on what <env> deploys
  graph <env> [-o dir]     draw the routing of <env> as Mermaid and Graphviz DOT (and SVG/PNG with Graphviz)
  help                     print this help

Commands read cdktf.json, or the file named by BLUEGREEN_CONFIG.
`

// run executes one command and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	cmd := "synth"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "synth":
		err = synthCommand(args, stdout, stderr)
	case "routes":
		err = cli.Routes(args, stdout, stderr)
	case "promote":
		err = cli.Promote(args, stdout, stderr)
	case "graph":
		err = cli.Graph(args, stdout, stderr)
	case "check":
		err = cli.Check(args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		err = fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
	}
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return 1
	}
	return 0
}

func synthCommand(args []string, stdout, stderr io.Writer) error {
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
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "STACK\tRESOURCES\tDATA SOURCES\tJSON\n")
	for _, s := range res.Stacks {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", s.Name, s.Resources, s.DataSources, s.Path)
	}
	return tw.Flush()
}
