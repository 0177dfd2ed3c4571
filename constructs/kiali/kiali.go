// Package kiali installs Kiali, the Istio console, with the kiali-server
// chart, wired to the Istio control plane's namespace and to Prometheus and
// Grafana, which it can install as well (a minimal Prometheus scraping the
// Istio sidecars, and Grafana with Prometheus as its data source).
//
// Secrets never reach the synthesized JSON in plain text: the OpenID client
// secret and Grafana's admin password come from sensitive Terraform
// variables (TF_VAR_<name> at deploy time) and go into Kubernetes secrets
// through kubernetes_secret_v1, whose provider encodes them.
package kiali

import (
	"fmt"
	"slices"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/constructs/addon"
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
)

// Kiali is the Kiali console, and the Prometheus and Grafana it reads.
type Kiali struct {
	constructs.Construct

	props     Props
	namespace string
	specs     []addon.Release
	releases  []cdktf.ITerraformDependable
}

// New creates Kiali under scope, in the namespace of the Istio control
// plane cp and after it. It returns an error, and creates nothing, when cp
// is nil or p is invalid.
func New(scope constructs.Construct, id string, p Props, cp *istio.ControlPlane) (*Kiali, error) {
	if cp == nil {
		return nil, fmt.Errorf("kiali %q: the control plane is required: Kiali is installed in its namespace, after it", id)
	}
	ns := cp.Props().Namespace
	p = p.WithDefaults(ns)
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("kiali %q: %w", id, err)
	}
	rels, err := p.HelmReleases(cp.Props())
	if err != nil {
		return nil, fmt.Errorf("kiali %q: %w", id, err)
	}
	k := &Kiali{Construct: constructs.NewConstruct(scope, jsii.String(id)), props: p, namespace: ns, specs: rels}
	for _, w := range p.Warnings(nil) {
		cdktf.Annotations_Of(k.Construct).AddWarning(jsii.String(w))
	}
	in := addon.NewInstaller(k.Construct, cp.Releases()...)
	if err := in.Create(addon.Resources{Secrets: p.Secrets(ns), Releases: rels}); err != nil {
		return nil, fmt.Errorf("kiali %q: %w", id, err)
	}
	for _, r := range rels {
		k.releases = append(k.releases, in.Created(r.ID))
	}
	return k, nil
}

// Secrets are the Kubernetes secrets New creates from p in the namespace
// of the control plane, istioNamespace (defaults applied here), after the
// control plane's releases: "grafana-admin" (GrafanaAdminSecret, user
// "admin" and the password in the sensitive variable named
// Grafana.AdminPasswordVariable) when Grafana is installed and that
// variable is named; "oidc-secret" (SecretName, the OpenID client secret
// in the variable named Auth.OpenID.ClientSecretVariable) with the openid
// strategy. It creates nothing.
func (p Props) Secrets(istioNamespace string) []addon.Secret {
	p = p.WithDefaults(istioNamespace)
	upstream := addon.Order{After: []string{addon.Upstream}}
	var out []addon.Secret
	if v := p.Grafana.AdminPasswordVariable; *p.Grafana.Enabled && v != "" {
		out = append(out, addon.Secret{
			ID: "grafana-admin", Name: GrafanaAdminSecret, Namespace: istioNamespace,
			Data: map[string]string{"admin-user": "admin"},
			Sensitive: map[string]addon.Variable{"admin-password": {
				ID: "grafana-admin-password", Name: v,
				Description: "Grafana's admin password (bluegreen mesh stack); set TF_VAR_" + v + " when deploying",
			}},
			Order: upstream,
		})
	}
	if p.Auth.Strategy == StrategyOpenID {
		v := p.Auth.OpenID.ClientSecretVariable
		out = append(out, addon.Secret{
			ID: "oidc-secret", Name: SecretName, Namespace: istioNamespace,
			Sensitive: map[string]addon.Variable{OIDCSecretKey: {
				ID: "oidc-client-secret", Name: v,
				Description: "Kiali's OpenID Connect client secret (bluegreen mesh stack); set TF_VAR_" + v + " when deploying",
			}},
			Order: upstream,
		})
	}
	return out
}

// Resources are everything Kiali creates, as New creates it from p for
// the control plane with props controlPlane: Secrets and HelmReleases. It
// creates nothing.
func (p Props) Resources(controlPlane istio.Props) (addon.Resources, error) {
	rels, err := p.HelmReleases(controlPlane)
	if err != nil {
		return addon.Resources{}, err
	}
	return addon.Resources{Secrets: p.Secrets(controlPlane.WithDefaults().Namespace), Releases: rels}, nil
}

// HelmReleases are Kiali's Helm releases in install order, as New creates them
// from p and the props of the control plane Kiali observes (defaults
// applied here): "prometheus" and "grafana" when enabled, then "kiali",
// all in the control plane's namespace. It creates nothing.
func (p Props) HelmReleases(controlPlane istio.Props) ([]addon.Release, error) {
	ns := controlPlane.WithDefaults().Namespace
	p = p.WithDefaults(ns)
	flags := addon.Waited(p.TimeoutSeconds)
	var out []addon.Release
	add := func(id, name string, src istio.ChartSource, chart, version string, values map[string]any) error {
		c, err := src.Chart(chart, version)
		if err != nil {
			return err
		}
		out = append(out, addon.Release{ID: id, Name: name, Namespace: ns, Chart: c, Values: values, Flags: flags})
		return nil
	}
	if *p.Prometheus.Enabled {
		if err := add("prometheus", "prometheus", p.Prometheus.Chart, "prometheus", p.Prometheus.ChartVersion,
			addon.MergeValues(p.prometheusValues(), p.Prometheus.ExtraValues)); err != nil {
			return nil, err
		}
	}
	if *p.Grafana.Enabled {
		if err := add("grafana", "grafana", p.Grafana.Chart, "grafana", p.Grafana.ChartVersion,
			addon.MergeValues(p.grafanaValues(), p.Grafana.ExtraValues)); err != nil {
			return nil, err
		}
	}
	if err := add("kiali", "kiali", p.Chart, "kiali-server", p.ChartVersion,
		addon.MergeValues(p.kialiValues(ns), p.ExtraValues)); err != nil {
		return nil, err
	}
	// Each after the control plane; Grafana after its admin secret; Kiali
	// after Prometheus, Grafana and its OpenID secret.
	secrets := map[string]bool{}
	for _, s := range p.Secrets(ns) {
		secrets[s.ID] = true
	}
	var addons []string
	for i, r := range out {
		after := []string{addon.Upstream}
		switch r.ID {
		case "grafana":
			if secrets["grafana-admin"] {
				after = append(after, "grafana-admin")
			}
		case "kiali":
			after = append(after, addons...)
			if secrets["oidc-secret"] {
				after = append(after, "oidc-secret")
			}
		}
		out[i].After = after
		if r.ID != "kiali" {
			addons = append(addons, r.ID)
		}
	}
	return out, nil
}

// Secret names and keys Kiali and Grafana read.
const (
	// SecretName is the Kubernetes secret Kiali mounts.
	SecretName = "kiali"
	// OIDCSecretKey is the key of the OpenID client secret in SecretName.
	OIDCSecretKey = "oidc-secret"
	// GrafanaAdminSecret holds Grafana's admin user and password when
	// Grafana.AdminPasswordVariable is set.
	GrafanaAdminSecret = "grafana-admin"
)

// Props returns the props Kiali was built with, defaults applied.
func (k *Kiali) Props() Props { return k.props }

// Namespace is the namespace Kiali, Prometheus and Grafana run in: the
// control plane's.
func (k *Kiali) Namespace() string { return k.namespace }

// ReleaseSpecs returns the specs of Kiali's Helm releases (see
// Props.HelmReleases), in install order.
func (k *Kiali) ReleaseSpecs() []addon.Release { return slices.Clone(k.specs) }

// Releases returns the Helm releases of Kiali, Prometheus and Grafana, for
// other constructs to depend on.
func (k *Kiali) Releases() []cdktf.ITerraformDependable {
	return append([]cdktf.ITerraformDependable(nil), k.releases...)
}

// kialiValues are the kiali-server chart's values.
func (p Props) kialiValues(istioNamespace string) map[string]any {
	auth := map[string]any{"strategy": p.Auth.Strategy}
	if p.Auth.Strategy == StrategyOpenID {
		o := p.Auth.OpenID
		openid := map[string]any{"client_id": o.ClientID, "issuer_uri": o.IssuerURI}
		if o.Scopes != nil {
			scopes := make([]any, len(o.Scopes))
			for i, s := range o.Scopes {
				scopes[i] = s
			}
			openid["scopes"] = scopes
		}
		if o.UsernameClaim != "" {
			openid["username_claim"] = o.UsernameClaim
		}
		auth["openid"] = openid
	}
	grafana := map[string]any{"enabled": p.Grafana.InternalURL != ""}
	if p.Grafana.InternalURL != "" {
		grafana["internal_url"] = p.Grafana.InternalURL
		grafana["external_url"] = p.Grafana.ExternalURL
	}
	return map[string]any{
		"auth": auth,
		"deployment": map[string]any{
			// Kiali is not part of the mesh.
			"pod_labels":  map[string]any{"sidecar.istio.io/inject": "false"},
			"secret_name": SecretName,
		},
		"external_services": map[string]any{
			"istio":      map[string]any{"root_namespace": istioNamespace},
			"prometheus": map[string]any{"url": p.Prometheus.URL},
			"grafana":    grafana,
			// Kiali waits for a tracing backend that is not installed.
			"tracing": map[string]any{"enabled": false},
		},
	}
}

// prometheusValues keep only the Prometheus server, without persistence,
// as Istio's own Prometheus addon does; its default scrape jobs collect the
// metrics of every pod annotated prometheus.io/scrape, which Istio's
// sidecars and istiod are.
func (p Props) prometheusValues() map[string]any {
	return map[string]any{
		"alertmanager":             map[string]any{"enabled": false},
		"prometheus-pushgateway":   map[string]any{"enabled": false},
		"kube-state-metrics":       map[string]any{"enabled": false},
		"prometheus-node-exporter": map[string]any{"enabled": false},
		"server": map[string]any{
			"fullnameOverride": "prometheus",
			"podLabels":        map[string]any{"sidecar.istio.io/inject": "false"},
			"persistentVolume": map[string]any{"enabled": false},
			"service":          map[string]any{"servicePort": 9090},
			"global":           map[string]any{"scrape_interval": p.Prometheus.ScrapeInterval},
		},
	}
}

// grafanaValues install Grafana with Prometheus as its default data
// source. The admin password is never a value: it is either the chart's
// generated one, or the secret GrafanaAdminSecret.
func (p Props) grafanaValues() map[string]any {
	v := map[string]any{
		"fullnameOverride": "grafana",
		"podLabels":        map[string]any{"sidecar.istio.io/inject": "false"},
		"service":          map[string]any{"port": 3000},
		"testFramework":    map[string]any{"enabled": false},
		"datasources": map[string]any{
			"datasources.yaml": map[string]any{
				"apiVersion": 1,
				"datasources": []any{map[string]any{
					"name": "Prometheus", "type": "prometheus", "orgId": 1, "url": p.Prometheus.URL,
					"access": "proxy", "isDefault": true, "editable": true,
				}},
			},
		},
	}
	if p.Grafana.AdminPasswordVariable != "" {
		v["admin"] = map[string]any{"existingSecret": GrafanaAdminSecret, "userKey": "admin-user", "passwordKey": "admin-password"}
	}
	return v
}
