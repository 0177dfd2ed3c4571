// Command payments is a module of its own that uses bluegreen's
// constructs: one Terraform stack with a new EKS cluster, Istio and an
// injected namespace in it, and an app released as blue and green behind
// a Gateway. `go run .` (or `cdktf synth`) writes cdktf.out.
package main

import (
	"log"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	awsprovider "github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	helmprovider "github.com/cdktf/cdktf-provider-helm-go/helm/v10/provider"
	kubernetesprovider "github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/eks"
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/constructs/meshnamespace"
	"github.com/bluegreen-mesh/bluegreen/constructs/routing"
	"github.com/bluegreen-mesh/bluegreen/mesh"
)

const region = "eu-west-1"

func newStack(scope constructs.Construct, id string) error {
	stack := cdktf.NewTerraformStack(scope, jsii.String(id))
	// Every resource type needs its provider in the stack; without one,
	// synthesis panics "Found resources without a matching provider
	// construct".
	awsprovider.NewAwsProvider(stack, jsii.String("aws"), &awsprovider.AwsProviderConfig{Region: jsii.String(region)})

	cluster, err := eks.New(stack, "eks", eks.Props{
		Name:     "payments",
		Endpoint: eks.Endpoint{PublicAccessCIDRs: []string{"203.0.113.0/24"}},
	})
	if err != nil {
		return err
	}

	// The helm and kubernetes providers reach the new cluster with a token
	// from `aws eks get-token` on every Terraform run.
	host := cluster.Endpoint()
	ca := cdktf.Fn_Base64decode(cluster.CertificateAuthorityData())
	args := jsii.Strings("eks", "get-token", "--cluster-name", "payments", "--region", region, "--output", "json")
	helmprovider.NewHelmProvider(stack, jsii.String("helm"), &helmprovider.HelmProviderConfig{
		Kubernetes: &helmprovider.HelmProviderKubernetes{
			Host: host, ClusterCaCertificate: ca,
			Exec: &helmprovider.HelmProviderKubernetesExec{ApiVersion: jsii.String("client.authentication.k8s.io/v1beta1"), Command: jsii.String("aws"), Args: args},
		},
	})
	kubernetesprovider.NewKubernetesProvider(stack, jsii.String("kubernetes"), &kubernetesprovider.KubernetesProviderConfig{
		Host: host, ClusterCaCertificate: ca,
		Exec: &[]*kubernetesprovider.KubernetesProviderExec{{ApiVersion: jsii.String("client.authentication.k8s.io/v1beta1"), Command: jsii.String("aws"), Args: args}},
	})

	cp, err := istio.New(stack, "istio", istio.Props{})
	if err != nil {
		return err
	}
	// The fifth argument is the Gateway API CRDs (gatewayapicrds.New or
	// UseExisting); nil: this stack routes with a VirtualService.
	ns, err := meshnamespace.New(stack, "namespace", meshnamespace.Props{Name: "payments"}, cp, nil)
	if err != nil {
		return err
	}
	app, err := bluegreen.New(stack, "checkout", bluegreen.Props{
		Name: "checkout",
		Releases: map[string]bluegreen.Release{
			bluegreen.Blue:  {Tag: "1.0", Args: []string{"-text", "checkout 1.0"}},
			bluegreen.Green: {Tag: "1.1", Args: []string{"-text", "checkout 1.1"}},
		},
	}, ns)
	if err != nil {
		return err
	}
	_, err = routing.New(stack, "routing", routing.Props{Routing: mesh.Routing{Hosts: []string{"pay.example.com"}, Live: bluegreen.Blue}}, app, cp)
	return err
}

func main() {
	app := cdktf.NewApp(nil)
	if err := newStack(app, "payments"); err != nil {
		log.Fatal(err)
	}
	app.Synth()
}
