package pipeline_test

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"testing"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/releaseutil"
	"sigs.k8s.io/yaml"

	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/pipeline"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/istiocharts"
)

// shipped is the copy of the shipped cdktf.json that the tests read.
const shipped = "../../testdata/shipped.cdktf.json"

// TestOfflineRenderEqualsHelmInstall renders every release of every
// environment of the shipped file that renders offline (the local charts
// and Istio's own charts) as routes, check and graph do, and installs the
// same chart with the same values through Helm's own install action, as a
// client-only dry run (action.Install with DryRun, ClientOnly, Replace and
// IncludeCRDs, on the environment's Kubernetes version): the two give the
// same objects, one by one (kind, namespace, name and content).
func TestOfflineRenderEqualsHelmInstall(t *testing.T) {
	t.Setenv(pipeline.EnvNoCache, "1")
	envs, err := config.Load(shipped)
	if err != nil {
		t.Fatal(err)
	}
	if len(envs) < 4 {
		t.Fatalf("got %d environments from %s; want the shipped four or more", len(envs), shipped)
	}
	for _, env := range envs {
		t.Run(env.Name, func(t *testing.T) {
			e, err := pipeline.New(env)
			if err != nil {
				t.Fatal(err)
			}
			r, err := e.Render(true)
			if err != nil {
				t.Fatal(err)
			}
			local := 0
			for _, rel := range e.Releases {
				if rel.Local() {
					local++
				}
			}
			if local == 0 || len(r.Releases) < local {
				t.Fatalf("rendered %d releases, %d of them local; want every local chart's release rendered", len(r.Releases), local)
			}
			for _, rr := range r.Releases {
				sameAsHelmInstall(t, rr, e.KubeVersion())
			}
			for _, s := range r.Skipped {
				t.Logf("%s: not rendered offline: %s", s.Path, s.Reason)
			}
		})
	}
}

// TestOfflineRenderEqualsHelmInstallWithSubcharts does the same for a
// chart whose subcharts a condition and a tag switch off (package render's
// testdata/monitoring, shaped like prometheus-community/prometheus).
func TestOfflineRenderEqualsHelmInstallWithSubcharts(t *testing.T) {
	const dir = "../render/testdata/monitoring"
	for _, values := range []string{"", "node-exporter:\n  enabled: false\ntags:\n  extras: false\n"} {
		r := render.Release{Stack: "fixture", ID: "monitor", Path: "fixture/monitor", Name: "monitor", Namespace: "monitoring", Chart: dir, ChartDir: dir}
		if values != "" {
			r.Values = []string{values}
		}
		rendered, _, err := render.ReleasesWith(render.Options{KubeVersion: "1.35"}, []render.Release{r})
		if err != nil {
			t.Fatal(err)
		}
		sameAsHelmInstall(t, rendered[0], "1.35")
	}
}

// sameAsHelmInstall checks that the objects rr rendered to are those
// Helm's install creates for its release, one by one.
func sameAsHelmInstall(t *testing.T, rr render.Rendered, kubeVersion string) {
	t.Helper()
	got := objects(t, rr.Path, func(yield func(string) bool) {
		for _, m := range rr.Manifests {
			if !yield(m.YAML) {
				return
			}
		}
	})
	want := helmInstall(t, rr.Release, kubeVersion)
	if len(want) == 0 {
		t.Errorf("%s: Helm's install created no object", rr.Path)
	}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: Helm's install creates %s; the offline render has no such object", rr.Path, k)
			continue
		}
		if !reflect.DeepEqual(g, want[k]) {
			gy, _ := yaml.Marshal(g)
			wy, _ := yaml.Marshal(want[k])
			t.Errorf("%s: %s differs from Helm's install:\ngot\n%s\nwant\n%s", rr.Path, k, gy, wy)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: the offline render has %s, which Helm's install does not create", rr.Path, k)
		}
	}
}

// helmInstall returns the objects Helm's install action creates for r
// (client-only dry run), by key.
func helmInstall(t *testing.T, r render.Release, kubeVersion string) map[string]any {
	t.Helper()
	var c *chart.Chart
	var err error
	if r.Local() {
		c, err = loader.Load(r.ChartDir)
	} else {
		c, err = istiocharts.ForRelease(r)
	}
	if err != nil {
		t.Fatalf("%s: %v", r.Path, err)
	}
	vals, err := r.MergedValues()
	if err != nil {
		t.Fatal(err)
	}
	in := action.NewInstall(&action.Configuration{Log: func(string, ...any) {}})
	in.ReleaseName, in.Namespace = r.Name, r.Namespace
	in.DryRun, in.ClientOnly, in.Replace, in.IncludeCRDs = true, true, true, true
	if in.KubeVersion, err = chartutil.ParseKubeVersion("v" + kubeVersion + ".0"); err != nil {
		t.Fatal(err)
	}
	rel, err := in.Run(c, vals)
	if err != nil {
		t.Fatalf("%s: Helm's install: %v", r.Path, err)
	}
	docs := releaseutil.SplitManifests(rel.Manifest)
	keys := slices.Collect(maps.Keys(docs))
	sort.Sort(releaseutil.BySplitManifestsOrder(keys))
	return objects(t, r.Path, func(yield func(string) bool) {
		for _, k := range keys {
			if !yield(docs[k]) {
				return
			}
		}
	})
}

// objects parses YAML documents into objects keyed by apiVersion, kind,
// namespace and name; a document that holds no object (only comments) is
// left out, as it creates nothing.
func objects(t *testing.T, path string, docs func(func(string) bool)) map[string]any {
	t.Helper()
	out := map[string]any{}
	for doc := range docs {
		var o map[string]any
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatalf("%s: %v\n%s", path, err, doc)
		}
		if o == nil {
			continue
		}
		md, _ := o["metadata"].(map[string]any)
		k := fmt.Sprintf("%v %v %v/%v", o["apiVersion"], o["kind"], md["namespace"], md["name"])
		if _, dup := out[k]; dup {
			t.Errorf("%s: %s twice", path, k)
		}
		out[k] = o
	}
	return out
}
