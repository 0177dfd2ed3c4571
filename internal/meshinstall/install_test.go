package meshinstall_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	networkingv1 "istio.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/internal/cli"
	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/controlplane"
	"github.com/bluegreen-mesh/bluegreen/internal/envoyroutes"
	"github.com/bluegreen-mesh/bluegreen/internal/jsonedit"
	"github.com/bluegreen-mesh/bluegreen/internal/meshinstall"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/synth"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/cptest"
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/stacks"
)

// fixture is a copy of the shipped environments (cdktf.json): dev installs
// Istio with Helm, prod a revisioned Istio (1-30) with STRICT mTLS and TLS
// at the gateway, staging Istio by the Sail Operator.
const fixture = "testdata/environments.cdktf.json"

// noOfflineSource are the charts that cannot be installed here.
var noOfflineSource = []string{"kiali-server", "prometheus", "grafana", "sail-operator"}

var (
	gatewayGVR = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "gateways"}
	vsGVR      = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "virtualservices"}
	drGVR      = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "destinationrules"}
	crdGVR     = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
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
}

// TestEnvironmentsInstallAndRoute installs each environment's mesh and app
// stacks into a local control plane, reads everything back, asks istiod
// for the gateway's routes and checks every request of `routes` against
// them, and tears down. For dev it also promotes through the control
// plane. Then it plants mistakes (subtest planted-mistakes) that the API
// server must refuse.
//
// Two control planes run side by side: dev (the longest, with its
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
	envs := synthesize(t, cfgPath, "dev", "prod", "staging")
	sw.lap("synthesized")
	t.Log("Helm releases are installed without waiting, and so without atomic: the local control plane has no kubelet and runs no pod")

	environment := func(tc environmentCase) func(*testing.T, *controlplane.ControlPlane) {
		return func(t *testing.T, cp *controlplane.ControlPlane) { installAndRoute(t, cp, tc, envs[tc.name], cfgPath) }
	}
	dev := environment(environmentCase{"dev", map[string]string{"istio-injection": "enabled"}, []string{"grafana", "kiali", "prometheus"}})
	prod := environment(environmentCase{"prod", map[string]string{"istio.io/rev": "1-30"}, []string{"grafana", "kiali", "prometheus"}})
	// The Istio resource needs the Sail Operator's CRD.
	staging := environment(environmentCase{"staging", map[string]string{"istio-injection": "enabled"}, []string{"grafana", "istio-default", "kiali", "prometheus", "sail-operator"}})
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
		{"cluster-1", []step{{"dev", dev}, {"planted-mistakes", checkPlantedMistakes}}},
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

	if tc.name == "dev" {
		promote(t, cp, ist, in, cfgPath, rows)
		sw.lap("promoted, 90/10, promoted back")
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

// startIstiod runs istiod as the environment's control plane revision.
func startIstiod(t *testing.T, cp *controlplane.ControlPlane, e config.Environment) *controlplane.Istiod {
	t.Helper()
	p := e.Istio.WithDefaults()
	ist, err := cp.StartIstiod(context.Background(), controlplane.IstiodOptions{Namespace: p.Namespace, Revision: p.Revision})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ist.Stop)
	return ist
}

// checkEnvoy fetches the gateway's routes from istiod and wants every
// standard request to go where `routes` says. It first waits until istiod
// has read the stored Istio objects at their current versions, and then
// gives istiod's push (debounced) up to 30 s to converge before it reports
// a disagreement.
func checkEnvoy(t *testing.T, ist *controlplane.Istiod, cp *controlplane.ControlPlane, m *mesh.Model, e config.Environment) []envoyroutes.Row {
	t.Helper()
	ctx := context.Background()
	dyn, err := dynamic.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	var versions []string
	for _, v := range m.VirtualServices {
		obj, err := dyn.Resource(vsGVR).Namespace(v.Namespace).Get(ctx, v.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		versions = append(versions, obj.GetResourceVersion())
	}
	if err := ist.WaitForResourceVersions(ctx, versions...); err != nil {
		t.Fatal(err)
	}
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
	var rows []envoyroutes.Row
	deadline := time.Now().Add(30 * time.Second)
	for {
		rcs, err := envoyroutes.Fetch(ctx, ist.XDSAddr, proxy)
		if err != nil {
			t.Fatal(err)
		}
		if rows, err = envoyroutes.Compare(m, rcs, cases); err != nil {
			t.Fatal(err)
		}
		if allAgree(rows) || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	var buf bytes.Buffer
	envoyroutes.Table(&buf, rows)
	t.Logf("requests to %s, by routes and by the Envoy routes istiod generated:\n%s", host, buf.String())
	if len(rows) < 3 {
		t.Fatalf("%d requests evaluated; want the standard set", len(rows))
	}
	for _, r := range rows {
		if !r.Agree() {
			t.Errorf("%s: routes says %q; Envoy (%s) does %q", r.Case.Name, r.Routes, r.RouteConfig, r.Envoy)
		}
	}
	return rows
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

// promote promotes dev to green in the fixture copy, re-synthesizes,
// upgrades, and checks the routes; then sends 10% to the candidate; then
// promotes back.
func promote(t *testing.T, cp *controlplane.ControlPlane, ist *controlplane.Istiod, in *meshinstall.Installer, cfgPath string, first []envoyroutes.Row) {
	t.Helper()
	ctx := context.Background()
	// cli.Promote reads $BLUEGREEN_CONFIG. t.Setenv is refused under a
	// parallel test; nothing that runs beside this one reads it.
	prev, had := os.LookupEnv("BLUEGREEN_CONFIG")
	os.Setenv("BLUEGREEN_CONFIG", cfgPath)
	t.Cleanup(func() {
		if had {
			os.Setenv("BLUEGREEN_CONFIG", prev)
		} else {
			os.Unsetenv("BLUEGREEN_CONFIG")
		}
	})
	apply := func(step string) (*mesh.Model, config.Environment, []envoyroutes.Row) {
		t.Helper()
		e := synthesize(t, cfgPath, "dev")["dev"]
		plan, err := meshinstall.Load(e.mesh, e.app)
		if err != nil {
			t.Fatal(err)
		}
		m, err := render.Model(e.mesh, e.app)
		if err != nil {
			t.Fatal(err)
		}
		steps, err := in.Apply(ctx, plan)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		var upgraded []string
		for _, s := range steps {
			if s.Action == meshinstall.Upgraded {
				upgraded = append(upgraded, s.Resource.Release.Name)
			} else if s.Action != meshinstall.Unchanged && s.Action != meshinstall.NotInstalled && s.Action != meshinstall.Updated {
				t.Errorf("%s: %s", step, s)
			}
		}
		if len(m.VirtualServices) != 1 || !slices.Equal(upgraded, []string{m.VirtualServices[0].Release}) {
			t.Errorf("%s: upgraded %v; want the VirtualService's release alone", step, upgraded)
		}
		return m, e.cfg, checkEnvoy(t, ist, cp, m, e.cfg)
	}
	if err := cli.Promote([]string{"dev", "green"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	_, _, rows := apply("promote dev green")
	if got := rows[0].Envoy; got != "green 100%; path /" {
		t.Errorf("after promote dev green, GET / goes to %q; want green 100%%", got)
	}

	b, _ := os.ReadFile(cfgPath)
	b, err := jsonedit.Set(b, 10, "context", "environments", "dev", "routing", "candidateWeight")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(cfgPath, b, 0o644)
	_, _, rows = apply("candidateWeight 10")
	if got := rows[0].Envoy; got != "green 90%, blue 10%; path /" {
		t.Errorf("with candidateWeight 10, GET / goes to %q; want green 90%%, blue 10%%", got)
	}

	b, _ = os.ReadFile(cfgPath)
	if b, err = jsonedit.Set(b, 0, "context", "environments", "dev", "routing", "candidateWeight"); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(cfgPath, b, 0o644)
	if err := cli.Promote([]string{"dev", "blue"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	_, _, rows = apply("promote dev blue")
	for i := range rows {
		if i >= len(first) || rows[i].Envoy != first[i].Envoy {
			t.Errorf("after promoting back, request %d (%s) goes to %q; first it went to %q", i, rows[i].Case.Name, rows[i].Envoy, first[min(i, len(first)-1)].Envoy)
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
