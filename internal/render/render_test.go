package render_test

import (
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/render"
)

func TestMergedValuesFollowTheHelmProvider(t *testing.T) {
	r := render.Release{
		Values: []string{
			"a: {b: 1, c: 2}\nlist: [1, 2]\n",
			"a: {c: 3}\nlist: [9]\n",
		},
		Set:          []render.Set{{Name: "a.d", Value: "true"}, {Name: "e", Value: "007", Type: "string"}, {Name: "n", Value: "7"}},
		SetSensitive: []render.Set{{Name: "secret.key", Value: "${var.secret}"}},
	}
	got, err := r.MergedValues()
	if err != nil {
		t.Fatal(err)
	}
	a := got["a"].(map[string]any)
	// Later documents merge into maps and replace lists; set wins last.
	if a["b"] != float64(1) || a["c"] != float64(3) || a["d"] != true {
		t.Errorf("a: got %v, want b 1 (first document), c 3 (second), d true (set)", a)
	}
	if l := got["list"].([]any); len(l) != 1 || l[0] != float64(9) {
		t.Errorf("list: got %v, want [9]", l)
	}
	if got["e"] != "007" || got["n"] != int64(7) {
		t.Errorf("set types: got e %#v, n %#v; want the string \"007\" (type string) and the number 7", got["e"], got["n"])
	}
	if s := got["secret"].(map[string]any)["key"]; s != render.SensitivePlaceholder {
		t.Errorf("set_sensitive: got %v, want the placeholder, never the reference or a value", s)
	}
}
