package config_test

import (
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/internal/config"
)

const endpoint = `"cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}`

func TestMeshDefaults(t *testing.T) {
	envs, err := config.Parse("cdktf.json", file(`{
		"dev":{"region":"eu-west-1",`+endpoint+`},
		"prod":{"production":true,"region":"eu-west-1",`+endpoint+`,"kiali":{"prometheus":{"url":"http://prometheus.monitoring:9090"}}},
		"edge":{"target":{"type":"kubeconfig","kubeconfig":{"path":"k","context":"c","kubernetesVersion":"1.33"}},
			"istio":{"installMode":"operator","revision":"blue"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]config.Environment{}
	for _, e := range envs {
		byName[e.Name] = e
	}
	dev, prod, edge := byName["dev"], byName["prod"], byName["edge"]
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"dev istio.kubernetesVersion (from the cluster)", dev.Istio.KubernetesVersion, "1.35"},
		{"edge istio.kubernetesVersion (from the kubeconfig target)", edge.Istio.KubernetesVersion, "1.33"},
		{"dev istio.version", dev.Istio.Version, "1.31.1"},
		{"dev istio.dataplane", dev.Istio.Dataplane, "sidecar"},
		{"dev istio.charts.repository", dev.Istio.Charts.Repository, "https://blob.istio.io/istio-release/charts"},
		{"dev istio.hub", dev.Istio.Hub, "docker.io/istio"},
		{"dev kiali.chart.repository", dev.Kiali.Chart.Repository, "https://kiali.org/helm-charts"},
		{"edge istio.operator.chart.repository", edge.Istio.Operator.Chart.Repository, "https://istio-ecosystem.github.io/sail-operator"},
		{"dev kiali.prometheus.url (in the control plane's namespace)", dev.Kiali.Prometheus.URL, "http://prometheus.istio-system:9090"},
		{"dev kiali.prometheus.enabled", *dev.Kiali.Prometheus.Enabled, true},
		{"dev kiali.grafana.enabled", *dev.Kiali.Grafana.Enabled, true},
		{"prod kiali.production", prod.Kiali.Production, true},
		{"prod kiali.prometheus.enabled", *prod.Kiali.Prometheus.Enabled, false},
		{"prod kiali.grafana.enabled", *prod.Kiali.Grafana.Enabled, false},
		{"dev injection revision", dev.Istio.InjectionRevision(), ""},
		{"edge injection revision", edge.Istio.InjectionRevision(), "blue"},
		{"dev routing gateway selector", dev.Routing.Gateway.Selector["istio"], "ingressgateway"},
		{"edge operator update strategy", edge.Istio.Operator.UpdateStrategy, istio.UpdateInPlace},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestMeshBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, envs    string
		field, detail string
	}{
		{"fails/unsupported Istio and Kubernetes pair on a kubeconfig target",
			`{"dev":{"target":{"type":"kubeconfig","kubeconfig":{"path":"k","context":"c","kubernetesVersion":"1.31"}}}}`,
			"context.environments[dev].istio.version", "Istio 1.31 supports Kubernetes 1.32 to 1.36, but the cluster runs Kubernetes 1.31; Istio releases that support it: 1.28, 1.29"},
		{"fails/unsupported Istio for the EKS version",
			`{"dev":{"region":"eu-west-1","cluster":{"kubernetesVersion":"1.35","endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}},"istio":{"version":"1.28.2"}}}`,
			"context.environments[dev].istio.version", "Istio 1.28 supports Kubernetes 1.30 to 1.34, but the cluster runs Kubernetes 1.35"},
		{"fails/unknown profile", `{"dev":{"region":"eu-west-1",` + endpoint + `,"istio":{"profile":"empty"}}}`,
			"context.environments[dev].istio.profile", `Unsupported value: "empty"`},
		{"fails/revision with bad characters", `{"dev":{"region":"eu-west-1",` + endpoint + `,"istio":{"revision":"Canary_1"}}}`,
			"context.environments[dev].istio.revision", `Invalid value: "Canary_1"`},
		{"fails/both injection labels requested", `{"dev":{"region":"eu-west-1",` + endpoint + `,"istio":{"revision":"canary"},"namespace":{"labels":{"istio-injection":"enabled"}}}}`,
			"context.environments[dev].namespace.labels[istio-injection]", "both injection labels requested"},
		{"fails/unknown data plane", `{"dev":{"region":"eu-west-1",` + endpoint + `,"istio":{"dataplane":"sidecarless"}}}`,
			"context.environments[dev].istio.dataplane", `Unsupported value: "sidecarless": supported values: "sidecar", "ambient"`},
		{"fails/ambient with sidecar injection", `{"dev":{"region":"eu-west-1",` + endpoint + `,"istio":{"dataplane":"ambient"},"namespace":{"injection":true}}}`,
			"context.environments[dev].namespace.injection", `sidecar-only setting: with istio.dataplane "ambient" no sidecars are injected`},
		{"fails/ambient with an injection label", `{"dev":{"region":"eu-west-1",` + endpoint + `,"istio":{"dataplane":"ambient"},"namespace":{"labels":{"istio.io/rev":"canary"}}}}`,
			"context.environments[dev].namespace.labels[istio.io/rev]", `the sidecar injection labels do not apply`},
		{"fails/waypoint with sidecars", `{"dev":{"region":"eu-west-1",` + endpoint + `,"namespace":{"waypoint":"shop-waypoint"}}}`,
			"context.environments[dev].namespace.waypoint", `only with istio.dataplane "ambient"`},
		{"fails/kiali login strategy", `{"dev":{"region":"eu-west-1",` + endpoint + `,"kiali":{"auth":{"strategy":"login"}}}}`,
			"context.environments[dev].kiali.auth.strategy", "removed in Kiali v1.23"},
		{"fails/production without a Prometheus", `{"prod":{"production":true,"region":"eu-west-1",` + endpoint + `}}`,
			"context.environments[prod].kiali.prometheus.url", "Kiali's graph needs metrics"},
		{"fails/app namespace is Istio's", `{"dev":{"region":"eu-west-1",` + endpoint + `,"namespace":{"name":"istio-system"}}}`,
			"context.environments[dev].namespace.name", "must differ from istio.namespace"},
		{"fails/unknown istio field", `{"dev":{"region":"eu-west-1",` + endpoint + `,"istio":{"pilot":{"memory":"3Gi"}}}}`,
			"context.environments[dev].istio.pilot.memory", "unknown field (a typo?); allowed: resources"},
		{"fails/secret in cdktf.json", `{"dev":{"region":"eu-west-1",` + endpoint + `,"kiali":{"auth":{"strategy":"openid","openid":{"clientId":"k","issuerUri":"https://idp.example.com","clientSecret":"s3cret"}}}}}`,
			"context.environments[dev].kiali.auth.openid.clientSecret", "unknown field (a typo?); allowed: clientId, clientSecretVariable, issuerUri, scopes, usernameClaim"},
		{"fails/literal secret in production extraValues", `{"prod":{"production":true,"region":"eu-west-1",` + endpoint + `,"kiali":{"prometheus":{"url":"http://p:9090"},"extraValues":{"auth":{"openid":{"client_secret":"s3cret"}}}}}}`,
			"context.environments[prod].kiali.extraValues.auth.openid.client_secret", `Forbidden: a literal secret in a production environment: the value is written in plain text into the synthesized JSON (and from there into CI logs, plans and state); give it at deploy time instead: {"fromVariable": "client_secret"} as the value passes the sensitive Terraform variable client_secret (TF_VAR_client_secret when deploying) through the release's set_sensitive`},
		{"fails/fromVariable with another key", `{"dev":{"region":"eu-west-1",` + endpoint + `,"app":{"releases":{"blue":{"extraValues":{"env":[{"name":"T","value":{"fromVariable":"t","default":"x"}}]}},"green":{}}}}}`,
			"context.environments[dev].app.releases[blue].extraValues.env[0].value", `Invalid value: ["default","fromVariable"]: a {"fromVariable": "<name>"} value holds that one key only`},
		{"fails/fromVariable reusing a typed secret's variable", `{"dev":{"region":"eu-west-1",` + endpoint + `,"kiali":{"grafana":{"adminPasswordVariable":"grafana_pw"},"extraValues":{"x":{"password":{"fromVariable":"grafana_pw"}}}}}}`,
			"context.environments[dev].kiali.extraValues.x.password.fromVariable", `Invalid value: "grafana_pw": is the variable kiali.grafana.adminPasswordVariable names; give each secret its own variable`},
		{"fails/fromVariable in operator mode's Istio values", `{"edge":{"target":{"type":"kubeconfig","kubeconfig":{"path":"k","context":"c","kubernetesVersion":"1.33"}},"istio":{"installMode":"operator","extraValues":{"istiod":{"pilot":{"env":{"TOKEN":{"fromVariable":"tok"}}}}}}}}`,
			"context.environments[edge].istio.extraValues.istiod.pilot.env.TOKEN.fromVariable", `Invalid value: "tok": istio.installMode "operator" writes these values into the Sail Operator's resources, not a Helm release, so they cannot take a value from a sensitive variable`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse("cdktf.json", file(tc.envs))
			cerr, ok := config.AsError(err)
			if !ok {
				t.Fatalf("got %v, want a config error", err)
			}
			for _, p := range cerr.Problems {
				if p.Field == tc.field && strings.Contains(p.Error(), tc.detail) {
					return
				}
			}
			t.Errorf("got %v\nwant a problem at %s containing %q", err, tc.field, tc.detail)
		})
	}
}

func TestAnonymousKialiIsAnErrorInProduction(t *testing.T) {
	_, err := config.Parse("cdktf.json", file(`{"prod":{"production":true,"region":"eu-west-1",`+endpoint+`,
		"kiali":{"auth":{"strategy":"anonymous"},"prometheus":{"enabled":true}}}}`))
	cerr, ok := config.AsError(err)
	if !ok || len(cerr.Problems) != 1 {
		t.Fatalf("got %v, want one problem", err)
	}
	p := cerr.Problems[0]
	if p.Field != "context.environments[prod].kiali.auth.strategy" || !strings.Contains(p.Error(), `Invalid value: "anonymous"`) ||
		!strings.Contains(p.Error(), `use "token" (a service account token) or "openid"`) {
		t.Errorf("got %v, want an error at kiali.auth.strategy naming the value and the safe choices", p)
	}
}

func TestMeshWarnings(t *testing.T) {
	envs, err := config.Parse("cdktf.json", file(`{"dev":{"region":"eu-west-1",`+endpoint+`,"kiali":{"auth":{"strategy":"anonymous"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if w := meshWarnings(envs[0]); len(w) != 0 {
		t.Errorf("got warnings %q for anonymous Kiali outside production, want none", w)
	}
}

// TestAmbientWarnsAboutVirtualService checks that an ambient environment
// parses and warns, once, that its VirtualService is alpha in ambient mode.
func TestAmbientWarnsAboutVirtualService(t *testing.T) {
	envs, err := config.Parse("cdktf.json", file(`{"dev":{"region":"eu-west-1",`+endpoint+`,"istio":{"dataplane":"ambient"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if !envs[0].Istio.Ambient() || envs[0].Istio.Dataplane != istio.DataplaneAmbient {
		t.Fatalf("istio.dataplane: got %q, want ambient", envs[0].Istio.Dataplane)
	}
	w := meshWarnings(envs[0])
	if len(w) != 1 || !strings.HasPrefix(w[0], `context.environments[dev].istio.dataplane: with "ambient" the app's routing is a VirtualService, which Istio supports in ambient mode (applied by the namespace's waypoint) only as an alpha feature`) {
		t.Errorf("got warnings %q, want one about the VirtualService being alpha under ambient", w)
	}
}

// TestAmbientWithTheGatewayAPIDoesNotWarn: an HTTPRoute is ambient's
// supported routing API, so an ambient environment routing with the
// Gateway API gets no VirtualService warning.
func TestAmbientWithTheGatewayAPIDoesNotWarn(t *testing.T) {
	envs, err := config.Parse("cdktf.json", file(`{"dev":{"region":"eu-west-1",`+endpoint+`,"istio":{"dataplane":"ambient"},"routing":{"api":"gatewayAPI"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if w := meshWarnings(envs[0]); len(w) != 0 {
		t.Errorf("got warnings %q for ambient with the Gateway API, want none", w)
	}
}

// meshWarnings are the environment's warnings about its istio, kiali and
// namespace sections.
func meshWarnings(e config.Environment) []string {
	var out []string
	for _, w := range e.WarningsOn(nov30) {
		for _, section := range []string{"istio", "kiali", "namespace"} {
			if strings.HasPrefix(w, "context.environments["+e.Name+"]."+section+".") {
				out = append(out, w)
			}
		}
	}
	return out
}
