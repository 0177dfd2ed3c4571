package meshinstall_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	networkingv1 "istio.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"
	gwclient "sigs.k8s.io/gateway-api/pkg/client/clientset/versioned"

	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/internal/cli"
	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/jsonedit"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/synth"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/cptest"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/gwcases"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/wait"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/controlplane"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/envoyroutes"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/meshinstall"
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
	"github.com/bluegreen-mesh/bluegreen/stacks"
)

// fixture holds the environments of the repository's test fixture
// (testdata/cdktf.json): dev installs Istio with Helm, prod a revisioned
// Istio (1-30) with STRICT mTLS, TLS at the gateway and a 10 s route
// timeout, staging Istio by the Sail Operator, qa routes with the Gateway
// API (a sticky 10 % canary, 5 % mirrored).
const fixture = "../../../testdata/cdktf.json"

// noOfflineSource are the charts that cannot be installed here.
var noOfflineSource = []string{"kiali-server", "prometheus", "grafana", "sail-operator"}

var (
	gatewayGVR   = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "gateways"}
	httpRouteGVR = schema.GroupVersionResource{Group: "gateway.networking.k8s.io", Version: "v1", Resource: "httproutes"}
	vsGVR        = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "virtualservices"}
	drGVR        = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "destinationrules"}
	crdGVR       = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
)

// env is one environment synthesized from a copy of the fixture.
type env struct {
	cfg       config.Environment
	mesh, app string
}

func synthesize(t *testing.T, cfgPath string, names ...string) map[string]env {
	t.Helper()
	res, err := synth.Run(synth.Options{Config: cfgPath, Outdir: filepath.Join(t.TempDir(), "cdktf.out"), Environments: names})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]env{}
	for _, e := range res.Environments {
		dir := filepath.Join(res.Outdir, "stacks")
		out[e.Name] = env{cfg: e, mesh: filepath.Join(dir, e.Name+stacks.MeshSuffix), app: filepath.Join(dir, e.Name+stacks.AppSuffix)}
	}
	if len(out) != len(names) {
		t.Fatalf("synthesized %d environments; want %v", len(out), names)
	}
	return out
}

func copyFixture(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "cdktf.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// environmentCase is what TestEnvironmentsInstallAndRoute expects of one
// environment.
type environmentCase struct {
	name string
	// injection is the label that must select the app namespace for
	// sidecar injection.
	injection map[string]string
	// notInstalled are the releases that cannot be installed here.
	notInstalled []string
	// home is Envoy's answer to the first standard request, GET / (over
	// HTTPS where the gateway redirects HTTP), in envoyroutes' words.
	home string
	// promotion are the steps that promote the environment through the
	// control plane, each with Envoy's answer to GET / after it; the last
	// step must restore the first routes. None: no promotion.
	promotion []promotionStep
}

// TestEnvironmentsInstallAndRoute installs each environment's mesh and app
// stacks into a local control plane, reads everything back, asks istiod
// for the gateway's routes and checks every request of `routes` against
// them, and tears down. qa routes with the Gateway API: istiod then runs
// with Gateway API support, the test presents itself as the gateway
// istiod deploys for the Gateway, and the Gateway API evaluator judges.
// For dev and qa it also promotes through the control plane (for qa, and
// sets a route timeout). Then it plants mistakes (subtest
// planted-mistakes) that the API server must refuse.
//
// Two control planes run side by side: dev and qa (the longest, with their
// promotions) and then the planted mistakes on one, prod and then staging
// on the other. What runs second on a cluster runs where the first was
// torn down, which shows that a teardown leaves a cluster fit for another
// install (Istio's CRDs, kept, serve the next environment and still
// enforce their schemas). Most of an environment's time is spent waiting
// (the namespace controller handles a deleted namespace 5 s after the
// deletion, istiod debounces its pushes), and two clusters overlap those
// waits.
func TestEnvironmentsInstallAndRoute(t *testing.T) {
	cptest.Binaries(t)
	sw := startStopwatch(t)
	cfgPath := copyFixture(t)
	envs := synthesize(t, cfgPath, "dev", "prod", "staging", "qa")
	sw.lap("synthesized")
	t.Log("Helm releases are installed without waiting, and so without atomic: the local control plane has no kubelet and runs no pod")

	environment := func(tc environmentCase) func(*testing.T, *controlplane.ControlPlane) {
		return func(t *testing.T, cp *controlplane.ControlPlane) { installAndRoute(t, cp, tc, envs[tc.name], cfgPath) }
	}
	sidecars := map[string]string{"istio-injection": "enabled"}
	noOffline := []string{"grafana", "kiali", "prometheus"}
	dev := environment(environmentCase{name: "dev", injection: sidecars, notInstalled: noOffline, home: "blue 100%; path /",
		promotion: []promotionStep{
			{"promote dev green", promoteTo("dev", "green"), "green 100%; path /"},
			{"candidateWeight 10", setRouting("dev", "candidateWeight", 10), "green 90%, blue 10%; path /"},
			{"candidateWeight 0, promote dev blue", both(setRouting("dev", "candidateWeight", 0), promoteTo("dev", "blue")), ""},
		}})
	prod := environment(environmentCase{name: "prod", injection: map[string]string{"istio.io/rev": "1-30"}, notInstalled: noOffline, home: "blue 100%; path /; timeout 10s"})
	// The Istio resource needs the Sail Operator's CRD.
	staging := environment(environmentCase{name: "staging", injection: sidecars, notInstalled: []string{"grafana", "istio-default", "kiali", "prometheus", "sail-operator"}, home: "blue 90%, green 10%; path /"})
	// qa routes with the Gateway API: a sticky 10 % canary whose answers
	// set the cookie of their colour, 5 % mirrored to the candidate.
	const (
		qaBlue  = "bluegreen/echo-blue:8600 blue"
		qaGreen = "bluegreen/echo-green:8600 green"
		toBlue  = " (set-cookie: x-version=v1; Path=/)"
		toGreen = " (set-cookie: x-version=v2; Path=/)"
	)
	qa := environment(environmentCase{name: "qa", injection: sidecars, notInstalled: noOffline,
		home: qaBlue + " 90%" + toBlue + ", " + qaGreen + " 10%" + toGreen + "; path /; mirror " + qaGreen + " 5%",
		promotion: []promotionStep{
			{"promote qa green", promoteTo("qa", "green"), qaGreen + " 90%" + toGreen + ", " + qaBlue + " 10%" + toBlue + "; path /; mirror " + qaBlue + " 5%"},
			{"timeout 7s", setRouting("qa", "timeout", "7s"), qaGreen + " 90%" + toGreen + ", " + qaBlue + " 10%" + toBlue + "; path /; mirror " + qaBlue + " 5%; timeout 7s"},
			{"timeout removed, promote qa blue", both(setRouting("qa", "timeout", ""), promoteTo("qa", "blue")), ""},
		}})
	type step struct {
		name string
		run  func(*testing.T, *controlplane.ControlPlane)
	}
	for _, cluster := range []struct {
		name  string
		steps []step
	}{
		// The CRD stand-in of staging and of the planted mistakes is never
		// uninstalled, and a later base release could not adopt the CRDs
		// it owns: they come last.
		{"cluster-1", []step{{"dev", dev}, {"qa", qa}, {"planted-mistakes", checkPlantedMistakes}}},
		{"cluster-2", []step{{"prod", prod}, {"staging", staging}}},
	} {
		t.Run(cluster.name, func(t *testing.T) {
			t.Parallel()
			sw := startStopwatch(t)
			cp := cptest.Start(t, controlplane.Options{})
			sw.lap("control plane started")
			for _, s := range cluster.steps {
				if !t.Run(s.name, func(t *testing.T) { s.run(t, cp) }) {
					// The next step would run in what this one left
					// behind.
					t.Fatalf("%s failed; what follows it on this cluster was not run", s.name)
				}
			}
			sw.total()
		})
	}
}

// installAndRoute installs one environment into cp, checks it and tears it
// down.
func installAndRoute(t *testing.T, cp *controlplane.ControlPlane, tc environmentCase, e env, cfgPath string) {
	sw := startStopwatch(t)
	ctx := context.Background()
	plan, err := meshinstall.Load(e.mesh, e.app)
	if err != nil {
		t.Fatal(err)
	}
	vars := plan.RandomVariables()
	in, err := meshinstall.New(meshinstall.Options{Kubeconfig: cp.Kubeconfig, Config: cp.Config, Charts: meshinstall.Charts(), Variables: vars})
	if err != nil {
		t.Fatal(err)
	}
	if e.cfg.Istio.InstallMode == istio.ModeOperator {
		installCRDStandIn(t, cp)
	}
	steps, err := in.Apply(ctx, plan)
	for _, s := range steps {
		t.Log(s)
	}
	if err != nil {
		t.Fatalf("install: %v", err)
	}
	sw.lap("installed")
	checkSteps(t, plan, steps, tc.notInstalled)
	checkCacheDir(t, cp)

	m, err := render.Model(e.mesh, e.app)
	if err != nil {
		t.Fatal(err)
	}
	checkReadBack(t, cp, plan, m, vars, tc.injection)
	sw.lap("read back")

	ist := startIstiod(t, cp, e.cfg)
	sw.lap("istiod ready")
	rows := checkEnvoy(t, ist, cp, m, e.cfg)
	sw.lap("routes judged by istiod")
	if home := homeRow(rows); home.Envoy != tc.home {
		t.Errorf("%s goes to %q; want %q", home.Case.Name, home.Envoy, tc.home)
	}

	if len(tc.promotion) > 0 {
		promote(t, cp, ist, in, cfgPath, tc.name, tc.promotion, rows)
		sw.lap("promoted and back")
	}
	// The next environment on this cluster gets an istiod of its own.
	pid := cp.Processes()["istiod"]
	ist.Stop()
	if err := syscall.Kill(pid, 0); pid == 0 || !errors.Is(err, syscall.ESRCH) {
		t.Errorf("istiod (pid %d) still exists after its Stop (kill 0: %v)", pid, err)
	}
	if _, ok := cp.Processes()["istiod"]; ok {
		t.Errorf("the control plane still lists istiod after its Stop: %v", cp.Processes())
	}

	steps, err = in.Destroy(ctx, plan)
	for _, s := range steps {
		t.Log(s)
	}
	if err != nil {
		t.Fatalf("teardown: %v", err)
	}
	sw.lap("torn down")
	checkTeardown(t, cp, plan, steps)
	sw.total()
}

// stopwatch logs how long each phase of a test takes, so the output shows
// where the time goes.
type stopwatch struct {
	t           *testing.T
	start, last time.Time
}

func startStopwatch(t *testing.T) *stopwatch {
	now := time.Now()
	return &stopwatch{t: t, start: now, last: now}
}

// lap logs the time since the previous lap under name.
func (c *stopwatch) lap(name string) {
	c.t.Helper()
	now := time.Now()
	c.t.Logf("%-32s %5.1f s", name, now.Sub(c.last).Seconds())
	c.last = now
}

// total logs the time since the stopwatch started.
func (c *stopwatch) total() {
	c.t.Helper()
	c.t.Logf("%-32s %5.1f s", "total", time.Since(c.start).Seconds())
}

// installCRDStandIn installs Istio's CRDs from the base chart of the pinned
// module, in a namespace of its own: in operator mode the Sail Operator
// installs them, and its chart has no offline source here. Where Istio's
// CRDs are there already (kept by an earlier environment's teardown), they
// stand in as they are.
func installCRDStandIn(t *testing.T, cp *controlplane.ControlPlane) {
	t.Helper()
	dyn, err := dynamic.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	_, err = dyn.Resource(crdGVR).Get(context.Background(), "virtualservices.networking.istio.io", metav1.GetOptions{})
	switch {
	case err == nil:
		t.Log("operator mode: Istio's CRDs, kept by the previous environment's teardown, stand in for the Sail Operator's (no offline chart source)")
		return
	case !apierrors.IsNotFound(err):
		t.Fatal(err)
	}
	t.Log("operator mode: Istio's CRDs come from the base chart of istio.io/istio, standing in for the Sail Operator's (no offline chart source)")
	dir := t.TempDir()
	stack := filepath.Join(dir, "crd-standin")
	os.MkdirAll(stack, 0o755)
	doc := `{"resource": {"helm_release": {"crds": {"name": "istio-crds-standin", "namespace": "sail-standin", "create_namespace": true,
		"chart": "base", "repository": "` + istio.ChartRepository + `", "version": "` + istio.DefaultVersion + `",
		"values": ["defaultRevision: \"\"\nglobal:\n  istioNamespace: sail-standin\n"]}}}}`
	if err := os.WriteFile(filepath.Join(stack, "cdk.tf.json"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	plan, err := meshinstall.Load(stack)
	if err != nil {
		t.Fatal(err)
	}
	in, err := meshinstall.New(meshinstall.Options{Kubeconfig: cp.Kubeconfig, Config: cp.Config, Charts: meshinstall.Charts()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.Apply(context.Background(), plan); err != nil {
		t.Fatal(err)
	}
}

// checkCacheDir wants Helm's discovery cache in the control plane's folder,
// removed with it, and none for this API server in ~/.kube/cache.
func checkCacheDir(t *testing.T, cp *controlplane.ControlPlane) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(filepath.Dir(cp.Kubeconfig), "cache", "discovery")); err != nil {
		t.Errorf("Helm's discovery cache is not beside the kubeconfig: %v", err)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return
	}
	hostDir := strings.ReplaceAll(strings.TrimPrefix(cp.Server, "https://"), ":", "_")
	if _, err := os.Stat(filepath.Join(home, ".kube", "cache", "discovery", hostDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("~/.kube/cache/discovery/%s exists (%v): the harness's cache should stay in the control plane's folder", hostDir, err)
	}
}

// checkSteps wants every resource installed or created, except releases
// of charts with no offline source and releases that need them.
func checkSteps(t *testing.T, plan *meshinstall.Plan, steps []meshinstall.Step, wantNotInstalled []string) {
	t.Helper()
	if len(steps) != len(plan.Resources) {
		t.Fatalf("%d steps for %d resources", len(steps), len(plan.Resources))
	}
	var notInstalled []string
	installed := 0
	for _, s := range steps {
		switch s.Action {
		case meshinstall.Installed, meshinstall.Created:
			installed++
		case meshinstall.NotInstalled:
			notInstalled = append(notInstalled, s.Resource.Release.Name)
			if !strings.Contains(s.Reason, "no offline chart source") && !anyContains(s.Reason, noOfflineSource) {
				t.Errorf("%s not installed for another reason: %s", s.Resource, s.Reason)
			}
		default:
			t.Errorf("%s: %s on a fresh cluster; want installed or created", s.Resource, s.Action)
		}
	}
	slices.Sort(notInstalled)
	if !slices.Equal(notInstalled, wantNotInstalled) {
		t.Errorf("not installed: got %v; want %v", notInstalled, wantNotInstalled)
	}
	if installed < 5 {
		t.Errorf("only %d resources installed", installed)
	}
}

func anyContains(s string, subs []string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// checkReadBack reads the installed objects back from the API server.
func checkReadBack(t *testing.T, cp *controlplane.ControlPlane, plan *meshinstall.Plan, m *mesh.Model, vars map[string]string, injection map[string]string) {
	t.Helper()
	ctx := context.Background()
	dyn, err := dynamic.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	// Namespaces: every kubernetes_namespace_v1 with its labels, and the
	// app namespace selected for injection.
	appNS := m.Workloads[0].Deployment.Namespace
	nsCount := 0
	for _, r := range plan.Resources {
		if r.Type != "kubernetes_namespace_v1" {
			continue
		}
		md := r.Attrs["metadata"].(map[string]any)
		name := md["name"].(string)
		ns, err := cp.Client.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Errorf("namespace %s: %v", name, err)
			continue
		}
		nsCount++
		if want, _ := md["labels"].(map[string]any); want != nil {
			for k, v := range want {
				if ns.Labels[k] != v {
					t.Errorf("namespace %s label %s: got %q; want %q", name, k, ns.Labels[k], v)
				}
			}
		}
		if name == appNS {
			for k, v := range injection {
				if ns.Labels[k] != v {
					t.Errorf("app namespace %s: label %s is %q; want %q (labels %v)", name, k, ns.Labels[k], v, ns.Labels)
				}
			}
		}
	}
	if nsCount < 2 {
		t.Errorf("read back %d namespaces; want the control plane's and the app's at least", nsCount)
	}

	if m.UsesGatewayAPI() {
		checkGatewayReadBack(t, cp, m)
	} else {
		checkIstioReadBack(t, cp, dyn, m)
	}
	// The app Service's port name makes Istio treat it as HTTP.
	svcs, err := cp.Client.CoreV1().Services(appNS).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(svcs.Items) == 0 {
		t.Fatalf("no Service in %s", appNS)
	}
	for _, s := range svcs.Items {
		for _, p := range s.Spec.Ports {
			if !(p.Name == "http" || strings.HasPrefix(p.Name, "http-") || (p.AppProtocol != nil && *p.AppProtocol == "http")) {
				t.Errorf("Service %s/%s port %d is named %q: Istio would not select HTTP", s.Namespace, s.Name, p.Port, p.Name)
			}
		}
	}
	// Secrets exist with the values given (never printed).
	for _, r := range plan.Resources {
		if r.Type != "kubernetes_secret_v1" {
			continue
		}
		md := r.Attrs["metadata"].(map[string]any)
		name, ns := md["name"].(string), md["namespace"].(string)
		s, err := cp.Client.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Errorf("secret %s/%s: %v", ns, name, err)
			continue
		}
		data, _ := r.Attrs["data"].(map[string]any)
		for k, v := range data {
			want := v.(string)
			if name, ok := strings.CutPrefix(strings.TrimSuffix(strings.TrimPrefix(want, "${"), "}"), "var."); ok {
				want = vars[name]
			}
			if !bytes.Equal(s.Data[k], []byte(want)) {
				t.Errorf("secret %s/%s key %s: the stored value differs from the one given (%d bytes stored)", ns, name, k, len(s.Data[k]))
			}
		}
		if len(data) == 0 {
			t.Errorf("secret %s/%s: the stack gives no data", ns, name)
		}
	}
}

// checkIstioReadBack wants the stored Istio Gateways, VirtualServices and
// DestinationRules equal to what the constructs built, and each subset to
// select the pod template of its own colour's Deployment alone.
func checkIstioReadBack(t *testing.T, cp *controlplane.ControlPlane, dyn dynamic.Interface, m *mesh.Model) {
	t.Helper()
	ctx := context.Background()
	// The Istio objects equal what the constructs built.
	if len(m.Gateways) == 0 || len(m.VirtualServices) == 0 || len(m.DestinationRules) == 0 {
		t.Fatalf("rendered %d Gateways, %d VirtualServices, %d DestinationRules; want one of each at least", len(m.Gateways), len(m.VirtualServices), len(m.DestinationRules))
	}
	for _, g := range m.Gateways {
		compareSpec(t, dyn, gatewayGVR, g.Namespace, g.Name, g.Spec, &networkingv1.Gateway{})
	}
	for _, v := range m.VirtualServices {
		compareSpec(t, dyn, vsGVR, v.Namespace, v.Name, v.Spec, &networkingv1.VirtualService{})
	}
	for _, d := range m.DestinationRules {
		stored := compareSpec(t, dyn, drGVR, d.Namespace, d.Name, d.Spec, &networkingv1.DestinationRule{}).(*networkingv1.DestinationRule)
		deps, err := cp.Client.AppsV1().Deployments(d.Namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(deps.Items) < 2 || len(stored.GetSubsets()) < 2 {
			t.Fatalf("%d Deployments and %d subsets in %s; want blue and green", len(deps.Items), len(stored.GetSubsets()), d.Namespace)
		}
		for _, s := range stored.GetSubsets() {
			var selected []string
			for _, dep := range deps.Items {
				if labels.SelectorFromSet(s.GetLabels()).Matches(labels.Set(dep.Spec.Template.Labels)) {
					selected = append(selected, dep.Name)
				}
			}
			if len(selected) != 1 || !strings.Contains(selected[0], s.GetName()) {
				t.Errorf("DestinationRule %s subset %s (labels %v) selects the pod templates of %v; want the one %s Deployment", d.Name, s.GetName(), s.GetLabels(), selected, s.GetName())
			}
		}
	}
}

// checkGatewayReadBack wants the stored Gateway API Gateways and HTTPRoutes
// to hold what the constructs built (the API server adds its defaults),
// and each colour's Service to select the pod template of its own colour's
// Deployment alone.
func checkGatewayReadBack(t *testing.T, cp *controlplane.ControlPlane, m *mesh.Model) {
	t.Helper()
	ctx := context.Background()
	gw, err := gwclient.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.KubernetesGateways) != 1 || len(m.HTTPRoutes) != 1 || len(m.VirtualServices)+len(m.DestinationRules) != 0 {
		t.Fatalf("rendered %d Gateway API Gateways, %d HTTPRoutes, %d VirtualServices and DestinationRules; want 1, 1, 0", len(m.KubernetesGateways), len(m.HTTPRoutes), len(m.VirtualServices)+len(m.DestinationRules))
	}
	for _, g := range m.KubernetesGateways {
		stored, err := gw.GatewayV1().Gateways(g.Object.Namespace).Get(ctx, g.Object.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		testutil.AssertSubset(t, stored.Spec, g.Object.Spec)
	}
	for _, r := range m.HTTPRoutes {
		stored, err := gw.GatewayV1().HTTPRoutes(r.Object.Namespace).Get(ctx, r.Object.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		testutil.AssertSubset(t, stored.Spec, r.Object.Spec)
	}
	colours := 0
	for _, s := range m.Services {
		colour := s.Service.Labels[gatewayapi.ColourLabel]
		if colour == "" {
			continue
		}
		colours++
		stored, err := cp.Client.CoreV1().Services(s.Service.Namespace).Get(ctx, s.Service.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		deps, err := cp.Client.AppsV1().Deployments(s.Service.Namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var selected []string
		for _, d := range deps.Items {
			if labels.SelectorFromSet(stored.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)) {
				selected = append(selected, d.Name)
			}
		}
		if len(selected) != 1 || !strings.Contains(selected[0], colour) {
			t.Errorf("Service %s (colour %s, selector %v) selects the pod templates of %v; want the one %s Deployment", stored.Name, colour, stored.Spec.Selector, selected, colour)
		}
	}
	if colours != 2 {
		t.Errorf("%d Services with a colour; want blue and green", colours)
	}
}

// compareSpec reads an Istio object back and wants its spec equal to
// want; it returns the stored spec.
func compareSpec(t *testing.T, dyn dynamic.Interface, gvr schema.GroupVersionResource, ns, name string, want, into proto.Message) proto.Message {
	t.Helper()
	obj, err := dyn.Resource(gvr).Namespace(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("%s %s/%s: %v", gvr.Resource, ns, name, err)
	}
	b, err := json.Marshal(obj.Object["spec"])
	if err != nil {
		t.Fatal(err)
	}
	if err := protojson.Unmarshal(b, into); err != nil {
		t.Fatalf("%s %s/%s as stored: %v", gvr.Resource, ns, name, err)
	}
	if !proto.Equal(into, want) {
		t.Errorf("%s %s/%s as stored differs from what the constructs built:\nstored: %v\nbuilt:  %v", gvr.Resource, ns, name, into, want)
	}
	return into
}

// homeRow is the row of GET / over HTTPS, where the standard requests are
// sent over HTTPS too, else the first row (GET /).
func homeRow(rows []envoyroutes.Row) envoyroutes.Row {
	for _, r := range rows {
		if r.Case.Name == "GET / (https)" {
			return r
		}
	}
	return rows[0]
}

// startIstiod runs istiod as the environment's control plane revision, with
// Gateway API support where the environment routes with it.
func startIstiod(t *testing.T, cp *controlplane.ControlPlane, e config.Environment) *controlplane.Istiod {
	t.Helper()
	p := e.Istio.WithDefaults()
	ist, err := cp.StartIstiod(wait.Context(t, 0), controlplane.IstiodOptions{Namespace: p.Namespace, Revision: p.Revision, GatewayAPI: e.Routing.API == mesh.APIGatewayAPI})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ist.Stop)
	return ist
}

// checkEnvoy fetches the gateway's routes from istiod and wants every
// standard request to go where `routes` says. It first waits until istiod
// has read the stored route objects at their current generations, and then
// gives istiod's push (debounced) until the suite's deadline (package
// wait) to converge before it reports a disagreement.
func checkEnvoy(t *testing.T, ist *controlplane.Istiod, cp *controlplane.ControlPlane, m *mesh.Model, e config.Environment) []envoyroutes.Row {
	t.Helper()
	if e.Routing.API == mesh.APIGatewayAPI {
		return checkGatewayEnvoy(t, ist, cp, m, e)
	}
	ctx := context.Background()
	var routes [][2]string
	for _, v := range m.VirtualServices {
		routes = append(routes, [2]string{v.Namespace, v.Name})
	}
	waitForRoutes(t, ist, cp, vsGVR, routes)
	proxy, err := envoyroutes.GatewayProxy(ctx, cp.Client, m, e.Istio.WithDefaults().Version)
	if err != nil {
		t.Fatal(err)
	}
	host := mesh.RequestHost(e.Routing.Routing, e.App.Name)
	cases := mesh.StandardCases(e.Routing.Routing, host)
	cases = append(cases, edgeCases(e, host)...)
	if servesHTTPS(m) {
		// The standard requests redirect to HTTPS; send them over HTTPS
		// too (routes --https), to judge the routes behind the redirect.
		for _, c := range mesh.StandardCases(e.Routing.Routing, host) {
			c.Name += " (https)"
			c.Request.Scheme = "https"
			cases = append(cases, c)
		}
	}
	return judge(t, ist, cp, proxy, host, len(cases), func(rcs []*routev3.RouteConfiguration) ([]envoyroutes.Row, error) {
		return envoyroutes.Compare(m, rcs, cases)
	})
}

// waitForRoutes waits until istiod has read the route objects (of
// resource gvr; namespace and name each) at the generations stored now:
// their specs as the API server holds them (istiod writes the status of
// an HTTPRoute, which changes its resource version but not its
// generation).
func waitForRoutes(t *testing.T, ist *controlplane.Istiod, cp *controlplane.ControlPlane, gvr schema.GroupVersionResource, routes [][2]string) {
	t.Helper()
	ctx := context.Background()
	dyn, err := dynamic.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	var objs []controlplane.Object
	for _, r := range routes {
		obj, err := dyn.Resource(gvr).Namespace(r[0]).Get(ctx, r[1], metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, controlplane.Object{Kind: obj.GetKind(), Namespace: r[0], Name: r[1], UID: string(obj.GetUID()), Generation: obj.GetGeneration()})
	}
	if err := ist.WaitForObjects(wait.Context(t, 0), objs...); err != nil {
		t.Fatal(err)
	}
}

// judge fetches the routes istiod sends proxy and compares them with
// compare until every request agrees (istiod, having read the objects,
// pushes after a debounce; a gateway just deployed may get no listeners
// at first) or the suite's deadline passes (package wait), then wants
// want rows, each agreeing.
func judge(t *testing.T, ist *controlplane.Istiod, cp *controlplane.ControlPlane, proxy envoyroutes.Proxy, host string, want int, compare func([]*routev3.RouteConfiguration) ([]envoyroutes.Row, error)) []envoyroutes.Row {
	t.Helper()
	var rows []envoyroutes.Row
	var fetchErr, compareErr error
	err := wait.Until(context.Background(), "the Envoy routes istiod pushes to agree with routes on every request to "+host,
		wait.Options{Log: cptest.Log(cp, "istiod")}, func() (bool, string, error) {
			rcs, err := envoyroutes.Fetch(context.Background(), ist.XDSAddr, proxy)
			if fetchErr = err; err != nil {
				return false, "fetching the routes: " + err.Error(), nil
			}
			if rows, compareErr = compare(rcs); compareErr != nil {
				return false, "", compareErr
			}
			return allAgree(rows), disagreements(rows), nil
		})
	if err != nil {
		// A wait that expired on disagreeing routes goes on to report
		// each disagreement; without routes, there is nothing to report.
		if fetchErr != nil || compareErr != nil || rows == nil {
			t.Fatal(err)
		}
		t.Log(err)
	}
	var buf bytes.Buffer
	envoyroutes.Table(&buf, rows)
	t.Logf("requests to %s, by routes and by the Envoy routes istiod generated:\n%s", host, buf.String())
	if len(rows) != want {
		t.Fatalf("%d requests evaluated; want %d", len(rows), want)
	}
	for _, r := range rows {
		if !r.Agree() {
			t.Errorf("%s: routes says %q; Envoy (%s %s) does %q", r.Case.Name, r.Routes, r.RouteConfig, r.Route, r.Envoy)
		}
	}
	return rows
}

// disagreements says which of rows disagree, for a wait's "last seen".
func disagreements(rows []envoyroutes.Row) string {
	var out []string
	for _, r := range rows {
		if !r.Agree() {
			out = append(out, fmt.Sprintf("%s: routes %q, Envoy %q", r.Case.Name, r.Routes, r.Envoy))
		}
	}
	return fmt.Sprintf("%d of %d requests disagree: %s", len(out), len(rows), strings.Join(out, "; "))
}

// checkGatewayEnvoy is checkEnvoy for an environment that routes with the
// Gateway API: it waits until istiod has read the stored HTTPRoutes, finds
// the gateway Istio deploys for the Gateway (class istio), and wants the
// Envoy routes istiod sends it to answer as the Gateway API evaluator does
// on the synthesized objects: the standard requests, then the
// walkthrough's (gwcases.Walkthrough: sub-paths and look-alikes, cookies
// with and without the space, header against cookie, path against cookie),
// with the sticky canary's cookies and the mirror in every answer.
func checkGatewayEnvoy(t *testing.T, ist *controlplane.Istiod, cp *controlplane.ControlPlane, m *mesh.Model, e config.Environment) []envoyroutes.Row {
	t.Helper()
	if len(m.HTTPRoutes) != 1 {
		t.Fatalf("%d HTTPRoutes rendered; want 1", len(m.HTTPRoutes))
	}
	waitForRoutes(t, ist, cp, httpRouteGVR, [][2]string{{m.HTTPRoutes[0].Object.Namespace, m.HTTPRoutes[0].Object.Name}})
	g := gatewayapi.ModelOfMesh(m)
	proxy, err := envoyroutes.GatewayAPIProxy(wait.Context(t, 0), cp.Client, g, e.Istio.WithDefaults().Version)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("istiod deployed the gateway; presenting its pods' labels %v in %s", proxy.Labels, proxy.Namespace)
	host := mesh.RequestHost(e.Routing.Routing, e.App.Name)
	reqs := append(envoyroutes.RequestsOf(mesh.StandardCases(e.Routing.Routing, host)), gwcases.Walkthrough("http", host)...)
	// 10 standard requests (GET /, two version paths bare and with a
	// sub-path, two headers, two cookies, a look-alike cookie) and the 25
	// of the walkthrough; 25 more over HTTPS where the Gateway serves it.
	want := 35
	if servesHTTPS(m) {
		reqs = append(reqs, gwcases.Walkthrough("https", host)...)
		want += 25
	}
	if len(reqs) != want {
		t.Fatalf("%d requests; want %d", len(reqs), want)
	}
	rows := judge(t, ist, cp, proxy, host, len(reqs), func(rcs []*routev3.RouteConfiguration) ([]envoyroutes.Row, error) {
		return envoyroutes.CompareGateway(g, rcs, reqs)
	})
	if e.Routing.StickyCanary && e.Routing.CandidateWeight > 0 {
		if n := followSticky(t, ist, proxy, host); n != 2 {
			t.Errorf("followed the sticky cookie of %d backends of GET /; want blue's and green's", n)
		}
	}
	return rows
}

// followSticky follows a sticky canary through the Envoy routes istiod
// sends proxy: for each backend of GET / whose answers set a cookie, the
// next request, carrying that cookie beside another, must go to that
// backend alone. It returns the number of backends followed.
func followSticky(t *testing.T, ist *controlplane.Istiod, proxy envoyroutes.Proxy, host string) int {
	t.Helper()
	rcs, err := envoyroutes.Fetch(context.Background(), ist.XDSAddr, proxy)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(rcs, func(rc *routev3.RouteConfiguration) bool { return strings.HasPrefix(rc.GetName(), "http.") })
	if i < 0 {
		t.Fatalf("no HTTP route configuration among %d", len(rcs))
	}
	first, err := envoyroutes.Evaluate(rcs[i], envoyroutes.Request{Host: host, Path: "/"})
	if err != nil {
		t.Fatal(err)
	}
	followed := 0
	for _, d := range first.Destinations {
		for _, h := range d.ResponseHeaders {
			if !strings.EqualFold(h.Name, "set-cookie") {
				continue
			}
			cookie, _, _ := strings.Cut(h.Value, ";")
			next, err := envoyroutes.Evaluate(rcs[i], envoyroutes.Request{Host: host, Path: "/", Headers: map[string]string{"cookie": "session=abc; " + cookie}})
			if err != nil {
				t.Fatal(err)
			}
			if len(next.Destinations) != 1 || next.Destinations[0].Cluster != d.Cluster {
				t.Errorf("GET / with the cookie %q that %s set goes to %s; want %s alone", cookie, d.Cluster, envoyroutes.Summary(next), d.Cluster)
			}
			followed++
		}
	}
	return followed
}

// edgeCases are requests beyond the standard set where a model of Istio
// could part from Istio: a version path's look-alike ("/v2x"; Istio matches
// URI prefixes as written, Envoy as told), a version path with a query
// string, and each colour's cookie with no space after the ';'.
func edgeCases(e config.Environment, host string) []mesh.Case {
	var out []mesh.Case
	for _, colour := range []string{"blue", "green"} {
		if p, ok := e.Routing.VersionPaths[colour]; ok {
			out = append(out,
				mesh.Case{Name: "GET " + p + "x", Request: mesh.Request{Host: host, Path: p + "x"}},
				mesh.Case{Name: "GET " + p + "/a?b=c", Request: mesh.Request{Host: host, Path: p + "/a?b=c"}})
		}
		if v, ok := e.Routing.Cookie.Values[colour]; ok {
			c := "a=b;" + e.Routing.Cookie.Name + "=" + v
			out = append(out, mesh.Case{Name: "cookie " + c, Request: mesh.Request{Host: host, Path: "/", Headers: map[string]string{"cookie": c}}})
		}
	}
	return out
}

func servesHTTPS(m *mesh.Model) bool {
	for _, g := range m.Gateways {
		for _, s := range g.Spec.GetServers() {
			if strings.EqualFold(s.GetPort().GetProtocol(), "HTTPS") {
				return true
			}
		}
	}
	for _, g := range m.KubernetesGateways {
		for _, l := range g.Object.Spec.Listeners {
			if l.Protocol == gwv1.HTTPSProtocolType {
				return true
			}
		}
	}
	return false
}

func allAgree(rows []envoyroutes.Row) bool {
	for _, r := range rows {
		if !r.Agree() {
			return false
		}
	}
	return true
}

// promotionStep is one edit of the environment's configuration, applied
// through the control plane, and Envoy's answer to GET / after it ("": the
// answers of the first routes, to every request).
type promotionStep struct {
	name string
	edit func(cfgPath string) error
	home string
}

// configMu serializes the edits of the fixture copy, which two clusters
// make side by side: cli.Promote reads $BLUEGREEN_CONFIG (t.Setenv is
// refused under a parallel test), and each edit reads and rewrites the
// file.
var configMu sync.Mutex

// promoteTo runs `promote env colour` on the configuration at cfgPath.
func promoteTo(env, colour string) func(string) error {
	return func(cfgPath string) error {
		prev, had := os.LookupEnv("BLUEGREEN_CONFIG")
		os.Setenv("BLUEGREEN_CONFIG", cfgPath)
		defer func() {
			if had {
				os.Setenv("BLUEGREEN_CONFIG", prev)
			} else {
				os.Unsetenv("BLUEGREEN_CONFIG")
			}
		}()
		return cli.Promote([]string{env, colour}, io.Discard, io.Discard)
	}
}

// setRouting sets routing.<field> of env to value in the configuration at
// cfgPath.
func setRouting(env, field string, value any) func(string) error {
	return func(cfgPath string) error {
		b, err := os.ReadFile(cfgPath)
		if err != nil {
			return err
		}
		if b, err = jsonedit.Set(b, value, "context", "environments", env, "routing", field); err != nil {
			return err
		}
		return os.WriteFile(cfgPath, b, 0o644)
	}
}

// both runs edits in order.
func both(edits ...func(string) error) func(string) error {
	return func(cfgPath string) error {
		for _, e := range edits {
			if err := e(cfgPath); err != nil {
				return err
			}
		}
		return nil
	}
}

// promote applies each step to environment name in the fixture copy:
// edits, re-synthesizes, upgrades (only the release of the route, the
// VirtualService or the HTTPRoute, may change) and judges the routes
// istiod generates; GET / must go where the step says, and after the last
// step every request where it went first.
func promote(t *testing.T, cp *controlplane.ControlPlane, ist *controlplane.Istiod, in *meshinstall.Installer, cfgPath, name string, steps []promotionStep, first []envoyroutes.Row) {
	t.Helper()
	ctx := context.Background()
	if len(steps) == 0 || steps[len(steps)-1].home != "" {
		t.Fatalf("%d promotion steps; want some, the last of them restoring the first routes", len(steps))
	}
	for _, step := range steps {
		configMu.Lock()
		err := step.edit(cfgPath)
		var e env
		if err == nil {
			e = synthesize(t, cfgPath, name)[name]
		}
		configMu.Unlock()
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		plan, err := meshinstall.Load(e.mesh, e.app)
		if err != nil {
			t.Fatal(err)
		}
		m, err := render.Model(e.mesh, e.app)
		if err != nil {
			t.Fatal(err)
		}
		applied, err := in.Apply(ctx, plan)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		var upgraded []string
		for _, s := range applied {
			if s.Action == meshinstall.Upgraded {
				upgraded = append(upgraded, s.Resource.Release.Name)
			} else if s.Action != meshinstall.Unchanged && s.Action != meshinstall.NotInstalled && s.Action != meshinstall.Updated {
				t.Errorf("%s: %s", step.name, s)
			}
		}
		var routeReleases []string
		for _, v := range m.VirtualServices {
			routeReleases = append(routeReleases, v.Release)
		}
		for _, r := range m.HTTPRoutes {
			routeReleases = append(routeReleases, r.Release)
		}
		if len(routeReleases) != 1 || !slices.Equal(upgraded, routeReleases) {
			t.Errorf("%s: upgraded %v; want the route's release alone, of %v", step.name, upgraded, routeReleases)
		}
		rows := checkEnvoy(t, ist, cp, m, e.cfg)
		if step.home != "" {
			if home := homeRow(rows); home.Envoy != step.home {
				t.Errorf("after %s, %s goes to %q; want %q", step.name, home.Case.Name, home.Envoy, step.home)
			}
			continue
		}
		if len(rows) != len(first) {
			t.Fatalf("after %s, %d requests; first %d", step.name, len(rows), len(first))
		}
		for i := range rows {
			if rows[i].Envoy != first[i].Envoy {
				t.Errorf("after %s, request %d (%s) goes to %q; first it went to %q", step.name, i, rows[i].Case.Name, rows[i].Envoy, first[i].Envoy)
			}
		}
	}
}

// checkTeardown wants every release uninstalled, the namespaces gone and
// Istio's CRDs kept.
func checkTeardown(t *testing.T, cp *controlplane.ControlPlane, plan *meshinstall.Plan, steps []meshinstall.Step) {
	t.Helper()
	ctx := context.Background()
	if len(steps) != len(plan.Resources) {
		t.Fatalf("teardown: %d steps for %d resources", len(steps), len(plan.Resources))
	}
	if steps[0].Resource.Address() != plan.Resources[len(plan.Resources)-1].Address() {
		t.Errorf("teardown began with %s; want the last resource installed, %s", steps[0].Resource, plan.Resources[len(plan.Resources)-1])
	}
	// As in terraform destroy: stacks in reverse order, and no resource
	// deleted before every resource that depends on it (steps are in the
	// order the deletions finished).
	stackOrder := map[string]int{}
	for _, r := range plan.Resources {
		if _, ok := stackOrder[r.Stack]; !ok {
			stackOrder[r.Stack] = len(stackOrder)
		}
	}
	gone := map[string]bool{}
	for i, s := range steps {
		r := s.Resource
		if i > 0 && stackOrder[r.Stack] > stackOrder[steps[i-1].Resource.Stack] {
			t.Errorf("teardown: %s deleted after %s; want the later stack torn down first", r, steps[i-1].Resource)
		}
		for _, other := range plan.Resources {
			if other.Stack == r.Stack && slices.Contains(other.DependsOn, r.Address()) && !gone[other.Stack+"/"+other.Address()] {
				t.Errorf("teardown: %s deleted while %s, which depends on it, was not yet", r, other)
			}
		}
		if gone[r.Stack+"/"+r.Address()] {
			t.Errorf("teardown: %s deleted twice", r)
		}
		gone[r.Stack+"/"+r.Address()] = true
	}
	for _, r := range plan.Resources {
		if r.Type != "kubernetes_namespace_v1" {
			continue
		}
		name := r.Attrs["metadata"].(map[string]any)["name"].(string)
		if _, err := cp.Client.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("namespace %s after teardown: %v; want it gone", name, err)
		}
	}
	dyn, err := dynamic.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"virtualservices.networking.istio.io", "gateways.networking.istio.io", "destinationrules.networking.istio.io"} {
		if _, err := dyn.Resource(crdGVR).Get(ctx, name, metav1.GetOptions{}); err != nil {
			t.Errorf("CRD %s after teardown: %v; want it kept", name, err)
		}
	}
}

// checkPlantedMistakes installs two planted stacks: a release whose
// VirtualService has a string where the CRD's schema wants an integer, and
// a release ordered before the namespace it installs into. Each must fail
// as it would on a real cluster, with the API server's message and the
// release named.
func checkPlantedMistakes(t *testing.T, cp *controlplane.ControlPlane) {
	installCRDStandIn(t, cp)
	in, err := meshinstall.New(meshinstall.Options{Kubeconfig: cp.Kubeconfig, Config: cp.Config, Charts: meshinstall.Charts()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		stack string
		want  []string
	}{
		{"testdata/planted", []string{"release planted/planted", "spec.http[0].route[0].weight", "integer"}},
		{"testdata/misordered", []string{"release late/early", `namespaces "late" not found`}},
	} {
		t.Run(filepath.Base(tc.stack), func(t *testing.T) {
			plan, err := meshinstall.Load(tc.stack)
			if err != nil {
				t.Fatal(err)
			}
			_, err = in.Apply(context.Background(), plan)
			if err == nil {
				t.Fatal("installed; want the API server to refuse it")
			}
			t.Logf("the harness reports: %v", err)
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}
