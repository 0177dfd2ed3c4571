package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/bluegreen-mesh/bluegreen/internal/synth"
)

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
