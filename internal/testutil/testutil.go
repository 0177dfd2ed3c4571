// Package testutil holds the helpers the tests share: synthesizing a scope
// into parsed Terraform JSON, finding one resource with a useful message on
// a miss, and comparing a subset of properties with the path of the first
// difference.
package testutil

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
)

// Doc is a parsed cdk.tf.json.
type Doc map[string]any

// NewStack returns a fresh stack in a fresh test app.
func NewStack(t testing.TB) cdktf.TerraformStack {
	t.Helper()
	app := cdktf.Testing_App(&cdktf.TestingAppConfig{Outdir: jsii.String(t.TempDir())})
	return cdktf.NewTerraformStack(app, jsii.String("test"))
}

// Synth synthesizes stack, with the construct paths cdktf records (which
// Testing_Synth strips), and parses the result.
func Synth(t testing.TB, stack cdktf.TerraformStack) Doc {
	t.Helper()
	outdir := cdktf.Testing_FullSynth(stack)
	return Load(t, StackPath(*outdir, *stack.Node().Id()))
}

// Load parses the cdk.tf.json at path.
func Load(t testing.TB, path string) Doc {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d Doc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return d
}

// StackPath is where a stack's JSON lives in a cdktf output folder.
func StackPath(outdir, stack string) string {
	return filepath.Join(outdir, "stacks", stack, "cdk.tf.json")
}

// Block returns the blocks of one kind ("resource", "data") and type.
func (d Doc) Block(kind, typ string) map[string]any {
	byType, _ := d[kind].(map[string]any)
	blocks, _ := byType[typ].(map[string]any)
	return blocks
}

// Resources returns the resources of one type, keyed by logical ID.
func (d Doc) Resources(typ string) map[string]any { return d.Block("resource", typ) }

// Count returns how many resources of typ the document has.
func (d Doc) Count(typ string) int { return len(d.Resources(typ)) }

// constructPath returns the construct path cdktf records for a block.
func constructPath(block any) string {
	m, _ := block.(map[string]any)
	meta, _ := m["//"].(map[string]any)
	md, _ := meta["metadata"].(map[string]any)
	p, _ := md["path"].(string)
	return p
}

// Resource returns the resource of typ whose construct path ends with
// suffix (such as "eks/cluster"), and fails the test, listing the paths
// that exist, when there is none or more than one.
func (d Doc) Resource(t testing.TB, typ, suffix string) map[string]any {
	t.Helper()
	return d.find(t, "resource", typ, suffix)
}

// Data is Resource for data sources.
func (d Doc) Data(t testing.TB, typ, suffix string) map[string]any {
	t.Helper()
	return d.find(t, "data", typ, suffix)
}

func (d Doc) find(t testing.TB, kind, typ, suffix string) map[string]any {
	t.Helper()
	var found []map[string]any
	var paths []string
	for _, b := range d.Block(kind, typ) {
		p := constructPath(b)
		paths = append(paths, p)
		if p == suffix || strings.HasSuffix(p, "/"+suffix) {
			found = append(found, b.(map[string]any))
		}
	}
	sort.Strings(paths)
	switch len(found) {
	case 1:
		return found[0]
	case 0:
		t.Fatalf("no %s %s with path ending %q; have %q", kind, typ, suffix, paths)
	default:
		t.Fatalf("%d %s %s blocks with path ending %q; have %q", len(found), kind, typ, suffix, paths)
	}
	return nil
}

// LogicalID returns the logical ID (the key in the JSON) of the block of
// kind and typ whose construct path ends with suffix.
func (d Doc) LogicalID(t testing.TB, kind, typ, suffix string) string {
	t.Helper()
	want := d.find(t, kind, typ, suffix)
	for id, b := range d.Block(kind, typ) {
		if reflect.DeepEqual(b, want) {
			return id
		}
	}
	t.Fatalf("logical ID of %s %s %q not found", kind, typ, suffix)
	return ""
}

// Ref is the Terraform expression that references attr of a resource:
// "${<typ>.<id>.<attr>}".
func (d Doc) Ref(t testing.TB, typ, suffix, attr string) string {
	t.Helper()
	return fmt.Sprintf("${%s.%s.%s}", typ, d.LogicalID(t, "resource", typ, suffix), attr)
}

// AssertSubset fails the test when want is not contained in got: every key
// of every object in want must exist in got with an equal value; lists must
// have the same length and match element by element. Numbers compare as
// float64, as JSON decodes them.
func AssertSubset(t testing.TB, got, want any) {
	t.Helper()
	if diff := subset("", got, normalize(want)); diff != "" {
		g, _ := json.MarshalIndent(got, "", "  ")
		t.Errorf("%s\nin:\n%s", diff, g)
	}
}

func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

func subset(path string, got, want any) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: got %s, want an object", orRoot(path), short(got))
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				return fmt.Sprintf("%s.%s: missing; want %s", orRoot(path), k, short(w[k]))
			}
			if d := subset(path+"."+k, gv, w[k]); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: got %s, want %s", orRoot(path), short(got), short(want))
		}
		for i := range w {
			if d := subset(fmt.Sprintf("%s[%d]", path, i), g[i], w[i]); d != "" {
				return d
			}
		}
		return ""
	default:
		if !reflect.DeepEqual(got, want) {
			return fmt.Sprintf("%s: got %s, want %s", orRoot(path), short(got), short(want))
		}
		return ""
	}
}

func orRoot(p string) string {
	if p == "" {
		return "(root)"
	}
	return p
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}
