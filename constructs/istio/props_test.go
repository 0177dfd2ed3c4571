package istio_test

import (
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
	"reflect"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
)

func ptr[T any](v T) *T { return &v }

func TestDefaults(t *testing.T) {
	p := istio.Props{KubernetesVersion: "1.34"}.WithDefaults()
	if err := p.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	for _, c := range []struct{ name, got, want string }{
		{"installMode", p.InstallMode, istio.ModeHelm},
		{"version", p.Version, "1.31.1"},
		{"charts.repository", p.Charts.Repository, "https://blob.istio.io/istio-release/charts"},
		{"hub", p.Hub, "docker.io/istio"},
		{"profile", p.Profile, istio.ProfileDefault},
		{"dataplane", p.Dataplane, "sidecar"},
		{"namespace", p.Namespace, "istio-system"},
		{"meshConfig.outboundTrafficPolicy", p.MeshConfig.OutboundTrafficPolicy, istio.OutboundAllowAny},
		{"ingressGateway.name", p.IngressGateway.Name, "istio-ingressgateway"},
		{"ingressGateway.namespace", p.IngressGateway.Namespace, "istio-ingress"},
		{"ingressGateway.serviceType", p.IngressGateway.ServiceType, "LoadBalancer"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	g := p.IngressGateway
	if !*g.Enabled || !*g.Autoscaling.Enabled || g.Autoscaling.MinReplicas != 1 || g.Autoscaling.MaxReplicas != 5 || g.Replicas != 0 {
		t.Errorf("gateway: got enabled %v, autoscaling %v %d-%d, replicas %d; want enabled, autoscaling 1-5, no fixed replicas",
			*g.Enabled, *g.Autoscaling.Enabled, g.Autoscaling.MinReplicas, g.Autoscaling.MaxReplicas, g.Replicas)
	}
	wantPorts := []istio.Port{{"status-port", 15021, 15021, "TCP"}, {"http2", 80, 80, "TCP"}, {"https", 443, 443, "TCP"}}
	if !reflect.DeepEqual(g.Ports, wantPorts) {
		t.Errorf("gateway ports: got %+v, want %+v", g.Ports, wantPorts)
	}
	if p.Operator != (istio.Operator{}) {
		t.Errorf("operator settings in helm mode: got %+v, want none", p.Operator)
	}
	if p.TimeoutSeconds != 600 {
		t.Errorf("timeoutSeconds: got %d, want 600", p.TimeoutSeconds)
	}
}

func TestOperatorDefaults(t *testing.T) {
	p := istio.Props{InstallMode: istio.ModeOperator}.WithDefaults()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	want := istio.Operator{Namespace: "sail-operator", ChartVersion: "1.31.1", UpdateStrategy: istio.UpdateInPlace,
		Chart: istio.ChartSource{Repository: "https://istio-ecosystem.github.io/sail-operator"}}
	if p.Operator != want {
		t.Errorf("got %+v, want %+v", p.Operator, want)
	}
}

func TestMinimalProfileHasNoGateway(t *testing.T) {
	p := istio.Props{Profile: istio.ProfileMinimal}.WithDefaults()
	if *p.IngressGateway.Enabled {
		t.Error("minimal profile: got the ingress gateway enabled, want it off")
	}
	p = istio.Props{Profile: istio.ProfileMinimal, IngressGateway: istio.IngressGateway{Enabled: ptr(true)}}.WithDefaults()
	if !*p.IngressGateway.Enabled {
		t.Error("minimal profile with the gateway asked for: got it off, want it on")
	}
}

func TestWithDefaultsDoesNotChangeTheCaller(t *testing.T) {
	in := istio.Props{IngressGateway: istio.IngressGateway{
		Ports:              []istio.Port{{Name: "http2", Port: 80}},
		ServiceAnnotations: map[string]string{"a": "b"},
	}}
	out := in.WithDefaults()
	out.IngressGateway.ServiceAnnotations["c"] = "d"
	if in.IngressGateway.Ports[0].TargetPort != 0 || in.Namespace != "" || len(in.IngressGateway.ServiceAnnotations) != 1 {
		t.Errorf("WithDefaults changed its receiver: %+v", in)
	}
}

func TestInjectionRevision(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    istio.Props
		want string
	}{
		{"helm without revision", istio.Props{}, ""},
		{"helm with revision", istio.Props{Revision: "canary"}, "canary"},
		{"operator in place", istio.Props{InstallMode: istio.ModeOperator, Revision: "canary"}, "canary"},
		{"operator revision based", istio.Props{InstallMode: istio.ModeOperator, Operator: istio.Operator{UpdateStrategy: istio.UpdateRevisionBased}}, "default-v1-31-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.InjectionRevision(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestGatewaySelector(t *testing.T) {
	if got := (istio.Props{}).GatewaySelector(); !reflect.DeepEqual(got, map[string]string{"istio": "ingressgateway"}) {
		t.Errorf("default gateway: got %v, want istio=ingressgateway", got)
	}
	got := istio.Props{IngressGateway: istio.IngressGateway{Name: "public-gw"}}.GatewaySelector()
	if !reflect.DeepEqual(got, map[string]string{"istio": "public-gw"}) {
		t.Errorf("named gateway: got %v, want istio=public-gw", got)
	}
}

func TestValidateBadInput(t *testing.T) {
	for _, tc := range []struct {
		name   string
		p      istio.Props
		field  string
		detail string
	}{
		{"fails/unsupported Istio and Kubernetes pair", istio.Props{Version: "1.28.3", KubernetesVersion: "1.35"},
			"version", `Invalid value: "1.28.3": Istio 1.28 supports Kubernetes 1.30 to 1.34, but the cluster runs Kubernetes 1.35; Istio releases that support it: 1.29, 1.30`},
		{"fails/Kubernetes newer than any Istio", istio.Props{KubernetesVersion: "1.37"},
			"version", "no Istio release in the compatibility table supports it"},
		{"fails/Istio minor not in the table", istio.Props{Version: "1.22.0"},
			"version", "Istio 1.22 is not in the compatibility table; supported minor releases: 1.28, 1.29, 1.30, 1.31"},
		{"fails/version that is not a release", istio.Props{Version: "latest"},
			"version", `Invalid value: "latest": must be an Istio release such as "1.31.1"`},
		{"fails/unknown profile", istio.Props{Profile: "ambient"},
			"profile", `Unsupported value: "ambient": supported values: "default", "demo", "minimal", "preview"`},
		{"fails/unknown install mode", istio.Props{InstallMode: "istioctl"},
			"installMode", `Unsupported value: "istioctl": supported values: "helm", "operator"`},
		{"fails/revision with bad characters", istio.Props{Revision: "1.30_canary"},
			"revision", `Invalid value: "1.30_canary": a lowercase RFC 1123 label`},
		{"fails/revision default", istio.Props{Revision: "default"},
			"revision", "leave revision empty"},
		{"fails/bad namespace", istio.Props{Namespace: "Istio"},
			"namespace", `Invalid value: "Istio"`},
		{"fails/bad pilot memory", istio.Props{Pilot: istio.Pilot{Resources: istio.Resources{Requests: istio.ResourceList{Memory: "3GB"}}}},
			"pilot.resources.requests.memory", `Invalid value: "3GB": must be a Kubernetes quantity`},
		{"fails/request above limit", istio.Props{Pilot: istio.Pilot{Resources: istio.Resources{Requests: istio.ResourceList{Memory: "4Gi"}, Limits: istio.ResourceList{Memory: "3072Mi"}}}},
			"pilot.resources.requests.memory", "must not exceed the limit (3072Mi)"},
		{"fails/unknown outbound policy", istio.Props{MeshConfig: istio.MeshConfig{OutboundTrafficPolicy: "DENY"}},
			"meshConfig.outboundTrafficPolicy", `Unsupported value: "DENY"`},
		{"fails/relative access log", istio.Props{MeshConfig: istio.MeshConfig{AccessLogFile: "stdout"}},
			"meshConfig.accessLogFile", "must be an absolute path"},
		{"fails/bad service type", istio.Props{IngressGateway: istio.IngressGateway{ServiceType: "Ingress"}},
			"ingressGateway.serviceType", `Unsupported value: "Ingress"`},
		{"fails/bad annotation key", istio.Props{IngressGateway: istio.IngressGateway{ServiceAnnotations: map[string]string{"a b": "c"}}},
			"ingressGateway.serviceAnnotations[a b]", "Invalid value"},
		{"fails/duplicate port", istio.Props{IngressGateway: istio.IngressGateway{Ports: []istio.Port{{Name: "a", Port: 80}, {Name: "b", Port: 80}}}},
			"ingressGateway.ports[1].port", "Duplicate value: 80"},
		{"fails/port out of range", istio.Props{IngressGateway: istio.IngressGateway{Ports: []istio.Port{{Name: "a", Port: 70000}}}},
			"ingressGateway.ports[0].port", "must be between 1 and 65535"},
		{"fails/replicas with autoscaling", istio.Props{IngressGateway: istio.IngressGateway{Replicas: 2}},
			"ingressGateway.replicas", "the autoscaler sets the replica count"},
		{"fails/max below min", istio.Props{IngressGateway: istio.IngressGateway{Autoscaling: istio.Autoscaling{MinReplicas: 3, MaxReplicas: 2}}},
			"ingressGateway.autoscaling.maxReplicas", "must be at least minReplicas (3)"},
		{"fails/gateway in the control plane's namespace", istio.Props{IngressGateway: istio.IngressGateway{Namespace: "istio-system"}},
			"ingressGateway.namespace", "must differ from the control plane's namespace"},
		{"fails/operator settings in helm mode", istio.Props{Operator: istio.Operator{UpdateStrategy: istio.UpdateInPlace}},
			"operator", `Forbidden: only for installMode "operator"`},
		{"fails/base values in operator mode", istio.Props{InstallMode: istio.ModeOperator, ExtraValues: istio.ExtraValues{Base: map[string]any{"a": 1}}},
			"extraValues.base", "the Sail Operator manages Istio's base resources"},
		{"fails/Sail Operator older than Istio", istio.Props{InstallMode: istio.ModeOperator, Operator: istio.Operator{ChartVersion: "1.29.2"}},
			"operator.chartVersion", "Sail Operator 1.29.2 cannot install Istio 1.31.1: its minor release must be at least 1.31"},
		{"fails/unknown update strategy", istio.Props{InstallMode: istio.ModeOperator, Operator: istio.Operator{UpdateStrategy: "Canary"}},
			"operator.updateStrategy", `Unsupported value: "Canary"`},
		{"fails/timeout too short", istio.Props{TimeoutSeconds: 5},
			"timeoutSeconds", "must be between 60 and 3600"},
		{"fails/retired chart repository", istio.Props{Charts: istio.ChartSource{Repository: "https://istio-release.storage.googleapis.com/charts"}},
			"charts.repository", "Istio removed istio-release.storage.googleapis.com in December 2026 (istio/istio#61467); use https://blob.istio.io/istio-release/charts or oci://ghcr.io/istio/release/charts"},
		{"fails/retired hub", istio.Props{Hub: "gcr.io/istio-release"},
			"hub", "Istio removed gcr.io/istio-release in December 2026 (istio/istio#61467); use docker.io/istio"},
		{"fails/retired registry hub", istio.Props{Hub: "registry.istio.io/release"},
			"hub", "Istio removed registry.istio.io/release in December 2026"},
		{"fails/hub with a scheme", istio.Props{Hub: "https://registry.example.com/istio"},
			"hub", "must be an image registry path without scheme or tag"},
		{"fails/hub with a tag", istio.Props{Hub: "docker.io/istio:1.31.0"},
			"hub", "must be an image registry path without scheme or tag"},
		{"fails/chart repository of an unknown kind", istio.Props{Charts: istio.ChartSource{Repository: "s3://charts/istio"}},
			"charts.repository", `must be an "https://" chart repository, an "oci://" registry path or a local directory`},
		{"fails/local chart mirror that does not exist", istio.Props{Charts: istio.ChartSource{Repository: "/nonexistent/mirror"}},
			"charts.repository", "is not a directory"},
		{"fails/pull secret that is not a name", istio.Props{ImagePullSecrets: []string{"Regcred"}},
			"imagePullSecrets[0]", `Invalid value: "Regcred"`},
		{"fails/sail operator chart from a retired location", istio.Props{InstallMode: istio.ModeOperator, Operator: istio.Operator{Chart: istio.ChartSource{Repository: "oci://gcr.io/istio-release/charts"}}},
			"operator.chart.repository", "Istio removed gcr.io/istio-release"},
		{"fails/unknown data plane", istio.Props{Dataplane: "sidecarless"},
			"dataplane", `Unsupported value: "sidecarless": supported values: "sidecar", "ambient"`},
		{"fails/ambient with the demo profile", istio.Props{Dataplane: "ambient", Profile: "demo"},
			"profile", `Invalid value: "demo": Istio's charts take one profile, and with dataplane "ambient" it is "ambient"; use profile "default" or "minimal"`},
		{"fails/ambient with sidecar injector options", istio.Props{Dataplane: "ambient", ExtraValues: istio.ExtraValues{Istiod: map[string]any{"sidecarInjectorWebhook": map[string]any{"rewriteAppHTTPProbe": false}}}},
			"extraValues.istiod.sidecarInjectorWebhook", `sidecar-only setting: with dataplane "ambient" no sidecars are injected`},
		{"fails/cni values with sidecars", istio.Props{ExtraValues: istio.ExtraValues{CNI: map[string]any{"logLevel": "debug"}}},
			"extraValues.cni", `only with dataplane "ambient"`},
		{"fails/ztunnel values with sidecars", istio.Props{Dataplane: "sidecar", ExtraValues: istio.ExtraValues{Ztunnel: map[string]any{"logLevel": "debug"}}},
			"extraValues.ztunnel", `only with dataplane "ambient"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testutil.AssertFieldError(t, tc.p.WithDefaults().ValidateAt(nil), tc.field, tc.detail)
		})
	}
}

func TestCompatibilityTableAcceptsEverySupportedPair(t *testing.T) {
	for minor, kubes := range istio.KubernetesSupport {
		for _, k := range kubes {
			p := istio.Props{Version: minor + ".0", KubernetesVersion: k}.WithDefaults()
			if err := p.Validate(); err != nil {
				t.Errorf("Istio %s on Kubernetes %s: got %v, want no error", minor, k, err)
			}
		}
	}
	if kubes := istio.KubernetesSupport["1.31"]; !strings.HasPrefix(istio.DefaultVersion, "1.31.") || kubes[0] != "1.32" || kubes[len(kubes)-1] != "1.36" {
		t.Errorf("DefaultVersion %s with table %v: want the 1.31 line, which supports Kubernetes 1.32 to 1.36", istio.DefaultVersion, kubes)
	}
}
