package render_test

import (
	"path/filepath"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/synth"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// load synthesizes environment "walk" with the given routing settings and
// loads the objects its mesh and app stacks will create, through Helm.
func load(t *testing.T, routing string) *mesh.Model {
	t.Helper()
	m, _ := synthesize(t, routing)
	if len(m.Gateways) != 1 || len(m.VirtualServices) != 1 || len(m.DestinationRules) != 1 || len(m.Workloads) != 2 || len(m.Services) != 1 {
		t.Fatalf("got %d gateways, %d virtual services, %d destination rules, %d deployments, %d services; want 1, 1, 1, 2, 1",
			len(m.Gateways), len(m.VirtualServices), len(m.DestinationRules), len(m.Workloads), len(m.Services))
	}
	return m
}

// synthesize synthesizes environment "walk" with the given routing
// settings and decodes, through Helm, the objects its mesh and app stacks
// (whose folders it returns too) will create.
func synthesize(t *testing.T, routing string) (*mesh.Model, []string) {
	t.Helper()
	cfg := testutil.WriteConfig(t, `{"walk": {`+testutil.ExistingCluster+`, "routing": `+routing+`}}`)
	res, err := synth.Run(synth.Options{Config: cfg, Outdir: filepath.Join(t.TempDir(), "out"), Environments: []string{"walk"}})
	if err != nil {
		t.Fatal(err)
	}
	dirs := []string{filepath.Join(res.Outdir, "stacks", "walk-mesh"), filepath.Join(res.Outdir, "stacks", "walk-app")}
	m, err := render.Model(dirs...)
	if err != nil {
		t.Fatal(err)
	}
	return m, dirs
}

type curl struct {
	name    string
	path    string
	headers map[string]string
	// answer is what http-echo says; appPath the path it receives.
	answer, appPath string
}

func check(t *testing.T, m *mesh.Model, host string, cases []curl) {
	t.Helper()
	for _, c := range cases {
		out, err := m.Evaluate(mesh.Request{Host: host, Path: c.path, Headers: c.headers})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if len(out.Destinations) != 1 {
			t.Errorf("%s: got %d destinations (%s), want 1", c.name, len(out.Destinations), out.NotFound)
			continue
		}
		if d := out.Destinations[0]; d.Text != c.answer || out.Path != c.appPath || d.Weight != 100 {
			t.Errorf("%s: got %q at %s (%d%%, route %s, release %s); want %q at %s",
				c.name, d.Text, out.Path, d.Weight, out.Route, d.Release, c.answer, c.appPath)
		}
	}
}

// TestWalkthroughCurlChecks reproduces the walkthrough's curl checks
// through the whole chain: config, synthesized JSON, Helm rendering, Istio
// objects, evaluator.
func TestWalkthroughCurlChecks(t *testing.T) {
	m := load(t, `{"hosts": ["echo.example.com"]}`)
	check(t, m, "echo.example.com", []curl{
		{"curl /", "/", nil, "blue-1.0", "/"},
		{"curl /v1", "/v1", nil, "blue-1.0", "/"},
		{"curl /v1/health", "/v1/health", nil, "blue-1.0", "/health"},
		{"curl /v2", "/v2", nil, "green-2.0", "/"},
		{"curl /v2/health?full=1", "/v2/health?full=1", nil, "green-2.0", "/health?full=1"},
		{"curl /v10 is not /v1", "/v10", nil, "blue-1.0", "/v10"},
		{"curl -b x-version=v2", "/", map[string]string{"Cookie": "x-version=v2"}, "green-2.0", "/"},
		{"curl -b 'a=1;x-version=v2'", "/", map[string]string{"Cookie": "a=1;x-version=v2"}, "green-2.0", "/"},
		{"curl -b x-version=v1", "/", map[string]string{"Cookie": "x-version=v1"}, "blue-1.0", "/"},
		{"curl -b x-version=v20", "/", map[string]string{"Cookie": "x-version=v20"}, "blue-1.0", "/"},
		{"curl -b my-x-version=v2", "/", map[string]string{"Cookie": "my-x-version=v2"}, "blue-1.0", "/"},
		{"curl /v1 -b x-version=v2: the path wins", "/v1", map[string]string{"Cookie": "x-version=v2"}, "blue-1.0", "/"},
	})
	if out, _ := m.Evaluate(mesh.Request{Host: "other.example.com", Path: "/"}); out.NotFound == "" {
		t.Errorf("a host the Gateway does not serve was routed: %+v", out)
	}
}

func TestPromotedAndHeaderRouting(t *testing.T) {
	m := load(t, `{"hosts": ["echo.example.com"], "live": "green", "header": {"name": "x-version", "values": {"blue": "v1", "green": "v2"}}}`)
	check(t, m, "echo.example.com", []curl{
		{"curl / after promotion", "/", nil, "green-2.0", "/"},
		{"curl -b x-version=v1 after promotion", "/", map[string]string{"Cookie": "x-version=v1"}, "blue-1.0", "/"},
		{"curl -H 'x-version: v1'", "/", map[string]string{"x-version": "v1"}, "blue-1.0", "/"},
		{"curl -H 'X-Version: v1' (names are case-insensitive)", "/", map[string]string{"X-Version": "v1"}, "blue-1.0", "/"},
		{"curl -H 'x-version: v2'", "/", map[string]string{"x-version": "v2"}, "green-2.0", "/"},
		{"curl -H 'x-version: v10'", "/", map[string]string{"x-version": "v10"}, "green-2.0", "/"},
		{"curl -H 'x-version: V1' (values are exact)", "/", map[string]string{"x-version": "V1"}, "green-2.0", "/"},
		{"curl -H 'x-version-x: v1'", "/", map[string]string{"x-version-x": "v1"}, "green-2.0", "/"},
	})
}

func TestCanarySplit(t *testing.T) {
	m := load(t, `{"hosts": ["echo.example.com"], "candidateWeight": 25}`)
	out, err := m.Evaluate(mesh.Request{Host: "echo.example.com", Path: "/"})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Destinations) != 2 || out.Destinations[0].Text != "blue-1.0" || out.Destinations[0].Weight != 75 ||
		out.Destinations[1].Text != "green-2.0" || out.Destinations[1].Weight != 25 {
		t.Errorf("got %+v; want blue 75%%, green 25%%", out.Destinations)
	}
}

// TestSubsetLabelsArePodLabels checks that each DestinationRule subset
// selects exactly the pods of its colour's release.
func TestSubsetLabelsArePodLabels(t *testing.T) {
	m := load(t, `{}`)
	dr := m.DestinationRules[0].Spec
	if len(dr.GetSubsets()) != 2 {
		t.Fatalf("got %d subsets, want 2", len(dr.GetSubsets()))
	}
	for _, s := range dr.GetSubsets() {
		var selected []string
		for _, w := range m.Workloads {
			podLabels := w.Deployment.Spec.Template.Labels
			all := true
			for k, v := range s.GetLabels() {
				if podLabels[k] != v {
					all = false
				}
			}
			if all {
				selected = append(selected, w.Release)
			}
			// The Deployment's own selector must select its pods too.
			for k, v := range w.Deployment.Spec.Selector.MatchLabels {
				if podLabels[k] != v {
					t.Errorf("release %s: selector %s=%s does not match its pod labels %v", w.Release, k, v, podLabels)
				}
			}
		}
		if len(selected) != 1 || selected[0] != s.GetName() {
			t.Errorf("subset %s (labels %v) selects releases %v; want exactly [%s]", s.GetName(), s.GetLabels(), selected, s.GetName())
		}
	}
}
