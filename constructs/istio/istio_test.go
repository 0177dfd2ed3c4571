package istio_test

import (
	"encoding/json"
	"maps"
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
	meshv1alpha1 "istio.io/api/mesh/v1alpha1"

	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/stacktest"
)

// synth builds a control plane in a fresh stack and returns the stack's
// JSON and its output folder (where Terraform runs).
func synth(t *testing.T, p istio.Props) (testutil.Doc, string) {
	t.Helper()
	stack := stacktest.NewStack(t)
	helmprovider.NewHelmProvider(stack, jsii.String("helm"), &helmprovider.HelmProviderConfig{})
	k8sprovider.NewKubernetesProvider(stack, jsii.String("kubernetes"), &k8sprovider.KubernetesProviderConfig{})
	if _, err := istio.New(stack, "istio", p); err != nil {
		t.Fatal(err)
	}
	outdir := *cdktf.Testing_FullSynth(stack)
	return testutil.Load(t, testutil.StackPath(outdir, "test")), filepath.Join(outdir, "stacks", "test")
}

// walkthrough is the control plane of the walkthrough this product
// automates: pilot memory 3072Mi, access log on.
func walkthrough() istio.Props {
	return istio.Props{
		KubernetesVersion: "1.34",
		Profile:           istio.ProfileDemo,
		Pilot:             istio.Pilot{Resources: istio.Resources{Requests: istio.ResourceList{CPU: "500m", Memory: "3072Mi"}}},
		MeshConfig:        istio.MeshConfig{AccessLogFile: "/dev/stdout", OutboundTrafficPolicy: istio.OutboundRegistryOnly},
		ExtraValues: istio.ExtraValues{
			Istiod: map[string]any{"pilot": map[string]any{"env": map[string]any{"PILOT_ENABLE_STATUS": "true"}}},
		},
	}
}

var releaseSettings = map[string]any{"atomic": true, "wait": true, "cleanup_on_fail": true, "timeout": 600, "max_history": 10}

func TestHelmMode(t *testing.T) {
	p := walkthrough()
	p.Revision = "canary"
	p.IngressGateway.ServiceAnnotations = map[string]string{"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}
	d, _ := synth(t, p)

	if got := d.Count("helm_release"); got != 3 {
		t.Errorf("helm releases: got %d, want 3 (base, istiod, gateway)", got)
	}
	testutil.AssertSubset(t, d.Resource(t, "kubernetes_namespace_v1", "istio/namespace"), map[string]any{"metadata": map[string]any{"name": "istio-system"}})
	testutil.AssertSubset(t, d.Resource(t, "kubernetes_namespace_v1", "istio/gateway-namespace"), map[string]any{"metadata": map[string]any{"name": "istio-ingress"}})

	ref := func(typ, path string) string { return typ + "." + d.LogicalID(t, "resource", typ, path) }
	for _, r := range []struct {
		path, name, chart string
		namespace         string
		dependsOn         []string
	}{
		{"istio/base", "istio-base", "base", "istio-system", []string{ref("kubernetes_namespace_v1", "istio/namespace")}},
		{"istio/istiod", "istiod-canary", "istiod", "istio-system", []string{ref("helm_release", "istio/base")}},
		{"istio/gateway", "istio-ingressgateway", "gateway", "istio-ingress", []string{ref("helm_release", "istio/istiod"), ref("kubernetes_namespace_v1", "istio/gateway-namespace")}},
	} {
		rel := d.Resource(t, "helm_release", r.path)
		testutil.AssertSubset(t, rel, map[string]any{
			"name": r.name, "chart": r.chart, "repository": "https://blob.istio.io/istio-release/charts", "version": "1.31.1",
			"namespace": r.namespace, "depends_on": r.dependsOn,
		})
		testutil.AssertSubset(t, rel, releaseSettings)
	}

	testutil.AssertSubset(t, testutil.Values(t, d.Resource(t, "helm_release", "istio/base")), map[string]any{
		"defaultRevision": "canary",
		"base":            map[string]any{"enableCRDTemplates": true},
		"global":          map[string]any{"istioNamespace": "istio-system"},
		"profile":         "demo",
	})
	istiod := testutil.Values(t, d.Resource(t, "helm_release", "istio/istiod"))
	want := map[string]any{
		"revision": "canary",
		"profile":  "demo",
		"global":   map[string]any{"istioNamespace": "istio-system", "hub": "docker.io/istio", "tag": "1.31.1"},
		"pilot": map[string]any{
			"resources": map[string]any{"requests": map[string]any{"cpu": "500m", "memory": "3072Mi"}},
			"env":       map[string]any{"PILOT_ENABLE_STATUS": "true"},
		},
		"meshConfig": map[string]any{"accessLogFile": "/dev/stdout", "outboundTrafficPolicy": map[string]any{"mode": "REGISTRY_ONLY"}},
	}
	if !reflect.DeepEqual(istiod, want) {
		t.Errorf("istiod values:\ngot  %v\nwant %v", istiod, want)
	}
	testutil.AssertSubset(t, testutil.Values(t, d.Resource(t, "helm_release", "istio/gateway")), map[string]any{
		"name":     "istio-ingressgateway",
		"revision": "canary",
		"service": map[string]any{
			"type":        "LoadBalancer",
			"annotations": map[string]any{"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"},
			"ports": []any{
				map[string]any{"name": "status-port", "port": 15021, "targetPort": 15021, "protocol": "TCP"},
				map[string]any{"name": "http2", "port": 80, "targetPort": 80, "protocol": "TCP"},
				map[string]any{"name": "https", "port": 443, "targetPort": 443, "protocol": "TCP"},
			},
		},
		"autoscaling": map[string]any{"enabled": true, "minReplicas": 1, "maxReplicas": 5},
	})
}

func TestHelmModeDefaultsAndFixedReplicas(t *testing.T) {
	d, _ := synth(t, istio.Props{IngressGateway: istio.IngressGateway{Autoscaling: istio.Autoscaling{Enabled: ptr(false)}, Replicas: 2}})
	istiod := testutil.Values(t, d.Resource(t, "helm_release", "istio/istiod"))
	for _, key := range []string{"revision", "profile", "pilot"} {
		if _, ok := istiod[key]; ok {
			t.Errorf("istiod values have %q (%v); want it left to the chart by default", key, istiod[key])
		}
	}
	testutil.AssertSubset(t, d.Resource(t, "helm_release", "istio/istiod"), map[string]any{"name": "istiod"})
	testutil.AssertSubset(t, testutil.Values(t, d.Resource(t, "helm_release", "istio/base")), map[string]any{"defaultRevision": "default"})
	gw := testutil.Values(t, d.Resource(t, "helm_release", "istio/gateway"))
	testutil.AssertSubset(t, gw, map[string]any{"replicaCount": 2, "autoscaling": map[string]any{"enabled": false}})
	if _, ok := gw["revision"]; ok {
		t.Errorf("gateway values have a revision (%v); want none for the default revision", gw["revision"])
	}
}

func TestMinimalProfileInstallsNoGateway(t *testing.T) {
	d, _ := synth(t, istio.Props{Profile: istio.ProfileMinimal})
	if got := d.Count("helm_release"); got != 2 {
		t.Errorf("helm releases: got %d, want 2 (base, istiod)", got)
	}
	if got := d.Count("kubernetes_namespace_v1"); got != 1 {
		t.Errorf("namespaces: got %d, want 1 (no gateway namespace)", got)
	}
	if _, ok := testutil.Values(t, d.Resource(t, "helm_release", "istio/istiod"))["profile"]; ok {
		t.Error(`istiod values have a profile; Istio's charts have no "minimal" profile file, want none`)
	}
}

// sailIstio mirrors the fields of the Sail Operator's Istio resource
// (sailoperator.io/v1) that the construct sets, for a strict decode.
type sailIstio struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		Version        string `json:"version"`
		Namespace      string `json:"namespace"`
		Profile        string `json:"profile"`
		UpdateStrategy struct {
			Type string `json:"type"`
		} `json:"updateStrategy"`
		Values json.RawMessage `json:"values"`
	} `json:"spec"`
}

// istiodValues mirrors the part of Istio's Helm values the construct sets;
// meshConfig is decoded separately into Istio's own MeshConfig type.
type istiodValues struct {
	Global struct {
		IstioNamespace   string   `json:"istioNamespace"`
		Hub              string   `json:"hub"`
		Tag              string   `json:"tag"`
		ImagePullSecrets []string `json:"imagePullSecrets"`
	} `json:"global"`
	Pilot struct {
		Resources struct {
			Requests map[string]string `json:"requests"`
			Limits   map[string]string `json:"limits"`
		} `json:"resources"`
		Env map[string]string `json:"env"`
	} `json:"pilot"`
	MeshConfig json.RawMessage `json:"meshConfig"`
}

// renderSail renders the local chart of the Sail Operator's resources
// exactly as the synthesized helm_release carries it, and checks that it
// renders want objects.
func renderSail(t *testing.T, stackDir string, want int) []render.Manifest {
	t.Helper()
	rels, err := render.Releases(stackDir)
	if err != nil {
		t.Fatal(err)
	}
	var local []render.Release
	for _, r := range rels {
		if r.Local() {
			local = append(local, r)
		}
	}
	if len(local) != 1 || !strings.HasSuffix(local[0].Path, "istio/controlplane") {
		t.Fatalf("got local-chart releases %v, want istio/controlplane only", local)
	}
	if !strings.HasPrefix(local[0].Chart, "assets/") {
		t.Errorf("chart path %q: want a path relative to the stack folder, under assets/", local[0].Chart)
	}
	manifests, err := render.Render(local[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(manifests) != want {
		t.Fatalf("got %d manifests, want %d", len(manifests), want)
	}
	return manifests
}

// renderIstio renders the Istio resource exactly as the synthesized
// helm_release carries it (the chart's only object with the sidecar data
// plane), and decodes it strictly.
func renderIstio(t *testing.T, stackDir string) (sailIstio, map[string]any) {
	t.Helper()
	return decodeIstio(t, renderSail(t, stackDir, 1)[0])
}

// decodeIstio decodes a rendered Istio resource strictly, and its
// spec.values both as Istio's values and untyped.
func decodeIstio(t *testing.T, m render.Manifest) (sailIstio, map[string]any) {
	t.Helper()
	manifests := []render.Manifest{m}
	obj, err := render.Decode(manifests[0])
	if err != nil {
		t.Fatal(err)
	}
	var cr sailIstio
	if err := render.Strict(obj.Raw, &cr); err != nil {
		t.Fatalf("Istio resource: %v\n%s", err, manifests[0].YAML)
	}
	var typed istiodValues
	if err := render.Strict(cr.Spec.Values, &typed); err != nil {
		t.Fatalf("spec.values: %v", err)
	}
	var mesh meshv1alpha1.MeshConfig
	if err := (protojson.UnmarshalOptions{DiscardUnknown: false}).Unmarshal(typed.MeshConfig, &mesh); err != nil {
		t.Fatalf("spec.values.meshConfig is not an Istio MeshConfig: %v", err)
	}
	if mesh.GetAccessLogFile() != "/dev/stdout" || mesh.GetOutboundTrafficPolicy().GetMode() != meshv1alpha1.MeshConfig_OutboundTrafficPolicy_REGISTRY_ONLY {
		t.Errorf("meshConfig: got access log %q, outbound %v; want /dev/stdout, REGISTRY_ONLY", mesh.GetAccessLogFile(), mesh.GetOutboundTrafficPolicy().GetMode())
	}
	if typed.Pilot.Resources.Requests["memory"] != "3072Mi" {
		t.Errorf("spec.values.pilot.resources.requests.memory: got %q, want 3072Mi", typed.Pilot.Resources.Requests["memory"])
	}
	var untyped map[string]any
	if err := json.Unmarshal(cr.Spec.Values, &untyped); err != nil {
		t.Fatal(err)
	}
	return cr, untyped
}

func TestOperatorMode(t *testing.T) {
	p := walkthrough()
	p.InstallMode = istio.ModeOperator
	d, stackDir := synth(t, p)

	for _, path := range []string{"istio/base", "istio/istiod"} {
		for _, r := range d.Resources("helm_release") {
			if strings.HasSuffix(r.(map[string]any)["//"].(map[string]any)["metadata"].(map[string]any)["path"].(string), path) {
				t.Errorf("operator mode has %s; the Sail Operator installs it", path)
			}
		}
	}
	ref := func(typ, path string) string { return typ + "." + d.LogicalID(t, "resource", typ, path) }
	testutil.AssertSubset(t, d.Resource(t, "kubernetes_namespace_v1", "istio/operator-namespace"), map[string]any{"metadata": map[string]any{"name": "sail-operator"}})
	op := d.Resource(t, "helm_release", "istio/sail-operator")
	testutil.AssertSubset(t, op, map[string]any{
		"name": "sail-operator", "chart": "sail-operator", "repository": "https://istio-ecosystem.github.io/sail-operator", "version": "1.31.1",
		"namespace": "sail-operator", "depends_on": []string{ref("kubernetes_namespace_v1", "istio/operator-namespace")},
	})
	testutil.AssertSubset(t, op, releaseSettings)
	cp := d.Resource(t, "helm_release", "istio/controlplane")
	testutil.AssertSubset(t, cp, map[string]any{
		"name": "istio-default", "namespace": "istio-system",
		"depends_on": []string{ref("helm_release", "istio/sail-operator"), ref("kubernetes_namespace_v1", "istio/namespace")},
	})
	if _, ok := cp["repository"]; ok {
		t.Errorf("the Istio resource's chart comes from %v; want the local chart", cp["repository"])
	}
	testutil.AssertSubset(t, d.Resource(t, "helm_release", "istio/gateway"), map[string]any{
		"chart": "gateway", "version": "1.31.1",
		"depends_on": []string{ref("helm_release", "istio/controlplane"), ref("kubernetes_namespace_v1", "istio/gateway-namespace")},
	})

	cr, _ := renderIstio(t, stackDir)
	if cr.APIVersion != "sailoperator.io/v1" || cr.Kind != "Istio" || cr.Metadata.Name != "default" {
		t.Errorf("got %s %s %q, want sailoperator.io/v1 Istio \"default\"", cr.APIVersion, cr.Kind, cr.Metadata.Name)
	}
	if s := cr.Spec; s.Version != "v1.31.1" || s.Namespace != "istio-system" || s.Profile != "demo" || s.UpdateStrategy.Type != "InPlace" {
		t.Errorf("spec: got version %q, namespace %q, profile %q, update strategy %q; want v1.31.1, istio-system, demo, InPlace",
			s.Version, s.Namespace, s.Profile, s.UpdateStrategy.Type)
	}
	if cr.Metadata.Labels["app.kubernetes.io/managed-by"] != "Helm" || cr.Metadata.Labels["app.kubernetes.io/name"] != istio.ControlChart {
		t.Errorf("labels: got %v, want the chart's recommended labels", cr.Metadata.Labels)
	}
}

// TestBothModesGiveTheSameControlPlane checks that the same props give
// istiod the same values whether Helm or the Sail Operator installs it: the
// istiod release's values are the Istio resource's spec.values, plus the
// revision and profile the resource carries as its name and spec.profile.
func TestBothModesGiveTheSameControlPlane(t *testing.T) {
	p := walkthrough()
	p.Revision = "blue"
	helm, _ := synth(t, p)
	p.InstallMode = istio.ModeOperator
	_, stackDir := synth(t, p)

	viaHelm := testutil.Values(t, helm.Resource(t, "helm_release", "istio/istiod"))
	cr, viaOperator := renderIstio(t, stackDir)
	if viaHelm["revision"] != cr.Metadata.Name {
		t.Errorf("revision: helm %v, operator resource name %q; want the same", viaHelm["revision"], cr.Metadata.Name)
	}
	if viaHelm["profile"] != cr.Spec.Profile {
		t.Errorf("profile: helm %v, operator %q; want the same", viaHelm["profile"], cr.Spec.Profile)
	}
	delete(viaHelm, "revision")
	delete(viaHelm, "profile")
	if !reflect.DeepEqual(viaHelm, viaOperator) {
		t.Errorf("istiod values differ:\nhelm     %v\noperator %v", viaHelm, viaOperator)
	}
	if mem := viaOperator["pilot"].(map[string]any)["resources"].(map[string]any)["requests"].(map[string]any)["memory"]; mem != "3072Mi" {
		t.Errorf("pilot memory: got %v, want 3072Mi in both modes", mem)
	}
}

func TestRevisionBasedUpdatesLabelTheGatewayWithTheOperatorsRevision(t *testing.T) {
	p := istio.Props{InstallMode: istio.ModeOperator, Operator: istio.Operator{UpdateStrategy: istio.UpdateRevisionBased}}
	d, _ := synth(t, p)
	testutil.AssertSubset(t, testutil.Values(t, d.Resource(t, "helm_release", "istio/gateway")), map[string]any{"revision": "default-v1-31-1"})
}

func TestNewRejectsBadProps(t *testing.T) {
	stack := stacktest.NewStack(t)
	_, err := istio.New(stack, "istio", istio.Props{Version: "1.28.0", KubernetesVersion: "1.35"})
	if err == nil || !strings.Contains(err.Error(), `istio "istio": version: Invalid value: "1.28.0"`) {
		t.Errorf("got %v, want an error naming the construct and the version", err)
	}
}

// TestAmbientHelmMode checks the ambient data plane's releases: Istio's
// cni and ztunnel charts between istiod and the gateway, in the order of
// Istio's ambient Helm install, with the ambient profile and the same
// images as istiod.
func TestAmbientHelmMode(t *testing.T) {
	p := istio.Props{
		KubernetesVersion: "1.34", Dataplane: istio.DataplaneAmbient, Revision: "canary",
		Hub: "registry.example.com/istio", ImagePullSecrets: []string{"regcred"},
		ExtraValues: istio.ExtraValues{Ztunnel: map[string]any{"logLevel": "debug"}},
	}
	order := releaseOrder(t, p)
	if want := []string{"base", "istiod", "cni", "ztunnel", "gateway"}; !reflect.DeepEqual(order, want) {
		t.Fatalf("release order: got %v, want %v", order, want)
	}
	if !p.NeedsGatewayAPICRDs() || (istio.Props{}).NeedsGatewayAPICRDs() {
		t.Errorf("NeedsGatewayAPICRDs: got %v for ambient and %v for sidecars; want true and false", p.NeedsGatewayAPICRDs(), (istio.Props{}).NeedsGatewayAPICRDs())
	}

	d, _ := synth(t, p)
	if got := d.Count("helm_release"); got != 5 {
		t.Errorf("helm releases: got %d, want 5 (base, istiod, cni, ztunnel, gateway)", got)
	}
	ref := func(typ, path string) string { return typ + "." + d.LogicalID(t, "resource", typ, path) }
	for _, r := range []struct {
		path, name, chart, namespace string
		dependsOn                    []string
	}{
		{"istio/base", "istio-base", "base", "istio-system", []string{ref("kubernetes_namespace_v1", "istio/namespace")}},
		{"istio/istiod", "istiod-canary", "istiod", "istio-system", []string{ref("helm_release", "istio/base")}},
		{"istio/cni", "istio-cni", "cni", "istio-system", []string{ref("helm_release", "istio/istiod")}},
		{"istio/ztunnel", "ztunnel", "ztunnel", "istio-system", []string{ref("helm_release", "istio/cni")}},
		{"istio/gateway", "istio-ingressgateway", "gateway", "istio-ingress", []string{ref("helm_release", "istio/istiod"), ref("helm_release", "istio/ztunnel"), ref("kubernetes_namespace_v1", "istio/gateway-namespace")}},
	} {
		rel := d.Resource(t, "helm_release", r.path)
		testutil.AssertSubset(t, rel, map[string]any{
			"name": r.name, "chart": r.chart, "repository": "https://blob.istio.io/istio-release/charts", "version": "1.31.1",
			"namespace": r.namespace, "depends_on": r.dependsOn,
		})
		testutil.AssertSubset(t, rel, releaseSettings)
	}
	for _, path := range []string{"istio/base", "istio/istiod"} {
		testutil.AssertSubset(t, testutil.Values(t, d.Resource(t, "helm_release", path)), map[string]any{"profile": "ambient"})
	}
	for _, c := range []struct {
		path string
		want map[string]any
	}{
		{"istio/cni", map[string]any{
			"profile":  "ambient",
			"revision": "canary",
			"global":   map[string]any{"hub": "registry.example.com/istio", "tag": "1.31.1", "imagePullSecrets": []any{"regcred"}},
		}},
		{"istio/ztunnel", map[string]any{
			"profile": "ambient", "revision": "canary", "istioNamespace": "istio-system",
			"hub": "registry.example.com/istio", "tag": "1.31.1", "imagePullSecrets": []any{"regcred"},
			"logLevel": "debug",
		}},
	} {
		if got := testutil.Values(t, d.Resource(t, "helm_release", c.path)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s values:\ngot  %v\nwant %v", c.path, got, c.want)
		}
	}
	if gw := testutil.Values(t, d.Resource(t, "helm_release", "istio/gateway")); gw["profile"] != nil {
		t.Errorf("gateway profile: got %v; want none, as in Istio's ambient Helm install", gw["profile"])
	}
}

// TestAmbientOperatorMode checks the ambient data plane with the Sail
// Operator: no cni or ztunnel chart, but the Sail Operator's IstioCNI and
// ZTunnel resources beside its Istio resource (profile "ambient"), in the
// control plane's namespace, with the same images as istiod and ztunnel
// pointed at istiod's revision, as in helm mode.
func TestAmbientOperatorMode(t *testing.T) {
	p := istio.Props{
		KubernetesVersion: "1.34", InstallMode: istio.ModeOperator, Dataplane: istio.DataplaneAmbient, Revision: "canary",
		Hub: "registry.example.com/istio", ImagePullSecrets: []string{"regcred"},
		ExtraValues: istio.ExtraValues{Ztunnel: map[string]any{"ztunnel": map[string]any{"logLevel": "debug"}}},
	}
	if err := p.WithDefaults().Validate(); err != nil {
		t.Fatalf("ambient with the Sail Operator: %v", err)
	}
	order := releaseOrder(t, p)
	if want := []string{"sail-operator", "controlplane", "gateway"}; !reflect.DeepEqual(order, want) {
		t.Fatalf("release order: got %v, want %v", order, want)
	}

	_, stackDir := synth(t, p)
	manifests := renderSail(t, stackDir, 3)
	byKind := map[string]map[string]any{}
	for _, m := range manifests {
		obj, err := render.Decode(m)
		if err != nil {
			t.Fatal(err)
		}
		var u map[string]any
		if err := json.Unmarshal(obj.Raw, &u); err != nil {
			t.Fatal(err)
		}
		byKind[u["kind"].(string)] = u
	}
	if len(byKind) != 3 {
		t.Fatalf("got kinds %v, want Istio, IstioCNI and ZTunnel", slices.Sorted(maps.Keys(byKind)))
	}
	if got := byKind["Istio"]["spec"].(map[string]any)["profile"]; got != "ambient" {
		t.Errorf("Istio spec.profile: got %v, want ambient", got)
	}
	global := map[string]any{"hub": "registry.example.com/istio", "tag": "1.31.1", "imagePullSecrets": []any{"regcred"}}
	for _, c := range []struct {
		kind string
		spec map[string]any
	}{
		{"IstioCNI", map[string]any{
			"version": "v1.31.1", "namespace": "istio-system", "profile": "ambient",
			"values": map[string]any{"global": global},
		}},
		{"ZTunnel", map[string]any{
			"version": "v1.31.1", "namespace": "istio-system",
			"values": map[string]any{"global": global, "ztunnel": map[string]any{"istioNamespace": "istio-system", "revision": "canary", "logLevel": "debug"}},
		}},
	} {
		u := byKind[c.kind]
		if u["apiVersion"] != "sailoperator.io/v1" || u["metadata"].(map[string]any)["name"] != "default" {
			t.Errorf("%s: got %v %v, want sailoperator.io/v1 named default (the Sail Operator allows no other name)", c.kind, u["apiVersion"], u["metadata"])
		}
		if !reflect.DeepEqual(u["spec"], c.spec) {
			t.Errorf("%s spec:\ngot  %v\nwant %v", c.kind, u["spec"], c.spec)
		}
	}
}

// releaseOrder is the ids of p's Helm releases, in install order.
func releaseOrder(t *testing.T, p istio.Props) []string {
	t.Helper()
	rels, err := p.HelmReleases()
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, r := range rels {
		order = append(order, r.ID)
	}
	return order
}
