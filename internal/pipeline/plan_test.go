package pipeline_test

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"

	"github.com/bluegreen-mesh/bluegreen/internal/pipeline"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/meshinstall"
)

// fixturePlans are the resources each environment's install plan holds, by
// construct path, in the order the installer creates them (literals: a
// resource left out, added or moved fails the test).
var fixturePlans = map[string][]string{
	"dev": {
		"dev-mesh/istio/gateway-namespace", "dev-mesh/istio/namespace", "dev-mesh/istio/base", "dev-mesh/istio/istiod", "dev-mesh/istio/gateway",
		"dev-mesh/kiali/grafana", "dev-mesh/kiali/prometheus", "dev-mesh/kiali/kiali",
		"dev-mesh/namespace/namespace",
		"dev-app/app/blue", "dev-app/app/green", "dev-app/app/service",
		"dev-app/routing/destinationrule", "dev-app/routing/gateway", "dev-app/routing/virtualservice",
	},
	"prod": {
		"prod-mesh/istio/gateway-namespace", "prod-mesh/istio/namespace", "prod-mesh/istio/base", "prod-mesh/istio/istiod", "prod-mesh/istio/gateway",
		"prod-mesh/kiali/grafana-admin", "prod-mesh/kiali/grafana", "prod-mesh/kiali/oidc-secret", "prod-mesh/kiali/prometheus", "prod-mesh/kiali/kiali",
		"prod-mesh/namespace/namespace", "prod-mesh/namespace/peer-authentication",
		"prod-app/app/blue", "prod-app/app/green", "prod-app/app/service",
		"prod-app/routing/destinationrule", "prod-app/routing/gateway", "prod-app/routing/virtualservice",
	},
}

// fixtureSecrets are the secrets of the fixture's prod environment in the
// pipeline's plan, by construct path: their attributes before resolution
// (literals: a secret value in plain text, or a variable other than the
// one cdktf.json names, fails the test).
var fixtureSecrets = map[string]map[string]any{
	"prod-mesh/kiali/grafana-admin": {
		"metadata": map[string]any{"name": "grafana-admin", "namespace": "istio-system"},
		"data":     map[string]any{"admin-user": "admin", "admin-password": "${var.grafana_admin_password}"},
	},
	"prod-mesh/kiali/oidc-secret": {
		"metadata": map[string]any{"name": "kiali", "namespace": "istio-system"},
		"data":     map[string]any{"oidc-secret": "${var.kiali_oidc_client_secret}"},
	},
}

// TestInstallPlanSecretsAreVariables checks, without synthesizing, that
// prod's install plan holds Kiali's OpenID secret and Grafana's admin
// password as references to the mesh stack's sensitive variables, which
// the plan lists, and that they wait for the control plane and Grafana and
// Kiali for them.
func TestInstallPlanSecretsAreVariables(t *testing.T) {
	e, err := pipeline.Load(fixture, "prod")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := e.InstallPlan()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := plan.Variables, map[string][]string{"prod-mesh": {"grafana_admin_password", "kiali_oidc_client_secret"}, "prod-app": nil}; !reflect.DeepEqual(got, want) {
		t.Errorf("variables: got %v, want %v", got, want)
	}
	byPath := map[string]meshinstall.Resource{}
	secrets := 0
	for _, r := range plan.Resources {
		byPath[r.Path] = r
		if r.Type == "kubernetes_secret_v1" {
			secrets++
		}
	}
	if secrets != len(fixtureSecrets) {
		t.Fatalf("secrets: got %d, want %d", secrets, len(fixtureSecrets))
	}
	for path, want := range fixtureSecrets {
		r, ok := byPath[path]
		if !ok || r.Type != "kubernetes_secret_v1" {
			t.Errorf("%s: not a secret of the plan (%v)", path, planPaths(plan))
			continue
		}
		if got := comparable(r.Attrs); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v, want %v", path, got, want)
		}
		if got, want := depPaths(r.Stack, r.DependsOn, pathsByAddress(t, "pipeline", plan)), []string{"prod-mesh/istio/base", "prod-mesh/istio/gateway", "prod-mesh/istio/istiod"}; !slices.Equal(got, want) {
			t.Errorf("%s: waits for %v, want %v", path, got, want)
		}
	}
	for path, want := range map[string][]string{
		"prod-mesh/kiali/grafana": {"prod-mesh/istio/base", "prod-mesh/istio/gateway", "prod-mesh/istio/istiod", "prod-mesh/kiali/grafana-admin"},
		"prod-mesh/kiali/kiali":   {"prod-mesh/istio/base", "prod-mesh/istio/gateway", "prod-mesh/istio/istiod", "prod-mesh/kiali/grafana", "prod-mesh/kiali/oidc-secret", "prod-mesh/kiali/prometheus"},
	} {
		r := byPath[path]
		if got := depPaths(r.Stack, r.DependsOn, pathsByAddress(t, "pipeline", plan)); !slices.Equal(got, want) {
			t.Errorf("%s: waits for %v, want %v", path, got, want)
		}
	}
}

// planEqualsSynthesized checks that the install plan the pipeline computes
// for e without synthesizing equals the one meshinstall.Load reads from its
// synthesized mesh and app stacks (dirs): as many resources, in the same
// order, each of the same stack, type and construct path, waiting for the
// same resources, with the same attributes once every reference is
// resolved with the same variables, and the same variables. Logical IDs
// differ by design (cdktf's carry a hash), so resources are matched by
// construct path, which the test first checks is unique; so does a local
// chart's folder (the program's own or the stack's copy), so those are
// compared by the chart they hold.
func planEqualsSynthesized(t *testing.T, e *pipeline.Environment, dirs []string) {
	t.Helper()
	want, err := meshinstall.Load(dirs...)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.InstallPlan()
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Resources) != len(want.Resources) || len(want.Resources) < 15 {
		t.Fatalf("install plan: %d resources from the pipeline, %d from the stacks; want the same, at least 15 (in dev 3 namespaces and 12 releases)\npipeline: %v\nstacks:   %v",
			len(got.Resources), len(want.Resources), planPaths(got), planPaths(want))
	}
	if lit, ok := fixturePlans[e.Env.Name]; ok && !slices.Equal(planPaths(want), lit) {
		t.Errorf("synthesized install plan: got %v, want %v", planPaths(want), lit)
	}
	// Paths identify resources one to one, in each plan.
	gotByAddr, wantByAddr := pathsByAddress(t, "pipeline", got), pathsByAddress(t, "stacks", want)
	if !reflect.DeepEqual(got.Variables, want.Variables) {
		t.Errorf("variables: pipeline %v, stacks %v", got.Variables, want.Variables)
	}
	// The same test values for both, never printed.
	vars := want.RandomVariables()
	gotAttrs, err := got.Resolved(vars)
	if err != nil {
		t.Fatal(err)
	}
	wantAttrs, err := want.Resolved(vars)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range want.Resources {
		g := got.Resources[i]
		if g.Stack != w.Stack || g.Type != w.Type || g.Path != w.Path {
			t.Errorf("resource %d: pipeline %s %s %s, stacks %s %s %s", i, g.Stack, g.Type, g.Path, w.Stack, w.Type, w.Path)
			continue
		}
		if gd, wd := depPaths(g.Stack, g.DependsOn, gotByAddr), depPaths(w.Stack, w.DependsOn, wantByAddr); !slices.Equal(gd, wd) {
			t.Errorf("%s: waits for %v in the pipeline's plan, %v in the stacks'", w.Path, gd, wd)
		}
		ga, wa := comparable(gotAttrs[i]), comparable(wantAttrs[i])
		if w.Type == "helm_release" {
			if g.Release == nil || w.Release == nil {
				t.Errorf("%s: a release without its release", w.Path)
				continue
			}
			if g.Release.Local() != w.Release.Local() {
				t.Errorf("%s: local chart: pipeline %v, stacks %v", w.Path, g.Release.Local(), w.Release.Local())
				continue
			}
			if w.Release.Local() {
				gc, err := loader.Load(g.Release.ChartDir)
				if err != nil {
					t.Fatal(err)
				}
				wc, err := loader.Load(w.Release.ChartDir)
				if err != nil {
					t.Fatal(err)
				}
				if gc.Name() != wc.Name() || gc.Metadata.Version != wc.Metadata.Version || len(gc.Templates) != len(wc.Templates) {
					t.Errorf("%s: chart %s %s (%d templates) from the pipeline, %s %s (%d) in the stack", w.Path, gc.Name(), gc.Metadata.Version, len(gc.Templates), wc.Name(), wc.Metadata.Version, len(wc.Templates))
				}
				delete(ga, "chart")
				delete(wa, "chart")
			}
		}
		if !reflect.DeepEqual(ga, wa) {
			if w.Type == "kubernetes_secret_v1" {
				// The data hold the variables' values: name the keys only.
				t.Errorf("%s: attributes differ (keys: pipeline %v, stacks %v)", w.Path, slices.Sorted(maps.Keys(ga)), slices.Sorted(maps.Keys(wa)))
			} else {
				t.Errorf("%s: attributes differ\npipeline: %v\nstacks:   %v", w.Path, ga, wa)
			}
		}
	}
}

// comparable returns resolved attributes without what the two plans hold
// differently by design: cdktf's metadata ("//", with the hashed logical
// ID) and depends_on (addresses; compared as construct paths).
func comparable(attrs map[string]any) map[string]any {
	b, _ := json.Marshal(attrs)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	delete(out, "//")
	delete(out, "depends_on")
	return out
}

func planPaths(p *meshinstall.Plan) []string {
	var out []string
	for _, r := range p.Resources {
		out = append(out, r.Path)
	}
	return out
}

// pathsByAddress returns each resource's construct path by stack and
// address, failing the test when two resources share a path.
func pathsByAddress(t *testing.T, name string, p *meshinstall.Plan) map[string]string {
	t.Helper()
	out, seen := map[string]string{}, map[string]bool{}
	for _, r := range p.Resources {
		if r.Path == "" || seen[r.Path] {
			t.Fatalf("%s plan: %s: construct path %q is empty or not unique", name, r, r.Path)
		}
		seen[r.Path] = true
		out[r.Stack+"/"+r.Address()] = r.Path
	}
	return out
}

func depPaths(stack string, deps []string, byAddr map[string]string) []string {
	var out []string
	for _, d := range deps {
		out = append(out, byAddr[stack+"/"+d])
	}
	slices.Sort(out)
	return out
}
