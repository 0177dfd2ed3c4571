// Package testutil holds the helpers the tests share: reading synthesized
// Terraform JSON, finding one resource with a useful message on a miss,
// comparing a subset of properties with the path of the first difference,
// and asserting field-path errors. It does not load cdktf (and so does not
// start Node); package stacktest synthesizes.
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

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"
)

// Doc is a parsed cdk.tf.json.
type Doc map[string]any

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
// have the same length and match element by element. Both are compared as
// their JSON (so typed objects, such as an API type's spec, compare by
// their JSON fields); numbers compare as float64, as JSON decodes them.
func AssertSubset(t testing.TB, got, want any) {
	t.Helper()
	if diff := subset("", normalize(got), normalize(want)); diff != "" {
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

// WriteConfig writes a cdktf.json whose context.environments is envs (a
// JSON object) into a temporary folder and returns its path.
func WriteConfig(t testing.TB, envs string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cdktf.json")
	doc := `{"language": "go", "app": "go run main.go", "context": {"environments": ` + envs + `}}`
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// ExistingCluster is the target of an environment on an existing cluster,
// for tests that need no AWS resources.
const ExistingCluster = `"target": {"type": "kubeconfig", "kubeconfig": {"path": "/dev/null", "context": "test", "kubernetesVersion": "1.33"}}`

// IdleCanary is an environment "qa" (for WriteConfig) that sends 10 % of
// default traffic to a colour scaled to 0 replicas: valid configuration,
// but bluegreen's check BG005 fails it.
const IdleCanary = `{"qa": {` + ExistingCluster + `,
	"app": {"releases": {"blue": {}, "green": {"replicas": 0}}},
	"routing": {"hosts": ["echo.example.com"], "candidateWeight": 10}}}`

// AssertFieldError fails the test unless errs holds a problem at the field
// path fieldPath whose message contains detail; the failure lists every
// problem found.
func AssertFieldError(t testing.TB, errs field.ErrorList, fieldPath, detail string) {
	t.Helper()
	for _, e := range errs {
		if e.Field == fieldPath && strings.Contains(e.Error(), detail) {
			return
		}
	}
	t.Errorf("got %v\nwant a problem at %s containing %q", errs, fieldPath, detail)
}

// Values parses the one values document of a synthesized helm_release.
func Values(t testing.TB, release map[string]any) map[string]any {
	t.Helper()
	docs, _ := release["values"].([]any)
	if len(docs) != 1 {
		t.Fatalf("values: got %d documents, want exactly one", len(docs))
	}
	var v map[string]any
	if err := yaml.Unmarshal([]byte(docs[0].(string)), &v); err != nil {
		t.Fatal(err)
	}
	return v
}
