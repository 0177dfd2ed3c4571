package cli_test

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/bluegreen-mesh/bluegreen/internal/cli"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/cptest"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/wait"
)

// TestRoutesEnvoySaysHowToBuild runs routes --envoy with an empty binary
// cache: it must fail, naming what is missing and the command that builds
// it. (With the binaries built, internal/verify/meshinstall's tests run the same
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

// TestRoutesEnvoyGatewayAPI runs `routes qa --envoy` on a copy of the test
// fixture: qa routes with the Gateway API, so istiod runs with Gateway API
// support, deploys a gateway for the Gateway, and its Envoy routes are
// judged by the Gateway API evaluator. Every standard request must agree,
// and GET / must carry the sticky canary's cookies and the mirror.
func TestRoutesEnvoyGatewayAPI(t *testing.T) {
	cptest.Binaries(t)
	useCopy(t, "../../testdata/cdktf.json")
	var stdout, stderr strings.Builder
	// The command's one deadline under the suite's policy (scaled by
	// $BLUEGREEN_TEST_TIMEOUT_SCALE).
	timeout := wait.Timeout(10 * time.Minute).String()
	if err := cli.Routes([]string{"qa", "--envoy", "--envoy-timeout", timeout}, &stdout, &stderr); err != nil {
		t.Fatalf("routes qa --envoy: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	t.Log(out)
	_, table, ok := strings.Cut(out, "ROUTES SAYS")
	if !ok {
		t.Fatalf("no comparison table in the output")
	}
	if agree, disagree := strings.Count(table, "  yes\n"), strings.Count(table, "  NO\n"); agree != 10 || disagree != 0 {
		t.Errorf("%d requests agree and %d disagree; want 10 (GET /, 2 version paths bare and with a sub-path, 2 headers, 2 cookies, a look-alike cookie) and 0", agree, disagree)
	}
	home := "bluegreen/echo-blue:8600 blue 90% (set-cookie: x-version=v1; Path=/), bluegreen/echo-green:8600 green 10% (set-cookie: x-version=v2; Path=/); path /; mirror bluegreen/echo-green:8600 green 5%"
	rows := 0
	for _, line := range strings.Split(table, "\n") {
		if strings.HasPrefix(line, "GET /  ") {
			rows++
			if !strings.Contains(line, home) || !strings.HasSuffix(line, "yes") {
				t.Errorf("GET /: got row %q; want routes and Envoy both saying %q", line, home)
			}
		}
	}
	if rows != 1 {
		t.Errorf("%d rows for GET /; want 1", rows)
	}
}

// TestRoutesEnvoyEveryApp runs routes --envoy on environments of several
// apps, each app on a host of its own (one under a path prefix): with
// VirtualServices (one ingress gateway's routes hold every app's hosts)
// and with the Gateway API (istiod deploys a gateway per app's Gateway,
// each judged by its own routes). Every standard request of every app,
// the near misses included, must agree with istiod's Envoy routes.
func TestRoutesEnvoyEveryApp(t *testing.T) {
	cptest.Binaries(t)
	for _, tc := range []struct {
		name, env, config string
		requests          int
	}{
		{"virtualService", "sep", separateHosts, 26},
		{"gatewayAPI", "gwsep", `{"gwsep": {` + testutil.ExistingCluster + `, "apps": {
			"cart": {"routing": {"api": "gatewayAPI", "hosts": ["cart.example.com"], "pathPrefix": "/cart", "candidateWeight": 20}},
			"web": {"routing": {"api": "gatewayAPI", "hosts": ["web.example.com"], "live": "green"}}}}}`, 18},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("BLUEGREEN_CONFIG", testutil.WriteConfig(t, tc.config))
			var stdout, stderr strings.Builder
			timeout := wait.Timeout(10 * time.Minute).String()
			if err := cli.Routes([]string{tc.env, "--envoy", "--envoy-timeout", timeout}, &stdout, &stderr); err != nil {
				t.Fatalf("routes %s --envoy: %v\nstdout:\n%s\nstderr:\n%s", tc.env, err, stdout.String(), stderr.String())
			}
			_, table, ok := strings.Cut(stdout.String(), "ROUTES SAYS")
			if !ok {
				t.Fatalf("no comparison table in the output:\n%s", stdout.String())
			}
			if agree, disagree := strings.Count(table, "  yes\n"), strings.Count(table, "  NO\n"); agree != tc.requests || disagree != 0 {
				t.Errorf("%d requests agree and %d disagree; want %d and 0:\n%s", agree, disagree, tc.requests, table)
			}
			for _, want := range []string{"cart: GET /", "web: GET /"} {
				if !strings.Contains(table, want) {
					t.Errorf("the comparison lacks %q:\n%s", want, table)
				}
			}
		})
	}
}
