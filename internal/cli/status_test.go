package cli_test

import (
	"bytes"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/bluegreen-mesh/bluegreen/internal/cli"
)

// statusFixture is the environment the status tests install: one app on
// a kubeconfig target.
const statusFixture = "../status/testdata/cdktf.json"

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestStatusUnreachableExitsTwo: a cluster whose API server does not
// answer is exit code 2 with --exit-code, and the message names the
// environment, the kubeconfig and context, the endpoint and what to do.
func TestStatusUnreachableExitsTwo(t *testing.T) {
	t.Setenv("BLUEGREEN_CONFIG", statusFixture)
	server := "https://" + closedPort(t)
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["gone"] = &clientcmdapi.Cluster{Server: server, InsecureSkipTLSVerify: true}
	cfg.AuthInfos["u"] = &clientcmdapi.AuthInfo{Token: "t"}
	cfg.Contexts["gone"] = &clientcmdapi.Context{Cluster: "gone", AuthInfo: "u"}
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, kc); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"exit-code", []string{"local", "--kubeconfig", kc, "--context", "gone", "--exit-code"}, 2,
			[]string{`environment "local"`, "kubeconfig " + kc + " context gone", "cannot reach the API server at " + server, "pass --kubeconfig/--context"}},
		{"without exit-code", []string{"local", "--kubeconfig", kc, "--context", "gone"}, 0,
			[]string{"cannot reach the API server at " + server}},
		{"unknown context", []string{"local", "--kubeconfig", kc, "--context", "nope", "--exit-code"}, 2,
			[]string{`has no context "nope" (it has gone)`, "pass --context NAME"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := cli.Status(tc.args, &out, &errOut)
			if err == nil {
				t.Fatalf("got no error; want one. stdout:\n%s", out.String())
			}
			var ee *cli.ExitError
			switch {
			case tc.code == 0 && errors.As(err, &ee):
				t.Errorf("got exit code %d without --exit-code; want the plain error (exit 1)", ee.Code)
			case tc.code != 0 && (!errors.As(err, &ee) || ee.Code != tc.code):
				t.Errorf("got %v; want exit code %d", err, tc.code)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q; want it to contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "goroutine ") {
				t.Errorf("error carries a stack trace: %s", err)
			}
		})
	}
}

// TestStatusBadFlags: bad input names the flag, the value and what is
// allowed.
func TestStatusBadFlags(t *testing.T) {
	t.Setenv("BLUEGREEN_CONFIG", statusFixture)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"fails/output", []string{"local", "--output", "yaml"}, `--output "yaml": must be table or json`},
		{"fails/no env", nil, "usage: status <environment> [<app>]"},
		{"fails/unknown env", []string{"nope"}, `"nope"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := cli.Status(tc.args, &bytes.Buffer{}, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v; want an error containing %q", err, tc.want)
			}
		})
	}
	if _, err := os.Stat(statusFixture); err != nil {
		t.Fatal(err)
	}
}
