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
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/secretv1"
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
	in := addon.NewInstaller(k.Construct)
	after := cp.Releases()
	var addons []cdktf.ITerraformDependable
	var grafanaSecret, oidcSecret cdktf.ITerraformDependable
	if v := p.Grafana.AdminPasswordVariable; *p.Grafana.Enabled && v != "" {
		password := sensitiveVariable(k.Construct, "grafana-admin-password", v, "Grafana's admin password (bluegreen mesh stack)")
		grafanaSecret = secretv1.NewSecretV1(k.Construct, jsii.String("grafana-admin"), &secretv1.SecretV1Config{
			Metadata:  &secretv1.SecretV1Metadata{Name: jsii.String(GrafanaAdminSecret), Namespace: jsii.String(ns)},
			Data:      &map[string]*string{"admin-user": jsii.String("admin"), "admin-password": password},
			DependsOn: &after,
		})
	}
	for _, r := range rels {
		deps := slices.Clone(after)
		switch r.ID {
		case "grafana":
			deps = append(deps, grafanaSecret)
		case "kiali":
			deps = append(deps, addons...)
			if p.Auth.Strategy == StrategyOpenID {
				oidcSecret = secretv1.NewSecretV1(k.Construct, jsii.String("oidc-secret"), &secretv1.SecretV1Config{
					Metadata: &secretv1.SecretV1Metadata{Name: jsii.String(SecretName), Namespace: jsii.String(ns)},
					Data: &map[string]*string{
						OIDCSecretKey: sensitiveVariable(k.Construct, "oidc-client-secret", p.Auth.OpenID.ClientSecretVariable, "Kiali's OpenID Connect client secret (bluegreen mesh stack)"),
					},
					DependsOn: &after,
				})
				deps = append(deps, oidcSecret)
			}
		}
		rel, err := in.Install(r, deps...)
		if err != nil {
			return nil, fmt.Errorf("kiali %q: %w", id, err)
		}
		k.releases = append(k.releases, rel)
		if r.ID != "kiali" {
			addons = append(addons, rel)
		}
	}
	return k, nil
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

// sensitiveVariable declares the sensitive Terraform variable name (its
// value is given at deploy time as TF_VAR_<name>) and returns a reference
// to it.
func sensitiveVariable(scope constructs.Construct, id, name, description string) *string {
	v := cdktf.NewTerraformVariable(scope, jsii.String(id), &cdktf.TerraformVariableConfig{
		Type:        jsii.String("string"),
		Sensitive:   jsii.Bool(true),
		Nullable:    jsii.Bool(false),
		Description: jsii.String(description + "; set TF_VAR_" + name + " when deploying"),
	})
	v.OverrideLogicalId(jsii.String(name))
	return v.StringValue()
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
