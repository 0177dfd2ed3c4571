package render_test

import (
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"

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

// TestRenderLoadedAsHelmInstall renders a chart as helm install does on a
// cluster of a given Kubernetes version: the chart's kubeVersion constraint
// is honoured, templates see the version, and NOTES.txt and templates that
// render only comments yield no object.
func TestRenderLoadedAsHelmInstall(t *testing.T) {
	c := &chart.Chart{
		Metadata: &chart.Metadata{APIVersion: chart.APIVersionV2, Name: "probe", Version: "0.1.0", KubeVersion: ">=1.35.0-0"},
		Templates: []*chart.File{
			{Name: "templates/configmap.yaml", Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\ndata:\n  minor: {{ .Capabilities.KubeVersion.Minor | quote }}\n")},
			{Name: "templates/comments.yaml", Data: []byte("# only a comment\n{{- if false }}\nkind: Never\n{{- end }}\n")},
			{Name: "templates/NOTES.txt", Data: []byte("Thanks for installing {{ .Release.Name }}.")},
		},
		Values: map[string]any{},
	}
	if _, err := render.RenderLoaded(c, "probe", "default", nil, "1.34"); err == nil || !strings.Contains(err.Error(), "kubeVersion >=1.35.0-0") {
		t.Errorf("Kubernetes 1.34: got error %v; want one naming the chart's kubeVersion constraint", err)
	}
	ms, err := render.RenderLoaded(c, "probe", "default", nil, "1.35")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Template != "probe/templates/configmap.yaml" || ms[0].Kind != "ConfigMap" {
		t.Fatalf("got manifests %+v; want only the ConfigMap, of kind ConfigMap", ms)
	}
	if !strings.Contains(ms[0].YAML, `minor: "35"`) {
		t.Errorf("the template did not see Kubernetes 1.35:\n%s", ms[0].YAML)
	}
}
