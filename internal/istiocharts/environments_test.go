package istiocharts_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/istiocharts"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/synth"
	"github.com/bluegreen-mesh/bluegreen/stacks"
)

// fixture is the copy of the shipped cdktf.json that the tests synthesize
// (tests never read the live one, which users edit).
const fixture = "../../testdata/shipped.cdktf.json"

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
// environment installs the Istio release whose charts the checks render
// (and whose istioctl analyzes them).
func TestShippedEnvironmentsInstallThePinnedRelease(t *testing.T) {
	res := synthesize(t, fixture)
	if len(res.Environments) != 3 {
		t.Fatalf("got %d environments in %s; want the 3 shipped ones", len(res.Environments), fixture)
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
	modes := map[string]bool{}
	for _, env := range res.Environments {
		modes[env.Istio.InstallMode] = true
		t.Run(env.Name, func(t *testing.T) {
			if env.Istio.KubernetesVersion == "" {
				t.Fatal("the environment has no Kubernetes version")
			}
			for _, r := range istioReleases(t, res, env) {
				name := istiocharts.ChartName(r)
				c, err := istiocharts.Load(name)
				if err != nil {
					t.Fatal(err)
				}
				vals, err := r.MergedValues()
				if err != nil {
					t.Fatal(err)
				}
				if err := istiocharts.CheckKeys(c, vals); err != nil {
					t.Errorf("%s: release %s: %v", env.Name, r.Name, err)
				}
				ms, err := render.RenderLoaded(c, r.Name, r.Namespace, vals, env.Istio.KubernetesVersion)
				if err != nil {
					t.Fatalf("%s: %v", env.Name, err)
				}
				checkObjects(t, env, name, ms)
			}
		})
	}
	if !modes[istio.ModeHelm] || !modes[istio.ModeOperator] {
		t.Errorf("install modes covered: %v; want both %s and %s", modes, istio.ModeHelm, istio.ModeOperator)
	}
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
	b, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	envs := doc["context"].(map[string]any)["environments"].(map[string]any)
	planted := []string{"dev", "staging"}
	for _, name := range planted {
		is := envs[name].(map[string]any)["istio"].(map[string]any)
		is["extraValues"] = map[string]any{"istiod": map[string]any{"pilot": map[string]any{"notAKey": true}}}
	}
	b, err = json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "cdktf.json")
	if err := os.WriteFile(cfg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	res := synthesize(t, cfg)
	modes := map[string]bool{}
	for _, env := range res.Environments {
		if !slices.Contains(planted, env.Name) {
			continue
		}
		modes[env.Istio.InstallMode] = true
		var failed []string
		for _, r := range istioReleases(t, res, env) {
			c, err := istiocharts.Load(istiocharts.ChartName(r))
			if err != nil {
				t.Fatal(err)
			}
			vals, err := r.MergedValues()
			if err != nil {
				t.Fatal(err)
			}
			err = istiocharts.CheckKeys(c, vals)
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
