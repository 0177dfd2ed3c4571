package cli

import (
	_ "embed"
	"strings"
)

// commands is the list of the program's commands, one line each (and its
// continuation lines): `go run . help` and ./help both print it, so the two
// cannot say different things.
//
//go:embed commands.txt
var commands string

// Usage is the program's help text.
var Usage = "usage: go run . [command]\n\ncommands:\n" + indent(commands) +
	"\nCommands read cdktf.json, or the file named by BLUEGREEN_CONFIG.\n"

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			b.WriteString("  " + l)
		}
	}
	return b.String()
}
