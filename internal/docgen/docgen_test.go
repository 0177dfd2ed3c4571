package docgen

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

const root = "../.."

// TestGeneratedPagesAreCurrent fails when a committed page differs from
// what the code generates, naming the first line that differs (a field's
// or a check's row).
func TestGeneratedPagesAreCurrent(t *testing.T) {
	pages, err := Pages(root)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range pages {
		got, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Errorf("%s: %v; run make docs", p, err)
			continue
		}
		if string(got) == string(want) {
			continue
		}
		g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(g), len(w)); i++ {
			var gl, wl string
			if i < len(g) {
				gl = g[i]
			}
			if i < len(w) {
				wl = w[i]
			}
			if gl != wl {
				t.Errorf("%s is stale at line %d; run make docs\n  committed: %s\n  generated: %s", p, i+1, gl, wl)
				break
			}
		}
	}
}

func TestReferenceCoversEveryEnvironmentSection(t *testing.T) {
	secs, err := Sections(root)
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]Section{}
	for _, s := range secs {
		paths[s.Path] = s
	}
	// Sections the reference must hold: a wrong walk (embedded structs not
	// inlined, maps or lists not followed) loses one of them.
	for _, p := range []string{"", "target.kubeconfig", "cluster.nodeGroups[]", "app.releases.<name>", "routing.gateway.tls", "routing.cookie"} {
		if _, ok := paths[p]; !ok {
			t.Errorf("no section %q", p)
		}
	}
	// routing.Props embeds mesh.Routing: its fields are routing's own.
	var names []string
	for _, f := range paths["routing"].Fields {
		names = append(names, f.Path)
	}
	for _, want := range []string{"routing.api", "routing.live", "routing.extraValues"} {
		if !strings.Contains(strings.Join(names, " "), want) {
			t.Errorf("routing lacks %s; has %v", want, names)
		}
	}
	// mesh.Rule appears twice (cookie, header): the second refers to the first.
	if got := paths["routing.header"].Same; got != "routing.cookie" {
		t.Errorf("routing.header: Same = %q, want routing.cookie", got)
	}
}

func TestDefaultColumn(t *testing.T) {
	w := &walker{}
	cases := []struct {
		def  string
		v    any
		want string
	}{
		{"DefaultVersion", "1.31.1", "`\"1.31.1\"` (DefaultVersion)"},
		{"", 80, "`80`"},
		{"80", 80, "80"},
		{`"<app>-gateway"`, "echo-gateway", `"<app>-gateway"`},
		{"none", nil, "none"},
	}
	for _, c := range cases {
		v := reflect.ValueOf(c.v)
		if got := w.withValue("x", c.def, v); got != c.want {
			t.Errorf("withValue(%q, %v) = %q, want %q", c.def, c.v, got, c.want)
		}
	}
	if len(w.stale) != 0 {
		t.Errorf("stale = %v, want none", w.stale)
	}
	w.withValue("routing.gateway.httpPort", "8080", reflect.ValueOf(80))
	if want := "routing.gateway.httpPort: the comment says Default: 8080, the code gives 80"; len(w.stale) != 1 || w.stale[0] != want {
		t.Errorf("stale = %v, want [%s]", w.stale, want)
	}
}

func TestSplitDefault(t *testing.T) {
	cases := []struct{ doc, def, rest string }{
		{"HTTPPort is the plain HTTP port. Default: 80.", "80", "HTTPPort is the plain HTTP port."},
		{"Live is the colour. Promotion is changing this one field. Default: \"blue\".", `"blue"`, "Live is the colour. Promotion is changing this one field."},
		{"Hosts are names. Default: [\"*\"] (any host). Only with TLS.", `["*"] (any host)`, "Hosts are names. Only with TLS."},
		{"Region is the AWS region. Required.", "", "Region is the AWS region. Required."},
	}
	for _, c := range cases {
		def, rest := splitDefault(c.doc)
		if def != c.def || rest != c.rest {
			t.Errorf("splitDefault(%q) = %q, %q; want %q, %q", c.doc, def, rest, c.def, c.rest)
		}
	}
}

// TestEveryGoBlockIsAnExample fails on a Go block in the docs that is not
// included from a file the build compiles (<!-- snippet: ... --> before
// it), so no Go snippet a user copies can stop compiling unnoticed.
func TestEveryGoBlockIsAnExample(t *testing.T) {
	pages, err := handWritten(root)
	if err != nil {
		t.Fatal(err)
	}
	included := 0
	for _, p := range pages {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		for i, l := range lines {
			if l != "```go" {
				continue
			}
			if i == 0 || !strings.HasPrefix(lines[i-1], "<!-- snippet: ") {
				t.Errorf("%s:%d: a Go block that is not a snippet of a compiled example; put the code in a file under examples/ and include it with <!-- snippet: examples/<file>[#<region>] -->", p, i+1)
				continue
			}
			file, _, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(lines[i-1], "<!-- snippet: "), " -->"), "#")
			if !strings.HasSuffix(file, ".go") && !strings.HasSuffix(file, "go.mod") {
				t.Errorf("%s:%d: a Go block includes %s, which the build does not compile", p, i+1, file)
			}
			included++
		}
	}
	if included < 3 {
		t.Errorf("found %d included Go snippets in the docs, want the constructs page's (at least 3)", included)
	}
}

// TestSnippetRegions checks that a region is cut out of its file with one
// indentation level removed, and that a region that does not close is an
// error rather than an empty snippet.
func TestSnippetRegions(t *testing.T) {
	dir := t.TempDir()
	src := "package x\n\nfunc f() {\n\t// snippet: body\n\ta := 1\n\tif a > 0 {\n\t\ta++\n\t}\n\t// end snippet: body\n\t// snippet: open\n\tb := 2\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "x.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := snippet(dir, "x.go", "body")
	if err != nil {
		t.Fatal(err)
	}
	if want := "a := 1\nif a > 0 {\n\ta++\n}\n"; got != want {
		t.Errorf("region body = %q, want %q", got, want)
	}
	if _, err := snippet(dir, "x.go", "open"); err == nil {
		t.Error("a region without its end line gave no error")
	}
}

// TestLayoutShowsProductAndJudgeApart checks the package picture puts the
// packages that verify the product in their own group, after the product's.
func TestLayoutShowsProductAndJudgeApart(t *testing.T) {
	l, err := Layout(root)
	if err != nil {
		t.Fatal(err)
	}
	product, rest, ok := strings.Cut(l, "# "+layoutGroups[1].title+"\n")
	if !ok {
		t.Fatalf("the picture has no group %q:\n%s", layoutGroups[1].title, l)
	}
	for _, want := range []string{"internal/config/", "internal/pipeline/", "stacks/", "constructs/routing/", "mesh/", "main.go", "charts/"} {
		if !strings.Contains(product, "\n"+want+" ") && !strings.HasPrefix(product, want+" ") {
			t.Errorf("the product group lacks %s:\n%s", want, product)
		}
	}
	verify, _, _ := strings.Cut(rest, "\n# ")
	for _, want := range []string{"internal/verify/controlplane/", "internal/verify/meshinstall/", "internal/verify/envoyroutes/", "internal/verify/analyze/", "internal/verify/istiocharts/"} {
		if !strings.Contains(verify, want+" ") {
			t.Errorf("the verify group lacks %s:\n%s", want, verify)
		}
	}
	if strings.Contains(product, "internal/verify/") {
		t.Errorf("the product group holds a package of internal/verify:\n%s", product)
	}
}

var (
	linkRE    = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	headingRE = regexp.MustCompile("(?m)^#{1,6} (.+)$")
)

// slug is the anchor GitHub gives a heading.
func slug(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	var b strings.Builder
	for _, r := range h {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// anchors are the headings' anchors of a Markdown page, outside code blocks.
func anchors(text string) map[string]bool {
	out := map[string]bool{}
	prose := regexp.MustCompile("(?s)```.*?```").ReplaceAllString(text, "")
	for _, m := range headingRE.FindAllStringSubmatch(prose, -1) {
		out[slug(m[1])] = true
	}
	return out
}

// TestDocLinksResolve checks every relative link of the README and the docs:
// the file exists, and a #anchor names a heading of it.
func TestDocLinksResolve(t *testing.T) {
	pages, err := handWritten(root)
	if err != nil {
		t.Fatal(err)
	}
	pages = append(pages, "docs/reference.md", "docs/checks.md")
	checked := 0
	for _, p := range pages {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		prose := regexp.MustCompile("(?s)```.*?```").ReplaceAllString(string(b), "")
		for _, m := range linkRE.FindAllStringSubmatch(prose, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, anchor, _ := strings.Cut(target, "#")
			path := filepath.Join(root, p)
			if file != "" {
				path = filepath.Join(root, filepath.Dir(p), file)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				if _, serr := os.Stat(path); serr == nil {
					continue // a folder
				}
				t.Errorf("%s: link %q: %v", p, target, err)
				continue
			}
			checked++
			if anchor != "" && strings.HasSuffix(path, ".md") && !anchors(string(data))[anchor] {
				t.Errorf("%s: link %q: %s has no heading with the anchor #%s", p, target, file, anchor)
			}
		}
	}
	if checked < 20 {
		t.Errorf("checked only %d links; the extraction is broken", checked)
	}
}
