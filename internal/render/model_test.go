package render_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/charts"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
)

// stackWith writes a synthesized-looking stack folder with one helm_release
// of a local chart and the given values document.
func stackWith(t *testing.T, chart, values string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "test-app")
	chartDir, err := charts.Dir(chart)
	if err != nil {
		t.Fatal(err)
	}
	doc := map[string]any{"resource": map[string]any{"helm_release": map[string]any{"r": map[string]any{
		"name": "r", "namespace": "ns", "chart": chartDir, "values": []string{values},
	}}}}
	b, _ := json.Marshal(doc)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cdk.tf.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestModelRejectsUnknownFields(t *testing.T) {
	for _, tc := range []struct{ name, chart, values, want string }{
		{"unknown VirtualService field", "istio-virtualservice",
			"name: v\nspec:\n  hosts: [a.example.com]\n  http:\n  - route: [{destination: {host: a}}]\n    timeoutt: 5s\n", "timeoutt"},
		{"unknown DestinationRule field", "istio-destinationrule",
			"name: d\nspec:\n  host: a\n  subsets: [{name: blue, labels: {version: blue}, weight: 3}]\n", "weight"},
		{"wrong type in a Gateway", "istio-gateway",
			"name: g\nspec:\n  selector: {istio: ingressgateway}\n  servers: [{port: {number: eighty}, hosts: [a.example.com]}]\n", "number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := render.Model(stackWith(t, tc.chart, tc.values))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error naming %q", err, tc.want)
			}
		})
	}
}

func TestModelAcceptsAValidObject(t *testing.T) {
	m, err := render.Model(stackWith(t, "istio-destinationrule", "name: d\nspec:\n  host: a\n  subsets: [{name: blue, labels: {version: blue}}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.DestinationRules) != 1 || m.DestinationRules[0].Spec.GetSubsets()[0].GetLabels()["version"] != "blue" || m.DestinationRules[0].Namespace != "ns" {
		t.Errorf("got %+v", m.DestinationRules)
	}
}

// TestModelHoldsTheStacksNamespaces checks that the namespaces a stack
// creates itself (kubernetes_namespace_v1) are in the model with their
// labels and the name label the API server adds, as a Gateway listener's
// namespace selector reads them.
func TestModelHoldsTheStacksNamespaces(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "test-mesh")
	doc := `{"resource": {"kubernetes_namespace_v1": {"ns_1": {"metadata": {"name": "store-ns", "labels": {"shared-gateway-access": "true"}}}}}}`
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cdk.tf.json"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := render.Model(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Namespaces) != 1 {
		t.Fatalf("%d namespaces; want 1", len(m.Namespaces))
	}
	got := m.Namespaces[0].Namespace
	if got.Name != "store-ns" || got.Labels["shared-gateway-access"] != "true" || got.Labels["kubernetes.io/metadata.name"] != "store-ns" {
		t.Errorf("namespace %s with labels %v; want store-ns with shared-gateway-access=true and its name label", got.Name, got.Labels)
	}
}
