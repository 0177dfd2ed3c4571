package stacks

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/eks"
	"github.com/bluegreen-mesh/bluegreen/constructs/gatewayapicrds"
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/constructs/kiali"
	"github.com/bluegreen-mesh/bluegreen/constructs/meshnamespace"
	"github.com/bluegreen-mesh/bluegreen/constructs/routing"
)

// Stack name suffixes.
const (
	ClusterSuffix = "-cluster"
	MeshSuffix    = "-mesh"
	AppSuffix     = "-app"
)

// Set is one environment's stacks and their constructs, as New builds them.
type Set struct {
	// Env is the environment.
	Env Environment
	// Stacks are the stacks, in the order they were built, by name in
	// Stack.
	Stacks []cdktf.TerraformStack
	// Cluster is the <env>-cluster stack; nil without a cluster.
	Cluster cdktf.TerraformStack
	// EKS is the cluster construct in Cluster; nil when Cluster is nil.
	EKS *eks.Cluster
	// Mesh is the <env>-mesh stack.
	Mesh cdktf.TerraformStack

	// Istio, Kiali, CRDs and Namespace are the constructs of the mesh
	// stack; CRDs is nil where the environment does not need the Gateway
	// API CRDs.
	Istio     *istio.ControlPlane
	Kiali     *kiali.Kiali
	CRDs      *gatewayapicrds.CRDs
	Namespace *meshnamespace.Namespace
	// SharedGateways are the shared Gateways of the mesh stack, by
	// construct id (SharedGatewayName, SharedGatewayAPIName); none where
	// no two apps share a host.
	SharedGateways map[string]*routing.SharedGateway

	// Apps are the app stacks, in the order of Env.Apps.
	Apps []*AppSet
}

// AppSet is one app's stack and its constructs.
type AppSet struct {
	// Name is the app's name.
	Name string
	// Stack is the app's stack.
	Stack cdktf.TerraformStack
	// BlueGreen and Routing are its constructs.
	BlueGreen *bluegreen.App
	Routing   *routing.Routing
}

// Stack returns the stack named name, nil if there is none.
func (s *Set) Stack(name string) cdktf.TerraformStack {
	for _, st := range s.Stacks {
		if *st.Node().Id() == name {
			return st
		}
	}
	return nil
}

// app returns the constructs of the app stack named stack.
func (s *Set) app(stack string) *AppSet {
	for _, a := range s.Apps {
		if *a.Stack.Node().Id() == stack {
			return a
		}
	}
	panic("stacks: no app stack " + stack)
}

// New builds the stacks of env (Environment.Stacks) under scope, normally
// the cdktf App, each construct with its own New from its props. It
// returns an error, naming the environment, when env is invalid (a
// construct's New validates its props).
func New(scope constructs.Construct, env Environment) (set *Set, err error) {
	// The jsii runtime reports JavaScript errors as panics; turn them into
	// errors that name the environment.
	defer func() {
		if r := recover(); r != nil {
			set, err = nil, fmt.Errorf("environment %q: %v", env.Name, r)
		}
	}()
	described, err := env.Stacks()
	if err != nil {
		return nil, err
	}
	set = &Set{Env: env}
	var access *kubeAccess
	for _, st := range described {
		stack := cdktf.NewTerraformStack(scope, jsii.String(st.Name))
		backend(stack, env.Settings.State, env.Settings.AWS, st.Name)
		switch st.Kind {
		case KindCluster:
			set.Cluster = stack
			awsProvider(stack, env.Settings)
		case KindMesh:
			set.Mesh = stack
		case KindApp:
			set.Apps = append(set.Apps, &AppSet{Name: st.App.Name, Stack: stack})
		}
		if st.Kind != KindCluster {
			if access == nil {
				access = newKubeAccess(env, set.EKS)
			}
			access.providers(stack, env.Settings)
		}
		for _, c := range st.Constructs {
			if err := c.build(stack, set); err != nil {
				return nil, fmt.Errorf("environment %q: %w", env.Name, err)
			}
		}
		for _, d := range st.DependsOn {
			stack.AddDependency(set.Stack(d))
		}
		set.Stacks = append(set.Stacks, stack)
	}
	return set, nil
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
