package main

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
)

// TestShippedEnvironmentsUseCurrentArtifacts synthesizes the shipped
// environments (testdata/shipped.cdktf.json, a copy of cdktf.json as
// shipped: the live file is the user's to edit) and checks every remote
// chart's repository and version, and Istio's image hub and tag, in the
// JSON. The expected values are written out here, not read from the code.
func TestShippedEnvironmentsUseCurrentArtifacts(t *testing.T) {
	t.Setenv("BLUEGREEN_CONFIG", filepath.Join("testdata", "shipped.cdktf.json"))
	outdir, _ := synthAll(t, "")

	const (
		istioRepo = "https://blob.istio.io/istio-release/charts"
		istio     = "1.31.1"
	)
	type chart struct{ chart, repository, version string }
	kiali := chart{"kiali-server", "https://kiali.org/helm-charts", "2.31.0"}
	prometheus := chart{"prometheus", "https://prometheus-community.github.io/helm-charts", "28.13.0"}
	grafana := chart{"grafana", "https://grafana.github.io/helm-charts", "9.2.2"}
	for _, tc := range []struct {
		env      string
		releases map[string]chart // remote-chart releases by release name
		istiod   string           // the release whose values carry global.hub and tag
		local    bool             // istiod's values come through the Istio resource (operator mode)
	}{
		{"dev", map[string]chart{
			"istio-base": {"base", istioRepo, istio}, "istiod": {"istiod", istioRepo, istio}, "istio-ingressgateway": {"gateway", istioRepo, istio},
			"kiali": kiali, "prometheus": prometheus, "grafana": grafana,
		}, "istiod", false},
		{"prod", map[string]chart{
			"istio-base": {"base", istioRepo, istio}, "istiod-1-31": {"istiod", istioRepo, istio}, "istio-ingressgateway": {"gateway", istioRepo, istio},
			"kiali": kiali, "prometheus": prometheus, "grafana": grafana,
		}, "istiod-1-31", false},
		{"qa", map[string]chart{
			"istio-base": {"base", istioRepo, istio}, "istiod": {"istiod", istioRepo, istio}, "istio-ingressgateway": {"gateway", istioRepo, istio},
			"kiali": kiali, "prometheus": prometheus, "grafana": grafana,
		}, "istiod", false},
		{"staging", map[string]chart{
			"sail-operator": {"sail-operator", "https://istio-ecosystem.github.io/sail-operator", "1.31.1"}, "istio-ingressgateway": {"gateway", istioRepo, istio},
			"kiali": kiali, "prometheus": prometheus, "grafana": grafana,
		}, "istio-default", true},
	} {
		t.Run(tc.env, func(t *testing.T) {
			d := testutil.Load(t, testutil.StackPath(outdir, tc.env+"-mesh"))
			rels := d.Resources("helm_release")
			var remote []string
			var istiod map[string]any
			for _, r := range rels {
				rel := r.(map[string]any)
				name, _ := rel["name"].(string)
				if name == tc.istiod {
					istiod = rel
				}
				if _, ok := rel["repository"]; !ok {
					continue
				}
				remote = append(remote, name)
				want, ok := tc.releases[name]
				if !ok {
					t.Errorf("release %s comes from %v; want no other remote chart", name, rel["repository"])
					continue
				}
				testutil.AssertSubset(t, rel, map[string]any{"chart": want.chart, "repository": want.repository, "version": want.version})
			}
			if len(remote) != len(tc.releases) {
				slices.Sort(remote)
				t.Errorf("remote-chart releases: got %v, want %d", remote, len(tc.releases))
			}
			if istiod == nil {
				t.Fatalf("no release %s", tc.istiod)
			}
			values := testutil.Values(t, istiod)
			if tc.local {
				values, _ = values["values"].(map[string]any)
			}
			testutil.AssertSubset(t, values, map[string]any{"global": map[string]any{"hub": "docker.io/istio", "tag": istio}})
		})
	}
}
