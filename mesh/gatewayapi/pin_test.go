package gatewayapi_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// required returns the version of module that the go.mod file requires.
func required(t *testing.T, file, module string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
		if len(f) >= 2 && f[0] == module {
			found = append(found, f[1])
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s requires %s %d times (%v); want once", file, module, len(found), found)
	}
	return found[0]
}

// TestGatewayAPIMatchesIstio checks that the Gateway API this module builds
// and validates against is the one the pinned Istio (tools/go.mod) is built
// with, so that bumping Istio without the Gateway API, or the reverse,
// fails here.
func TestGatewayAPIMatchesIstio(t *testing.T) {
	root := filepath.Join("..", "..")
	ours := required(t, filepath.Join(root, "go.mod"), "sigs.k8s.io/gateway-api")
	istio := required(t, filepath.Join(root, "tools", "go.mod"), "sigs.k8s.io/gateway-api")
	if ours != istio || ours != "v1.6.0" {
		t.Errorf("go.mod requires sigs.k8s.io/gateway-api %s and tools/go.mod (Istio) %s; want both v1.6.0", ours, istio)
	}
}
