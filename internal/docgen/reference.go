// Package docgen writes the handbook's generated pages from the code, so
// that a fact users read is written once:
//
//   - docs/reference.md, every field of an environment in cdktf.json, from
//     the Go types config.Environment is made of and their doc comments
//     (each field's comment says its meaning and, in a sentence starting
//     "Default:", its default);
//   - docs/checks.md, every check code, from mesh/check's registry.
//
// `make docs` (go run ./internal/docgen/gen) rewrites them; the package's
// test fails, naming the field or code, when a committed page differs from
// what the generator produces.
package docgen

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"

	"github.com/bluegreen-mesh/bluegreen/internal/config"
)

// module is the import path of this module; a type's package folder is its
// path below it.
const module = "github.com/bluegreen-mesh/bluegreen"

// Field is one documented field of the reference.
type Field struct {
	// Path is the field's place in an environment, such as
	// "cluster.nodeGroup.instanceTypes"; "<name>" stands for a map key.
	Path string
	// Type is the JSON type users write, such as "list of string".
	Type string
	// Default is the comment's "Default:" sentence without that word, or
	// "" when the comment gives none.
	Default string
	// Doc is the rest of the comment.
	Doc string
	// Section is the path of the object the field belongs to ("" for the
	// environment itself).
	Section string
}

// Section is one object of the reference: its path and its fields.
type Section struct {
	Path   string
	Type   string // Go type, such as "eks.Props"
	Doc    string // the type's doc comment
	Fields []Field
	// Same names the earlier section with the same Go type, whose fields
	// this one shares; Fields is then empty.
	Same string
}

// comments reads the doc comments of the exported types and struct fields
// of the module's packages, by package path, type and field name, from the
// sources under root.
type comments struct {
	root  string
	types map[string]map[string]string            // pkg → type → doc
	flds  map[string]map[string]map[string]string // pkg → type → field → doc
}

func (c *comments) load(pkg string) error {
	if _, ok := c.types[pkg]; ok {
		return nil
	}
	c.types[pkg] = map[string]string{}
	c.flds[pkg] = map[string]map[string]string{}
	rel, ok := strings.CutPrefix(pkg, module)
	if !ok {
		return nil // outside the module: no comments
	}
	dir := filepath.Join(c.root, filepath.FromSlash(strings.TrimPrefix(rel, "/")))
	fset := token.NewFileSet()
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.ParseComments)
		if err != nil {
			return err
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, s := range gd.Specs {
				ts := s.(*ast.TypeSpec)
				doc := ts.Doc
				if doc == nil && len(gd.Specs) == 1 {
					doc = gd.Doc
				}
				c.types[pkg][ts.Name.Name] = doc.Text()
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				fm := map[string]string{}
				for _, fl := range st.Fields.List {
					for _, nm := range fl.Names {
						fm[nm.Name] = fl.Doc.Text()
					}
				}
				c.flds[pkg][ts.Name.Name] = fm
			}
		}
	}
	return nil
}

func (c *comments) field(t reflect.Type, name string) (string, error) {
	if err := c.load(t.PkgPath()); err != nil {
		return "", err
	}
	return c.flds[t.PkgPath()][t.Name()][name], nil
}

func (c *comments) typ(t reflect.Type) (string, error) {
	if err := c.load(t.PkgPath()); err != nil {
		return "", err
	}
	return c.types[t.PkgPath()][t.Name()], nil
}

var (
	unmarshaler     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	defaultRE       = regexp.MustCompile(`(?s)(^|\s)Default:\s*(.*?)(\.\s*$|\.\s+[A-Z(]|$)`)
)

// Sections walks config.Environment and returns its sections in the order
// a reader meets them: the environment first, then each object depth-first
// in field order. root is the module's folder, where the comments are read.
func Sections(root string) ([]Section, error) {
	c := &comments{root: root, types: map[string]map[string]string{}, flds: map[string]map[string]map[string]string{}}
	w := &walker{c: c, seen: map[reflect.Type]string{}}
	if err := w.object("", reflect.TypeFor[config.Environment](), reflect.ValueOf(defaulted())); err != nil {
		return nil, err
	}
	if len(w.stale) > 0 {
		return nil, fmt.Errorf("comments that say another default than the code gives:\n  %s", strings.Join(w.stale, "\n  "))
	}
	return w.out, nil
}

// defaulted is an EKS environment with nothing set, after every default of
// config and of the constructs' props is applied, as the stacks apply them.
func defaulted() config.Environment {
	e := config.Environment{Name: "env", Region: "us-east-1"}.WithDefaults()
	e.Istio = e.Istio.WithDefaults()
	e.Kiali = e.Kiali.WithDefaults(e.Istio.Namespace)
	e.Namespace = e.Namespace.WithDefaults()
	e.App = e.App.WithDefaults()
	e.Routing = e.Routing.WithDefaults(e.App.Name)
	return e
}

type walker struct {
	c     *comments
	seen  map[reflect.Type]string
	out   []Section
	stale []string
}

// object adds the section of struct type t at path, then the sections of
// the objects its fields hold. v is the defaulted value at path, invalid
// where there is none (inside a list or map, or a nil pointer).
func (w *walker) object(path string, t reflect.Type, v reflect.Value) error {
	doc, err := w.c.typ(t)
	if err != nil {
		return err
	}
	sec := Section{Path: path, Type: goName(t), Doc: oneParagraph(doc)}
	if p, ok := w.seen[t]; ok {
		sec.Same = p
		w.out = append(w.out, sec)
		return nil
	}
	w.seen[t] = path
	idx := len(w.out)
	w.out = append(w.out, sec)
	var nested []func() error
	var fields []Field
	if err := w.fields(path, t, v, &fields, &nested); err != nil {
		return err
	}
	w.out[idx].Fields = fields
	for _, n := range nested {
		if err := n(); err != nil {
			return err
		}
	}
	return nil
}

// fields appends the JSON fields of struct t (embedded structs inlined) and
// queues the sections of the objects they hold.
func (w *walker) fields(path string, t reflect.Type, v reflect.Value, out *[]Field, nested *[]func() error) error {
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct {
			if err := w.fields(path, sf.Type, fieldValue(v, i), out, nested); err != nil {
				return err
			}
			continue
		}
		if name == "" {
			name = sf.Name
		}
		doc, err := w.c.field(t, sf.Name)
		if err != nil {
			return err
		}
		p := join(path, name)
		typ, obj, objPath := w.describe(p, sf.Type)
		def, rest := splitDefault(doc)
		fv := fieldValue(v, i)
		if obj == nil {
			def = w.withValue(p, def, fv)
		}
		*out = append(*out, Field{Path: p, Type: typ, Default: def, Doc: stripName(rest, sf.Name), Section: path})
		if obj != nil {
			ov := fv
			for ov.IsValid() && ov.Kind() == reflect.Pointer {
				if ov.IsNil() {
					ov = reflect.Value{}
					break
				}
				ov = ov.Elem()
			}
			if ov.IsValid() && ov.Kind() != reflect.Struct {
				ov = reflect.Value{} // a list or map: no one value
			}
			*nested = append(*nested, func() error { return w.object(objPath, obj, ov) })
		}
	}
	return nil
}

// describe names the JSON type of t for a field at path, and returns the
// struct type (and its section's path) that needs a section of its own.
func (w *walker) describe(path string, t reflect.Type) (string, reflect.Type, string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.PkgPath() != "" && (reflect.PointerTo(t).Implements(unmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler)) {
		return "object (" + goName(t) + ")", nil, ""
	}
	switch t.Kind() {
	case reflect.String:
		return "string", nil, ""
	case reflect.Bool:
		return "boolean", nil, ""
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
		return "integer", nil, ""
	case reflect.Float32, reflect.Float64:
		return "number", nil, ""
	case reflect.Interface:
		return "any JSON value", nil, ""
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "any JSON value", nil, ""
		}
		s, obj, p := w.describe(path+"[]", t.Elem())
		return "list of " + s, obj, p
	case reflect.Map:
		s, obj, p := w.describe(path+".<name>", t.Elem())
		return "map of " + s, obj, p
	case reflect.Struct:
		return "object", t, path
	}
	return t.String(), nil, ""
}

// splitDefault takes the "Default: …" sentence out of a field's comment.
func splitDefault(doc string) (def, rest string) {
	doc = strings.Join(strings.Fields(doc), " ")
	m := defaultRE.FindStringSubmatchIndex(doc)
	if m == nil {
		return "", doc
	}
	def = doc[m[4]:m[5]]
	// Keep what follows the sentence (m[6]:m[7] holds its end and the next
	// sentence's first letter).
	tail := strings.TrimLeft(strings.TrimPrefix(doc[m[6]:m[7]], "."), " ")
	rest = strings.TrimSpace(doc[:m[0]] + " " + tail + doc[m[7]:])
	return def, rest
}

func oneParagraph(doc string) string {
	p, _, _ := strings.Cut(strings.TrimSpace(doc), "\n\n")
	return strings.Join(strings.Fields(p), " ")
}

func goName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.String()
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// Reference renders docs/reference.md.
func Reference(root string) ([]byte, error) {
	secs, err := Sections(root)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(generatedHeader())
	b.WriteString("# Environment reference\n\n")
	b.WriteString("Every environment lives under `context.environments.<env>` in `cdktf.json`. ")
	b.WriteString("A field left out takes its default. `bluegreen` reports every problem of every environment at once, ")
	b.WriteString("each naming the environment, the field path, the value received and what is allowed.\n\n")
	b.WriteString("Paths below are relative to the environment; `<name>` stands for a map key, `[]` for a list item.\n\n")
	b.WriteString("## Sections\n\n")
	for _, s := range secs {
		fmt.Fprintf(&b, "- [%s](#%s)\n", title(s.Path), anchor(s.Path))
	}
	b.WriteString("\n")
	for _, s := range secs {
		fmt.Fprintf(&b, "## %s\n\n", title(s.Path))
		if s.Doc != "" {
			b.WriteString(s.Doc + "\n\n")
		}
		if s.Same != "" {
			fmt.Fprintf(&b, "The same fields as [%s](#%s).\n\n", title(s.Same), anchor(s.Same))
			continue
		}
		b.WriteString("| Field | Type | Default | Meaning |\n|---|---|---|---|\n")
		for _, f := range s.Fields {
			name := strings.TrimPrefix(f.Path, join(s.Path, ""))
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", name, f.Type, cell(f.Default), cell(f.Doc))
		}
		b.WriteString("\n")
	}
	return b.Bytes(), nil
}

func title(path string) string {
	if path == "" {
		return "The environment"
	}
	return "`" + path + "`"
}

// anchor is the fragment GitHub gives the heading title(path).
func anchor(path string) string {
	h := strings.ToLower(title(path))
	var b strings.Builder
	for _, r := range h {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('-')
		}
	}
	return b.String()
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	if s == "" {
		return "—"
	}
	return strings.ReplaceAll(s, "|", `\|`)
}

func generatedHeader() string {
	return "<!-- Generated by `make docs` (go run ./internal/docgen/gen) from the code; do not edit. -->\n\n"
}

// fieldValue is field i of struct value v, or invalid.
func fieldValue(v reflect.Value, i int) reflect.Value {
	if !v.IsValid() {
		return v
	}
	return v.Field(i)
}

// literalRE matches a default written as a JSON literal: a number, true,
// false, or a quoted string.
var literalRE = regexp.MustCompile(`^(-?[0-9]+(\.[0-9]+)?|true|false|"[^"]*")(\s|,|;|$)`)

// withValue returns the default column of the field at path: the comment's
// words, preceded by the value the code gives when the comment names it by
// an identifier rather than writing it. A comment that writes a literal the
// code contradicts is recorded as stale.
func (w *walker) withValue(path, def string, v reflect.Value) string {
	if !v.IsValid() || v.IsZero() {
		return def
	}
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v.Interface()); err != nil {
		return def
	}
	got := strings.TrimSpace(buf.String())
	// A literal with a placeholder ("<app>-gateway") is a pattern: the
	// defaulted environment fills it, so it is not compared.
	if m := literalRE.FindStringSubmatch(def); m != nil {
		if m[1] != got && !strings.Contains(m[1], "<") {
			w.stale = append(w.stale, fmt.Sprintf("%s: the comment says Default: %s, the code gives %s", path, m[1], got))
		}
		return def
	}
	if def == "" {
		return "`" + got + "`"
	}
	return "`" + got + "` (" + def + ")"
}

// stripName turns Go's "Name is the …" comment style into "The …".
func stripName(doc, name string) string {
	for _, verb := range []string{" is ", " are ", " "} {
		if rest, ok := strings.CutPrefix(doc, name+verb); ok && rest != "" {
			return strings.ToUpper(rest[:1]) + rest[1:]
		}
	}
	return doc
}
