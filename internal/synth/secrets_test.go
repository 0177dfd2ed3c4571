package synth_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/synth"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
)

// planted is a secret planted in the configuration or in TF_VAR_..., to be
// looked for in the synthesized output.
const planted = "planted-8f3a1c9e"

// literalSecret is an environment "qa" (for WriteConfig) whose Kiali
// extraValues hold a literal OpenID client secret; production says
// whether it is marked production.
func literalSecret(production string) string {
	return `{"qa": {` + testutil.ExistingCluster + `, "production": ` + production + `,
	"routing": {"hosts": ["echo.example.com"]},
	"kiali": {"extraValues": {"auth": {"openid": {"client_secret": "` + planted + `"}}}}}}`
}

// grep reports whether any file under dir holds s.
func grep(t *testing.T, dir, s string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(b), s) {
			found = append(found, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func TestLiteralSecretInExtraValues(t *testing.T) {
	const how = `the value is written in plain text into the synthesized JSON (and from there into CI logs, plans and state); give it at deploy time instead: {"fromVariable": "client_secret"} as the value passes the sensitive Terraform variable client_secret (TF_VAR_client_secret when deploying) through the release's set_sensitive`
	t.Run("fails/production", func(t *testing.T) {
		outdir := filepath.Join(t.TempDir(), "cdktf.out")
		_, err := synth.Run(synth.Options{Config: testutil.WriteConfig(t, literalSecret("true")), Outdir: outdir})
		want := "context.environments[qa].kiali.extraValues.auth.openid.client_secret: Forbidden: a literal secret in a production environment: " + how
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("got error %v\nwant one with %s", err, want)
		}
		if strings.Contains(err.Error(), planted) {
			t.Errorf("the error prints the secret: %v", err)
		}
		if _, err := os.Stat(outdir); !os.IsNotExist(err) {
			t.Errorf("a failed run created %s (%v)", outdir, err)
		}
	})
	t.Run("warns elsewhere", func(t *testing.T) {
		outdir := filepath.Join(t.TempDir(), "cdktf.out")
		res, err := synth.Run(synth.Options{Config: testutil.WriteConfig(t, literalSecret("false")), Outdir: outdir})
		if err != nil {
			t.Fatal(err)
		}
		want := "context.environments[qa].kiali.extraValues.auth.openid.client_secret: a literal secret: " + how + "; in a production environment this is an error"
		if !slices.Contains(res.Warnings, want) {
			t.Errorf("warnings %q\nlack %s", res.Warnings, want)
		}
		for _, w := range res.Warnings {
			if strings.Contains(w, planted) {
				t.Errorf("a warning prints the secret: %s", w)
			}
		}
		// What the warning is about: the literal is in the stack.
		if got := grep(t, outdir, planted); len(got) == 0 {
			t.Errorf("the literal is in no synthesized file; want it in qa-mesh's cdk.tf.json")
		}
	})
}

func TestFromVariableKeepsTheSecretOut(t *testing.T) {
	t.Setenv("TF_VAR_kiali_client_secret", planted)
	cfg := testutil.WriteConfig(t, `{"qa": {`+testutil.ExistingCluster+`, "production": true,
	"routing": {"hosts": ["echo.example.com"]},
	"kiali": {"prometheus": {"url": "http://prometheus.monitoring:9090"},
		"extraValues": {"auth": {"openid": {"client_secret": {"fromVariable": "kiali_client_secret"}}}}},
	"app": {"releases": {"blue": {"extraValues": {"image": {"tag": {"fromVariable": "blue_tag"}}}}, "green": {}}}}}`)
	outdir := filepath.Join(t.TempDir(), "cdktf.out")
	res, err := synth.Run(synth.Options{Config: cfg, Outdir: outdir})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range res.Warnings {
		if strings.Contains(w, "secret") {
			t.Errorf("unexpected warning: %s", w)
		}
	}
	if got := grep(t, outdir, planted); len(got) > 0 {
		t.Errorf("the secret is in %v", got)
	}
	mesh := testutil.Load(t, testutil.StackPath(outdir, "qa-mesh"))
	vars, _ := mesh["variable"].(map[string]any)
	v, _ := vars["kiali_client_secret"].(map[string]any)
	if v["sensitive"] != true || v["type"] != "string" {
		t.Errorf("variable kiali_client_secret: got %v, want a sensitive string", v)
	}
	kiali := mesh.Resource(t, "helm_release", "kiali/kiali")
	testutil.AssertSubset(t, kiali["set_sensitive"], []any{map[string]any{"name": "auth.openid.client_secret", "type": "string", "value": "${var.kiali_client_secret}"}})
	if doc := kiali["values"].([]any)[0].(string); strings.Contains(doc, "client_secret") || strings.Contains(doc, "fromVariable") {
		t.Errorf("kiali's values name the secret:\n%s", doc)
	}
	// The offline render gives the release a placeholder that is clearly
	// not a secret.
	releases, err := render.Releases(filepath.Join(outdir, "stacks", "qa-app"))
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(releases, func(r render.Release) bool { return r.Name == "blue" })
	if i < 0 {
		t.Fatalf("no release blue in %v", releases)
	}
	ms, err := render.Render(releases[i])
	if err != nil {
		t.Fatal(err)
	}
	if want := `image: "hashicorp/http-echo:` + render.SensitivePlaceholder + `"`; !strings.Contains(ms[0].YAML, want) {
		t.Errorf("blue's Deployment lacks %s:\n%s", want, ms[0].YAML)
	}
}
