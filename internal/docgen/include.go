package docgen

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// The hand-written pages hold two kinds of generated block, which make docs
// rewrites in place and TestGeneratedPagesAreCurrent guards:
//
//   - a Go snippet: the line <!-- snippet: <file>[#<region>] --> and the
//     fenced block after it, which holds the file (or the lines between
//     "// snippet: <region>" and "// end snippet: <region>" in it, one
//     indentation level removed), so a snippet is code the build compiles;
//   - the package picture: the block between <!-- layout --> and
//     <!-- end layout -->, every package of the module with the first
//     sentence of its doc comment.
var (
	snippetRE = regexp.MustCompile("(?m)^<!-- snippet: ([^ #]+)(?:#([a-z0-9-]+))? -->\n```([a-z]*)\n(?s:(.*?))```\n")
	layoutRE  = regexp.MustCompile("(?s)<!-- layout -->\n```\n.*?```\n<!-- end layout -->\n")
)

// handWritten are the pages people write, which may hold generated blocks.
func handWritten(root string) ([]string, error) {
	pages := []string{"README.md", "CHANGELOG.md"}
	md, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		return nil, err
	}
	for _, m := range md {
		pages = append(pages, filepath.Join("docs", filepath.Base(m)))
	}
	return pages, nil
}

// Includes returns each hand-written page whose generated blocks are
// rewritten, by its path below root (pages without one are left out).
func Includes(root string) (map[string][]byte, error) {
	pages, err := handWritten(root)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, p := range pages {
		text, err := os.ReadFile(filepath.Join(root, p))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		got, err := include(root, p, text)
		if err != nil {
			return nil, err
		}
		if got != nil {
			out[p] = got
		}
	}
	return out, nil
}

// include rewrites the generated blocks of one page; nil when it has none.
func include(root, page string, text []byte) ([]byte, error) {
	var firstErr error
	found := false
	out := snippetRE.ReplaceAllFunc(text, func(m []byte) []byte {
		found = true
		s := snippetRE.FindSubmatch(m)
		file, region, lang := string(s[1]), string(s[2]), string(s[3])
		body, err := snippet(root, file, region)
		if err != nil {
			firstErr = cmp.Or(firstErr, fmt.Errorf("%s: snippet %s: %w", page, file, err))
			return m
		}
		return []byte(fmt.Sprintf("<!-- snippet: %s -->\n```%s\n%s```\n", string(s[1])+suffix(region), lang, body))
	})
	if firstErr != nil {
		return nil, firstErr
	}
	if layoutRE.Match(out) {
		found = true
		l, err := Layout(root)
		if err != nil {
			return nil, err
		}
		out = layoutRE.ReplaceAllLiteral(out, []byte("<!-- layout -->\n```\n"+l+"```\n<!-- end layout -->\n"))
	}
	if !found {
		return nil, nil
	}
	return out, nil
}

func suffix(region string) string {
	if region == "" {
		return ""
	}
	return "#" + region
}

// snippet is a file below root, or one region of it.
func snippet(root, file, region string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, file))
	if err != nil {
		return "", err
	}
	if region == "" {
		return string(b), nil
	}
	start, end := "// snippet: "+region, "// end snippet: "+region
	var lines []string
	in, closed := false, false
	for _, l := range strings.SplitAfter(string(b), "\n") {
		t := strings.TrimSpace(l)
		switch {
		case t == start:
			in = true
		case t == end && in:
			in, closed = false, true
		case in:
			lines = append(lines, l)
		}
	}
	if !closed || len(lines) == 0 {
		return "", fmt.Errorf("no lines between %q and %q", start, end)
	}
	// Remove the indentation the region's first line has from every line.
	indent := lines[0][:len(lines[0])-len(strings.TrimLeft(lines[0], "\t"))]
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, indent)
	}
	return strings.Join(lines, ""), nil
}

// layoutGroups order the package picture: the product first, then what
// verifies it, then the examples, test support and build tools.
var layoutGroups = []struct{ title, prefix string }{
	{"the product (what users run and import)", ""},
	{"what verifies the product (the local control plane, Helm's installer, istiod's routes, Istio's analyzer, moto)", "internal/verify/"},
	{"examples a user's own module starts from (compiled and tested)", "examples/"},
	{"test support", "internal/testutil/"},
	{"build tools (own Go modules, npm scripts)", "tools/"},
}

// Layout is the package picture: every Go package of the repository with
// the first sentence of its doc comment, and every chart with its
// description, grouped as layoutGroups says.
func Layout(root string) (string, error) {
	type entry struct{ path, what string }
	var entries []entry
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if p != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata" || name == "cdktf.out" || name == "bin") {
			return filepath.SkipDir
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if _, err := os.Stat(filepath.Join(p, "Chart.yaml")); err == nil {
			// The charts are listed on the charts package's line.
			return filepath.SkipDir
		}
		what, ok, err := packageSynopsis(p)
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		if ok {
			if rel == "." {
				rel = "main.go"
			} else {
				rel += "/"
			}
			entries = append(entries, entry{rel, what})
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	group := func(path string) int {
		for i := len(layoutGroups) - 1; i > 0; i-- {
			if strings.HasPrefix(path, layoutGroups[i].prefix) {
				return i
			}
		}
		return 0
	}
	slices.SortStableFunc(entries, func(a, b entry) int {
		if ga, gb := group(a.path), group(b.path); ga != gb {
			return ga - gb
		}
		return strings.Compare(a.path, b.path)
	})
	width := 0
	for _, e := range entries {
		width = max(width, len(e.path))
	}
	var b bytes.Buffer
	last := -1
	for _, e := range entries {
		if g := group(e.path); g != last {
			if last >= 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "# %s\n", layoutGroups[g].title)
			last = g
		}
		fmt.Fprintf(&b, "%-*s  %s\n", width, e.path, shorten(e.what, 100-width))
	}
	return b.String(), nil
}

// packageSynopsis is the first sentence of the doc comment of the Go
// package in dir; ok is false when dir holds no Go package. A package
// without a doc comment is an error: the picture would have a hole.
func packageSynopsis(dir string) (string, bool, error) {
	fset := token.NewFileSet()
	files, err := os.ReadDir(dir)
	if err != nil {
		return "", false, err
	}
	text, any := "", false
	for _, f := range files {
		n := f.Name()
		if f.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		any = true
		file, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			return "", false, err
		}
		if file.Doc != nil && text == "" {
			text = file.Doc.Text()
		}
	}
	if !any {
		return "", false, nil
	}
	if text == "" {
		return "", false, fmt.Errorf("the package has no doc comment (// Package x ...), which the README's package picture shows")
	}
	var p doc.Package
	s := p.Synopsis(text)
	// "Package x does y" reads "does y" beside the package's path.
	for _, kind := range []string{"Package ", "Command "} {
		if rest, ok := strings.CutPrefix(s, kind); ok {
			if _, after, ok := strings.Cut(rest, " "); ok {
				s = after
			}
		}
	}
	return s, true, nil
}

// shorten cuts a synopsis to n characters at a word, marking the cut.
func shorten(s string, n int) string {
	s = strings.TrimSuffix(s, ":")
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndex(s[:n-1], " ")
	if cut <= 0 {
		cut = n - 1
	}
	return strings.TrimRight(s[:cut], " ,;:(") + "…"
}
