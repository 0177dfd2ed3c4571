// Command bluegreen synthesizes, per environment in cdktf.json, the
// Terraform JSON of an EKS cluster, Istio with Kiali, and a blue/green app
// with the Istio routing between its two releases.
//
// With no arguments (as `cdktf synth` and `cdktf deploy` run it) it
// synthesizes every environment, or those named in ENVIRONMENTS
// (comma-separated), into cdktf.out. Run `go run . help` for the other
// commands. Every command lives in internal/cli; this file only dispatches.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/bluegreen-mesh/bluegreen/internal/cli"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// commands maps a command name to its implementation.
var commands = map[string]func(args []string, stdout, stderr io.Writer) error{
	"synth":   cli.Synth,
	"routes":  cli.Routes,
	"promote": cli.Promote,
	"graph":   cli.Graph,
	"check":   cli.Check,
	"status":  cli.Status,
}

// run executes one command and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	cmd := "synth"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch f, ok := commands[cmd]; {
	case ok:
		err = f(args, stdout, stderr)
	case cmd == "help" || cmd == "-h" || cmd == "--help":
		fmt.Fprint(stdout, cli.Usage)
	default:
		err = fmt.Errorf("unknown command %q\n\n%s", cmd, cli.Usage)
	}
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		// A command may ask for another code (status --exit-code).
		if ec, ok := errors.AsType[interface {
			error
			ExitCode() int
		}](err); ok {
			return ec.ExitCode()
		}
		return 1
	}
	return 0
}
