package bluegreen_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	helmprovider "github.com/cdktf/cdktf-provider-helm-go/helm/v10/provider"
	kubernetesprovider "github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/constructs/meshnamespace"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/stacktest"
)

func ptr[T any](v T) *T { return &v }

func TestValidateBadInput(t *testing.T) {
	for _, tc := range []struct {
		name   string
		props  bluegreen.Props
		field  string
		detail string
	}{
		{"fails/pull secret that is not a name", bluegreen.Props{ImagePullSecrets: []string{"reg_cred"}},
			"imagePullSecrets[0]", `Invalid value: "reg_cred"`},
		{"fails/unknown colour", bluegreen.Props{Releases: map[string]bluegreen.Release{"red": {}}},
			"releases[red]", `Unsupported value: "red": supported values: "blue", "green"`},
		{"fails/no releases", bluegreen.Props{Releases: map[string]bluegreen.Release{}},
			"releases", "Required value"},
		{"fails/same release name for both colours", bluegreen.Props{Releases: map[string]bluegreen.Release{"blue": {Name: "v1"}, "green": {Name: "v1"}}},
			"releases[green].name", `Duplicate value: "v1 (also the blue release's name)"`},
		{"fails/bad release name", bluegreen.Props{Releases: map[string]bluegreen.Release{"blue": {Name: "Blue_1"}}},
			"releases[blue].name", `Invalid value: "Blue_1"`},
		{"fails/negative replicas", bluegreen.Props{Releases: map[string]bluegreen.Release{"blue": {Replicas: ptr(-1)}}},
			"releases[blue].replicas", "Invalid value: -1: must be 0 or more"},
		{"fails/bad quantity", bluegreen.Props{Releases: map[string]bluegreen.Release{"blue": {Resources: bluegreen.Resources{Limits: bluegreen.Quantities{Memory: "lots"}}}}},
			"releases[blue].resources.limits.memory", `Invalid value: "lots"`},
		{"fails/bad app name", bluegreen.Props{Name: "Echo"},
			"name", `Invalid value: "Echo"`},
		{"fails/bad port", bluegreen.Props{ServicePort: 70000},
			"servicePort", "must be a port between 1 and 65535"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.props
			p.Namespace = "apps"
			testutil.AssertFieldError(t, p.WithDefaults().ValidateAt(nil), tc.field, tc.detail)
		})
	}
}

func TestSubsetsFollowReleaseNames(t *testing.T) {
	p := bluegreen.Props{Namespace: "apps", Releases: map[string]bluegreen.Release{"blue": {Name: "echo-v1"}, "green": {}}}.WithDefaults()
	subsets := bluegreen.SubsetsOf(p)
	if len(subsets) != 2 || subsets[0].Colour != "blue" || subsets[0].Labels["version"] != "echo-v1" || subsets[1].Labels["version"] != "green" {
		t.Errorf("got %+v", subsets)
	}
	if got := bluegreen.ServiceHostOf(p); got != "echo.apps.svc.cluster.local" {
		t.Errorf("service host: got %s", got)
	}
}

// synth builds an app in a stack with a helm provider and returns the
// synthesized stack's folder.
func synth(t *testing.T, p bluegreen.Props) string {
	t.Helper()
	outdir := t.TempDir()
	app := cdktf.NewApp(&cdktf.AppConfig{Outdir: jsii.String(outdir)})
	stack := cdktf.NewTerraformStack(app, jsii.String("test"))
	helmprovider.NewHelmProvider(stack, jsii.String("helm"), &helmprovider.HelmProviderConfig{})
	if _, err := bluegreen.New(stack, "app", p, nil); err != nil {
		t.Fatal(err)
	}
	app.Synth()
	return filepath.Join(outdir, "stacks", "test")
}

func TestReleasesRenderWithTheirOwnValues(t *testing.T) {
	dir := synth(t, bluegreen.Props{Namespace: "apps", Releases: map[string]bluegreen.Release{
		"blue":  {Tag: "1.0", Args: []string{"-text", "blue-1.0"}, Replicas: ptr(3)},
		"green": {Tag: "1.0.0", Args: []string{"-text", "green-2.0"}, Replicas: ptr(0)},
	}})
	releases, err := render.Releases(dir)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]render.Release{}
	for _, r := range releases {
		byName[r.Name] = r
		// Every chart path resolves from the stack's own folder, where
		// Terraform runs.
		if filepath.IsAbs(r.Chart) || !strings.HasPrefix(r.Chart, "assets/") {
			t.Errorf("release %s: chart %q is not a path inside the stack folder", r.Name, r.Chart)
		}
		if _, err := os.Stat(filepath.Join(dir, r.Chart, "Chart.yaml")); err != nil {
			t.Errorf("release %s: chart does not resolve from %s: %v", r.Name, dir, err)
		}
		if r.Namespace != "apps" {
			t.Errorf("release %s: namespace %s, want apps", r.Name, r.Namespace)
		}
	}
	for _, tc := range []struct {
		release, image, text string
		replicas             string
	}{
		{"blue", "hashicorp/http-echo:1.0", "blue-1.0", "3"},
		{"green", "hashicorp/http-echo:1.0.0", "green-2.0", "0"},
	} {
		r, ok := byName[tc.release]
		if !ok {
			t.Fatalf("no release %s; have %v", tc.release, byName)
		}
		manifests, err := render.Render(r)
		if err != nil {
			t.Fatal(err)
		}
		if len(manifests) != 1 {
			t.Fatalf("release %s rendered %d manifests, want 1 Deployment", tc.release, len(manifests))
		}
		y := manifests[0].YAML
		for _, want := range []string{"name: echo-" + tc.release, `version: "` + tc.release + `"`, `image: "` + tc.image + `"`, `- "` + tc.text + `"`, "replicas: " + tc.replicas, `- "-listen=:5678"`} {
			if !strings.Contains(y, want) {
				t.Errorf("release %s Deployment lacks %q:\n%s", tc.release, want, y)
			}
		}
	}
	svc, err := render.Render(byName["echo-service"])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kind: Service", "name: echo", "port: 8600", "targetPort: 5678", "name: http", "app: echo"} {
		if !strings.Contains(svc[0].YAML, want) {
			t.Errorf("Service lacks %q:\n%s", want, svc[0].YAML)
		}
	}
	if strings.Contains(svc[0].YAML, "version:") {
		t.Errorf("the Service selects one colour; it must select both:\n%s", svc[0].YAML)
	}
}

func TestOnlyReleasedColours(t *testing.T) {
	dir := synth(t, bluegreen.Props{Namespace: "apps", Releases: map[string]bluegreen.Release{"green": {}}})
	releases, err := render.Releases(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range releases {
		names = append(names, r.Name)
	}
	if got := strings.Join(names, ","); got != "green,echo-service" && got != "echo-service,green" {
		t.Errorf("got releases %s, want green and echo-service", got)
	}
}

func TestImagePullSecrets(t *testing.T) {
	dir := synth(t, bluegreen.Props{Namespace: "apps", Image: "registry.example.com/mirror/http-echo", ImagePullSecrets: []string{"regcred"}})
	releases, err := render.Releases(dir)
	if err != nil {
		t.Fatal(err)
	}
	deployments := 0
	for _, r := range releases {
		if r.Name != "blue" && r.Name != "green" {
			continue
		}
		deployments++
		var d appsv1.Deployment
		renderObject(t, r, &d)
		got := d.Spec.Template.Spec.ImagePullSecrets
		if len(got) != 1 || got[0].Name != "regcred" {
			t.Errorf("release %s: imagePullSecrets %v, want [{regcred}]", r.Name, got)
		}
		if img := d.Spec.Template.Spec.Containers[0].Image; img != "registry.example.com/mirror/http-echo:1.0" {
			t.Errorf("release %s: image %q, want the mirror's", r.Name, img)
		}
	}
	if deployments != 2 {
		t.Fatalf("rendered %d colour releases, want 2", deployments)
	}
	// Without pull secrets the values carry none, so existing stacks do not
	// change.
	dir = synth(t, bluegreen.Props{Namespace: "apps"})
	releases, err = render.Releases(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range releases {
		for _, v := range r.Values {
			if strings.Contains(v, "imagePullSecrets") {
				t.Errorf("release %s: values name imagePullSecrets without any set:\n%s", r.Name, v)
			}
		}
	}
}

// TestStandaloneDefaults uses the construct as a team importing it would,
// with empty props: it applies its own defaults.
func TestStandaloneDefaults(t *testing.T) {
	releases, err := render.Releases(synth(t, bluegreen.Props{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(releases) != 3 {
		t.Fatalf("got %d releases, want 3 (blue, green, echo-service)", len(releases))
	}
	for _, r := range releases {
		if r.Namespace != "bluegreen" {
			t.Errorf("release %s: namespace %q, want bluegreen", r.Name, r.Namespace)
		}
	}
	p := bluegreen.Props{}.WithDefaults()
	if got := bluegreen.ServiceHostOf(p); got != "echo.bluegreen.svc.cluster.local" {
		t.Errorf("service host: got %s, want echo.bluegreen.svc.cluster.local", got)
	}
	if p.Image != "hashicorp/http-echo" || p.ContainerPort != 5678 || p.ServicePort != 8600 {
		t.Errorf("got image %s, ports %d/%d; want hashicorp/http-echo, 5678/8600", p.Image, p.ContainerPort, p.ServicePort)
	}
}

// TestChartsTakeNamesFromGo renders the charts and checks that the pods'
// version label, the Service's name and its port name are the ones the
// subsets and routes use: the charts take them from the values the
// construct fills, so they cannot disagree.
func TestChartsTakeNamesFromGo(t *testing.T) {
	p := bluegreen.Props{Name: "cart", Namespace: "shop", Releases: map[string]bluegreen.Release{"blue": {Name: "cart-v1"}}}
	releases, err := render.Releases(synth(t, p))
	if err != nil {
		t.Fatal(err)
	}
	if len(releases) != 2 {
		t.Fatalf("got %d releases, want 2 (cart-v1, cart-service)", len(releases))
	}
	subsets := bluegreen.SubsetsOf(p.WithDefaults())
	if len(subsets) != 1 || !reflect.DeepEqual(subsets[0].Labels, map[string]string{"version": "cart-v1"}) {
		t.Fatalf("subsets: got %+v, want one selecting version=cart-v1", subsets)
	}
	for _, r := range releases {
		switch r.Name {
		case "cart-v1":
			var d appsv1.Deployment
			renderObject(t, r, &d)
			for k, v := range subsets[0].Labels {
				if got := d.Spec.Template.Labels[k]; got != v {
					t.Errorf("pod label %s: got %q, want %q (the subset's)", k, got, v)
				}
				if got := d.Spec.Selector.MatchLabels[k]; got != v {
					t.Errorf("selector label %s: got %q, want %q (the subset's)", k, got, v)
				}
			}
		case "cart-service":
			var s corev1.Service
			renderObject(t, r, &s)
			if host := s.Name + "." + s.Namespace + ".svc.cluster.local"; host != "cart.shop.svc.cluster.local" || host != bluegreen.ServiceHostOf(p.WithDefaults()) {
				t.Errorf("Service %s/%s; want cart in shop, the host routes use", s.Namespace, s.Name)
			}
			if len(s.Spec.Ports) != 1 || s.Spec.Ports[0].Name != "http" {
				t.Errorf("Service ports %+v; want one named http", s.Spec.Ports)
			}
		default:
			t.Errorf("unexpected release %s", r.Name)
		}
	}
}

// renderObject renders release r, which must render exactly one manifest,
// and decodes that object strictly into v.
func renderObject(t *testing.T, r render.Release, v any) {
	t.Helper()
	manifests, err := render.Render(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(manifests) != 1 {
		t.Fatalf("release %s rendered %d manifests, want 1", r.Name, len(manifests))
	}
	obj, err := render.Decode(manifests[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := render.Strict(obj.Raw, v); err != nil {
		t.Fatalf("release %s: %v", r.Name, err)
	}
}

// TestNamespaceByType passes the namespace construct: the app takes its
// name and, in the same stack, is installed after it.
func TestNamespaceByType(t *testing.T) {
	stack := stacktest.NewStack(t)
	helmprovider.NewHelmProvider(stack, jsii.String("helm"), &helmprovider.HelmProviderConfig{})
	kubernetesprovider.NewKubernetesProvider(stack, jsii.String("kubernetes"), &kubernetesprovider.KubernetesProviderConfig{})
	cp, err := istio.New(stack, "istio", istio.Props{IngressGateway: istio.IngressGateway{Enabled: ptr(false)}})
	if err != nil {
		t.Fatal(err)
	}
	ns, err := meshnamespace.New(stack, "namespace", meshnamespace.Props{Name: "shop"}, cp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bluegreen.New(stack, "other", bluegreen.Props{Namespace: "apps"}, ns); err == nil || !strings.Contains(err.Error(), `namespace "apps" differs from the namespace "shop"`) {
		t.Errorf("got %v, want an error naming both namespaces", err)
	}
	app, err := bluegreen.New(stack, "app", bluegreen.Props{}, ns)
	if err != nil {
		t.Fatal(err)
	}
	if got := app.Props().Namespace; got != "shop" {
		t.Errorf("namespace: got %q, want shop (the namespace construct's)", got)
	}
	d := stacktest.Synth(t, stack)
	nsRef := "kubernetes_namespace_v1." + d.LogicalID(t, "resource", "kubernetes_namespace_v1", "namespace/namespace")
	for _, path := range []string{"app/blue", "app/green", "app/service"} {
		testutil.AssertSubset(t, d.Resource(t, "helm_release", path), map[string]any{"namespace": "shop", "depends_on": []string{nsRef}})
	}
}

// TestWithNamespace: the props New builds with in a namespace, from the
// namespace's props alone.
func TestWithNamespace(t *testing.T) {
	for _, tc := range []struct {
		name string
		ns   meshnamespace.Props
		want string
	}{
		{"named", meshnamespace.Props{Name: "shop"}, "shop"},
		{"the namespace's default", meshnamespace.Props{}, "bluegreen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := bluegreen.WithNamespace(bluegreen.Props{}, tc.ns)
			if p.Namespace != tc.want || p.Name != "echo" {
				t.Errorf("got namespace %q, name %q; want %q, echo (defaults applied)", p.Namespace, p.Name, tc.want)
			}
		})
	}
}

// TestNullExtraValueDeletesAChartDefault sets a colour's
// resources.limits to null through ExtraValues: the synthesized
// helm_release's values keep the null (so the helm provider hands it to
// Helm), and Helm's engine, coalescing the values over the chart's
// defaults, renders the Deployment without the chart's default limits. The
// other colour keeps its limits.
func TestNullExtraValueDeletesAChartDefault(t *testing.T) {
	dir := synth(t, bluegreen.Props{Namespace: "apps", Releases: map[string]bluegreen.Release{
		"blue":  {ExtraValues: map[string]any{"resources": map[string]any{"limits": nil}}},
		"green": {},
	}})
	releases, err := render.Releases(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range releases {
		if r.Name != "blue" && r.Name != "green" {
			continue
		}
		if len(r.Values) != 1 {
			t.Fatalf("release %s: got %d values documents, want 1", r.Name, len(r.Values))
		}
		if got, want := strings.Contains(r.Values[0], "  limits: null\n"), r.Name == "blue"; got != want {
			t.Errorf("release %s: values carry limits: null is %v, want %v:\n%s", r.Name, got, want, r.Values[0])
		}
		ms, err := render.Render(r)
		if err != nil {
			t.Fatal(err)
		}
		var d appsv1.Deployment
		if err := yaml.Unmarshal([]byte(ms[0].YAML), &d); err != nil {
			t.Fatal(err)
		}
		res := d.Spec.Template.Spec.Containers[0].Resources
		if r.Name == "blue" && (res.Limits != nil || res.Requests.Cpu().String() != "10m") {
			t.Errorf("blue: got resources %v; want the requests and no limits (the null deleted the chart's default)", res)
		}
		if r.Name == "green" && res.Limits.Memory().String() != "64Mi" {
			t.Errorf("green: got resources %v; want the default limits, memory 64Mi", res)
		}
	}
}
