package status_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/dynamic"

	"github.com/bluegreen-mesh/bluegreen/internal/cli"
	"github.com/bluegreen-mesh/bluegreen/internal/pipeline"
	"github.com/bluegreen-mesh/bluegreen/internal/status"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/cptest"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/prometheus"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/wait"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/controlplane"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/meshinstall"
)

// fixture has one environment, local: Istio by Helm, one app echo (blue
// live with 2 replicas, green with 1 and a 10 % canary weight) on a
// kubeconfig target the tests override with --kubeconfig.
const fixture = "testdata/cdktf.json"

var (
	vsGVR = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "virtualservices"}
	drGVR = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "destinationrules"}
)

// installed is the fixture's environment installed into a local control
// plane by the pipeline's install plan with Helm's actions.
type installed struct {
	cp *controlplane.ControlPlane
	e  *pipeline.Environment
	r  *pipeline.Rendered
	// notInstalled are the releases the installer could not install here
	// (no offline chart), as namespace/name.
	notInstalled []string
}

func install(t *testing.T) installed {
	t.Helper()
	return installInto(t, cptest.Start(t, controlplane.Options{}))
}

// installInto is install into the control plane cp.
func installInto(t *testing.T, cp *controlplane.ControlPlane) installed {
	t.Helper()
	return installEnv(t, cp, "local")
}

// installEnv installs the fixture's environment env into cp.
func installEnv(t *testing.T, cp *controlplane.ControlPlane, env string) installed {
	t.Helper()
	e, err := pipeline.Load(fixture, env)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := e.InstallPlan()
	if err != nil {
		t.Fatal(err)
	}
	in, err := meshinstall.New(meshinstall.Options{Kubeconfig: cp.Kubeconfig, Config: cp.Config, Charts: meshinstall.Charts(), Variables: plan.RandomVariables()})
	if err != nil {
		t.Fatal(err)
	}
	steps, err := in.Apply(wait.Context(t, 0), plan)
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, st := range steps {
		if st.Action == meshinstall.NotInstalled && st.Resource.Release != nil {
			missing = append(missing, st.Resource.Release.Namespace+"/"+st.Resource.Release.Name)
		}
	}
	r, err := e.Render(true)
	if err != nil {
		t.Fatal(err)
	}
	return installed{cp: cp, e: e, r: r, notInstalled: missing}
}

func (in installed) report(t *testing.T) *status.Report {
	t.Helper()
	ctx := wait.Context(t, 0)
	c, err := status.Connect(ctx, in.e.Env, status.Target{Kubeconfig: in.cp.Kubeconfig})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := status.Run(ctx, c, status.Options{Rendered: in.r})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// cliStatus runs `status local --kubeconfig ... --exit-code` and returns
// its output and exit code.
func (in installed) cliStatus(t *testing.T, extra ...string) (string, int) {
	t.Helper()
	t.Setenv("BLUEGREEN_CONFIG", fixture)
	var out, errOut bytes.Buffer
	err := cli.Status(append([]string{"local", "--kubeconfig", in.cp.Kubeconfig, "--exit-code"}, extra...), &out, &errOut)
	var ee *cli.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &ee):
		return out.String(), ee.Code
	}
	t.Fatalf("status: %v\n%s", err, errOut.String())
	return "", -1
}

// driftLines are the report's drift lines, minus the releases the
// installer could not install here (each reported as missing, checked
// by the caller).
func (in installed) driftLines(t *testing.T, rep *status.Report) []string {
	t.Helper()
	var out []string
	for _, d := range rep.Drift {
		if d.Kind == "HelmRelease" && slices.Contains(in.notInstalled, d.Namespace+"/"+d.Name) {
			if d.Live != status.Missing {
				t.Errorf("release %s/%s was never installed; got %s, want live %s", d.Namespace, d.Name, d, status.Missing)
			}
			continue
		}
		out = append(out, d.String())
	}
	return out
}

// TestStatusAndDrift installs the fixture, checks status reports the live
// colour, the replicas (0 ready: no pods run here) and no drift, then
// plants each drift and checks each is reported with its field path and
// that --exit-code gives 1.
func TestStatusAndDrift(t *testing.T) {
	in := install(t)
	if len(in.notInstalled) == 0 {
		t.Fatal("the installer installed every release; the fixture's Kiali has no offline chart, so want it not installed")
	}
	rep := in.report(t)

	// Every release not installed is reported missing, each exactly once.
	var missingReported []string
	for _, d := range rep.Drift {
		if d.Kind == "HelmRelease" && d.Live == status.Missing {
			missingReported = append(missingReported, d.Namespace+"/"+d.Name)
		}
	}
	slices.Sort(missingReported)
	want := slices.Sorted(slices.Values(in.notInstalled))
	if !slices.Equal(missingReported, want) {
		t.Errorf("missing releases reported %v; want the ones not installed, %v", missingReported, want)
	}
	if got := in.driftLines(t, rep); len(got) != 0 {
		t.Fatalf("right after the install, got drift:\n%s\nwant none", strings.Join(got, "\n"))
	}

	if len(rep.Apps) != 1 {
		t.Fatalf("got %d apps; want 1", len(rep.Apps))
	}
	app := rep.Apps[0]
	if app.Routing.Kind != "VirtualService" || !app.Routing.Found || app.Routing.Live != "blue" || app.ConfiguredLive != "blue" {
		t.Errorf("routing %+v, configured live %q; want a VirtualService found with bluegreen.io/live blue, configured blue", app.Routing, app.ConfiguredLive)
	}
	wantWeights := []status.Weight{{Destination: "blue", Weight: 90}, {Destination: "green", Weight: 10}}
	if !slices.Equal(app.Routing.Weights, wantWeights) {
		t.Errorf("default route weights %v; want %v", app.Routing.Weights, wantWeights)
	}
	wantColours := map[string]int64{"blue": 2, "green": 1}
	if len(app.Colours) != 2 {
		t.Fatalf("colours %+v; want blue and green", app.Colours)
	}
	for _, c := range app.Colours {
		if !c.Found || c.Desired != wantColours[c.Colour] || c.Ready != 0 {
			t.Errorf("colour %s: %+v; want found, desired %d, ready 0 (no pods run here)", c.Colour, c, wantColours[c.Colour])
		}
	}
	var istiod *status.Workload
	for i, m := range rep.Mesh {
		if strings.HasPrefix(m.Name, "istiod") {
			istiod = &rep.Mesh[i]
		}
	}
	if istiod == nil || !istiod.Found || istiod.Revision != "default" || istiod.Ready != 0 {
		t.Errorf("mesh %+v; want istiod found, revision default, 0 ready", rep.Mesh)
	}
	for _, rel := range rep.Releases {
		if rel.Found && (rel.Status != "deployed" || rel.Revision != 1 || rel.ChartVersion == "") {
			t.Errorf("release %+v; want deployed at revision 1 with its chart version", rel)
		}
	}
	out, code := in.cliStatus(t)
	t.Logf("status after the install (exit %d):\n%s", code, out)
	if code != 1 {
		t.Errorf("exit code %d; want 1 (the releases not installed here are drift)", code)
	}

	// With Prometheus, status shows the gate's figures per colour: a
	// stand-in for the sidecars, blue healthy, green 8 % 503s.
	prom := prometheus.StartEcho(t)
	out, _ = in.cliStatus(t, "--prometheus", prom.URL)
	t.Logf("status with Prometheus:\n%s", out)
	for _, w := range []string{"Istio metrics of echo (promotion gate's queries):", "  green   echo-green  5m      ", "  92.00  "} {
		if !strings.Contains(out, w) {
			t.Errorf("status with Prometheus lacks %q", w)
		}
	}
	prom.Stop()
	out, _ = in.cliStatus(t, "--prometheus", prom.URL)
	if !strings.Contains(out, "Istio metrics of echo (promotion gate's queries):\n  none: Prometheus "+prom.URL+" (from --prometheus): ") {
		t.Errorf("status with Prometheus stopped:\n%s\nwant the figures replaced by the error", out)
	}

	dyn, err := dynamic.NewForConfig(in.cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ns := "bluegreen"

	// 1. A VirtualService weight edited through the API.
	vs, err := dyn.Resource(vsGVR).Namespace(ns).Get(ctx, "echo", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rules, _, _ := unstructured.NestedSlice(vs.Object, "spec", "http")
	last := len(rules) - 1
	rule := rules[last].(map[string]any)
	routes := rule["route"].([]any)
	routes[0].(map[string]any)["weight"] = int64(50)
	routes[1].(map[string]any)["weight"] = int64(50)
	if err := unstructured.SetNestedSlice(vs.Object, rules, "spec", "http"); err != nil {
		t.Fatal(err)
	}
	if _, err := dyn.Resource(vsGVR).Namespace(ns).Update(ctx, vs, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	// 2. A DestinationRule deleted.
	if err := dyn.Resource(drGVR).Namespace(ns).Delete(ctx, "echo", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// 3. A Deployment scaled.
	if _, err := in.cp.Client.AppsV1().Deployments(ns).UpdateScale(ctx, "echo-blue", &autoscalingv1.Scale{
		ObjectMeta: metav1.ObjectMeta{Name: "echo-blue", Namespace: ns}, Spec: autoscalingv1.ScaleSpec{Replicas: 5},
	}, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	// 4. A release left failed by a bad upgrade: its chart with one more
	// template the API server rejects (an invalid name).
	failRelease(t, in.cp.Kubeconfig, ns, "green")

	rep = in.report(t)
	got := in.driftLines(t, rep)
	wantLines := []string{
		fmt.Sprintf("VirtualService/bluegreen/echo spec.http[%d].route[0].weight: deployed 90 → live 50", last),
		fmt.Sprintf("VirtualService/bluegreen/echo spec.http[%d].route[1].weight: deployed 10 → live 50", last),
		"DestinationRule/bluegreen/echo: deployed the object → live <missing>",
		"Deployment/bluegreen/echo-blue spec.replicas: deployed 2 → live 5",
	}
	for _, w := range wantLines {
		if !slices.Contains(got, w) {
			t.Errorf("drift lines:\n%s\nwant among them %q", strings.Join(got, "\n"), w)
		}
	}
	failed := slices.IndexFunc(got, func(l string) bool {
		return strings.HasPrefix(l, `HelmRelease/bluegreen/green status: deployed "deployed" → live "failed" (revision 2:`)
	})
	if failed < 0 {
		t.Errorf("drift lines:\n%s\nwant HelmRelease/bluegreen/green status deployed → failed at revision 2", strings.Join(got, "\n"))
	}
	if len(got) != len(wantLines)+1 {
		t.Errorf("got %d drift lines:\n%s\nwant exactly the %d planted", len(got), strings.Join(got, "\n"), len(wantLines)+1)
	}
	if rep.Apps[0].Routing.Weights[0].Weight != 50 {
		t.Errorf("live weights %v; want blue at 50 as edited", rep.Apps[0].Routing.Weights)
	}
	out, code = in.cliStatus(t)
	t.Logf("status after the planted drift (exit %d):\n%s", code, out)
	if code != 1 {
		t.Errorf("exit code %d; want 1", code)
	}
	for _, w := range wantLines {
		if !strings.Contains(out, w) {
			t.Errorf("status output lacks %q", w)
		}
	}
	jsonOut, code := in.cliStatus(t, "--output", "json")
	if code != 1 || !strings.Contains(jsonOut, `"path": "spec.replicas"`) {
		t.Errorf("--output json (exit %d) lacks the spec.replicas drift:\n%s", code, jsonOut)
	}
}

// failRelease upgrades release name in namespace with its own chart plus
// a ConfigMap whose name the API server rejects, without atomic, so Helm
// records the revision as failed.
func failRelease(t *testing.T, kubeconfig, namespace, name string) {
	t.Helper()
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig, flags.Namespace = &kubeconfig, &namespace
	cfg := new(action.Configuration)
	if err := cfg.Init(flags, namespace, "secret", func(string, ...any) {}); err != nil {
		t.Fatal(err)
	}
	cur, err := action.NewGet(cfg).Run(name)
	if err != nil {
		t.Fatal(err)
	}
	chrt := *cur.Chart
	chrt.Templates = append(slices.Clone(chrt.Templates), &chart.File{Name: "templates/bad.yaml", Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_A_Valid_Name\n")})
	u := action.NewUpgrade(cfg)
	u.Namespace = namespace
	if _, err := u.Run(name, &chrt, cur.Config); err == nil {
		t.Fatal("the planted bad upgrade succeeded; want the API server to reject it")
	}
}

// TestStatusRefusedCredentials: a token the API server does not know is
// reported as refused credentials, exit 2, never a stack trace.
func TestStatusRefusedCredentials(t *testing.T) {
	cp := cptest.Start(t, controlplane.Options{})
	e, r := rendered(t)
	c, err := status.Connect(context.Background(), e.Env, status.Target{Kubeconfig: cp.Kubeconfig})
	if err != nil {
		t.Fatal(err)
	}
	c.Config.BearerToken = "expired"
	_, err = status.Run(wait.Context(t, 0), c, status.Options{Rendered: r})
	if !errors.Is(err, status.ErrUnreachable) || !strings.Contains(err.Error(), "refused the credentials") || !strings.Contains(err.Error(), cp.Kubeconfig) {
		t.Errorf("got %v; want refused credentials naming the kubeconfig, wrapping ErrUnreachable", err)
	}
}

// rendered is the fixture's environment local and its rendering with
// Istio's charts.
func rendered(t *testing.T) (*pipeline.Environment, *pipeline.Rendered) {
	t.Helper()
	e, err := pipeline.Load(fixture, "local")
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.Render(true)
	if err != nil {
		t.Fatal(err)
	}
	return e, r
}
