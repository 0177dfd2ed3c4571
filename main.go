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
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/bluegreen-mesh/bluegreen/internal/synth"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: go run . [command]

commands:
  synth      synthesize every environment (or those in ENVIRONMENTS) into cdktf.out (the default)
  help       print this help
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
	if len(args) > 0 {
		return fmt.Errorf("synth takes no arguments (got %q); choose environments with ENVIRONMENTS=dev,prod", args)
	}
	res, err := synth.Run(synth.Options{
		Config:       os.Getenv("BLUEGREEN_CONFIG"),
		Environments: synth.EnvironmentsFromList(os.Getenv("ENVIRONMENTS")),
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
