package addon_test

import (
	"encoding/json"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/aws/jsii-runtime-go"
	helmprovider "github.com/cdktf/cdktf-provider-helm-go/helm/v10/provider"
	k8sprovider "github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"sigs.k8s.io/yaml"

	"github.com/bluegreen-mesh/bluegreen/charts"
	"github.com/bluegreen-mesh/bluegreen/constructs/addon"
	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/constructs/kiali"
	"github.com/bluegreen-mesh/bluegreen/constructs/meshnamespace"
	"github.com/bluegreen-mesh/bluegreen/constructs/routing"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/stacktest"
	"github.com/bluegreen-mesh/bluegreen/mesh"
)

func ptr[T any](v T) *T { return &v }

// TestSynthesizedReleasesEqualThePureSpecs builds every construct that
// installs a chart, then computes each one's releases again with its pure
// function (from the same props, without cdktf), and checks that every
// synthesized helm_release carries exactly the spec's name, namespace,
// chart, flags and values, and that there is no other helm_release. Code
// that renders the charts from the pure specs therefore renders what
// Terraform would install.
func TestSynthesizedReleasesEqualThePureSpecs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		istio istio.Props
		kiali kiali.Props
		ns    meshnamespace.Props
		app   bluegreen.Props
		route routing.Props
		// extra are values the ExtraValues must have put in, by release.
		extra map[string]map[string]any
		// namespaces and secrets are how many of each the stack has.
		namespaces, secrets int
	}{
		{name: "defaults", namespaces: 3},
		{
			name:  "operator mode, revision, openid, extra values",
			istio: istio.Props{InstallMode: istio.ModeOperator, Revision: "canary", Namespace: "mesh", ExtraValues: istio.ExtraValues{Gateway: map[string]any{"podAnnotations": map[string]any{"team": "edge"}}}},
			kiali: kiali.Props{
				Auth:    kiali.Auth{Strategy: kiali.StrategyOpenID, OpenID: kiali.OpenID{ClientID: "kiali", IssuerURI: "https://idp.example.com", Scopes: []string{"openid"}}},
				Grafana: kiali.Grafana{AdminPasswordVariable: "grafana_pw", ExtraValues: map[string]any{"replicas": 2}},
			},
			ns: meshnamespace.Props{Name: "shop", PeerAuthentication: meshnamespace.MTLSStrict, ExtraValues: map[string]any{"labels": map[string]any{"team": "shop"}}},
			app: bluegreen.Props{Name: "cart", Namespace: "shop", ServiceExtraValues: map[string]any{"labels": map[string]any{"team": "cart"}},
				Releases: map[string]bluegreen.Release{"blue": {ExtraValues: map[string]any{"labels": map[string]any{"team": "cart"}}}, "green": {}}},
			route: routing.Props{
				Routing:     mesh.Routing{Hosts: []string{"cart.example.com"}, Live: bluegreen.Green, CandidateWeight: 10},
				ExtraValues: map[string]map[string]any{"virtualservice": {"labels": map[string]any{"team": "cart"}}},
			},
			extra: map[string]map[string]any{
				"istio/gateway":                 {"podAnnotations": map[string]any{"team": "edge"}},
				"kiali/grafana":                 {"replicas": 2},
				"namespace/peer-authentication": {"labels": map[string]any{"team": "shop"}, "mtlsMode": "STRICT"},
				"app/blue":                      {"labels": map[string]any{"team": "cart"}, "versionLabel": map[string]any{"key": "version", "value": "blue"}},
				"app/service":                   {"labels": map[string]any{"team": "cart"}, "name": "cart"},
				"routing/virtualservice":        {"labels": map[string]any{"team": "cart"}, "annotations": map[string]any{"bluegreen.io/live": "green", "bluegreen.io/candidate": "blue"}},
			},
			namespaces: 4, secrets: 2,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stack := stacktest.NewStack(t)
			helmprovider.NewHelmProvider(stack, jsii.String("helm"), &helmprovider.HelmProviderConfig{})
			k8sprovider.NewKubernetesProvider(stack, jsii.String("kubernetes"), &k8sprovider.KubernetesProviderConfig{})
			cp, err := istio.New(stack, "istio", tc.istio)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := kiali.New(stack, "kiali", tc.kiali, cp); err != nil {
				t.Fatal(err)
			}
			ns, err := meshnamespace.New(stack, "namespace", tc.ns, cp, nil)
			if err != nil {
				t.Fatal(err)
			}
			app, err := bluegreen.New(stack, "app", tc.app, ns)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := routing.New(stack, "routing", tc.route, app, cp); err != nil {
				t.Fatal(err)
			}
			outdir := *cdktf.Testing_FullSynth(stack)
			stackDir := filepath.Join(outdir, "stacks", "test")
			d := testutil.Load(t, testutil.StackPath(outdir, "test"))
			synthesized, err := render.Releases(stackDir)
			if err != nil {
				t.Fatal(err)
			}

			// The pure path: props in, specs out, no construct involved.
			specs := map[string][]addon.Release{}
			var err2 error
			if specs["istio"], err2 = tc.istio.HelmReleases(); err2 != nil {
				t.Fatal(err2)
			}
			if specs["kiali"], err2 = tc.kiali.HelmReleases(tc.istio); err2 != nil {
				t.Fatal(err2)
			}
			specs["namespace"] = tc.ns.ReleasesFor(tc.istio)
			specs["app"] = tc.app.HelmReleases()
			if specs["routing"], _, err2 = routing.HelmReleases(tc.route, tc.app, tc.istio); err2 != nil {
				t.Fatal(err2)
			}
			total, local := 0, 0
			for construct, rs := range specs {
				total += len(rs)
				for _, r := range rs {
					assertRelease(t, d, construct+"/"+r.ID, r)
					if r.Chart.Local != "" {
						local++
						assertRendersAlike(t, synthesized, "test/"+construct+"/"+r.ID, r)
					}
				}
			}
			for path, want := range tc.extra {
				testutil.AssertSubset(t, testutil.Values(t, d.Resource(t, "helm_release", path)), want)
			}
			if got := d.Count("helm_release"); got != total {
				t.Errorf("helm releases: got %d synthesized, want the %d the pure specs list", got, total)
			}
			if local < 6 {
				t.Errorf("pure specs of local charts: got %d, want at least 6 (app 3, routing 3) rendered both ways", local)
			}
			if total < 10 {
				t.Errorf("pure specs: got %d releases, want at least 10 (istio 3, kiali 3, app 3, routing 3)", total)
			}

			// Namespaces and secrets: the pure specs, attribute for
			// attribute (cdktf's metadata and depends_on aside).
			istioRes, err := tc.istio.Resources()
			if err != nil {
				t.Fatal(err)
			}
			kialiRes, err := tc.kiali.Resources(tc.istio)
			if err != nil {
				t.Fatal(err)
			}
			namespaces, secrets := 0, 0
			for construct, rs := range map[string]addon.Resources{"istio": istioRes, "kiali": kialiRes, "namespace": tc.ns.ResourcesFor(tc.istio)} {
				for _, n := range rs.Namespaces {
					namespaces++
					assertAttributes(t, d.Resource(t, "kubernetes_namespace_v1", construct+"/"+n.ID), construct+"/"+n.ID, n.Attributes())
				}
				for _, s := range rs.Secrets {
					secrets++
					assertAttributes(t, d.Resource(t, "kubernetes_secret_v1", construct+"/"+s.ID), construct+"/"+s.ID, s.Attributes())
				}
			}
			if got := d.Count("kubernetes_namespace_v1"); got != tc.namespaces || namespaces != tc.namespaces {
				t.Errorf("namespaces: %d synthesized, %d in the pure specs; want %d", got, namespaces, tc.namespaces)
			}
			if got := d.Count("kubernetes_secret_v1"); got != tc.secrets || secrets != tc.secrets {
				t.Errorf("secrets: %d synthesized, %d in the pure specs; want %d", got, secrets, tc.secrets)
			}
		})
	}
}

func assertRelease(t *testing.T, d testutil.Doc, path string, r addon.Release) {
	t.Helper()
	res := d.Resource(t, "helm_release", path)
	want := map[string]any{"name": r.Name, "namespace": r.Namespace}
	if r.Chart.Name != "" {
		want["chart"], want["repository"], want["version"] = r.Chart.Name, r.Chart.Repository, r.Chart.Version
	}
	f := r.Flags
	for k, on := range map[string]bool{"atomic": f.Atomic, "wait": f.Wait, "wait_for_jobs": f.WaitForJobs, "cleanup_on_fail": f.CleanupOnFail} {
		if on {
			want[k] = true
		} else if _, ok := res[k]; ok {
			t.Errorf("%s: %s is set; the spec leaves it out", path, k)
		}
	}
	if f.TimeoutSeconds > 0 {
		want["timeout"] = f.TimeoutSeconds
	}
	if f.MaxHistory > 0 {
		want["max_history"] = f.MaxHistory
	}
	testutil.AssertSubset(t, res, want)
	if len(r.Values) == 0 {
		if _, ok := res["values"]; ok {
			t.Errorf("%s: has values; the spec has none", path)
		}
		return
	}
	// Both sides through YAML, as Helm reads them.
	b, err := yaml.Marshal(r.Values)
	if err != nil {
		t.Fatal(err)
	}
	var spec map[string]any
	if err := yaml.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	if got := testutil.Values(t, res); !reflect.DeepEqual(got, spec) {
		t.Errorf("%s: synthesized values differ from the pure spec's\n got %v\nwant %v", path, got, spec)
	}
}

// assertAttributes checks that the synthesized resource res at path has
// exactly the attributes want, but for cdktf's metadata and depends_on.
func assertAttributes(t *testing.T, res map[string]any, path string, want map[string]any) {
	t.Helper()
	got := maps.Clone(res)
	delete(got, "//")
	delete(got, "depends_on")
	b, _ := json.Marshal(want)
	var w map[string]any
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, w) {
		t.Errorf("%s: synthesized %v, the pure spec %v", path, got, w)
	}
}

// assertRendersAlike renders the local chart of spec r in process, from the
// chart embedded in package charts and the spec's values, as an offline
// pipeline would, and checks that it gives the same manifests as the
// synthesized release at path rendered from the stack folder.
func assertRendersAlike(t *testing.T, synthesized []render.Release, path string, r addon.Release) {
	t.Helper()
	i := slices.IndexFunc(synthesized, func(s render.Release) bool { return s.Path == path })
	if i < 0 {
		t.Errorf("no synthesized release at %s", path)
		return
	}
	fromStack, err := render.Render(synthesized[i])
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	dir, err := charts.Dir(r.Chart.Local)
	if err != nil {
		t.Fatal(err)
	}
	fromSpec, err := render.RenderChart(dir, r.Name, r.Namespace, r.Values)
	if err != nil {
		t.Fatalf("%s: rendering the pure spec: %v", path, err)
	}
	if len(fromSpec) == 0 || len(fromSpec) != len(fromStack) {
		t.Fatalf("%s: %d manifests from the spec, %d from the stack; want the same, at least one", path, len(fromSpec), len(fromStack))
	}
	for j := range fromSpec {
		if fromSpec[j].YAML != fromStack[j].YAML {
			t.Errorf("%s: manifest %d differs\nfrom the spec:\n%s\nfrom the stack:\n%s", path, j, fromSpec[j].YAML, fromStack[j].YAML)
		}
	}
}
