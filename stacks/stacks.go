package stacks

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/eks"
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/constructs/kiali"
	"github.com/bluegreen-mesh/bluegreen/constructs/meshnamespace"
	"github.com/bluegreen-mesh/bluegreen/constructs/routing"
	"github.com/bluegreen-mesh/bluegreen/internal/config"
)

// Stack name suffixes.
const (
	ClusterSuffix = "-cluster"
	MeshSuffix    = "-mesh"
	AppSuffix     = "-app"
)

// Set is one environment's stacks.
type Set struct {
	// Env is the environment, defaults applied.
	Env config.Environment
	// Cluster is the <env>-cluster stack; nil when the target is an existing
	// cluster.
	Cluster cdktf.TerraformStack
	// EKS is the cluster construct in Cluster; nil when Cluster is nil.
	EKS *eks.Cluster
	// Mesh is the <env>-mesh stack.
	Mesh cdktf.TerraformStack
	// App is the <env>-app stack.
	App cdktf.TerraformStack

	// Istio, Kiali and Namespace are the constructs of the mesh stack.
	Istio     *istio.ControlPlane
	Kiali     *kiali.Kiali
	Namespace *meshnamespace.Namespace

	// BlueGreen and Routing are the constructs of the app stack.
	BlueGreen *bluegreen.App
	Routing   *routing.Routing
}

// New builds env's stacks under scope (normally the cdktf App). env must
// come from config.Load, which applies defaults and validates.
func New(scope constructs.Construct, env config.Environment) (set *Set, err error) {
	// The jsii runtime reports JavaScript errors as panics; turn them into
	// errors that name the environment.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("environment %q: %v", env.Name, r)
		}
	}()
	set = &Set{Env: env}
	var access kubeAccess
	if env.Target.Type == config.TargetEKS {
		set.Cluster = newStack(scope, env, env.Name+ClusterSuffix)
		awsProvider(set.Cluster, env)
		set.EKS, err = eks.New(set.Cluster, "eks", env.Cluster)
		if err != nil {
			return nil, fmt.Errorf("environment %q: %w", env.Name, err)
		}
		clusterOutputs(set.Cluster, set.EKS)
		access = eksAccess(env, set.EKS)
	} else {
		access = kubeconfigAccess(env.Target.Kubeconfig)
	}

	set.Mesh = newStack(scope, env, env.Name+MeshSuffix)
	access.providers(set.Mesh, env)
	if err := buildMesh(set); err != nil {
		return nil, fmt.Errorf("environment %q: %w", env.Name, err)
	}
	set.App = newStack(scope, env, env.Name+AppSuffix)
	access.providers(set.App, env)
	if err := buildApp(set); err != nil {
		return nil, fmt.Errorf("environment %q: %w", env.Name, err)
	}
	if set.Cluster != nil {
		set.Mesh.AddDependency(set.Cluster)
	}
	set.App.AddDependency(set.Mesh)
	return set, nil
}

func newStack(scope constructs.Construct, env config.Environment, name string) cdktf.TerraformStack {
	stack := cdktf.NewTerraformStack(scope, jsii.String(name))
	backend(stack, env, name)
	return stack
}

func clusterOutputs(stack cdktf.TerraformStack, c *eks.Cluster) {
	for _, o := range []struct {
		id, description string
		value           *string
	}{
		{"cluster_name", "EKS cluster name", c.Name()},
		{"cluster_endpoint", "Kubernetes API server URL", c.Endpoint()},
		{"cluster_certificate_authority_data", "Base64-encoded cluster CA certificate", c.CertificateAuthorityData()},
		{"oidc_provider_arn", "IAM OIDC provider ARN for IAM roles for service accounts", c.OIDCProviderARN()},
		{"node_role_arn", "IAM role of the managed nodes", c.NodeRoleARN()},
		{"vpc_id", "VPC of the cluster", c.VPCID()},
	} {
		cdktf.NewTerraformOutput(stack, jsii.String(o.id), &cdktf.TerraformOutputConfig{
			Value:       o.value,
			Description: jsii.String(o.description),
		})
	}
}
