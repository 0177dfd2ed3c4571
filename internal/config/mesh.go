package config

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// meshProps maps the environment onto the props of the istio, kiali and
// namespace constructs, and applies the constructs' own defaults (their
// WithDefaults), so that validation sees what the constructs will build.
// It hands them what they take from the rest of the environment: Istio
// checks its version against the cluster's Kubernetes version; Kiali
// learns whether the environment is production. Kiali's namespace and the
// namespace's revision the constructs derive from the control plane. It
// runs after the cluster's props have their defaults.
func (e Environment) meshProps() Environment {
	// A mapping, not a default: the Kubernetes version of the cluster the
	// mesh goes into, as the environment states it (an existing cluster's
	// target.kubeconfig.kubernetesVersion, required; or the new EKS
	// cluster's cluster.kubernetesVersion, which the eks construct's
	// WithDefaults has filled). Istio's own default, no check, applies
	// only where the cluster is unknown, which no environment is.
	if e.Target.Type == TargetKubeconfig {
		e.Istio.KubernetesVersion = e.Target.Kubeconfig.KubernetesVersion
	} else {
		e.Istio.KubernetesVersion = e.Cluster.KubernetesVersion
	}
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
// the Gateway API CRDs: the routing of one of its apps uses the Gateway
// API, or its ambient waypoint is a Gateway API object.
func (e Environment) NeedsGatewayAPICRDs() bool {
	return e.firstGatewayAPIApp() != "" || e.Istio.NeedsGatewayAPICRDs()
}

// meshWarnings lists the warnings of the istio, kiali and namespace
// sections.
func (e Environment) meshWarnings(p *field.Path) []string {
	var out []string
	out = append(out, e.Istio.Warnings(p.Child("istio"))...)
	out = append(out, e.Kiali.Warnings(p.Child("kiali"))...)
	out = append(out, e.Namespace.Warnings(p.Child("namespace"))...)
	if e.Istio.Ambient() {
		var vs []string
		for _, a := range e.Apps() {
			if a.Routing.API != mesh.APIGatewayAPI {
				vs = append(vs, a.Field.String())
			}
		}
		if len(vs) > 0 {
			out = append(out, ambientVirtualServiceWarning(p, e.AppEntries != nil, vs))
		}
	}
	return out
}

// ambientVirtualServiceWarning says that the routing of the apps at fields
// (the shorthand's, unless apps), a VirtualService, is alpha in ambient
// mode; with routing.api "gatewayAPI" (an HTTPRoute) there is no warning.
func ambientVirtualServiceWarning(p *field.Path, apps bool, fields []string) string {
	whose, api := "the app's routing is", `routing.api "gatewayAPI"`
	if apps {
		whose = "the routing of " + strings.Join(fields, ", ") + " is"
		api = `apps[<name>].routing.api "gatewayAPI"`
	}
	return p.Child("istio", "dataplane").String() + `: with "ambient" ` + whose + ` a VirtualService, which Istio supports in ambient mode (applied by the namespace's waypoint) only as an alpha feature; the Gateway API HTTPRoute (` + api + `) is ambient's supported routing API`
}
