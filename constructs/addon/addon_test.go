package addon_test

import (
	"bytes"
	"log"
	"os"
	"reflect"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/constructs/addon"
)

func TestMergeValues(t *testing.T) {
	base := map[string]any{
		"pilot":  map[string]any{"resources": map[string]any{"requests": map[string]any{"cpu": "500m", "memory": "2Gi"}}},
		"global": map[string]any{"istioNamespace": "istio-system", "logAsJson": false},
		"list":   []any{"a", "b"},
	}
	extra := map[string]any{
		"pilot":  map[string]any{"resources": map[string]any{"requests": map[string]any{"memory": "3072Mi"}}},
		"global": map[string]any{"logAsJson": nil},
		"list":   []any{"c"},
		"new":    map[string]any{"x": 1},
	}
	got := addon.MergeValues(base, extra)
	want := map[string]any{
		"pilot": map[string]any{"resources": map[string]any{"requests": map[string]any{"cpu": "500m", "memory": "3072Mi"}}},
		// The null stays, for Helm to delete the key from the chart's
		// defaults when it coalesces them.
		"global": map[string]any{"istioNamespace": "istio-system", "logAsJson": nil},
		"list":   []any{"c"},
		"new":    map[string]any{"x": 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	// Neither argument changes, and the result shares nothing with them.
	got["new"].(map[string]any)["x"] = 2
	if base["global"].(map[string]any)["logAsJson"] != false || extra["new"].(map[string]any)["x"] != 1 ||
		base["pilot"].(map[string]any)["resources"].(map[string]any)["requests"].(map[string]any)["memory"] != "2Gi" {
		t.Errorf("MergeValues changed an argument: base %v, extra %v", base, extra)
	}
}

// A map over a string ({"fromVariable": ...} over a typed image tag) and a
// string over a map replace the value, as with Helm's merge of user
// values, and nothing is logged: chartutil.MergeTables alone logs a
// warning for each, which synth printed among its own output.
func TestMergeValuesReplacesAKindSilently(t *testing.T) {
	var logged bytes.Buffer
	log.SetOutput(&logged)
	defer log.SetOutput(os.Stderr)
	base := map[string]any{"image": map[string]any{"repository": "echo", "tag": "1.0"}, "auth": map[string]any{"strategy": "token"}}
	extra := map[string]any{"image": map[string]any{"tag": map[string]any{"fromVariable": "tag"}}, "auth": "anonymous"}
	got := addon.MergeValues(base, extra)
	want := map[string]any{"image": map[string]any{"repository": "echo", "tag": map[string]any{"fromVariable": "tag"}}, "auth": "anonymous"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if logged.Len() > 0 {
		t.Errorf("MergeValues logged:\n%s", logged.String())
	}
	if base["image"].(map[string]any)["tag"] != "1.0" || base["auth"].(map[string]any)["strategy"] != "token" {
		t.Errorf("MergeValues changed base: %v", base)
	}
}

func TestYAMLAndStringMap(t *testing.T) {
	got, err := addon.YAML(map[string]any{"b": 1, "a": map[string]any{"c": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "a:\n  c: x\nb: 1\n"; got != want {
		t.Errorf("YAML: got %q, want %q", got, want)
	}
	if m := addon.StringMap(nil); m != nil {
		t.Errorf("StringMap(nil): got %v, want nil (attribute left out)", m)
	}
	if m := addon.StringMap(map[string]string{"team": "shop"}); m == nil || len(*m) != 1 || *(*m)["team"] != "shop" {
		t.Errorf("StringMap: got %v, want team=shop", m)
	}
}
