package config

import (
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// kubernetesVersion is the Kubernetes minor version of the environment's
// cluster, new or existing.
func (e Environment) kubernetesVersion() string {
	if e.Target.Type == TargetKubeconfig {
		return e.Target.Kubeconfig.KubernetesVersion
	}
	return e.Cluster.KubernetesVersion
}

// meshDefaults applies the defaults of the istio, kiali and namespace
// sections, and hands them what they need from the rest of the environment:
// Istio checks its version against the cluster's Kubernetes version; Kiali
// learns whether the environment is production (anonymous access warns
// there) and installs Prometheus and Grafana next to itself unless it is;
// the namespace asks for the sidecars of the control plane's revision.
func (e Environment) meshDefaults() Environment {
	e.Istio.KubernetesVersion = e.kubernetesVersion()
	e.Istio = e.Istio.WithDefaults()
	e.Kiali.Production = e.Production
	e.Kiali.IstioNamespace = e.Istio.Namespace
	if e.Kiali.Prometheus.Enabled == nil {
		e.Kiali.Prometheus.Enabled = ptr(!e.Production)
	}
	if e.Kiali.Grafana.Enabled == nil {
		e.Kiali.Grafana.Enabled = ptr(!e.Production)
	}
	e.Kiali = e.Kiali.WithDefaults()
	e.Namespace.Revision = e.Istio.InjectionRevision()
	e.Namespace = e.Namespace.WithDefaults()
	return e
}

// validateMesh reports the problems of the istio, kiali and namespace
// sections.
func (e Environment) validateMesh(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, e.Istio.ValidateAt(p.Child("istio"))...)
	errs = append(errs, e.Kiali.ValidateAt(p.Child("kiali"))...)
	nsErrs := e.Namespace.ValidateAt(p.Child("namespace"))
	for _, err := range nsErrs {
		// The revision comes from istio.revision, which reports its own
		// problems; report the rest.
		if err.Field != p.Child("namespace", "revision").String() {
			errs = append(errs, err)
		}
	}
	for _, ns := range []struct {
		field string
		name  string
	}{{"namespace", e.Istio.Namespace}, {"ingressGateway.namespace", e.Istio.IngressGateway.Namespace}, {"operator.namespace", e.Istio.Operator.Namespace}} {
		if ns.name != "" && ns.name == e.Namespace.Name {
			errs = append(errs, field.Invalid(p.Child("namespace", "name"), e.Namespace.Name,
				"must differ from istio."+ns.field+": the app's namespace is its own"))
		}
	}
	return errs
}

// meshWarnings lists the warnings of the istio, kiali and namespace
// sections.
func (e Environment) meshWarnings(p *field.Path) []string {
	var out []string
	out = append(out, e.Istio.Warnings(p.Child("istio"))...)
	out = append(out, e.Kiali.Warnings(p.Child("kiali"))...)
	out = append(out, e.Namespace.Warnings(p.Child("namespace"))...)
	return out
}
