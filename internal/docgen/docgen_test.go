package docgen

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
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
