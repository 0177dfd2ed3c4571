package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/config"
)

// kubeEnv is an environment on an existing cluster reached through path and
// context, with extra settings spliced in.
func kubeEnv(path, context, extra string) string {
	return `{"target":{"type":"kubeconfig","kubeconfig":{"path":"` + path + `","context":"` + context + `","kubernetesVersion":"1.35"}}` + extra + `}`
}

func TestEnvironmentsSharingOneCluster(t *testing.T) {
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	kube := filepath.Join(home, ".kube", "config")
	eks := `"region":"eu-west-1","cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}`
	for _, tc := range []struct {
		name, envs, want string
	}{
		{"fails/same kubeconfig after ~ expansion and same context",
			`{"a":` + kubeEnv("~/.kube/config", "shared", "") + `,"b":` + kubeEnv(kube, "shared", "") + `}`,
			`cdktf.json: 1 problem(s):
  - line 1: context.environments[b].target: Invalid value: "kubeconfig ` + kube + ` context shared": environments a and b install into the same cluster and both would own Istio revision "default" in namespace istio-system and releases blue, green in namespace bluegreen; the second deploy would fail half-way or take over the first one's objects: give one of them its own cluster, or its own istio.revision and istio.namespace and its own namespace.name`},
		{"fails/same EKS cluster name and region",
			`{"a":{` + eks + `},"b":{` + strings.Replace(eks, `"cluster":{`, `"cluster":{"name":"bluegreen-a",`, 1) + `,"namespace":{"name":"b"}}}`,
			`cdktf.json: 1 problem(s):
  - line 1: context.environments[b].target: Invalid value: "EKS cluster bluegreen-a in eu-west-1": environments a and b install into the same cluster and both would own the cluster itself (each environment's <env>-cluster stack creates it) and Istio revision "default" in namespace istio-system; the second deploy would fail half-way or take over the first one's objects: give one of them its own cluster, or its own istio.revision and istio.namespace and its own namespace.name`},
		{"fails/same app namespace and a release name in common",
			`{"a":` + kubeEnv("/k", "c", `,"istio":{"revision":"one","namespace":"istio-one"}`) + `,"b":` + kubeEnv("/k", "c", `,"istio":{"revision":"two","namespace":"istio-two"},"app":{"releases":{"blue":{},"green":{"name":"green-2"}}}`) + `}`,
			`cdktf.json: 1 problem(s):
  - line 1: context.environments[b].target: Invalid value: "kubeconfig /k context c": environments a and b install into the same cluster and both would own releases blue in namespace bluegreen; the second deploy would fail half-way or take over the first one's objects: give one of them its own cluster, or its own istio.revision and istio.namespace and its own namespace.name`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse("cdktf.json", file(tc.envs))
			if err == nil || err.Error() != tc.want {
				t.Errorf("got\n%v\nwant\n%s", err, tc.want)
			}
		})
	}
}

func TestEnvironmentsDeliberatelySharingOneCluster(t *testing.T) {
	envs, err := config.Parse("cdktf.json", file(`{"a":`+kubeEnv("/k", "c", `,"istio":{"revision":"one","namespace":"istio-one"},"namespace":{"name":"app-a"}`)+
		`,"b":`+kubeEnv("/k", "c", `,"istio":{"revision":"two","namespace":"istio-two"},"namespace":{"name":"app-b"}`)+
		`,"c":`+kubeEnv("/k", "other", "")+`}`))
	if err != nil {
		t.Fatal(err)
	}
	want := `context.environments[b].target: environments a and b share one cluster (kubeconfig /k context c), with Istio revisions "one" in istio-one and "two" in istio-two and the app in namespaces app-a and app-b; what is cluster-wide (Istio's CRDs and webhooks, the Gateway API CRDs) is shared by both, and destroying one environment can affect the other`
	for _, e := range envs {
		var got []string
		for _, w := range e.WarningsOn(nov30) {
			if strings.Contains(w, "share one cluster") {
				got = append(got, w)
			}
		}
		switch e.Name {
		case "a", "b":
			if len(got) != 1 || got[0] != want {
				t.Errorf("%s: got %q, want the one warning\n%s", e.Name, got, want)
			}
		default:
			if len(got) != 0 {
				t.Errorf("%s: got %q, want no warning for another context", e.Name, got)
			}
		}
	}
}

func TestLiveColourAtZeroReplicas(t *testing.T) {
	for _, tc := range []struct {
		name, env, want string
	}{
		{"fails/live blue at zero", `{"app":{"releases":{"blue":{"replicas":0},"green":{}}}}`,
			`  - line 1: context.environments[dev].app.releases.blue.replicas: Invalid value: 0: blue is the live colour (routing.live), so every request of the default route would fail with no pod to answer it: give blue 1 or more replicas, or make the other colour live first`},
		{"fails/live green at zero", `{"app":{"releases":{"blue":{},"green":{"replicas":0}}},"routing":{"live":"green"}}`,
			`  - line 1: context.environments[dev].app.releases.green.replicas: Invalid value: 0: green is the live colour (routing.live), so every request of the default route would fail with no pod to answer it: give green 1 or more replicas, or make the other colour live first`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse("cdktf.json", file(`{"dev":`+kubeEnv("/k", "c", strings.TrimSuffix(","+strings.TrimPrefix(tc.env, "{"), "}"))+`}`))
			if err == nil || err.Error() != "cdktf.json: 1 problem(s):\n"+tc.want {
				t.Errorf("got\n%v\nwant\ncdktf.json: 1 problem(s):\n%s", err, tc.want)
			}
		})
	}
	// The idle candidate at zero is what replicas 0 is for.
	if _, err := config.Parse("cdktf.json", file(`{"dev":`+kubeEnv("/k", "c", `,"app":{"releases":{"blue":{},"green":{"replicas":0}}}`)+`}`)); err != nil {
		t.Errorf("an idle candidate at 0 replicas: got %v, want no error", err)
	}
}
