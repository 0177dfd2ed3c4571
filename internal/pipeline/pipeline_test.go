package pipeline_test

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/pipeline"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/synth"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/analyze"
)

// fixtureReleases are the Helm releases each environment of the fixture
// installs, by construct path, as the synthesized stacks list them
// (literals: a release the pipeline leaves out or adds fails the test).
var fixtureReleases = map[string][]string{
	"dev": {
		"dev-mesh/istio/base", "dev-mesh/istio/istiod", "dev-mesh/istio/gateway",
		"dev-mesh/kiali/kiali", "dev-mesh/kiali/prometheus", "dev-mesh/kiali/grafana",
		"dev-app/app/blue", "dev-app/app/green", "dev-app/app/service",
		"dev-app/routing/destinationrule", "dev-app/routing/gateway", "dev-app/routing/virtualservice",
	},
}

// TestPureReleasesEqualSynthesized synthesizes every environment of the
// frozen fixture once, through jsii and Node, and checks that the offline
// pipeline, reading the same description (stacks.Environment.Stacks)
// without either, computes the same Helm releases: as many, and
// for each the same name, namespace, chart (repository and version, or a
// local chart that renders the same manifests) and values as Helm merges
// them. It then checks that what the analyzer is given (Istio's own charts
// and the Sail Operator's istiod included) is the same both ways.
func TestPureReleasesEqualSynthesized(t *testing.T) {
	// Rendered afresh, not from an earlier run's cache.
	t.Setenv(pipeline.EnvNoCache, "1")
	pureEqualsSynthesized(t, fixture, "dev", "prod", "qa", "staging")
}

// TestAmbientPureReleasesEqualSynthesized does the same for the ambient
// fixture (cni, ztunnel, the Gateway API CRDs and the waypoint).
func TestAmbientPureReleasesEqualSynthesized(t *testing.T) {
	t.Setenv(pipeline.EnvNoCache, "1")
	pureEqualsSynthesized(t, "../../testdata/ambient.cdktf.json", "ambient")
}

// ambientReleases are the Helm releases of the ambient fixture's mesh
// stack, by construct path (literals).
var ambientReleases = []string{
	"ambient-mesh/istio/base", "ambient-mesh/istio/istiod", "ambient-mesh/istio/cni", "ambient-mesh/istio/ztunnel", "ambient-mesh/istio/gateway",
	"ambient-mesh/kiali/kiali", "ambient-mesh/kiali/prometheus", "ambient-mesh/kiali/grafana",
	"ambient-mesh/gateway-api-crds/gateway-api-crds", "ambient-mesh/namespace/peer-authentication", "ambient-mesh/namespace/waypoint",
}

func pureEqualsSynthesized(t *testing.T, fixture string, want ...string) {
	envs, err := config.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range envs {
		names = append(names, e.Name)
	}
	if !slices.Equal(names, want) {
		t.Fatalf("%s: environments %v, want %v", fixture, names, want)
	}
	res, err := synth.Run(synth.Options{Config: fixture, Outdir: filepath.Join(t.TempDir(), "cdktf.out"), WarnOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range envs {
		t.Run(env.Name, func(t *testing.T) {
			dirs := []string{filepath.Join(res.Outdir, "stacks", env.Name+"-mesh"), filepath.Join(res.Outdir, "stacks", env.Name+"-app")}
			var synthesized []render.Release
			for _, d := range dirs {
				rs, err := render.Releases(d)
				if err != nil {
					t.Fatal(err)
				}
				synthesized = append(synthesized, rs...)
			}
			e, err := pipeline.New(env)
			if err != nil {
				t.Fatal(err)
			}
			if len(e.Releases) != len(synthesized) || len(synthesized) < 10 {
				t.Fatalf("releases: the pipeline computes %d, the stacks have %d; want the same, at least 10 (istio, kiali, app and routing)\npure: %v\nsynthesized: %v",
					len(e.Releases), len(synthesized), paths(e.Releases), paths(synthesized))
			}
			if want, ok := fixtureReleases[env.Name]; ok && !slices.Equal(sorted(paths(synthesized)), sorted(want)) {
				t.Errorf("synthesized releases: got %v, want %v", sorted(paths(synthesized)), sorted(want))
			}
			if env.Name == "ambient" {
				var mesh []string
				for _, p := range paths(synthesized) {
					if strings.HasPrefix(p, "ambient-mesh/") {
						mesh = append(mesh, p)
					}
				}
				if !slices.Equal(sorted(mesh), sorted(ambientReleases)) {
					t.Errorf("synthesized mesh releases: got %v, want %v", sorted(mesh), sorted(ambientReleases))
				}
			}
			byPath := map[string]render.Release{}
			for _, r := range synthesized {
				byPath[r.Path] = r
			}
			local := 0
			for _, p := range e.Releases {
				s, ok := byPath[p.Path]
				if !ok {
					t.Errorf("%s: computed by the pipeline, not synthesized (synthesized: %v)", p.Path, paths(synthesized))
					continue
				}
				if p.Name != s.Name || p.Namespace != s.Namespace {
					t.Errorf("%s: release %s/%s, synthesized %s/%s", p.Path, p.Namespace, p.Name, s.Namespace, s.Name)
				}
				if len(s.Set) > 0 || len(s.SetSensitive) > 0 {
					t.Errorf("%s: the synthesized release has set or set_sensitive, which the pure spec does not model", p.Path)
				}
				if p.Local() != s.Local() {
					t.Errorf("%s: local chart: pipeline %v, synthesized %v", p.Path, p.Local(), s.Local())
					continue
				}
				if !p.Local() && (p.Chart != s.Chart || p.Repository != s.Repository || p.Version != s.Version) {
					t.Errorf("%s: chart %s %s from %s, synthesized %s %s from %s", p.Path, p.Chart, p.Version, p.Repository, s.Chart, s.Version, s.Repository)
				}
				pv, err := p.MergedValues()
				if err != nil {
					t.Fatal(err)
				}
				sv, err := s.MergedValues()
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(pv, sv) {
					t.Errorf("%s: values differ\npipeline:    %v\nsynthesized: %v", p.Path, pv, sv)
				}
				if p.Local() {
					local++
					pm, err := render.Render(p)
					if err != nil {
						t.Fatal(err)
					}
					sm, err := render.Render(s)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(pm, sm) || len(pm) == 0 {
						t.Errorf("%s: the local chart renders %d manifests from the pipeline, %d from the stack, or differently; want the same, at least one", p.Path, len(pm), len(sm))
					}
				}
			}
			if local < 6 {
				t.Errorf("local chart releases compared: %d, want at least 6 (app 3, routing 3)", local)
			}

			// What the installer of routes --envoy is given, both ways.
			planEqualsSynthesized(t, e, dirs)

			// What the analyzer sees, both ways.
			fromStacks, err := analyze.Collect(dirs, env.Istio.KubernetesVersion)
			if err != nil {
				t.Fatal(err)
			}
			r, err := e.Render(true)
			if err != nil {
				t.Fatal(err)
			}
			fromPipeline, err := r.Objects()
			if err != nil {
				t.Fatal(err)
			}
			if len(fromPipeline.Manifests) != len(fromStacks.Manifests) || len(fromStacks.Manifests) < 20 {
				t.Fatalf("analyzer objects: %d from the pipeline, %d from the stacks; want the same, at least 20", len(fromPipeline.Manifests), len(fromStacks.Manifests))
			}
			// The stacks list releases by construct path, the pipeline in
			// install order: compare them in one order.
			sortManifests(fromStacks.Manifests)
			sortManifests(fromPipeline.Manifests)
			for i, m := range fromStacks.Manifests {
				p := fromPipeline.Manifests[i]
				if p.Stack != m.Stack || p.Release != m.Release || p.Namespace != m.Namespace || p.YAML != m.YAML {
					t.Errorf("analyzer object %d: pipeline %s/%s %s, stacks %s/%s %s, or different YAML", i, p.Stack, p.Release, p.Template, m.Stack, m.Release, m.Template)
				}
			}
			if len(fromPipeline.Skipped) != len(fromStacks.Skipped) {
				t.Errorf("releases not analyzed: %d from the pipeline, %d from the stacks", len(fromPipeline.Skipped), len(fromStacks.Skipped))
			}
		})
	}
}

func sortManifests(ms []analyze.Manifest) {
	slices.SortStableFunc(ms, func(a, b analyze.Manifest) int {
		return strings.Compare(a.Stack+"/"+a.Release+"/"+a.Template, b.Stack+"/"+b.Release+"/"+b.Template)
	})
}

func paths(rs []render.Release) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Path)
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestBadEnvironmentNamesIt checks that the pipeline reports an unknown
// environment as config does, naming it and the ones that exist.
func TestBadEnvironmentNamesIt(t *testing.T) {
	_, err := pipeline.Load(fixture, "stage")
	if err == nil || !strings.Contains(err.Error(), `context.environments[stage]: Unsupported value: "stage"`) || !strings.Contains(err.Error(), `"staging"`) {
		t.Errorf("got %v, want an error naming stage and the environments that exist", err)
	}
}

// TestModelHoldsTheNamespaces checks that the namespaces the stacks create
// themselves (kubernetes_namespace_v1) are in the rendered model with
// their labels, as a Gateway listener's namespace selector reads them: the
// app's namespace with Istio's injection label.
func TestModelHoldsTheNamespaces(t *testing.T) {
	e, err := pipeline.Load(fixture, "dev")
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.Render(false)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range r.Model.Namespaces {
		names = append(names, n.Namespace.Name)
		if n.Namespace.Name == "bluegreen" {
			if got := n.Namespace.Labels["istio-injection"]; got != "enabled" {
				t.Errorf("namespace bluegreen: istio-injection=%q; want enabled", got)
			}
			if got := n.Namespace.Labels["kubernetes.io/metadata.name"]; got != "bluegreen" {
				t.Errorf("namespace bluegreen: kubernetes.io/metadata.name=%q; want bluegreen", got)
			}
		}
	}
	if !slices.Contains(names, "bluegreen") || !slices.Contains(names, "istio-system") {
		t.Errorf("namespaces %v; want bluegreen and istio-system among them", names)
	}
}
