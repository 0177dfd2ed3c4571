package meshinstall_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"
	gwclient "sigs.k8s.io/gateway-api/pkg/client/clientset/versioned"
	"sigs.k8s.io/yaml"

	"github.com/bluegreen-mesh/bluegreen/charts"
	"github.com/bluegreen-mesh/bluegreen/constructs/gatewayapicrds"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/cptest"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/wait"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/controlplane"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/meshinstall"
)

// TestGatewayAPICRDsOutliveTheEnvironment installs qa (routing with the
// Gateway API) into local control planes, in both modes of
// gatewayAPI.crds, and destroys it (Helm uninstall of every release, in
// reverse order): the cluster-wide CRDs and another team's HTTPRoute are
// still there afterwards.
//
// existing: on a cluster without the CRDs, the install stops before
// anything is installed, naming the environment, the field and the CRD;
// then another owner applies the v1.4.1 CRDs with client-go (no Helm),
// and the install stops naming v1.4.1 and the v1.6.0 Istio 1.31 needs;
// then the owner upgrades them to v1.6.0 and creates an HTTPRoute of its
// own, the install succeeds without a CRD release, and the destroy leaves
// the owner's CRDs (still without Helm's ownership) and its HTTPRoute.
//
// install: the release gateway-api-crds installs the CRDs, another team
// creates an HTTPRoute, the destroy leaves both (helm.sh/resource-policy:
// keep), and a second install adopts the kept CRDs.
func TestGatewayAPICRDsOutliveTheEnvironment(t *testing.T) {
	cptest.Binaries(t)
	installCfg := copyFixture(t)
	existingCfg := filepath.Join(t.TempDir(), "cdktf.json")
	editFixture(t, installCfg, existingCfg, func(envs map[string]any) {
		envs["qa"].(map[string]any)["gatewayAPI"] = map[string]any{"crds": "existing"}
	})
	install := synthesize(t, installCfg, "qa")["qa"]
	existing := synthesize(t, existingCfg, "qa")["qa"]

	t.Run("existing", func(t *testing.T) {
		t.Parallel()
		cp := cptest.Start(t, controlplane.Options{})
		// Each install and destroy has the policy's deadline of its own: one
		// for all of them ran out under load (make stress).
		plan, in := installer(t, cp, existing)
		if slices.ContainsFunc(plan.Resources, func(r meshinstall.Resource) bool {
			return r.Release != nil && r.Release.Name == "gateway-api-crds"
		}) {
			t.Fatal("the plan of gatewayAPI.crds \"existing\" has the release gateway-api-crds")
		}

		// No CRDs: stopped at the plan of qa-mesh, nothing installed.
		steps, err := in.Apply(wait.Context(t, 0), plan)
		wantPlanError(t, steps, err, `environment "qa": gatewayAPI.crds "existing": the cluster's Gateway API CRD gatewayclasses.gateway.networking.k8s.io is not installed; Istio 1.31 needs bundle v1.6.0 or later`)

		// Another owner's older bundle.
		applyForeignCRDs(t, cp, "v1.4.1")
		steps, err = in.Apply(wait.Context(t, 0), plan)
		wantPlanError(t, steps, err, `environment "qa": gatewayAPI.crds "existing": the cluster's Gateway API CRD gatewayclasses.gateway.networking.k8s.io is of bundle v1.4.1; Istio 1.31 needs bundle v1.6.0 or later`)

		// The owner upgrades, and routes something of its own.
		applyForeignCRDs(t, cp, "v1.6.0")
		createForeignRoute(t, cp)
		steps, err = in.Apply(wait.Context(t, 0), plan)
		if err != nil {
			t.Fatalf("install on the owner's v1.6.0 CRDs: %v", err)
		}
		checkSteps(t, plan, steps, []string{"grafana", "kiali", "prometheus"})
		if n := countRoutes(t, cp, "bluegreen"); n == 0 {
			t.Fatal("qa's HTTPRoute was not installed")
		}
		if _, err := in.Destroy(wait.Context(t, 0), plan); err != nil {
			t.Fatalf("destroy: %v", err)
		}
		checkAfterDestroy(t, cp, "v1.6.0", false)
	})

	t.Run("install", func(t *testing.T) {
		t.Parallel()
		cp := cptest.Start(t, controlplane.Options{})
		// Each install and destroy has the policy's deadline of its own: one
		// for all of them ran out under load (make stress).
		plan, in := installer(t, cp, install)
		steps, err := in.Apply(wait.Context(t, 0), plan)
		if err != nil {
			t.Fatalf("install: %v", err)
		}
		checkSteps(t, plan, steps, []string{"grafana", "kiali", "prometheus"})
		createForeignRoute(t, cp)
		if _, err := in.Destroy(wait.Context(t, 0), plan); err != nil {
			t.Fatalf("destroy: %v", err)
		}
		checkAfterDestroy(t, cp, "v1.6.0", true)
		// Deploying again adopts the kept CRDs (they still name the
		// release that installed them).
		if _, err := in.Apply(wait.Context(t, 0), plan); err != nil {
			t.Fatalf("a second install after the destroy: %v", err)
		}
	})
}

// editFixture writes to dst the configuration src with edit applied to
// its environments.
func editFixture(t *testing.T, src, dst string, edit func(envs map[string]any)) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc["context"].(map[string]any)["environments"].(map[string]any))
	b, _ = json.MarshalIndent(doc, "", "  ")
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// installer loads e's mesh and app stacks and returns their plan and an
// installer into cp, with random values for the stacks' variables.
func installer(t *testing.T, cp *controlplane.ControlPlane, e env) (*meshinstall.Plan, *meshinstall.Installer) {
	t.Helper()
	plan, err := meshinstall.Load(e.mesh, e.app)
	if err != nil {
		t.Fatal(err)
	}
	in, err := meshinstall.New(meshinstall.Options{Kubeconfig: cp.Kubeconfig, Config: cp.Config, Charts: meshinstall.Charts(), Variables: plan.RandomVariables()})
	if err != nil {
		t.Fatal(err)
	}
	return plan, in
}

// wantPlanError checks that Apply stopped at a postcondition with a
// message that starts with want, before installing anything.
func wantPlanError(t *testing.T, steps []meshinstall.Step, err error, want string) {
	t.Helper()
	if !errors.Is(err, meshinstall.ErrPostcondition) || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v\nwant a failed postcondition saying %q", err, want)
	}
	if !strings.HasPrefix(err.Error(), "qa-mesh: data.kubernetes_resources.") {
		t.Errorf("error %q does not name the stack and the data source", err)
	}
	if len(steps) != 0 {
		t.Errorf("Apply did %d steps before the plan failed (%v); want none", len(steps), steps)
	}
}

// applyForeignCRDs creates, or updates to, the standard-channel CRDs of
// bundle version as another owner would apply them with client-go: the
// upstream manifests (the embedded chart's, without the annotation `make
// crds` adds), no Helm.
func applyForeignCRDs(t *testing.T, cp *controlplane.ControlPlane, version string) {
	t.Helper()
	chart, err := charts.FS(gatewayapicrds.ChartOf(version))
	if err != nil {
		t.Fatal(err)
	}
	files, _ := fs.Glob(chart, "templates/*.yaml")
	ext, err := apiextclient.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	crds := ext.ApiextensionsV1().CustomResourceDefinitions()
	var names []string
	for _, f := range files {
		b, _ := fs.ReadFile(chart, f)
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.Unmarshal(b, &crd); err != nil {
			t.Fatal(err)
		}
		if crd.Kind != "CustomResourceDefinition" {
			continue
		}
		delete(crd.Annotations, gatewayapicrds.KeepPolicy)
		cur, err := crds.Get(ctx, crd.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			_, err = crds.Create(ctx, &crd, metav1.CreateOptions{})
		case err == nil:
			crd.ResourceVersion = cur.ResourceVersion
			_, err = crds.Update(ctx, &crd, metav1.UpdateOptions{})
		}
		if err != nil {
			t.Fatalf("CRD %s of %s: %v", crd.Name, version, err)
		}
		names = append(names, crd.Name)
	}
	for _, name := range names {
		wait.For(t, "CRD "+name+" of "+version+" established", wait.Options{Log: cptest.Log(cp, "kube-apiserver")}, func() (bool, string, error) {
			got, err := crds.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, "", err
			}
			established := slices.ContainsFunc(got.Status.Conditions, func(c apiextensionsv1.CustomResourceDefinitionCondition) bool {
				return c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue
			})
			v := got.Annotations[gatewayapicrds.BundleVersionAnnotation]
			return established && v == version, fmt.Sprintf("bundle %s, conditions %+v", v, got.Status.Conditions), nil
		})
	}
}

// createForeignRoute creates another team's HTTPRoute, platform/status, in
// a namespace of its own.
func createForeignRoute(t *testing.T, cp *controlplane.ControlPlane) {
	t.Helper()
	ctx := context.Background()
	kc, err := kubernetes.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kc.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "platform"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	gw, err := gwclient.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	route := &gwv1.HTTPRoute{
		ObjectMeta: metav1.ObjectMeta{Name: "status", Namespace: "platform"},
		Spec: gwv1.HTTPRouteSpec{
			CommonRouteSpec: gwv1.CommonRouteSpec{ParentRefs: []gwv1.ParentReference{{Name: "platform-gateway"}}},
			Hostnames:       []gwv1.Hostname{"status.example.com"},
		},
	}
	if _, err := gw.GatewayV1().HTTPRoutes("platform").Create(ctx, route, metav1.CreateOptions{}); err != nil {
		t.Fatalf("the other team's HTTPRoute: %v", err)
	}
}

func countRoutes(t *testing.T, cp *controlplane.ControlPlane, namespace string) int {
	t.Helper()
	gw, err := gwclient.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	list, err := gw.GatewayV1().HTTPRoutes(namespace).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatalf("HTTPRoutes in %s: %v", namespace, err)
	}
	return len(list.Items)
}

// checkAfterDestroy checks that the destroy took qa's own objects and
// left every Gateway API CRD of bundle version, owned by Helm's release
// gateway-api-crds (helmOwned) or by no release at all, and the other
// team's HTTPRoute.
func checkAfterDestroy(t *testing.T, cp *controlplane.ControlPlane, version string, helmOwned bool) {
	t.Helper()
	ctx := context.Background()
	if n := countRoutes(t, cp, "bluegreen"); n != 0 {
		t.Errorf("qa's namespace still has %d HTTPRoutes after the destroy", n)
	}
	ext, err := apiextclient.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	want, err := gatewayapicrds.Embedded(version)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range want {
		if c.Kind != "CustomResourceDefinition" {
			continue
		}
		got, err := ext.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, c.Name, metav1.GetOptions{})
		if err != nil {
			t.Errorf("CRD %s after the destroy: %v", c.Name, err)
			continue
		}
		owner := got.Annotations["meta.helm.sh/release-name"]
		if v := got.Annotations[gatewayapicrds.BundleVersionAnnotation]; v != version {
			t.Errorf("CRD %s: bundle %s; want %s", c.Name, v, version)
		}
		if helmOwned && owner != "gateway-api-crds" {
			t.Errorf("CRD %s: release %q; want the kept CRDs of gateway-api-crds", c.Name, owner)
		}
		if !helmOwned && owner != "" {
			t.Errorf("CRD %s of another owner: Helm took it over (release %q)", c.Name, owner)
		}
	}
	gw, err := gwclient.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gw.GatewayV1().HTTPRoutes("platform").Get(ctx, "status", metav1.GetOptions{}); err != nil {
		t.Errorf("the other team's HTTPRoute after the destroy: %v", err)
	}
}
