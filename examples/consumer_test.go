// Package examples_test builds examples/consumer as a user does: a module
// of its own, outside this repository.
package examples_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// consumerFiles are the files of examples/consumer, the ones
// docs/constructs.md shows and tells a user to write.
var consumerFiles = []string{"go.mod", "main.go", "cdktf.json"}

// replaceBlock is the replace block of a go.mod, through its closing
// parenthesis.
var replaceBlock = regexp.MustCompile(`(?ms)^replace \(\n.*?^\)\n`)

// TestConsumerModule writes the files of examples/consumer into a fresh
// folder outside the repository, with the replace lines `make
// consumer-replace` prints for that folder in place of the example's,
// runs the go command docs/constructs.md gives (`go get .`), builds the module
// and runs it, and checks the stack it synthesizes: the providers, the
// EKS cluster, Istio's releases, the namespace and both colours. The
// bindings come from the replace lines, every other module from the
// module proxy (or its cache).
func TestConsumerModule(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"aws", "helm", "kubernetes"} {
		if _, err := os.Stat(filepath.Join(root, ".gen", "go", b, "go.mod")); err != nil {
			// make test builds the bindings first.
			if os.Getenv("BLUEGREEN_CONTROLPLANE_REQUIRED") != "" {
				t.Fatalf("no generated %s binding: run make bindings", b)
			}
			t.Skipf("no generated %s binding (.gen/go/%s): run make bindings; the consumer module is not built", b, b)
		}
	}
	files := map[string][]byte{}
	for _, f := range consumerFiles {
		b, err := os.ReadFile(filepath.Join("consumer", f))
		if err != nil {
			t.Fatal(err)
		}
		files[f] = b
	}

	// The example's own replace block is what the make target prints for
	// it.
	if got, want := replaceBlock.Find(files["go.mod"]), consumerReplace(t, root, filepath.Join(root, "examples", "consumer")); !bytes.Equal(got, want) {
		t.Errorf("examples/consumer/go.mod's replace block:\n%s\nmake consumer-replace CONSUMER=examples/consumer prints:\n%s", got, want)
	}

	dir := t.TempDir()
	if rel, err := filepath.Rel(root, dir); err != nil || !strings.HasPrefix(rel, "..") {
		t.Fatalf("the module's folder %s is inside the repository %s", dir, root)
	}
	for f, b := range files {
		if f == "go.mod" {
			b = replaceBlock.ReplaceAll(b, consumerReplace(t, root, dir))
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	goCmd := func(args ...string) {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		// The machine's GOPROXY and module cache; -mod=mod lets go get
		// write go.mod and go.sum; no go.work of the caller's.
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	goCmd("get", ".")
	goCmd("build", "-o", "payments", ".")

	run := exec.Command(filepath.Join(dir, "payments"))
	run.Dir = dir
	run.Env = append(os.Environ(), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20")
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("synthesizing: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "cdktf.out", "stacks", "payments", "cdk.tf.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Provider map[string]any                       `json:"provider"`
		Resource map[string]map[string]map[string]any `json:"resource"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"aws", "helm", "kubernetes"} {
		if _, ok := doc.Provider[p]; !ok {
			t.Errorf("no %s provider; the stack has %v", p, keys(doc.Provider))
		}
	}
	byName := func(typ string, name func(map[string]any) string) map[string]map[string]any {
		out := map[string]map[string]any{}
		for _, r := range doc.Resource[typ] {
			out[name(r)] = r
		}
		return out
	}
	clusters := byName("aws_eks_cluster", func(r map[string]any) string { s, _ := r["name"].(string); return s })
	if _, ok := clusters["payments"]; !ok || len(clusters) != 1 {
		t.Errorf("EKS clusters: got %v; want the one named payments", keys(clusters))
	}
	releases := byName("helm_release", func(r map[string]any) string { s, _ := r["name"].(string); return s })
	for name, ns := range map[string]string{
		"istio-base": "istio-system", "istiod": "istio-system", "istio-ingressgateway": "istio-ingress",
		"blue": "payments", "green": "payments", "checkout-service": "payments", "checkout-virtualservice": "payments",
	} {
		r, ok := releases[name]
		if !ok {
			t.Errorf("no helm_release %s; the stack has %v", name, keys(releases))
			continue
		}
		if got, _ := r["namespace"].(string); got != ns {
			t.Errorf("helm_release %s: namespace %q; want %q", name, got, ns)
		}
	}
	namespaces := byName("kubernetes_namespace_v1", func(r map[string]any) string {
		md, _ := r["metadata"].(map[string]any)
		s, _ := md["name"].(string)
		return s
	})
	if _, ok := namespaces["payments"]; !ok {
		t.Errorf("namespaces: got %v; want payments", keys(namespaces))
	}
}

// consumerReplace is what `make consumer-replace CONSUMER=dir` prints in
// the checkout root.
func consumerReplace(t *testing.T, root, dir string) []byte {
	t.Helper()
	cmd := exec.Command("make", "--no-print-directory", "-s", "consumer-replace", "CONSUMER="+dir)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("make consumer-replace CONSUMER=%s: %v\n%s", dir, err, stderr.Bytes())
	}
	return out
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
