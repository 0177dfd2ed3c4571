package meshnamespace_test

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	helmprovider "github.com/cdktf/cdktf-provider-helm-go/helm/v10/provider"
	k8sprovider "github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"google.golang.org/protobuf/encoding/protojson"
	securityv1 "istio.io/api/security/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/yaml"

	"github.com/bluegreen-mesh/bluegreen/charts"
	"github.com/bluegreen-mesh/bluegreen/constructs/gatewayapicrds"
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/constructs/meshnamespace"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/stacktest"
)

func ptr[T any](v T) *T { return &v }

func synth(t *testing.T, p meshnamespace.Props, cpProps istio.Props) (testutil.Doc, string) {
	t.Helper()
	stack := stacktest.NewStack(t)
	helmprovider.NewHelmProvider(stack, jsii.String("helm"), &helmprovider.HelmProviderConfig{})
	k8sprovider.NewKubernetesProvider(stack, jsii.String("kubernetes"), &k8sprovider.KubernetesProviderConfig{})
	cp, err := istio.New(stack, "istio", cpProps)
	if err != nil {
		t.Fatal(err)
	}
	// The ambient waypoint is a Gateway API Gateway: its CRDs come first.
	var crds *gatewayapicrds.CRDs
	if cp.Props().Ambient() {
		if crds, err = gatewayapicrds.New(stack, "gateway-api-crds", cp.Props().Version, cp.Props().Namespace, cp.Props().TimeoutSeconds, cp.Releases()...); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := meshnamespace.New(stack, "namespace", p, cp, crds); err != nil {
		t.Fatal(err)
	}
	outdir := *cdktf.Testing_FullSynth(stack)
	return testutil.Load(t, testutil.StackPath(outdir, "test")), filepath.Join(outdir, "stacks", "test")
}

func TestInjectionLabels(t *testing.T) {
	for _, tc := range []struct {
		name     string
		p        meshnamespace.Props
		revision string
		want     map[string]string
	}{
		{"default revision", meshnamespace.Props{}, "", map[string]string{"istio-injection": "enabled"}},
		{"revision", meshnamespace.Props{}, "1-30", map[string]string{"istio.io/rev": "1-30"}},
		{"injection off", meshnamespace.Props{Injection: ptr(false)}, "1-30", map[string]string{"istio-injection": "disabled"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.WithDefaults().InjectionLabels(tc.revision); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNamespace(t *testing.T) {
	d, _ := synth(t, meshnamespace.Props{
		Name:        "shop",
		Labels:      map[string]string{"team": "payments"},
		Annotations: map[string]string{"owner": "platform"},
	}, istio.Props{Revision: "1-30"})
	ns := d.Resource(t, "kubernetes_namespace_v1", "namespace/namespace")
	testutil.AssertSubset(t, ns, map[string]any{"metadata": map[string]any{
		"name":        "shop",
		"labels":      map[string]any{"team": "payments", "istio.io/rev": "1-30"},
		"annotations": map[string]any{"owner": "platform"},
	}})
	if _, ok := ns["metadata"].(map[string]any)["labels"].(map[string]any)["istio-injection"]; ok {
		t.Error("namespace has both istio-injection and istio.io/rev; Istio flags that")
	}
	if n := d.Count("helm_release"); n != 3 {
		t.Errorf("helm releases: got %d, want the control plane's 3 only, without peerAuthentication", n)
	}
	testutil.AssertSubset(t, ns, map[string]any{"depends_on": []string{
		"helm_release." + d.LogicalID(t, "resource", "helm_release", "istio/base"),
		"helm_release." + d.LogicalID(t, "resource", "helm_release", "istio/istiod"),
		"helm_release." + d.LogicalID(t, "resource", "helm_release", "istio/gateway"),
	}})
}

func TestStrictPeerAuthentication(t *testing.T) {
	d, stackDir := synth(t, meshnamespace.Props{PeerAuthentication: meshnamespace.MTLSStrict}, istio.Props{IngressGateway: istio.IngressGateway{Enabled: ptr(false)}})
	testutil.AssertSubset(t, d.Resource(t, "helm_release", "namespace/peer-authentication"), map[string]any{
		"namespace":  "bluegreen",
		"depends_on": []string{"kubernetes_namespace_v1." + d.LogicalID(t, "resource", "kubernetes_namespace_v1", "namespace/namespace")},
		"atomic":     true,
	})
	rels, err := render.Releases(stackDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rels) != 3 {
		t.Fatalf("got %d releases, want 3: istio-base, istiod and peer-authentication", len(rels))
	}
	obj, err := render.Decode(renderOne(t, rels, "peer-authentication"))
	if err != nil {
		t.Fatal(err)
	}
	if obj.APIVersion != "security.istio.io/v1" || obj.Kind != "PeerAuthentication" || obj.Metadata.Name != "default" || obj.Metadata.Namespace != "bluegreen" {
		t.Errorf("got %s %s %s/%s, want security.istio.io/v1 PeerAuthentication bluegreen/default",
			obj.APIVersion, obj.Kind, obj.Metadata.Namespace, obj.Metadata.Name)
	}
	spec, err := obj.Field("spec")
	if err != nil {
		t.Fatal(err)
	}
	var pa securityv1.PeerAuthentication
	if err := (protojson.UnmarshalOptions{DiscardUnknown: false}).Unmarshal(spec, &pa); err != nil {
		t.Fatalf("spec is not a PeerAuthentication: %v\n%s", err, spec)
	}
	if got := pa.GetMtls().GetMode(); got != securityv1.PeerAuthentication_MutualTLS_STRICT {
		t.Errorf("mtls mode: got %v, want STRICT", got)
	}
	if pa.GetSelector() != nil {
		t.Errorf("selector: got %v, want none (namespace-wide)", pa.GetSelector())
	}
}

// renderOne renders the release named name among rels, which must come
// from a local chart under the stack's assets/, with Helm's engine, and
// returns its one manifest.
func renderOne(t *testing.T, rels []render.Release, name string) render.Manifest {
	t.Helper()
	i := slices.IndexFunc(rels, func(r render.Release) bool { return r.Name == name })
	if i < 0 || !rels[i].Local() || !strings.HasPrefix(rels[i].Chart, "assets/") {
		t.Fatalf("got releases %+v, want %s from a local chart under assets/", rels, name)
	}
	manifests, err := render.Render(rels[i])
	if err != nil {
		t.Fatal(err)
	}
	if len(manifests) != 1 {
		t.Fatalf("%s: got %d manifests, want one", name, len(manifests))
	}
	return manifests[0]
}

func TestValidateBadInput(t *testing.T) {
	for _, tc := range []struct {
		name     string
		p        meshnamespace.Props
		revision string
		field    string
		detail   string
	}{
		{"fails/both injection labels requested", meshnamespace.Props{Labels: map[string]string{"istio-injection": "enabled"}}, "1-30",
			"labels[istio-injection]", "both injection labels requested: the namespace gets istio.io/rev=1-30 from istio.revision"},
		{"fails/revision label without a revision", meshnamespace.Props{Labels: map[string]string{"istio.io/rev": "canary"}}, "",
			"labels[istio.io/rev]", "both injection labels requested: the namespace gets istio-injection=enabled"},
		{"fails/injection label set by hand", meshnamespace.Props{Labels: map[string]string{"istio-injection": "enabled"}}, "",
			"labels[istio-injection]", "set from namespace.injection"},
		{"fails/bad name", meshnamespace.Props{Name: "Blue_NS"}, "",
			"name", `Invalid value: "Blue_NS"`},
		{"fails/reserved name", meshnamespace.Props{Name: "kube-system"}, "",
			"name", "must not be a namespace Kubernetes creates itself"},
		{"fails/bad label value", meshnamespace.Props{Labels: map[string]string{"team": "a b"}}, "",
			"labels[team]", `Invalid value: "a b"`},
		{"fails/unknown mTLS mode", meshnamespace.Props{PeerAuthentication: "strict"}, "",
			"peerAuthentication", `Unsupported value: "strict": supported values: "STRICT", "PERMISSIVE"`},
		{"fails/extra values without a PeerAuthentication", meshnamespace.Props{ExtraValues: map[string]any{"labels": map[string]any{"team": "shop"}}}, "",
			"extraValues", "only with peerAuthentication"},
		{"fails/STRICT without sidecars", meshnamespace.Props{PeerAuthentication: "STRICT", Injection: ptr(false)}, "",
			"peerAuthentication", "STRICT needs sidecars"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testutil.AssertFieldError(t, tc.p.WithDefaults().ValidateAt(nil, tc.revision), tc.field, tc.detail)
		})
	}
}

// TestStandaloneDefaults uses the construct as a team importing it would:
// with empty props and a default control plane it is the namespace
// "bluegreen", labelled for the default revision's sidecars, without a
// PeerAuthentication; without a control plane it is refused.
func TestStandaloneDefaults(t *testing.T) {
	d, _ := synth(t, meshnamespace.Props{}, istio.Props{})
	testutil.AssertSubset(t, d.Resource(t, "kubernetes_namespace_v1", "namespace/namespace"), map[string]any{
		"metadata": map[string]any{"name": "bluegreen", "labels": map[string]any{"istio-injection": "enabled"}},
	})
	if n := d.Count("helm_release"); n != 3 {
		t.Errorf("helm releases: got %d, want the control plane's 3 and no PeerAuthentication", n)
	}
	if _, err := meshnamespace.New(stacktest.NewStack(t), "namespace", meshnamespace.Props{}, nil, nil); err == nil || !strings.Contains(err.Error(), "the control plane is required") {
		t.Errorf("got %v, want an error asking for the control plane", err)
	}
}

// TestAmbientNamespace checks the namespace of an ambient control plane:
// enrolled with istio.io/dataplane-mode=ambient and sent through its
// waypoint, without sidecar injection labels, and the waypoint a Gateway
// API Gateway of class istio-waypoint with Istio's HBONE listener, as
// `istioctl waypoint generate` writes it, rendered by Helm from the local
// chart and decoded with the Gateway API's own types.
func TestAmbientNamespace(t *testing.T) {
	d, stackDir := synth(t, meshnamespace.Props{Name: "shop", Labels: map[string]string{"team": "payments"}},
		istio.Props{Dataplane: istio.DataplaneAmbient, Revision: "1-31"})
	ns := d.Resource(t, "kubernetes_namespace_v1", "namespace/namespace")
	labels := ns["metadata"].(map[string]any)["labels"]
	want := map[string]any{"team": "payments", "istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "waypoint"}
	if !reflect.DeepEqual(labels, want) {
		t.Errorf("namespace labels: got %v, want %v", labels, want)
	}
	testutil.AssertSubset(t, d.Resource(t, "helm_release", "namespace/waypoint"), map[string]any{
		"name": "waypoint", "namespace": "shop",
		"depends_on": []string{"kubernetes_namespace_v1." + d.LogicalID(t, "resource", "kubernetes_namespace_v1", "namespace/namespace")},
	})
	rels, err := render.Releases(stackDir)
	if err != nil {
		t.Fatal(err)
	}
	m := renderOne(t, rels, "waypoint")
	var gw gwv1.Gateway
	if err := yaml.UnmarshalStrict([]byte(m.YAML), &gw); err != nil {
		t.Fatalf("not a Gateway API Gateway: %v\n%s", err, m.YAML)
	}
	if gw.APIVersion != "gateway.networking.k8s.io/v1" || gw.Kind != "Gateway" || gw.Namespace != "shop" || gw.Name != "waypoint" {
		t.Errorf("got %s %s %s/%s, want gateway.networking.k8s.io/v1 Gateway shop/waypoint", gw.APIVersion, gw.Kind, gw.Namespace, gw.Name)
	}
	if gw.Spec.GatewayClassName != "istio-waypoint" {
		t.Errorf("gatewayClassName: got %q, want istio-waypoint", gw.Spec.GatewayClassName)
	}
	wantListeners := []gwv1.Listener{{Name: "mesh", Port: 15008, Protocol: "HBONE"}}
	if !reflect.DeepEqual(gw.Spec.Listeners, wantListeners) {
		t.Errorf("listeners: got %+v, want %+v", gw.Spec.Listeners, wantListeners)
	}
	if got := gw.Labels["istio.io/rev"]; got != "1-31" {
		t.Errorf("waypoint label istio.io/rev: got %q, want 1-31 (the control plane's revision deploys it)", got)
	}
}

func TestAmbientNamedWaypoint(t *testing.T) {
	p := meshnamespace.Props{Waypoint: "shop-waypoint"}.WithDefaults()
	if got, want := p.AllAmbientLabels(), map[string]string{"istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "shop-waypoint"}; !reflect.DeepEqual(got, want) {
		t.Errorf("labels: got %v, want %v", got, want)
	}
	r := p.WaypointRelease("")
	if want := map[string]any{"name": "shop-waypoint"}; r.ID != "waypoint" || r.Name != "shop-waypoint" || r.Namespace != "bluegreen" || !reflect.DeepEqual(r.Values, want) {
		t.Errorf("got release %s %s in %s with values %v; want waypoint shop-waypoint in bluegreen with %v", r.ID, r.Name, r.Namespace, r.Values, want)
	}
}

func TestValidateAmbientBadInput(t *testing.T) {
	for _, tc := range []struct {
		name   string
		p      meshnamespace.Props
		field  string
		detail string
	}{
		{"fails/injection on", meshnamespace.Props{Injection: ptr(true)},
			"injection", `sidecar-only setting: with istio.dataplane "ambient" no sidecars are injected`},
		{"fails/injection off", meshnamespace.Props{Injection: ptr(false)},
			"injection", `sidecar-only setting`},
		{"fails/injection label", meshnamespace.Props{Labels: map[string]string{"istio-injection": "enabled"}},
			"labels[istio-injection]", `the sidecar injection labels do not apply; remove this label`},
		{"fails/revision label", meshnamespace.Props{Labels: map[string]string{"istio.io/rev": "1-31"}},
			"labels[istio.io/rev]", `the sidecar injection labels do not apply`},
		{"fails/waypoint label by hand", meshnamespace.Props{Labels: map[string]string{"istio.io/use-waypoint": "other"}},
			"labels[istio.io/use-waypoint]", `the construct sets istio.io/dataplane-mode and istio.io/use-waypoint (from namespace.waypoint)`},
		{"fails/bad waypoint name", meshnamespace.Props{Waypoint: "Shop_Waypoint"},
			"waypoint", `Invalid value: "Shop_Waypoint"`},
		{"fails/waypoint none", meshnamespace.Props{Waypoint: "none"},
			"waypoint", `"none" means no waypoint to Istio`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testutil.AssertFieldError(t, tc.p.WithDefaults().ValidateAmbientAt(nil), tc.field, tc.detail)
		})
	}
	testutil.AssertFieldError(t, meshnamespace.Props{Waypoint: "shop-waypoint"}.WithDefaults().ValidateAt(nil, ""),
		"waypoint", `only with istio.dataplane "ambient"`)
	if errs := (meshnamespace.Props{PeerAuthentication: "STRICT"}).WithDefaults().ValidateAmbientAt(nil); len(errs) != 0 {
		t.Errorf("STRICT under ambient (ztunnel terminates mutual TLS): got %v, want no error", errs)
	}
}

// TestWaypointChartSchemaRefusesBadValues renders the waypoint chart with
// values its values.schema.json must refuse, through Helm's engine.
func TestWaypointChartSchemaRefusesBadValues(t *testing.T) {
	dir, err := charts.Dir(meshnamespace.WaypointChart)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := render.RenderChart(dir, "waypoint", "shop", map[string]any{"name": "waypoint"}); err != nil {
		t.Fatalf("good values: %v", err)
	}
	for _, tc := range []struct {
		name   string
		values map[string]any
		detail string
	}{
		{"fails/unknown key", map[string]any{"name": "waypoint", "listenerPort": 15009}, "listenerPort"},
		{"fails/name none", map[string]any{"name": "none"}, "name"},
		{"fails/name not a label", map[string]any{"name": "Shop_Waypoint"}, "name"},
		{"fails/unknown traffic type", map[string]any{"name": "waypoint", "trafficFor": "ingress"}, "trafficFor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := render.RenderChart(dir, "waypoint", "shop", tc.values)
			if err == nil || !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("got %v; want a schema error naming %s", err, tc.detail)
			}
		})
	}
}

// TestReleasesTakeTheControlPlaneTimeout synthesizes an ambient namespace
// with a PeerAuthentication under a control plane whose timeoutSeconds is
// 900 (not the default 600, nor the 300 s the namespace's own releases
// start with): the peer-authentication and waypoint releases, and the
// Gateway API CRDs' release before them, each wait 900 s.
func TestReleasesTakeTheControlPlaneTimeout(t *testing.T) {
	d, _ := synth(t, meshnamespace.Props{PeerAuthentication: meshnamespace.MTLSStrict},
		istio.Props{Dataplane: istio.DataplaneAmbient, TimeoutSeconds: 900})
	for _, id := range []string{"namespace/peer-authentication", "namespace/waypoint", "gateway-api-crds/gateway-api-crds"} {
		if got := d.Resource(t, "helm_release", id)["timeout"]; got != float64(900) {
			t.Errorf("helm_release %s: got timeout %v, want 900 (istio.timeoutSeconds)", id, got)
		}
	}
}
