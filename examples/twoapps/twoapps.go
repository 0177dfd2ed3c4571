// Package twoapps is an example of a team composing two blue/green apps
// that share one host in a stack of its own, with bluegreen's constructs
// and without its configuration file: Istio and an injected namespace,
// then "web" at / and "cart" at /cart on shop.example.com behind one
// shared Gateway, whose root VirtualService delegates /cart to cart's own
// VirtualService and everything else to web's.
//
// Check runs the checks between the apps (routing.CheckApps) before
// anything is built, so the team sees a conflict (two apps under one
// prefix, a prefix that takes the other app's version path) with the names
// of both apps.
package twoapps

import (
	"errors"
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	helmprovider "github.com/cdktf/cdktf-provider-helm-go/helm/v10/provider"
	kubernetesprovider "github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/constructs/meshnamespace"
	"github.com/bluegreen-mesh/bluegreen/constructs/routing"
	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// Props configure the stack.
type Props struct {
	// KubeconfigPath and KubeconfigContext reach the cluster. Required.
	KubeconfigPath, KubeconfigContext string
	// CartLive is the colour that takes cart's traffic. Default: "blue".
	CartLive string
	// CartPathPrefix is the part of shop.example.com cart serves.
	// Default: "/cart".
	CartPathPrefix string
}

// Namespace is the namespace both apps and the shared Gateway live in.
const Namespace = "shop"

// apps are the two apps' props: their releases and their routing.
func apps(p Props) []routing.AppRouting {
	if p.CartPathPrefix == "" {
		p.CartPathPrefix = "/cart"
	}
	colours := func(name string) map[string]bluegreen.Release {
		return map[string]bluegreen.Release{
			bluegreen.Blue:  {Name: name + "-blue", Args: []string{"-text", name + " blue"}},
			bluegreen.Green: {Name: name + "-green", Args: []string{"-text", name + " green"}},
		}
	}
	return []routing.AppRouting{
		{Name: "web", App: bluegreen.Props{Name: "web", Namespace: Namespace, Releases: colours("web")},
			Props: routing.Props{Routing: mesh.Routing{Hosts: []string{"shop.example.com"}}}},
		{Name: "cart", App: bluegreen.Props{Name: "cart", Namespace: Namespace, Releases: colours("cart")},
			Props: routing.Props{Routing: mesh.Routing{Hosts: []string{"shop.example.com"}, PathPrefix: p.CartPathPrefix, Live: p.CartLive,
				// A cookie of its own: web's default, x-version, would
				// send a client web pins to a colour to cart's too (BG016).
				Cookie: mesh.Rule{Name: "x-cart-version", Values: map[string]string{bluegreen.Blue: "v1", bluegreen.Green: "v2"}}}}},
	}
}

// controlPlane are the props of the stack's Istio.
var controlPlane = istio.Props{}

// Check returns what the checks between the two apps find for p: errors
// NewStack would refuse, and warnings.
func Check(p Props) []mesh.Finding { return routing.CheckApps(apps(p), controlPlane) }

// NewStack creates the stack under scope (a cdktf App). It fails, creating
// no stack, when the apps conflict.
func NewStack(scope constructs.Construct, id string, p Props) (cdktf.TerraformStack, error) {
	var errs []error
	for _, f := range Check(p) {
		if f.Severity == mesh.Error {
			errs = append(errs, fmt.Errorf("%s: %s", f.Code, f.Message))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	as := apps(p)
	plan, err := routing.PlanShared(routing.SharedProps{Name: "shop-ingress", Namespace: Namespace, Apps: as}, controlPlane)
	if err != nil {
		return nil, err
	}

	stack := cdktf.NewTerraformStack(scope, jsii.String(id))
	helmprovider.NewHelmProvider(stack, jsii.String("helm"), &helmprovider.HelmProviderConfig{
		Kubernetes: &helmprovider.HelmProviderKubernetes{
			ConfigPath: jsii.String(p.KubeconfigPath), ConfigContext: jsii.String(p.KubeconfigContext),
		},
	})
	kubernetesprovider.NewKubernetesProvider(stack, jsii.String("kubernetes"), &kubernetesprovider.KubernetesProviderConfig{
		ConfigPath: jsii.String(p.KubeconfigPath), ConfigContext: jsii.String(p.KubeconfigContext),
	})
	cp, err := istio.New(stack, "istio", controlPlane)
	if err != nil {
		return nil, err
	}
	ns, err := meshnamespace.New(stack, "namespace", meshnamespace.Props{Name: Namespace}, cp, nil)
	if err != nil {
		return nil, err
	}
	// The shared Gateway and the root VirtualService, after the namespace.
	if _, err := routing.NewSharedGateway(stack, "ingress", plan, ns.Resources()...); err != nil {
		return nil, err
	}
	for _, a := range as {
		app, err := bluegreen.New(stack, a.Name, a.App, ns)
		if err != nil {
			return nil, err
		}
		if _, err := routing.NewAppRouting(stack, a.Name+"-routing", plan, a.Name, app); err != nil {
			return nil, err
		}
	}
	return stack, nil
}
