package stacks

import (
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/constructs/kiali"
	"github.com/bluegreen-mesh/bluegreen/constructs/meshnamespace"
)

// buildMesh composes the <env>-mesh stack in order, with explicit
// dependencies: the Istio control plane and ingress gateway; then Kiali,
// Prometheus and Grafana, after the control plane; then the
// sidecar-injected namespace, after all of them (its pods need istiod's
// injector, and Kiali should see them arrive).
func buildMesh(set *Set) error {
	env := set.Env
	var err error
	if set.Istio, err = istio.New(set.Mesh, "istio", env.Istio); err != nil {
		return err
	}
	k := env.Kiali
	k.ControlPlane = set.Istio
	if set.Kiali, err = kiali.New(set.Mesh, "kiali", k); err != nil {
		return err
	}
	ns := env.Namespace
	ns.DependsOn = append(append([]cdktf.ITerraformDependable(nil), set.Istio.Releases()...), set.Kiali.Releases()...)
	if set.Namespace, err = meshnamespace.New(set.Mesh, "namespace", ns); err != nil {
		return err
	}
	return nil
}
