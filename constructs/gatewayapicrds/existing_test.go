package gatewayapicrds_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	kubernetesprovider "github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/provider"

	"github.com/bluegreen-mesh/bluegreen/constructs/gatewayapicrds"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/stacktest"
)

const setting = `environment "dev": gatewayAPI.crds "existing"`

// TestUseExistingChecksTheClusterCRDsAtPlan synthesizes the cluster's own
// CRDs for Istio 1.31: no release, one kubernetes_resources data source per
// checked CRD, without dependencies (so read at plan), each with a
// postcondition; and the requirement as a local value.
func TestUseExistingChecksTheClusterCRDsAtPlan(t *testing.T) {
	stack := stacktest.NewStack(t)
	kubernetesprovider.NewKubernetesProvider(stack, jsii.String("kubernetes"), &kubernetesprovider.KubernetesProviderConfig{})
	crds, err := gatewayapicrds.UseExisting(stack, "gateway-api-crds", "1.31.0", setting)
	if err != nil {
		t.Fatal(err)
	}
	if !crds.Existing() || crds.Version() != "v1.6.0" {
		t.Errorf("Existing, Version: got %v, %s; want true, v1.6.0", crds.Existing(), crds.Version())
	}
	d := stacktest.Synth(t, stack)
	if n := d.Count("helm_release"); n != 0 {
		t.Errorf("got %d helm_release resources; want none", n)
	}
	var names []string
	for _, name := range gatewayapicrds.Checked {
		ds := d.Data(t, "kubernetes_resources", "gateway-api-crds/"+strings.SplitN(name, ".", 2)[0])
		testutil.AssertSubset(t, ds, map[string]any{"api_version": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "field_selector": "metadata.name=" + name})
		if _, ok := ds["depends_on"]; ok {
			t.Errorf("%s: depends_on %v; want none, so that Terraform reads it at plan", name, ds["depends_on"])
		}
		pcs, _ := ds["lifecycle"].(map[string]any)["postcondition"].([]any)
		if len(pcs) != 1 {
			t.Fatalf("%s: lifecycle %v; want one postcondition", name, ds["lifecycle"])
		}
		names = append(names, name)
	}
	if !slices.Equal(names, []string{"gatewayclasses.gateway.networking.k8s.io", "gateways.gateway.networking.k8s.io", "httproutes.gateway.networking.k8s.io"}) {
		t.Errorf("checked CRDs: %v", names)
	}
	locals, _ := d["locals"].(map[string]any)
	testutil.AssertSubset(t, locals[gatewayapicrds.RequirementLocal], map[string]any{"setting": setting, "istio": "1.31", "bundle_version": "v1.6.0"})

	if _, err := gatewayapicrds.UseExisting(stack, "older", "1.27.4", setting); err == nil || !strings.Contains(err.Error(), "Istio 1.27 has no known Gateway API pairing") {
		t.Errorf("Istio 1.27.4: got %v; want the error that it has no known pairing", err)
	}
}

// TestExistingPostconditionInTerraform evaluates the synthesized
// postcondition (condition and error message) with Terraform itself
// (`terraform console`, no provider needed), with self standing for what
// the data source reads from clusters with the CRD of bundle v1.6.0, v1.7.1,
// v1.4.1, without the annotation, and without the CRD, and compares it with
// Requirement.Check, which internal/verify/meshinstall uses.
func TestExistingPostconditionInTerraform(t *testing.T) {
	tf, err := exec.LookPath("terraform")
	if err != nil {
		if os.Getenv("BLUEGREEN_MOTO_REQUIRED") != "" {
			t.Fatal("terraform is not on the PATH")
		}
		t.Skip("terraform is not on the PATH: the postcondition is not evaluated")
	}
	stack := stacktest.NewStack(t)
	kubernetesprovider.NewKubernetesProvider(stack, jsii.String("kubernetes"), &kubernetesprovider.KubernetesProviderConfig{})
	if _, err := gatewayapicrds.UseExisting(stack, "gateway-api-crds", "1.31.0", setting); err != nil {
		t.Fatal(err)
	}
	d := stacktest.Synth(t, stack)
	pc := d.Data(t, "kubernetes_resources", "gateway-api-crds/httproutes")["lifecycle"].(map[string]any)["postcondition"].([]any)[0].(map[string]any)
	condition, message := pc["condition"].(string), pc["error_message"].(string)
	req := gatewayapicrds.Requirement{Setting: setting, Istio: "1.31", BundleVersion: "v1.6.0"}
	const crd = "httproutes.gateway.networking.k8s.io"

	for _, tc := range []struct {
		name      string
		objects   []any
		installed bool
		found     string
		ok        bool
	}{
		{"v1.6.0", []any{crdObject("v1.6.0")}, true, "v1.6.0", true},
		{"v1.7.1", []any{crdObject("v1.7.1")}, true, "v1.7.1", true},
		{"v1.10.0", []any{crdObject("v1.10.0")}, true, "v1.10.0", true},
		{"fails/v1.4.1", []any{crdObject("v1.4.1")}, true, "v1.4.1", false},
		{"fails/no-annotation", []any{map[string]any{"metadata": map[string]any{"name": crd, "annotations": map[string]any{}}}}, true, "", false},
		{"fails/missing", []any{}, false, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			// The synthesized expressions, in Terraform's JSON syntax as
			// in the stack, become local values, with self (the data
			// source) a local value too.
			self := func(s string) string { return strings.ReplaceAll(s, "self.", "local.self.") }
			cfg := map[string]any{"locals": map[string]any{
				"self":      map[string]any{"objects": tc.objects},
				"condition": self(condition), "message": self(message),
			}}
			b, _ := json.Marshal(cfg)
			if err := os.WriteFile(filepath.Join(dir, "main.tf.json"), b, 0o644); err != nil {
				t.Fatal(err)
			}
			eval := func(expr string) string {
				cmd := exec.Command(tf, "console")
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE=/dev/null", "CHECKPOINT_DISABLE=1")
				cmd.Stdin = strings.NewReader(expr + "\n")
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("terraform console %s: %v\n%s", expr, err, out)
				}
				return strings.TrimSpace(string(out))
			}
			got := eval("local.condition")
			if want := map[bool]string{true: "true", false: "false"}[tc.ok]; got != want {
				t.Errorf("condition: got %s; want %s", got, want)
			}
			checkErr := req.Check(crd, tc.installed, tc.found)
			if (checkErr == nil) != tc.ok {
				t.Errorf("Requirement.Check: got %v; want ok=%v", checkErr, tc.ok)
			}
			if tc.ok {
				return
			}
			var gotMessage string
			if err := json.Unmarshal([]byte(eval("local.message")), &gotMessage); err != nil {
				t.Fatalf("error_message did not evaluate to a string: %v", err)
			}
			if gotMessage != checkErr.Error() {
				t.Errorf("error_message in Terraform:\n%s\nRequirement.Check:\n%s", gotMessage, checkErr)
			}
			for _, want := range []string{`environment "dev"`, "gatewayAPI.crds", crd, "v1.6.0"} {
				if !strings.Contains(gotMessage, want) {
					t.Errorf("error_message %q lacks %q", gotMessage, want)
				}
			}
		})
	}
	// The wording, once, against a literal.
	if err := req.Check(crd, true, "v1.4.1"); err == nil || err.Error() != `environment "dev": gatewayAPI.crds "existing": the cluster's Gateway API CRD httproutes.gateway.networking.k8s.io is of bundle v1.4.1; Istio 1.31 needs bundle v1.6.0 or later (upgrade the cluster's Gateway API CRDs, or set gatewayAPI.crds to "install")` {
		t.Errorf("Check v1.4.1: got %v", err)
	}
}

func crdObject(bundle string) map[string]any {
	return map[string]any{"metadata": map[string]any{"name": "httproutes.gateway.networking.k8s.io", "annotations": map[string]any{gatewayapicrds.BundleVersionAnnotation: bundle}}}
}
