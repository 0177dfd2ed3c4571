package stacks_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
	"github.com/bluegreen-mesh/bluegreen/stacks"
)

const kubeconfig = `"target":{"type":"kubeconfig","kubeconfig":{"path":"~/.kube/config","context":"qa","kubernetesVersion":"1.34"}}`

// synthEnvDir builds env's stacks in a fresh app and returns the output
// folder.
func synthEnvDir(t *testing.T, env config.Environment) string {
	t.Helper()
	outdir := t.TempDir()
	app := cdktf.NewApp(&cdktf.AppConfig{Outdir: jsii.String(outdir), StackTraces: jsii.Bool(false)})
	if _, err := stacks.New(app, stacks.FromConfig(env)); err != nil {
		t.Fatal(err)
	}
	app.Synth()
	return outdir
}

func TestMeshStackOrder(t *testing.T) {
	docs := synthEnv(t, environment(t, "qa", `{`+kubeconfig+`,"namespace":{"peerAuthentication":"STRICT"}}`))
	d := docs["qa-mesh"]
	ref := func(typ, path string) string { return typ + "." + d.LogicalID(t, "resource", typ, path) }
	controlPlane := []string{ref("helm_release", "istio/base"), ref("helm_release", "istio/istiod"), ref("helm_release", "istio/gateway")}
	addons := []string{ref("helm_release", "kiali/prometheus"), ref("helm_release", "kiali/grafana"), ref("helm_release", "kiali/kiali")}

	for _, path := range []string{"kiali/prometheus", "kiali/grafana"} {
		testutil.AssertSubset(t, d.Resource(t, "helm_release", path), map[string]any{"depends_on": controlPlane})
	}
	testutil.AssertSubset(t, d.Resource(t, "helm_release", "kiali/kiali"), map[string]any{
		"depends_on": append(slices.Clone(controlPlane), addons[:2]...),
	})
	testutil.AssertSubset(t, d.Resource(t, "kubernetes_namespace_v1", "namespace/namespace"), map[string]any{
		"metadata":   map[string]any{"name": "bluegreen", "labels": map[string]any{"istio-injection": "enabled"}},
		"depends_on": controlPlane,
	})
	testutil.AssertSubset(t, d.Resource(t, "helm_release", "namespace/peer-authentication"), map[string]any{
		"depends_on": []string{ref("kubernetes_namespace_v1", "namespace/namespace")},
	})
}

// TestEveryLocalChartResolvesFromTheStackFolder synthesizes both install
// modes and renders every helm_release whose chart is local, from the path
// in the synthesized JSON, taken from the stack's own output folder (where
// cdktf deploy runs Terraform).
func TestEveryLocalChartResolvesFromTheStackFolder(t *testing.T) {
	for _, mode := range []string{"helm", "operator"} {
		t.Run(mode, func(t *testing.T) {
			outdir := synthEnvDir(t, environment(t, "qa", `{`+kubeconfig+`,"istio":{"installMode":"`+mode+`"},"namespace":{"peerAuthentication":"STRICT"}}`))
			stackDir := filepath.Join(outdir, "stacks", "qa-mesh")
			rels, err := render.Releases(stackDir)
			if err != nil {
				t.Fatal(err)
			}
			var local []string
			for _, r := range rels {
				if !r.Local() {
					continue
				}
				local = append(local, r.Path)
				if filepath.IsAbs(r.Chart) || !strings.HasPrefix(r.Chart, "assets/") {
					t.Errorf("%s: chart %q; want a path relative to the stack folder, under assets/", r.Path, r.Chart)
				}
				manifests, err := render.Render(r)
				if err != nil {
					t.Errorf("%s: %v", r.Path, err)
					continue
				}
				if len(manifests) == 0 {
					t.Errorf("%s: rendered nothing", r.Path)
				}
			}
			want := []string{"qa-mesh/namespace/peer-authentication"}
			if mode == "operator" {
				want = []string{"qa-mesh/istio/controlplane", "qa-mesh/namespace/peer-authentication"}
			}
			if !slices.Equal(local, want) {
				t.Errorf("local-chart releases: got %v, want %v", local, want)
			}
		})
	}
}

// TestSecretsNeverReachTheOutput synthesizes with known secrets in the
// process environment, as a user deploying with TF_VAR_... would have them,
// and checks that no file under the output folder contains them.
func TestSecretsNeverReachTheOutput(t *testing.T) {
	const clientSecret = "oidc-Client-Secret-4b1d9e"
	const password = "grafana-Admin-Passphrase-77c3"
	t.Setenv("TF_VAR_kiali_oidc_client_secret", clientSecret)
	t.Setenv("TF_VAR_grafana_admin_password", password)
	outdir := synthEnvDir(t, environment(t, "qa", `{`+kubeconfig+`,"production":true,
		"kiali":{"auth":{"strategy":"openid","openid":{"clientId":"kiali","issuerUri":"https://login.example.com"}},
			"prometheus":{"enabled":true},"grafana":{"enabled":true,"adminPasswordVariable":"grafana_admin_password"}}}`))

	files := 0
	err := filepath.WalkDir(outdir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		for _, secret := range []string{clientSecret, password} {
			if strings.Contains(string(b), secret) {
				t.Errorf("%s contains a secret in plain text", p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	d := testutil.Load(t, testutil.StackPath(outdir, "qa-mesh"))
	// The secrets reach Kubernetes through sensitive variables.
	vars, _ := d["variable"].(map[string]any)
	for _, name := range []string{"kiali_oidc_client_secret", "grafana_admin_password"} {
		testutil.AssertSubset(t, vars[name], map[string]any{"sensitive": true})
		if _, ok := vars[name].(map[string]any)["default"]; ok {
			t.Errorf("variable %s has a default; want the value only from TF_VAR_%s", name, name)
		}
	}
	testutil.AssertSubset(t, d.Resource(t, "kubernetes_secret_v1", "kiali/oidc-secret"), map[string]any{
		"data": map[string]any{"oidc-secret": "${var.kiali_oidc_client_secret}"},
	})
	if files < 3 {
		t.Errorf("walked %d files under %s; want the synthesized stacks", files, outdir)
	}
}
