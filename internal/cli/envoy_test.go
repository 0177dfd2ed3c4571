package cli_test

import (
	"io"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/cli"
)

// TestRoutesEnvoySaysHowToBuild runs routes --envoy with an empty binary
// cache: it must fail, naming what is missing and the command that builds
// it. (With the binaries built, internal/meshinstall's tests run the same
// chain for every environment.)
func TestRoutesEnvoySaysHowToBuild(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("BLUEGREEN_CACHE", cache)
	err := cli.Routes([]string{"dev", "--envoy"}, io.Discard, io.Discard)
	if err == nil {
		t.Fatal("routes --envoy without a built control plane succeeded")
	}
	for _, want := range []string{"routes --envoy: the local control plane is not built", cache + "/kube-v1.35.4/kube-apiserver", "make controlplane"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}
