package config

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// kubernetesVersion is the Kubernetes minor version of the environment's
// cluster, new or existing.
func (e Environment) kubernetesVersion() string {
	if e.Target.Type == TargetKubeconfig {
		return e.Target.Kubeconfig.KubernetesVersion
	}
	return e.Cluster.KubernetesVersion
}

// meshProps maps the environment onto the props of the istio, kiali and
// namespace constructs, and applies the constructs' own defaults (their
// WithDefaults), so that validation sees what the constructs will build.
// It hands them what they take from the rest of the environment: Istio
// checks its version against the cluster's Kubernetes version; Kiali
// learns whether the environment is production. Kiali's namespace and the
// namespace's revision the constructs derive from the control plane.
func (e Environment) meshProps() Environment {
	e.Istio.KubernetesVersion = e.kubernetesVersion()
	e.Istio = e.Istio.WithDefaults()
	e.Kiali.Production = e.Production
	e.Kiali = e.Kiali.WithDefaults(e.Istio.Namespace)
	e.Namespace = e.Namespace.WithDefaults()
	return e
}

// validateMesh reports the problems of the istio, kiali and namespace
// sections.
func (e Environment) validateMesh(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, e.Istio.ValidateAt(p.Child("istio"))...)
	errs = append(errs, e.Kiali.ValidateAt(p.Child("kiali"))...)
	if e.Istio.Ambient() {
		errs = append(errs, e.Namespace.ValidateAmbientAt(p.Child("namespace"))...)
	} else {
		errs = append(errs, e.Namespace.ValidateAt(p.Child("namespace"), e.Istio.InjectionRevision())...)
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

// NeedsGatewayAPICRDs reports whether the environment's mesh stack installs
// the Gateway API CRDs: its routing uses the Gateway API, or its ambient
// waypoint is a Gateway API object.
func (e Environment) NeedsGatewayAPICRDs() bool {
	return e.Routing.API == mesh.APIGatewayAPI || e.Istio.NeedsGatewayAPICRDs()
}

// meshWarnings lists the warnings of the istio, kiali and namespace
// sections.
func (e Environment) meshWarnings(p *field.Path) []string {
	var out []string
	out = append(out, e.Istio.Warnings(p.Child("istio"))...)
	out = append(out, e.Kiali.Warnings(p.Child("kiali"))...)
	out = append(out, e.Namespace.Warnings(p.Child("namespace"))...)
	if e.Istio.Ambient() && e.Routing.API != mesh.APIGatewayAPI {
		out = append(out, ambientVirtualServiceWarning(p))
	}
	return out
}

// ambientVirtualServiceWarning says that the app's routing, a
// VirtualService, is alpha in ambient mode; with routing.api "gatewayAPI"
// (an HTTPRoute) there is no warning.
func ambientVirtualServiceWarning(p *field.Path) string {
	return p.Child("istio", "dataplane").String() + `: with "ambient" the app's routing is a VirtualService, which Istio supports in ambient mode (applied by the namespace's waypoint) only as an alpha feature; the Gateway API HTTPRoute (routing.api "gatewayAPI") is ambient's supported routing API`
}
