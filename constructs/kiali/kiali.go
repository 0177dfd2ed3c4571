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
	"errors"
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/secretv1"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
)

// Kiali is the Kiali console, and the Prometheus and Grafana it reads.
type Kiali struct {
	constructs.Construct

	props    Props
	releases []cdktf.ITerraformDependable
}

// New creates Kiali under scope, after the control plane in
// p.ControlPlane. It returns an error, and creates nothing, when p is
// invalid.
func New(scope constructs.Construct, id string, p Props) (*Kiali, error) {
	p = p.WithDefaults()
	if p.ControlPlane == nil {
		return nil, fmt.Errorf("kiali %q: ControlPlane is required: Kiali is installed after the Istio control plane it observes", id)
	}
	if ns := p.ControlPlane.Props().Namespace; ns != p.IstioNamespace {
		return nil, fmt.Errorf("kiali %q: IstioNamespace %q differs from the control plane's namespace %q", id, p.IstioNamespace, ns)
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("kiali %q: %w", id, err)
	}
	k := &Kiali{Construct: constructs.NewConstruct(scope, jsii.String(id)), props: p}
	for _, w := range p.Warnings(nil) {
		cdktf.Annotations_Of(k.Construct).AddWarning(jsii.String(w))
	}
	after := p.ControlPlane.Releases()
	var err error
	var addons []cdktf.ITerraformDependable
	if *p.Prometheus.Enabled {
		r, err := k.release("prometheus", istio.ReleaseSpec{
			Name: "prometheus", Chart: "prometheus", Source: p.Prometheus.Chart, Version: p.Prometheus.ChartVersion,
			Values: istio.MergeValues(p.prometheusValues(), p.Prometheus.ExtraValues), DependsOn: after,
		})
		if err != nil {
			return nil, err
		}
		addons = append(addons, r)
	}
	if *p.Grafana.Enabled {
		deps := after
		if v := p.Grafana.AdminPasswordVariable; v != "" {
			password := sensitiveVariable(k.Construct, "grafana-admin-password", v, "Grafana's admin password (bluegreen mesh stack)")
			secret := secretv1.NewSecretV1(k.Construct, jsii.String("grafana-admin"), &secretv1.SecretV1Config{
				Metadata:  &secretv1.SecretV1Metadata{Name: jsii.String(GrafanaAdminSecret), Namespace: jsii.String(p.IstioNamespace)},
				Data:      &map[string]*string{"admin-user": jsii.String("admin"), "admin-password": password},
				DependsOn: &after,
			})
			deps = append(append([]cdktf.ITerraformDependable(nil), after...), secret)
		}
		r, err := k.release("grafana", istio.ReleaseSpec{
			Name: "grafana", Chart: "grafana", Source: p.Grafana.Chart, Version: p.Grafana.ChartVersion,
			Values: istio.MergeValues(p.grafanaValues(), p.Grafana.ExtraValues), DependsOn: deps,
		})
		if err != nil {
			return nil, err
		}
		addons = append(addons, r)
	}
	deps := append(append([]cdktf.ITerraformDependable(nil), after...), addons...)
	if p.Auth.Strategy == StrategyOpenID {
		secret := secretv1.NewSecretV1(k.Construct, jsii.String("oidc-secret"), &secretv1.SecretV1Config{
			Metadata: &secretv1.SecretV1Metadata{Name: jsii.String(SecretName), Namespace: jsii.String(p.IstioNamespace)},
			Data: &map[string]*string{
				OIDCSecretKey: sensitiveVariable(k.Construct, "oidc-client-secret", p.Auth.OpenID.ClientSecretVariable, "Kiali's OpenID Connect client secret (bluegreen mesh stack)"),
			},
			DependsOn: &after,
		})
		deps = append(deps, secret)
	}
	if _, err = k.release("kiali", istio.ReleaseSpec{
		Name: "kiali", Chart: "kiali-server", Source: p.Chart, Version: p.ChartVersion,
		Values: istio.MergeValues(p.kialiValues(), p.ExtraValues), DependsOn: deps,
	}); err != nil {
		return nil, err
	}
	return k, nil
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

// Releases returns the Helm releases of Kiali, Prometheus and Grafana, for
// other constructs to depend on.
func (k *Kiali) Releases() []cdktf.ITerraformDependable {
	return append([]cdktf.ITerraformDependable(nil), k.releases...)
}

func (k *Kiali) release(id string, s istio.ReleaseSpec) (cdktf.ITerraformDependable, error) {
	s.Namespace = k.props.IstioNamespace
	s.TimeoutSeconds = k.props.TimeoutSeconds
	r, err := istio.NewRelease(k.Construct, id, s)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("kiali %q", *k.Node().Id()), err)
	}
	k.releases = append(k.releases, r)
	return r, nil
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
func (p Props) kialiValues() map[string]any {
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
			"istio":      map[string]any{"root_namespace": p.IstioNamespace},
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
