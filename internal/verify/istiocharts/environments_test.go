package istiocharts_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"

	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/synth"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/istiocharts"
	"github.com/bluegreen-mesh/bluegreen/stacks"
)

// fixture is the copy of the shipped cdktf.json that the tests synthesize
// (tests never read the live one, which users edit).
const fixture = "../../../testdata/shipped.cdktf.json"

// synthesize synthesizes every environment of config into a new folder.
func synthesize(t *testing.T, config string) *synth.Result {
	t.Helper()
	res, err := synth.Run(synth.Options{Config: config, Outdir: filepath.Join(t.TempDir(), "cdktf.out")})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// istioReleases returns what an environment's mesh stack asks of Istio's
// charts: its helm_releases of base, istiod and gateway, and, in operator
// mode, the istiod the Sail Operator installs for the Istio resource that
// the local chart istio-sail-controlplane renders.
func istioReleases(t *testing.T, res *synth.Result, env config.Environment) []render.Release {
	t.Helper()
	dir := filepath.Join(res.Outdir, "stacks", env.Name+stacks.MeshSuffix)
	all, err := render.Releases(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []render.Release
	var sail []render.Object
	for _, r := range all {
		if istiocharts.IsIstio(r) {
			out = append(out, r)
			continue
		}
		if !r.Local() {
			continue
		}
		ms, err := render.Render(r)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			o, err := render.Decode(m)
			if err != nil {
				t.Fatal(err)
			}
			if istiocharts.IsSailIstio(o) {
				sail = append(sail, o)
			}
		}
	}
	want := []string{istiocharts.Base, istiocharts.Istiod, istiocharts.Gateway}
	wantSail := 0
	if env.Istio.InstallMode == istio.ModeOperator {
		want, wantSail = []string{istiocharts.Gateway}, 1
	}
	if env.Istio.Ambient() {
		want = append(want, istiocharts.CNI, istiocharts.Ztunnel)
	}
	var got []string
	for _, r := range out {
		got = append(got, istiocharts.ChartName(r))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) || len(sail) != wantSail {
		t.Fatalf("%s (install mode %s): got Istio chart releases %v and %d Sail Istio resources; want %v and %d", env.Name, env.Istio.InstallMode, got, len(sail), want, wantSail)
	}
	for _, o := range sail {
		cp, err := istiocharts.ControlPlane(env.Name+stacks.MeshSuffix, o)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, cp)
	}
	return out
}

// TestShippedEnvironmentsInstallThePinnedRelease checks that every shipped
// environment installs a release of the Istio minor release whose charts
// the checks render (and whose istioctl analyzes them).
func TestShippedEnvironmentsInstallThePinnedRelease(t *testing.T) {
	res := synthesize(t, fixture)
	if len(res.Environments) != 5 {
		t.Fatalf("got %d environments in %s; want the 5 shipped ones (shop the one of several apps)", len(res.Environments), fixture)
	}
	for _, env := range res.Environments {
		for _, r := range istioReleases(t, res, env) {
			if _, err := istiocharts.ForRelease(r); err != nil {
				t.Errorf("%s: %s: %v", env.Name, r.Name, err)
			}
		}
	}
}

// TestShippedValuesAreKeysOfIstioCharts renders Istio's real charts with
// exactly the values each shipped environment passes them, for the
// environment's Kubernetes version, checks that the charts know every key,
// and that the objects carry what the environment asked for.
func TestShippedValuesAreKeysOfIstioCharts(t *testing.T) {
	res := synthesize(t, fixture)
	// Every shipped environment, qa (routing api "gatewayAPI") among them.
	var names []string
	modes := map[string]bool{}
	for _, env := range res.Environments {
		names = append(names, env.Name)
		modes[env.Istio.InstallMode] = true
		t.Run(env.Name, func(t *testing.T) { checkEnvironment(t, res, env) })
	}
	slices.Sort(names)
	if want := []string{"dev", "prod", "qa", "shop", "staging"}; !slices.Equal(names, want) {
		t.Errorf("environments checked: got %v; want %v", names, want)
	}
	if !modes[istio.ModeHelm] || !modes[istio.ModeOperator] {
		t.Errorf("install modes covered: %v; want both %s and %s", modes, istio.ModeHelm, istio.ModeOperator)
	}
}

// ambientFixture holds an environment with the ambient data plane.
const ambientFixture = "../../../testdata/ambient.cdktf.json"

// TestAmbientValuesAreKeysOfIstioCharts does the same for the ambient
// fixture: Istio's real base, istiod, cni, ztunnel and gateway charts know
// every key it passes them, and render ambient mode: istiod with ambient
// on, the CNI agent with ambient redirection, ztunnel pointed at the
// revision's istiod, both from the environment's hub.
func TestAmbientValuesAreKeysOfIstioCharts(t *testing.T) {
	res := synthesize(t, ambientFixture)
	if len(res.Environments) != 1 || !res.Environments[0].Istio.Ambient() {
		t.Fatalf("got %d environments in %s; want one with the ambient data plane", len(res.Environments), ambientFixture)
	}
	rendered := checkEnvironment(t, res, res.Environments[0])

	// Istio's own templates, rendered from the environment's values.
	for _, c := range []struct {
		chart, kind, name string
		want              []string
	}{
		{istiocharts.Istiod, "Deployment", "istiod-1-31", []string{"- name: PILOT_ENABLE_AMBIENT\n            value: \"true\"", `image: "registry.internal.example.com/istio/pilot:1.31.1-distroless"`}},
		{istiocharts.CNI, "ConfigMap", "istio-cni-config", []string{`AMBIENT_ENABLED: "true"`}},
		{istiocharts.CNI, "DaemonSet", "istio-cni-node", []string{`image: "registry.internal.example.com/istio/install-cni:1.31.1-distroless"`}},
		{istiocharts.CNI, "ServiceAccount", "istio-cni", []string{"- name: regcred"}},
		{istiocharts.Ztunnel, "DaemonSet", "ztunnel", []string{
			`image: "registry.internal.example.com/istio/ztunnel:1.31.1-distroless"`,
			"name: XDS_ADDRESS\n          value: istiod-1-31.istio-system.svc:15012",
			"name: CA_ADDRESS\n          value: istiod-1-31.istio-system.svc:15012",
		}},
		{istiocharts.Ztunnel, "ServiceAccount", "ztunnel", []string{"- name: regcred"}},
	} {
		obj := find(t, rendered[c.chart], c.kind, c.name)
		for _, w := range c.want {
			if !strings.Contains(obj, w) {
				t.Errorf("chart %s, %s %s: no %q in\n%s", c.chart, c.kind, c.name, w, obj)
			}
		}
	}
}

// checkEnvironment renders Istio's real charts with exactly the values
// env's mesh stack passes them, for env's Kubernetes version, checks that
// the charts know every key, and that the objects carry what env asked
// for. It returns the manifests of each chart.
func checkEnvironment(t *testing.T, res *synth.Result, env config.Environment) map[string][]render.Manifest {
	t.Helper()
	out := map[string][]render.Manifest{}
	if env.Istio.KubernetesVersion == "" {
		t.Fatal("the environment has no Kubernetes version")
	}
	for _, r := range istioReleases(t, res, env) {
		name := istiocharts.ChartName(r)
		c, vals := chartAndValues(t, r)
		if err := istiocharts.CheckKeys(c, vals); err != nil {
			t.Errorf("%s: release %s: %v", env.Name, r.Name, err)
		}
		ms, err := render.RenderLoaded(c, r.Name, r.Namespace, vals, env.Istio.KubernetesVersion)
		if err != nil {
			t.Fatalf("%s: %v", env.Name, err)
		}
		checkObjects(t, env, name, ms)
		out[name] = ms
	}
	return out
}

// checkObjects checks that Istio's rendered objects carry the environment's
// settings: istiod's resources and access log, the gateway's replicas or
// autoscaling and Service annotations.
func checkObjects(t *testing.T, env config.Environment, chart string, ms []render.Manifest) {
	t.Helper()
	p := env.Istio
	switch chart {
	case istiocharts.Istiod:
		dep := objectOfKind(t, ms, "Deployment")
		var d struct {
			Spec struct {
				Template struct {
					Spec struct {
						Containers []struct {
							Name      string
							Resources map[string]map[string]any
						}
					}
				}
			}
		}
		if err := json.Unmarshal(dep.Raw, &d); err != nil {
			t.Fatal(err)
		}
		cs := d.Spec.Template.Spec.Containers
		if len(cs) != 1 || cs[0].Name != "discovery" {
			t.Fatalf("istiod Deployment containers: got %+v; want the one named discovery", cs)
		}
		want := map[string]map[string]string{}
		for _, l := range []struct {
			name string
			list istio.ResourceList
		}{{"requests", p.Pilot.Resources.Requests}, {"limits", p.Pilot.Resources.Limits}} {
			if l.list.CPU != "" || l.list.Memory != "" {
				want[l.name] = map[string]string{}
				if l.list.CPU != "" {
					want[l.name]["cpu"] = l.list.CPU
				}
				if l.list.Memory != "" {
					want[l.name]["memory"] = l.list.Memory
				}
			}
		}
		if len(want) > 0 && !equalResources(cs[0].Resources, want) {
			t.Errorf("istiod resources: got %v; want %v (istio.pilot.resources)", cs[0].Resources, want)
		}
		if f := p.MeshConfig.AccessLogFile; f != "" {
			if mesh := meshConfig(t, ms); !strings.Contains(mesh, "accessLogFile: "+f) {
				t.Errorf("mesh config: no accessLogFile %s in\n%s", f, mesh)
			}
		}
	case istiocharts.Gateway:
		svc := objectOfKind(t, ms, "Service")
		for k, v := range p.IngressGateway.ServiceAnnotations {
			if got := svc.Metadata.Annotations[k]; got != v {
				t.Errorf("gateway Service annotation %s: got %q; want %q", k, got, v)
			}
		}
		hasHPA := slices.ContainsFunc(ms, func(m render.Manifest) bool {
			o, _ := render.Decode(m)
			return o.Kind == "HorizontalPodAutoscaler"
		})
		if want := *p.IngressGateway.Autoscaling.Enabled; hasHPA != want {
			t.Errorf("gateway HorizontalPodAutoscaler rendered: %v; want %v (istio.ingressGateway.autoscaling.enabled)", hasHPA, want)
		}
	}
}

// equalResources compares quantities as written: the charts' toYaml writes
// a CPU of "1" as the number 1, which Kubernetes reads as the same quantity.
func equalResources(got map[string]map[string]any, want map[string]map[string]string) bool {
	if len(got) != len(want) {
		return false
	}
	for k, w := range want {
		g := got[k]
		if len(g) != len(w) {
			return false
		}
		for kk, v := range w {
			if fmt.Sprint(g[kk]) != v {
				return false
			}
		}
	}
	return true
}

// objectOfKind returns the one object of kind among ms.
func objectOfKind(t *testing.T, ms []render.Manifest, kind string) render.Object {
	t.Helper()
	var found []render.Object
	for _, m := range ms {
		o, err := render.Decode(m)
		if err != nil {
			t.Fatal(err)
		}
		if o.Kind == kind {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		t.Fatalf("got %d objects of kind %s; want 1", len(found), kind)
	}
	return found[0]
}

// meshConfig returns the mesh config istiod reads: data.mesh of the one
// ConfigMap that has it ("istio", or "istio-<revision>").
func meshConfig(t *testing.T, ms []render.Manifest) string {
	t.Helper()
	var found []string
	for _, m := range ms {
		o, err := render.Decode(m)
		if err != nil {
			t.Fatal(err)
		}
		var d struct{ Data map[string]string }
		if err := json.Unmarshal(o.Raw, &d); err != nil {
			t.Fatal(err)
		}
		if mesh, ok := d.Data["mesh"]; ok && o.Kind == "ConfigMap" {
			found = append(found, mesh)
		}
	}
	if len(found) != 1 {
		t.Fatalf("got %d ConfigMaps with a mesh config; want 1", len(found))
	}
	return found[0]
}

// TestPlantedUnknownKeyFails plants istio.extraValues.istiod.pilot.notAKey
// in a helm-mode and an operator-mode environment of the fixture: in both,
// the key check must name the key and the istiod chart.
func TestPlantedUnknownKeyFails(t *testing.T) {
	planted := []string{"dev", "staging"}
	cfg := plantExtraValues(t, fixture, map[string]any{"istiod": map[string]any{"pilot": map[string]any{"notAKey": true}}}, planted...)
	res := synthesize(t, cfg)
	modes := map[string]bool{}
	for _, env := range res.Environments {
		if !slices.Contains(planted, env.Name) {
			continue
		}
		modes[env.Istio.InstallMode] = true
		var failed []string
		for _, r := range istioReleases(t, res, env) {
			c, vals := chartAndValues(t, r)
			err := istiocharts.CheckKeys(c, vals)
			if err == nil {
				continue
			}
			var uk *istiocharts.UnknownKeyError
			if !errors.As(err, &uk) || uk.Key != "pilot.notAKey" || uk.Chart != istiocharts.Istiod {
				t.Errorf("%s: release %s: got %v; want only pilot.notAKey unknown to chart istiod", env.Name, r.Name, err)
			}
			if msg := err.Error(); !strings.Contains(msg, `"pilot.notAKey"`) || !strings.Contains(msg, "chart istiod") {
				t.Errorf("%s: error %q does not name the key and the chart", env.Name, msg)
			}
			failed = append(failed, r.Name)
		}
		if len(failed) != 1 {
			t.Errorf("%s (install mode %s): releases failing the key check: %v; want exactly istiod's", env.Name, env.Istio.InstallMode, failed)
		}
	}
	if len(modes) != 2 {
		t.Errorf("install modes planted: %v; want helm and operator", modes)
	}
}

// TestPlantedUnknownAmbientKeysFail plants istio.extraValues.cni.notAKey
// and istio.extraValues.ztunnel.notAKey in the ambient fixture: the key
// check must name each key with its chart, and pass the other releases.
func TestPlantedUnknownAmbientKeysFail(t *testing.T) {
	cfg := plantExtraValues(t, ambientFixture, map[string]any{"cni": map[string]any{"notAKey": true}, "ztunnel": map[string]any{"notAKey": true}}, "ambient")
	res := synthesize(t, cfg)
	failed := map[string]string{}
	rels := istioReleases(t, res, res.Environments[0])
	if len(rels) != 5 {
		t.Fatalf("got %d Istio releases; want base, istiod, cni, ztunnel and gateway", len(rels))
	}
	for _, r := range rels {
		c, vals := chartAndValues(t, r)
		var uk *istiocharts.UnknownKeyError
		if err := istiocharts.CheckKeys(c, vals); errors.As(err, &uk) {
			failed[uk.Chart] = uk.Key
		} else if err != nil {
			t.Errorf("release %s: %v", r.Name, err)
		}
	}
	if want := map[string]string{istiocharts.CNI: "notAKey", istiocharts.Ztunnel: "notAKey"}; !reflect.DeepEqual(failed, want) {
		t.Errorf("unknown keys by chart: got %v; want %v", failed, want)
	}
}

// plantExtraValues writes a copy of the config file fixture in which the
// environments named get istio.extraValues extra, and returns its path.
func plantExtraValues(t *testing.T, fixture string, extra map[string]any, names ...string) string {
	t.Helper()
	b, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	envs := doc["context"].(map[string]any)["environments"].(map[string]any)
	for _, name := range names {
		envs[name].(map[string]any)["istio"].(map[string]any)["extraValues"] = extra
	}
	if b, err = json.MarshalIndent(doc, "", "  "); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "cdktf.json")
	if err := os.WriteFile(cfg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// chartAndValues returns the Istio chart release r installs, from the
// pinned module, and the values r passes it.
func chartAndValues(t *testing.T, r render.Release) (*chart.Chart, map[string]any) {
	t.Helper()
	c, err := istiocharts.Load(istiocharts.ChartName(r))
	if err != nil {
		t.Fatal(err)
	}
	vals, err := r.MergedValues()
	if err != nil {
		t.Fatal(err)
	}
	return c, vals
}
