// Package shop is an example of what another team writes to use
// bluegreen's constructs in a stack of its own, without bluegreen's
// configuration file or its internal packages: Istio, Kiali and an
// injected namespace, and a "cart" app released as blue and green behind a
// Gateway, all in one Terraform stack that reaches an existing cluster
// through a kubeconfig.
//
// Each construct is handed the constructs it depends on, and derives from
// them what it needs: Kiali its namespace from the control plane, the
// namespace its injection label, the app its namespace, the routing its
// Gateway selector and its subsets.
package shop

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	helmprovider "github.com/cdktf/cdktf-provider-helm-go/helm/v10/provider"
	kubernetesprovider "github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/constructs/kiali"
	"github.com/bluegreen-mesh/bluegreen/constructs/meshnamespace"
	"github.com/bluegreen-mesh/bluegreen/constructs/routing"
	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// Props configure the shop's stack.
type Props struct {
	// KubeconfigPath and KubeconfigContext reach the cluster. Required.
	KubeconfigPath, KubeconfigContext string
	// Live is the colour that takes the shop's traffic. Default: "blue".
	Live string
}

// NewStack creates the shop's stack under scope (a cdktf App).
func NewStack(scope constructs.Construct, id string, p Props) (cdktf.TerraformStack, error) {
	stack := cdktf.NewTerraformStack(scope, jsii.String(id))
	helmprovider.NewHelmProvider(stack, jsii.String("helm"), &helmprovider.HelmProviderConfig{
		Kubernetes: &helmprovider.HelmProviderKubernetes{
			ConfigPath: jsii.String(p.KubeconfigPath), ConfigContext: jsii.String(p.KubeconfigContext),
		},
	})
	kubernetesprovider.NewKubernetesProvider(stack, jsii.String("kubernetes"), &kubernetesprovider.KubernetesProviderConfig{
		ConfigPath: jsii.String(p.KubeconfigPath), ConfigContext: jsii.String(p.KubeconfigContext),
	})

	// snippet: compose
	cp, err := istio.New(stack, "istio", istio.Props{Revision: "stable"})
	if err != nil {
		return nil, err
	}
	if _, err := kiali.New(stack, "kiali", kiali.Props{}, cp); err != nil {
		return nil, err
	}
	ns, err := meshnamespace.New(stack, "namespace", meshnamespace.Props{Name: "shop", PeerAuthentication: meshnamespace.MTLSStrict}, cp, nil)
	if err != nil {
		return nil, err
	}
	app, err := bluegreen.New(stack, "cart", bluegreen.Props{
		Name: "cart",
		Releases: map[string]bluegreen.Release{
			bluegreen.Blue:  {Tag: "1.0", Args: []string{"-text", "cart 1.0"}},
			bluegreen.Green: {Tag: "1.1", Args: []string{"-text", "cart 1.1"}},
		},
	}, ns)
	if err != nil {
		return nil, err
	}
	if _, err := routing.New(stack, "routing", routing.Props{Routing: mesh.Routing{Hosts: []string{"shop.example.com"}, Live: p.Live}}, app, cp); err != nil {
		return nil, err
	}
	// end snippet: compose
	return stack, nil
}
