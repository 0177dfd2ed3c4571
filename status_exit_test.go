package main

import (
	"bytes"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// TestStatusExitCodeReachesTheProcess: status --exit-code's code for an
// unreachable cluster (2) is the process's, not the usual 1.
func TestStatusExitCodeReachesTheProcess(t *testing.T) {
	t.Setenv("BLUEGREEN_CONFIG", filepath.Join("internal", "status", "testdata", "cdktf.json"))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["gone"] = &clientcmdapi.Cluster{Server: "https://" + addr, InsecureSkipTLSVerify: true}
	cfg.AuthInfos["u"] = &clientcmdapi.AuthInfo{Token: "t"}
	cfg.Contexts["gone"] = &clientcmdapi.Context{Cluster: "gone", AuthInfo: "u"}
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, kc); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"status", "local", "--kubeconfig", kc, "--context", "gone", "--exit-code"}, 2},
		{[]string{"status", "local", "--kubeconfig", kc, "--context", "gone"}, 1},
	} {
		var out, errs bytes.Buffer
		if code := run(tc.args, &out, &errs); code != tc.code || !strings.Contains(errs.String(), "cannot reach the API server at https://"+addr) {
			t.Errorf("%v: exit %d, stderr %q; want %d and the endpoint named", tc.args, code, errs.String(), tc.code)
		}
	}
}
