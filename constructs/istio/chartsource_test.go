package istio_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
)

// mirror writes a chart named name at version into dir, as a folder or, with
// archive, as <name>-<version>.tgz (what `helm pull` saves).
func mirror(t *testing.T, dir, name, version string, archive bool) {
	t.Helper()
	ch := &chart.Chart{
		Metadata: &chart.Metadata{APIVersion: chart.APIVersionV2, Name: name, Version: version, AppVersion: version},
		Templates: []*chart.File{{Name: "templates/configmap.yaml", Data: []byte(
			"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\ndata:\n  hub: {{ .Values.global.hub | quote }}\n")}},
		Values: map[string]any{"global": map[string]any{"hub": ""}},
	}
	if archive {
		if _, err := chartutil.Save(ch, dir); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := chartutil.SaveDir(ch, dir); err != nil {
		t.Fatal(err)
	}
}

func TestChartSources(t *testing.T) {
	for _, tc := range []struct {
		name       string
		repository string
		chart      string // the helm_release's chart
		repo       any    // its repository; nil when there must be none
		version    any
	}{
		{"default https repository", "", "istiod", "https://blob.istio.io/istio-release/charts", "1.31.1"},
		{"Istio's OCI registry", "oci://ghcr.io/istio/release/charts", "istiod", "oci://ghcr.io/istio/release/charts", "1.31.1"},
		{"a mirror of one's own", "https://charts.example.com/istio", "istiod", "https://charts.example.com/istio", "1.31.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := synth(t, istio.Props{KubernetesVersion: "1.35", Charts: istio.ChartSource{Repository: tc.repository}})
			rel := d.Resource(t, "helm_release", "istio/istiod")
			testutil.AssertSubset(t, rel, map[string]any{"chart": tc.chart, "repository": tc.repo, "version": tc.version})
		})
	}
}

// TestLocalChartMirror builds an air-gapped mirror holding base and istiod
// as archives and gateway as a folder, and checks that every release takes
// its chart from the synthesized stack's assets, at the pinned version.
func TestLocalChartMirror(t *testing.T) {
	dir := t.TempDir()
	mirror(t, dir, "base", "1.31.1", true)
	mirror(t, dir, "istiod", "1.31.1", true)
	mirror(t, dir, "gateway", "1.31.1", false)
	d, stackDir := synth(t, istio.Props{KubernetesVersion: "1.35", Charts: istio.ChartSource{Repository: dir}})
	for _, name := range []string{"base", "istiod", "gateway"} {
		rel := d.Resource(t, "helm_release", "istio/"+name)
		path, _ := rel["chart"].(string)
		if !strings.HasPrefix(path, "assets/") {
			t.Errorf("%s: chart %q, want a path under the stack's assets/", name, path)
			continue
		}
		if _, ok := rel["repository"]; ok {
			t.Errorf("%s: repository %v, want none for a local chart", name, rel["repository"])
		}
		meta, err := chartutil.LoadChartfile(filepath.Join(stackDir, path, "Chart.yaml"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if meta.Name != name || meta.Version != "1.31.1" {
			t.Errorf("%s: the asset holds %s %s, want %s 1.31.1", name, meta.Name, meta.Version, name)
		}
	}
}

func TestLocalChartMirrorMustHoldThePinnedVersion(t *testing.T) {
	dir := t.TempDir()
	mirror(t, dir, "base", "1.30.4", true)
	mirror(t, dir, "istiod", "1.30.4", false)
	errs := istio.Props{KubernetesVersion: "1.35", Charts: istio.ChartSource{Repository: dir}}.WithDefaults().ValidateAt(field.NewPath("istio"))
	testutil.AssertFieldError(t, errs, "istio.charts.repository", "holds neither base/ nor base-1.31.1.tgz")
	testutil.AssertFieldError(t, errs, "istio.charts.repository", "holds chart istiod version 1.30.4 in istiod/, but istiod version 1.31.1 is pinned")
	testutil.AssertFieldError(t, errs, "istio.charts.repository", "holds neither gateway/ nor gateway-1.31.1.tgz")
}

func TestHubAndPullSecrets(t *testing.T) {
	d, _ := synth(t, istio.Props{KubernetesVersion: "1.35", Hub: "registry.example.com:5000/mirror/istio", ImagePullSecrets: []string{"regcred"}})
	testutil.AssertSubset(t, testutil.Values(t, d.Resource(t, "helm_release", "istio/istiod")), map[string]any{
		"global": map[string]any{"hub": "registry.example.com:5000/mirror/istio", "tag": "1.31.1", "imagePullSecrets": []any{"regcred"}},
	})
	testutil.AssertSubset(t, testutil.Values(t, d.Resource(t, "helm_release", "istio/base")), map[string]any{
		"global": map[string]any{"imagePullSecrets": []any{"regcred"}},
	})
	testutil.AssertSubset(t, testutil.Values(t, d.Resource(t, "helm_release", "istio/gateway")), map[string]any{
		"imagePullSecrets": []any{map[string]any{"name": "regcred"}},
	})
}

func TestSupportWarnings(t *testing.T) {
	nov30 := time.Date(2026, time.November, 30, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		version string
		today   time.Time
		want    string // "" for no warning
	}{
		{"current release", "1.31.0", nov30, ""},
		{"past its end", "1.29.7", nov30, `istio.version: Istio 1.29 left support on 2026-10-12 and gets no more security fixes; move to Istio 1.31 (istio.version "1.31.1")`},
		{"on its last day", "1.29.7", time.Date(2026, time.October, 12, 0, 0, 0, 0, time.UTC), `istio.version: Istio 1.29 leaves support on 2026-10-12; move to Istio 1.31`},
		{"the day after", "1.29.7", time.Date(2026, time.October, 13, 0, 0, 0, 0, time.UTC), "Istio 1.29 left support on 2026-10-12"},
		{"two months before", "1.29.7", time.Date(2026, time.August, 1, 0, 0, 0, 0, time.UTC), ""},
		{"end not dated yet", "1.30.4", nov30, `istio.version: Istio 1.30 is supported until six weeks after Istio 1.32's release`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := istio.Props{Version: tc.version}.WithDefaults()
			got := p.SupportWarnings(field.NewPath("istio"), tc.today)
			switch {
			case tc.want == "" && len(got) != 0:
				t.Errorf("got %q, want no warning", got)
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)):
				t.Errorf("got %q, want one warning containing %q", got, tc.want)
			}
		})
	}
}

func TestRetiredLocationsAreRefusedEverywhere(t *testing.T) {
	if got := len(istio.RetiredLocations); got != 3 {
		t.Fatalf("got %d retired locations, want the 3 of istio/istio#61467", got)
	}
	for _, loc := range istio.RetiredLocations {
		errs := istio.Props{Charts: istio.ChartSource{Repository: "https://" + loc + "/charts"}, Hub: loc}.WithDefaults().ValidateAt(nil)
		testutil.AssertFieldError(t, errs, "charts.repository", "Istio removed "+loc)
		testutil.AssertFieldError(t, errs, "hub", "Istio removed "+loc)
	}
}
