package docgen

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docFiles are the files users read commands from.
func docFiles(t *testing.T) []string {
	t.Helper()
	files := []string{"README.md", "help"}
	md, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range md {
		files = append(files, filepath.Join("docs", filepath.Base(m)))
	}
	return files
}

var (
	fenceRE  = regexp.MustCompile("(?s)```[a-z]*\n(.*?)```")
	inlineRE = regexp.MustCompile("`([^`\n]+)`")
	makeRE   = regexp.MustCompile(`(?:^\s*(?:\$ )?|&& |; |\()((?:[A-Z][A-Z_]*=\S* )*)make((?: [A-Z][A-Z_]*=\S*)*)((?: [a-z][a-z0-9-]*)+)((?: [A-Z][A-Z_]*=\S*)*)`)
	targetRE = regexp.MustCompile(`(?m)^([a-z][a-z0-9-]*(?:\s+[a-z][a-z0-9-]*)*)\s*:([^=]|$)`)
	varRE    = regexp.MustCompile(`([A-Z][A-Z_]*)=`)
)

// code returns the code a document shows: its fenced blocks and inline
// code spans; ./help is all code.
func code(name, text string) []string {
	if name == "help" {
		// Each line is a command, two spaces, then what it does.
		var out []string
		for _, l := range strings.Split(text, "\n") {
			cmd, _, _ := strings.Cut(l, "  ")
			out = append(out, cmd)
		}
		return out
	}
	var out []string
	for _, m := range fenceRE.FindAllStringSubmatch(text, -1) {
		out = append(out, strings.Split(m[1], "\n")...)
	}
	prose := fenceRE.ReplaceAllString(text, "")
	for _, m := range inlineRE.FindAllStringSubmatch(prose, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestDocumentedMakeTargetsExist checks every `make <target>` the docs and
// ./help show against the Makefile's targets, and every VAR= they pass
// against the variables the Makefile reads.
func TestDocumentedMakeTargetsExist(t *testing.T) {
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	targets := map[string]bool{}
	for _, m := range targetRE.FindAllStringSubmatch(string(mk), -1) {
		for _, tg := range strings.Fields(m[1]) {
			targets[tg] = true
		}
	}
	if !targets["test"] || !targets["synth"] {
		t.Fatalf("read no test or synth target from the Makefile: %v", targets)
	}
	seen := 0
	for _, f := range docFiles(t) {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range code(f, string(b)) {
			for _, m := range makeRE.FindAllStringSubmatch(line, -1) {
				seen++
				for _, tg := range strings.Fields(m[3]) {
					if !targets[tg] {
						t.Errorf("%s: %q: the Makefile has no target %q", f, strings.TrimSpace(line), tg)
					}
				}
				for _, v := range varRE.FindAllStringSubmatch(m[1]+m[2]+m[4], -1) {
					if !regexp.MustCompile(`\b`+v[1]+`\b`).Match(mk) && !strings.Contains(goSources(t), `"`+v[1]+`"`) {
						t.Errorf("%s: %q: the Makefile reads no variable %s", f, strings.TrimSpace(line), v[1])
					}
				}
			}
		}
	}
	if seen < 10 {
		t.Errorf("found only %d make commands in the docs; the extraction is broken", seen)
	}
}

// goSources is the text of the module's Go files, where the variables the
// program and its tests read (os.Getenv("NAME")) are named.
func goSources(t *testing.T) string {
	t.Helper()
	if sources != "" {
		return sources
	}
	var b strings.Builder
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".gen" || d.Name() == "node_modules" || d.Name() == ".git" || d.Name() == "cdktf.out") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b.Write(data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sources = b.String()
	return sources
}

var sources string
