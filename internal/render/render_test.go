package render_test

import (
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"

	"github.com/bluegreen-mesh/bluegreen/internal/render"
	bgcheck "github.com/bluegreen-mesh/bluegreen/mesh/check"
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

// TestRenderLeavesOutDisabledSubcharts renders a chart whose subcharts are
// switched by a condition (node-exporter.enabled) and a tag (extras), as
// prometheus-community/prometheus switches node-exporter: with both off,
// neither subchart's objects (the node-exporter's CRD from its crds/
// folder included) are rendered, as Helm's install creates none of them,
// and bluegreen's checks see no Service to warn about (BG010).
func TestRenderLeavesOutDisabledSubcharts(t *testing.T) {
	for _, tc := range []struct {
		name  string
		vals  map[string]any
		want  []string
		bg010 bool
	}{
		{"defaults", nil, []string{
			"ConfigMap monitor-pushgateway", "ConfigMap monitor-server", "CustomResourceDefinition probes.monitoring.example.com", "Service monitor-node-exporter",
		}, true},
		{"condition and tag off", map[string]any{"node-exporter": map[string]any{"enabled": false}, "tags": map[string]any{"extras": false}},
			[]string{"ConfigMap monitor-server"}, false},
		{"condition off", map[string]any{"node-exporter": map[string]any{"enabled": false}},
			[]string{"ConfigMap monitor-pushgateway", "ConfigMap monitor-server"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms, err := render.RenderChart("testdata/monitoring", "monitor", "monitoring", tc.vals)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range ms {
				o, err := render.Decode(m)
				if err != nil {
					t.Fatal(err)
				}
				if o.Kind != m.Kind {
					t.Errorf("%s: Kind %q, but the object is a %s", m.Template, m.Kind, o.Kind)
				}
				got = append(got, o.Kind+" "+o.Metadata.Name)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got objects %q\nwant %q", got, tc.want)
			}
			m, err := render.ModelOf([]render.Rendered{{Release: render.Release{Name: "monitor", Namespace: "monitoring", ChartDir: "testdata/monitoring"}, Manifests: ms}})
			if err != nil {
				t.Fatal(err)
			}
			var bg010 []string
			for _, f := range bgcheck.Run(m) {
				if f.Code == "BG010" {
					bg010 = append(bg010, f.String())
				}
			}
			if (len(bg010) > 0) != tc.bg010 {
				t.Errorf("BG010 findings %q; want some: %v", bg010, tc.bg010)
			}
		})
	}
}
