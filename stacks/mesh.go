package stacks

import (
	"github.com/bluegreen-mesh/bluegreen/constructs/gatewayapicrds"
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/constructs/kiali"
	"github.com/bluegreen-mesh/bluegreen/constructs/meshnamespace"
)

// buildMesh composes the <env>-mesh stack in order: the Istio control
// plane and ingress gateway; then Kiali, Prometheus and Grafana, and the
// sidecar-injected namespace, each after the control plane (the
// namespace's pods need istiod's injector). Kiali's namespace and the
// namespace's revision label come from the control plane. With routing
// api "gatewayAPI" or the ambient data plane, the Gateway API CRDs too,
// before the namespace.
func buildMesh(set *Set) error {
	env := set.Env
	var err error
	if set.Istio, err = istio.New(set.Mesh, "istio", env.Istio); err != nil {
		return err
	}
	if set.Kiali, err = kiali.New(set.Mesh, "kiali", env.Kiali, set.Istio); err != nil {
		return err
	}
	// The Gateway API CRDs only where the routing or the ambient waypoint
	// uses them: a cluster whose CRDs another owner manages (a platform
	// team, a cloud add-on) keeps them untouched unless an environment
	// asks for the Gateway API. The namespace (and its waypoint) comes
	// after them.
	// With gatewayAPI.crds "existing", the cluster's own CRDs, checked
	// at plan time, instead of a release.
	var crds *gatewayapicrds.CRDs
	switch {
	case env.InstallsGatewayAPICRDs():
		if crds, err = gatewayapicrds.New(set.Mesh, "gateway-api-crds", env.Istio.Version, env.Istio.Namespace, set.Istio.Props().TimeoutSeconds, set.Istio.Releases()...); err != nil {
			return err
		}
	case env.UsesExistingGatewayAPICRDs():
		if crds, err = gatewayapicrds.UseExisting(set.Mesh, "gateway-api-crds", env.Istio.Version, env.GatewayAPICRDsSetting()); err != nil {
			return err
		}
	}
	if set.Namespace, err = meshnamespace.New(set.Mesh, "namespace", env.Namespace, set.Istio, crds); err != nil {
		return err
	}
	return nil
}
