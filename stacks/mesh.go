package stacks

import (
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/constructs/kiali"
	"github.com/bluegreen-mesh/bluegreen/constructs/meshnamespace"
)

// buildMesh composes the <env>-mesh stack in order: the Istio control
// plane and ingress gateway; then Kiali, Prometheus and Grafana, and the
// sidecar-injected namespace, each after the control plane (the
// namespace's pods need istiod's injector). Kiali's namespace and the
// namespace's revision label come from the control plane.
func buildMesh(set *Set) error {
	env := set.Env
	var err error
	if set.Istio, err = istio.New(set.Mesh, "istio", env.Istio); err != nil {
		return err
	}
	if set.Kiali, err = kiali.New(set.Mesh, "kiali", env.Kiali, set.Istio); err != nil {
		return err
	}
	if set.Namespace, err = meshnamespace.New(set.Mesh, "namespace", env.Namespace, set.Istio); err != nil {
		return err
	}
	return nil
}
