package kiali_test

import (
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	helmprovider "github.com/cdktf/cdktf-provider-helm-go/helm/v10/provider"
	k8sprovider "github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/provider"

	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/constructs/kiali"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/stacktest"
)

func ptr[T any](v T) *T { return &v }

func synth(t *testing.T, p kiali.Props) testutil.Doc {
	t.Helper()
	stack := stacktest.NewStack(t)
	helmprovider.NewHelmProvider(stack, jsii.String("helm"), &helmprovider.HelmProviderConfig{})
	k8sprovider.NewKubernetesProvider(stack, jsii.String("kubernetes"), &k8sprovider.KubernetesProviderConfig{})
	cp, err := istio.New(stack, "istio", istio.Props{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kiali.New(stack, "kiali", p, cp); err != nil {
		t.Fatal(err)
	}
	return stacktest.Synth(t, stack)
}

func TestDefaultsOutsideProduction(t *testing.T) {
	d := synth(t, kiali.Props{})
	ref := func(path string) string { return "helm_release." + d.LogicalID(t, "resource", "helm_release", path) }
	controlPlane := []string{ref("istio/base"), ref("istio/istiod"), ref("istio/gateway")}

	testutil.AssertSubset(t, d.Resource(t, "helm_release", "kiali/prometheus"), map[string]any{
		"name": "prometheus", "chart": "prometheus", "repository": kiali.PrometheusRepository, "version": kiali.PrometheusVersion,
		"namespace": "istio-system", "depends_on": controlPlane, "atomic": true, "wait": true,
	})
	testutil.AssertSubset(t, testutil.Values(t, d.Resource(t, "helm_release", "kiali/prometheus")), map[string]any{
		"alertmanager": map[string]any{"enabled": false},
		"server": map[string]any{"fullnameOverride": "prometheus", "service": map[string]any{"servicePort": 9090},
			"global": map[string]any{"scrape_interval": "15s"}},
	})
	testutil.AssertSubset(t, d.Resource(t, "helm_release", "kiali/grafana"), map[string]any{
		"name": "grafana", "chart": "grafana", "repository": kiali.GrafanaRepository, "version": kiali.GrafanaVersion,
		"namespace": "istio-system", "depends_on": controlPlane,
	})
	testutil.AssertSubset(t, testutil.Values(t, d.Resource(t, "helm_release", "kiali/grafana")), map[string]any{
		"datasources": map[string]any{"datasources.yaml": map[string]any{"datasources": []any{map[string]any{
			"name": "Prometheus", "type": "prometheus", "url": "http://prometheus.istio-system:9090", "isDefault": true,
		}}}},
	})
	k := d.Resource(t, "helm_release", "kiali/kiali")
	testutil.AssertSubset(t, k, map[string]any{
		"name": "kiali", "chart": "kiali-server", "repository": kiali.ChartRepository, "version": kiali.DefaultChartVersion,
		"namespace":  "istio-system",
		"depends_on": append(controlPlane, ref("kiali/prometheus"), ref("kiali/grafana")),
	})
	testutil.AssertSubset(t, testutil.Values(t, k), map[string]any{
		"auth": map[string]any{"strategy": "token"},
		"external_services": map[string]any{
			"istio":      map[string]any{"root_namespace": "istio-system"},
			"prometheus": map[string]any{"url": "http://prometheus.istio-system:9090"},
			"grafana": map[string]any{"enabled": true, "internal_url": "http://grafana.istio-system:3000",
				"external_url": "http://localhost:3000"},
		},
	})
	if n := d.Count("kubernetes_secret_v1"); n != 0 {
		t.Errorf("secrets: got %d, want none with token auth and the generated Grafana password", n)
	}
	if _, ok := d["variable"]; ok {
		t.Errorf("variables: got %v, want none", d["variable"])
	}
}

func TestProductionUsesAnExistingPrometheus(t *testing.T) {
	d := synth(t, kiali.Props{Production: true, Prometheus: kiali.Prometheus{URL: "http://prometheus.monitoring:9090"}})
	if n := d.Count("helm_release"); n != 4 {
		t.Errorf("helm releases: got %d, want 4 (the control plane's three and Kiali; no Prometheus, no Grafana)", n)
	}
	testutil.AssertSubset(t, testutil.Values(t, d.Resource(t, "helm_release", "kiali/kiali")), map[string]any{
		"external_services": map[string]any{
			"prometheus": map[string]any{"url": "http://prometheus.monitoring:9090"},
			"grafana":    map[string]any{"enabled": false},
		},
	})
}

func TestOpenIDKeepsTheClientSecretOutOfTheJSON(t *testing.T) {
	d := synth(t, kiali.Props{
		Auth:    kiali.Auth{Strategy: kiali.StrategyOpenID, OpenID: kiali.OpenID{ClientID: "kiali", IssuerURI: "https://login.example.com/realms/platform", Scopes: []string{"openid", "email"}}},
		Grafana: kiali.Grafana{AdminPasswordVariable: "grafana_admin_password"},
	})
	vars, _ := d["variable"].(map[string]any)
	for _, name := range []string{kiali.DefaultClientSecretVariable, "grafana_admin_password"} {
		testutil.AssertSubset(t, vars[name], map[string]any{"type": "string", "sensitive": true, "nullable": false})
	}
	testutil.AssertSubset(t, d.Resource(t, "kubernetes_secret_v1", "kiali/oidc-secret"), map[string]any{
		"metadata": map[string]any{"name": "kiali", "namespace": "istio-system"},
		"data":     map[string]any{"oidc-secret": "${var." + kiali.DefaultClientSecretVariable + "}"},
	})
	testutil.AssertSubset(t, d.Resource(t, "kubernetes_secret_v1", "kiali/grafana-admin"), map[string]any{
		"metadata": map[string]any{"name": "grafana-admin", "namespace": "istio-system"},
		"data":     map[string]any{"admin-user": "admin", "admin-password": "${var.grafana_admin_password}"},
	})
	testutil.AssertSubset(t, testutil.Values(t, d.Resource(t, "helm_release", "kiali/grafana")), map[string]any{
		"admin": map[string]any{"existingSecret": "grafana-admin", "passwordKey": "admin-password"},
	})
	k := d.Resource(t, "helm_release", "kiali/kiali")
	testutil.AssertSubset(t, testutil.Values(t, k), map[string]any{"auth": map[string]any{"strategy": "openid", "openid": map[string]any{
		"client_id": "kiali", "issuer_uri": "https://login.example.com/realms/platform", "scopes": []any{"openid", "email"},
	}}})
	deps := strings.Join(toStrings(k["depends_on"]), " ")
	if want := "kubernetes_secret_v1." + d.LogicalID(t, "resource", "kubernetes_secret_v1", "kiali/oidc-secret"); !strings.Contains(deps, want) {
		t.Errorf("kiali depends_on %s; want it to include the secret %s", deps, want)
	}
}

func TestNewNeedsTheControlPlane(t *testing.T) {
	_, err := kiali.New(stacktest.NewStack(t), "kiali", kiali.Props{}, nil)
	if err == nil || !strings.Contains(err.Error(), "the control plane is required") {
		t.Errorf("got %v, want an error asking for the control plane", err)
	}
}

// TestNamespaceFromTheControlPlane uses Kiali as a team importing it would:
// it is installed in the control plane's namespace, and its defaults point
// Kiali at the Prometheus and Grafana it installs there.
func TestNamespaceFromTheControlPlane(t *testing.T) {
	stack := stacktest.NewStack(t)
	helmprovider.NewHelmProvider(stack, jsii.String("helm"), &helmprovider.HelmProviderConfig{})
	k8sprovider.NewKubernetesProvider(stack, jsii.String("kubernetes"), &k8sprovider.KubernetesProviderConfig{})
	cp, err := istio.New(stack, "istio", istio.Props{Namespace: "mesh-system"})
	if err != nil {
		t.Fatal(err)
	}
	k, err := kiali.New(stack, "kiali", kiali.Props{}, cp)
	if err != nil {
		t.Fatal(err)
	}
	if got := k.Namespace(); got != "mesh-system" {
		t.Errorf("namespace: got %q, want mesh-system (the control plane's)", got)
	}
	d := stacktest.Synth(t, stack)
	if n := d.Count("helm_release"); n != 6 {
		t.Fatalf("helm releases: got %d, want 6 (istio base, istiod, gateway; prometheus, grafana, kiali)", n)
	}
	for _, id := range []string{"kiali/prometheus", "kiali/grafana", "kiali/kiali"} {
		testutil.AssertSubset(t, d.Resource(t, "helm_release", id), map[string]any{"namespace": "mesh-system"})
	}
	testutil.AssertSubset(t, testutil.Values(t, d.Resource(t, "helm_release", "kiali/kiali")), map[string]any{
		"auth": map[string]any{"strategy": "token"},
		"external_services": map[string]any{
			"istio":      map[string]any{"root_namespace": "mesh-system"},
			"prometheus": map[string]any{"url": "http://prometheus.mesh-system:9090"},
			"grafana":    map[string]any{"enabled": true, "internal_url": "http://grafana.mesh-system:3000", "external_url": "http://localhost:3000"},
		},
	})
}

func TestValidateBadInput(t *testing.T) {
	for _, tc := range []struct {
		name   string
		p      kiali.Props
		field  string
		detail string
	}{
		{"fails/removed login strategy", kiali.Props{Auth: kiali.Auth{Strategy: "login"}},
			"auth.strategy", `the username/passphrase "login" strategy was removed in Kiali v1.23`},
		{"fails/unknown strategy", kiali.Props{Auth: kiali.Auth{Strategy: "openshift"}},
			"auth.strategy", `Unsupported value: "openshift": supported values: "token", "anonymous", "openid", "header"`},
		{"fails/openid without client id", kiali.Props{Auth: kiali.Auth{Strategy: "openid", OpenID: kiali.OpenID{IssuerURI: "https://idp.example.com"}}},
			"auth.openid.clientId", "Required value"},
		{"fails/openid with a plain http issuer", kiali.Props{Auth: kiali.Auth{Strategy: "openid", OpenID: kiali.OpenID{ClientID: "k", IssuerURI: "http://idp.example.com"}}},
			"auth.openid.issuerUri", `Invalid value: "http://idp.example.com": must be the OpenID provider's https issuer URL`},
		{"fails/bad secret variable name", kiali.Props{Auth: kiali.Auth{Strategy: "openid", OpenID: kiali.OpenID{ClientID: "k", IssuerURI: "https://idp.example.com", ClientSecretVariable: "kiali-secret"}}},
			"auth.openid.clientSecretVariable", "must be a Terraform variable name"},
		{"fails/openid settings with token auth", kiali.Props{Auth: kiali.Auth{OpenID: kiali.OpenID{ClientID: "k"}}},
			"auth.openid", `only for auth.strategy "openid"`},
		{"fails/no Prometheus at all", kiali.Props{Prometheus: kiali.Prometheus{Enabled: ptr(false)}},
			"prometheus.url", "Kiali's graph needs metrics"},
		{"fails/Prometheus URL that is not one", kiali.Props{Prometheus: kiali.Prometheus{Enabled: ptr(false), URL: "prometheus:9090"}},
			"prometheus.url", "must be an http(s) URL"},
		{"fails/bad scrape interval", kiali.Props{Prometheus: kiali.Prometheus{ScrapeInterval: "15"}},
			"prometheus.scrapeInterval", "must be a Prometheus duration"},
		{"fails/Grafana password without Grafana", kiali.Props{Grafana: kiali.Grafana{Enabled: ptr(false), AdminPasswordVariable: "pw"}},
			"grafana.adminPasswordVariable", "only when grafana.enabled is true"},
		{"fails/bad chart version", kiali.Props{ChartVersion: "v2"},
			"chartVersion", `Invalid value: "v2"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testutil.AssertFieldError(t, tc.p.WithDefaults("istio-system").ValidateAt(nil), tc.field, tc.detail)
		})
	}
}

func TestAnonymousIsAnErrorInProduction(t *testing.T) {
	p := kiali.Props{Production: true, Auth: kiali.Auth{Strategy: kiali.StrategyAnonymous}, Prometheus: kiali.Prometheus{URL: "http://prometheus:9090"}}.WithDefaults("istio-system")
	testutil.AssertFieldError(t, p.ValidateAt(nil), "auth.strategy",
		`Invalid value: "anonymous": "anonymous" lets anyone who reaches Kiali see and change the mesh without logging in, which a production environment must not allow; use "token" (a service account token) or "openid" (your identity provider), or "header" behind an authenticating proxy`)
	p.Production = false
	if err := p.Validate(); err != nil {
		t.Errorf("anonymous outside production: got %v, want it allowed", err)
	}
	if w := p.Warnings(nil); len(w) != 0 {
		t.Errorf("got warnings %q outside production, want none", w)
	}
}

func TestChartSources(t *testing.T) {
	p := kiali.Props{}.WithDefaults("istio-system")
	for _, c := range []struct{ name, got, want string }{
		{"chart", p.Chart.Repository, "https://kiali.org/helm-charts"},
		{"prometheus.chart", p.Prometheus.Chart.Repository, "https://prometheus-community.github.io/helm-charts"},
		{"grafana.chart", p.Grafana.Chart.Repository, "https://grafana.github.io/helm-charts"},
	} {
		if c.got != c.want {
			t.Errorf("%s.repository: got %q, want %q", c.name, c.got, c.want)
		}
	}
	errs := kiali.Props{Chart: istio.ChartSource{Repository: "ftp://mirror/kiali"}, Production: true, Auth: kiali.Auth{Strategy: kiali.StrategyToken},
		Prometheus: kiali.Prometheus{URL: "http://prometheus:9090", Chart: istio.ChartSource{Repository: "oci://registry.example.com/charts"}}}.WithDefaults("istio-system").ValidateAt(nil)
	testutil.AssertFieldError(t, errs, "chart.repository", `must be an "https://" chart repository, an "oci://" registry path or a local directory`)
	testutil.AssertFieldError(t, errs, "prometheus.chart", "Forbidden: only when prometheus.enabled is true")
}

func TestDefaultsFollowProduction(t *testing.T) {
	dev := kiali.Props{}.WithDefaults("istio-system")
	prod := kiali.Props{Production: true}.WithDefaults("istio-system")
	if !*dev.Prometheus.Enabled || !*dev.Grafana.Enabled {
		t.Error("outside production: want Prometheus and Grafana installed")
	}
	if *prod.Prometheus.Enabled || *prod.Grafana.Enabled || prod.Grafana.InternalURL != "" {
		t.Errorf("production: got Prometheus %v, Grafana %v (%q); want neither installed by default",
			*prod.Prometheus.Enabled, *prod.Grafana.Enabled, prod.Grafana.InternalURL)
	}
	if dev.Auth.Strategy != kiali.StrategyToken || dev.Auth.OpenID.ClientSecretVariable != "" {
		t.Errorf("auth: got %+v, want token and no secret variable", dev.Auth)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
