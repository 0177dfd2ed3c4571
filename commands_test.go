package main

import (
	"bytes"
	"errors"
	"flag"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// helpArgs are the arguments that make each command print its flags
// without doing anything: the commands that act on an environment read its
// name first.
var helpArgs = map[string][]string{
	"synth":   {"-h"},
	"routes":  {"dev", "-h"},
	"promote": {"-h"},
	"graph":   {"dev", "-h"},
	"check":   {"dev", "-h"},
	"status":  {"dev", "-h"},
}

var flagNameRE = regexp.MustCompile(`(?:^|[\s(,\[])--?([a-z][a-z0-9-]*)`)

// commandFlags asks a command for its flags, as a user does with -h: the
// flag package's listing (or the command's own list of them in its error).
func commandFlags(t *testing.T, name string) map[string]bool {
	t.Helper()
	args, ok := helpArgs[name]
	if !ok {
		t.Fatalf("command %q has no entry in helpArgs: add the arguments that make it print its flags", name)
	}
	var stdout, stderr bytes.Buffer
	err := commands[name](args, &stdout, &stderr)
	if err == nil {
		t.Fatalf("%s %s did nothing to refuse; want flag.ErrHelp", name, strings.Join(args, " "))
	}
	text := stderr.String() + "\n" + err.Error()
	if !errors.Is(err, flag.ErrHelp) && !strings.Contains(err.Error(), "help requested") {
		t.Fatalf("%s %s: %v, want the flags' listing", name, strings.Join(args, " "), err)
	}
	flags := map[string]bool{"h": true, "help": true}
	for _, m := range flagNameRE.FindAllStringSubmatch(text, -1) {
		flags[m[1]] = true
	}
	return flags
}

var goRunRE = regexp.MustCompile("go run \\. ([a-z]+)((?:[^`#&;|\\n])*)")

// TestDocumentedCommandsAndFlagsExist checks every `go run . <command>
// --<flag>` in the README, the docs and ./help against the program's
// commands and the flags each command lists with -h.
func TestDocumentedCommandsAndFlagsExist(t *testing.T) {
	files := []string{"README.md", "CHANGELOG.md", "help"}
	md, err := filepath.Glob(filepath.Join("docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, md...)
	known := map[string]map[string]bool{}
	seen := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goRunRE.FindAllStringSubmatch(string(b), -1) {
			cmd := m[1]
			if cmd == "help" {
				continue
			}
			if _, ok := commands[cmd]; !ok {
				t.Errorf("%s: %q: the program has no command %q (it has %s)", f, strings.TrimSpace(m[0]), cmd, strings.Join(slices.Sorted(maps.Keys(commands)), ", "))
				continue
			}
			if known[cmd] == nil {
				known[cmd] = commandFlags(t, cmd)
			}
			seen++
			for _, fm := range flagNameRE.FindAllStringSubmatch(m[2], -1) {
				if !known[cmd][fm[1]] {
					t.Errorf("%s: %q: %s has no flag --%s", f, strings.TrimSpace(m[0]), cmd, fm[1])
				}
			}
		}
	}
	if seen < 20 {
		t.Errorf("found only %d `go run .` commands in the docs; the extraction is broken", seen)
	}
}

// TestHelpListsTheProgramsCommands checks that ./help prints the program's
// commands in the words `go run . help` uses (internal/cli/commands.txt,
// which both print), and that every command the program has is listed.
func TestHelpListsTheProgramsCommands(t *testing.T) {
	out, err := exec.Command("sh", "help").Output()
	if err != nil {
		t.Fatalf("./help: %v", err)
	}
	var usage bytes.Buffer
	if code := run([]string{"help"}, &usage, &bytes.Buffer{}); code != 0 {
		t.Fatalf("go run . help exited %d", code)
	}
	listed := 0
	for _, l := range strings.Split(usage.String(), "\n") {
		if !strings.HasPrefix(l, "  ") {
			continue
		}
		listed++
		if !strings.Contains(string(out), strings.TrimSpace(l)) {
			t.Errorf("./help does not print the line of go run . help %q", strings.TrimSpace(l))
		}
	}
	for name := range commands {
		if !regexp.MustCompile(`(?m)^  ` + name + `\b`).MatchString(usage.String()) {
			t.Errorf("go run . help does not list the command %q", name)
		}
	}
	if listed < len(commands) {
		t.Errorf("go run . help lists %d lines, fewer than the %d commands", listed, len(commands))
	}
}

var shownRunRE = regexp.MustCompile("(?ms)^```\n\\$ go run \\. ([^\n]*)\n(.*?)```\n")

// TestReadmeShowsTheProgramsOutput runs every `$ go run . <command>` block
// of the README on a copy of the shipped environments
// (testdata/shipped.cdktf.json, never the live cdktf.json, which users
// edit) and wants the README to show what it prints on stdout, so the
// front page cannot show a table the program no longer prints.
func TestReadmeShowsTheProgramsOutput(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := shownRunRE.FindAllStringSubmatch(string(readme), -1)
	if len(blocks) < 3 {
		t.Fatalf("found %d `$ go run .` blocks in README.md, want the workflow's (at least 3)", len(blocks))
	}
	for _, b := range blocks {
		args, want := strings.Fields(b[1]), b[2]
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			dir := t.TempDir()
			fixture, err := os.ReadFile(filepath.Join("testdata", "shipped.cdktf.json"))
			if err != nil {
				t.Fatal(err)
			}
			config := filepath.Join(dir, "cdktf.json")
			if err := os.WriteFile(config, fixture, 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "cdktf.out")
			t.Setenv("BLUEGREEN_CONFIG", config)
			t.Setenv("CDKTF_OUTDIR", out)
			var stdout, stderr bytes.Buffer
			if code := run(args, &stdout, &stderr); code != 0 {
				t.Fatalf("go run . %s exited %d:\n%s", b[1], code, stderr.String())
			}
			got := strings.NewReplacer(out, "cdktf.out", config, "cdktf.json").Replace(stdout.String())
			if got != want {
				t.Errorf("README.md shows for go run . %s:\n%s\nthe program prints:\n%s", b[1], want, got)
			}
		})
	}
}
