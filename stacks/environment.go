package stacks

import (
	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/eks"
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/constructs/kiali"
	"github.com/bluegreen-mesh/bluegreen/constructs/meshnamespace"
	"github.com/bluegreen-mesh/bluegreen/constructs/routing"
	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// Environment describes one environment: the props of each of its
// constructs and the settings of its stacks. Stacks turns it into the
// environment's stacks and their constructs, in order; New builds them.
// FromConfig gives the Environment of an environment of cdktf.json; a
// program of its own can fill one in directly.
type Environment struct {
	// Name is the environment's name, the prefix of its stacks' names.
	// Required.
	Name string
	// Settings are where the stacks keep their state and how their
	// providers reach AWS and the cluster.
	Settings Settings
	// Cluster is the EKS cluster of the <env>-cluster stack. Default: nil
	// (no cluster stack: Settings.Kubeconfig reaches an existing cluster).
	Cluster *eks.Props
	// Mesh are the constructs of the <env>-mesh stack.
	Mesh Mesh
	// Apps are the environment's apps, each in its own stack after the
	// mesh stack, in this order. Required: at least one.
	Apps []App
}

// Mesh are the props of the mesh stack's constructs: the Istio control
// plane and its ingress gateway, Kiali, and the namespace of the apps.
// The Gateway API CRDs come with them where the environment needs them
// (Environment.NeedsGatewayAPICRDs).
type Mesh struct {
	// Istio is the control plane and the ingress gateway every app's
	// routing is served by.
	Istio istio.Props
	// Kiali is the console, and the Prometheus and Grafana it reads.
	Kiali kiali.Props
	// Namespace is the sidecar-injected (or ambient) namespace every app
	// is installed in.
	Namespace meshnamespace.Props
	// ExistingGatewayAPICRDs, where the environment needs the Gateway API
	// CRDs, uses the cluster's own (checked at plan time) instead of
	// installing them: config's gatewayAPI.crds "existing". Default:
	// false (install them).
	ExistingGatewayAPICRDs bool
	// CRDsSetting names the setting in the messages of that check, such
	// as `environment "dev": gatewayAPI.crds "existing"`.
	CRDsSetting string
}

// App is one app of an environment: its blue and green releases and the
// Istio routing between them, in a stack of its own.
type App struct {
	// Name is the app's name. Required.
	Name string
	// Stack is the app's stack. Default: "<env>-app-<name>" (FromConfig
	// gives the one app of the app + routing shorthand "<env>-app").
	Stack string
	// App holds the app's releases and Service; its namespace is the mesh
	// stack's (leave App.Namespace empty or the same).
	App bluegreen.Props
	// Routing is the Istio routing between the app's colours.
	Routing routing.Props
}

// Settings are the plumbing of an environment's stacks: where each keeps
// its Terraform state and how its providers reach AWS and the cluster.
type Settings struct {
	// Region is the AWS region of the AWS provider and the cluster.
	// Required with a cluster stack or an S3 state without a region.
	Region string
	// AWS configures the AWS provider.
	AWS AWS
	// Versions are the providers' version constraints.
	Versions Versions
	// State is where each stack keeps its state.
	State State
	// Kubeconfig reaches an existing cluster. Required without a cluster
	// stack; ignored with one.
	Kubeconfig Kubeconfig
	// TokenAuth makes the helm and kubernetes providers of a new EKS
	// cluster read a short-lived token from the aws_eks_cluster_auth data
	// source. Default: false (they run `aws eks get-token` on every
	// Terraform run).
	TokenAuth bool
}

// AWS are the AWS provider's settings.
type AWS struct {
	// Profile is the shared-config profile. Default: "" (the SDK's
	// default credential chain).
	Profile string
	// DefaultTags are put on every AWS resource. Default: none.
	DefaultTags map[string]string
	// LocalEndpoint sends every AWS API call (the S3 state's too) to one
	// URL, such as moto_server, with dummy credentials. Default: "" (real
	// AWS).
	LocalEndpoint string
}

// Versions are the version constraints of the providers
// (required_providers). Default for each: "" (none written: Terraform
// takes the newest release).
type Versions struct {
	AWS, Helm, Kubernetes string
}

// State is where a stack keeps its Terraform state: in S3 when S3 is set,
// else in a local file.
type State struct {
	// S3 keeps the state in a bucket. Default: nil (local files).
	S3 *S3State
	// LocalDir is the folder of the local terraform.<stack>.tfstate
	// files; a relative path is taken from the program's working folder.
	// Default: "" (that folder, as cdktf does).
	LocalDir string
}

// S3State keeps each stack's state at <KeyPrefix>/<stack>.tfstate in a
// bucket.
type S3State struct {
	// Bucket holds the state objects. Required.
	Bucket string
	// KeyPrefix is prepended to each stack's object key. Required.
	KeyPrefix string
	// Region is the bucket's region. Required.
	Region string
	// Encrypt turns on server-side encryption. Default: false.
	Encrypt bool
	// KMSKeyID encrypts with this KMS key. Default: "" (the bucket's).
	KMSKeyID string
	// DynamoDBTable is the lock table. Default: "" (none).
	DynamoDBTable string
	// UseLockfile locks with a .tflock object (Terraform 1.10 and later).
	// Default: false.
	UseLockfile bool
}

// Kubeconfig points at an existing cluster.
type Kubeconfig struct {
	// Path is the kubeconfig file and Context its context.
	Path, Context string
}

// FromConfig describes env, an environment of cdktf.json as config.Load
// returns it (defaults applied, validated): its stacks' settings, its
// cluster with target.type "eks", its mesh, and its apps (env.Apps).
func FromConfig(env config.Environment) Environment {
	e := Environment{
		Name: env.Name,
		Settings: Settings{
			Region:    env.Region,
			AWS:       AWS{Profile: env.AWS.Profile, DefaultTags: env.AWS.DefaultTags, LocalEndpoint: env.AWS.LocalEndpoint},
			Versions:  Versions{AWS: env.Providers.AWS, Helm: env.Providers.Helm, Kubernetes: env.Providers.Kubernetes},
			State:     State{LocalDir: env.Backend.Local.Dir},
			TokenAuth: env.Target.Auth == config.AuthToken,
		},
		Mesh: Mesh{Istio: env.Istio, Kiali: env.Kiali, Namespace: env.Namespace,
			ExistingGatewayAPICRDs: env.UsesExistingGatewayAPICRDs(), CRDsSetting: env.GatewayAPICRDsSetting()},
	}
	if env.Backend.Type == config.BackendS3 {
		s3 := env.Backend.S3
		e.Settings.State.S3 = &S3State{
			Bucket: s3.Bucket, KeyPrefix: s3.KeyPrefix, Region: s3.Region, Encrypt: *s3.Encrypt,
			KMSKeyID: s3.KMSKeyID, DynamoDBTable: s3.DynamoDBTable, UseLockfile: *s3.UseLockfile,
		}
	}
	if env.Target.Type == config.TargetEKS {
		cluster := env.Cluster
		e.Cluster = &cluster
	} else {
		e.Settings.Kubeconfig = Kubeconfig{Path: env.Target.Kubeconfig.Path, Context: env.Target.Kubeconfig.Context}
	}
	for _, a := range env.Apps() {
		e.Apps = append(e.Apps, App{Name: a.Name, Stack: a.Stack, App: a.App, Routing: a.Routing})
	}
	return e
}

// NeedsGatewayAPICRDs reports whether the mesh stack installs the Gateway
// API CRDs: an app's routing uses the Gateway API, or the ambient data
// plane's waypoint (a Gateway API Gateway) does.
func (e Environment) NeedsGatewayAPICRDs() bool {
	if e.Mesh.Istio.NeedsGatewayAPICRDs() {
		return true
	}
	for _, a := range e.Apps {
		if a.Routing.API == mesh.APIGatewayAPI {
			return true
		}
	}
	return false
}

// MeshStack is the name of the mesh stack: "<env>-mesh".
func (e Environment) MeshStack() string { return e.Name + MeshSuffix }

// AppStacks are the names of the app stacks, in the order of Apps.
func (e Environment) AppStacks() []string {
	var out []string
	for _, a := range e.Apps {
		out = append(out, a.stack(e.Name))
	}
	return out
}

// stack is the app's stack name in environment env, default applied.
func (a App) stack(env string) string {
	if a.Stack != "" {
		return a.Stack
	}
	return env + AppSuffix + "-" + a.Name
}
