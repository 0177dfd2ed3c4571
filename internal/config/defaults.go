package config

import (
	"maps"

	"github.com/bluegreen-mesh/bluegreen/constructs/eks"
)

// Default provider constraints: each allows the version the Go bindings were
// generated for and every later minor release of the same major version.
const (
	DefaultAWSConstraint        = "~> 5.84"
	DefaultHelmConstraint       = "~> 2.17"
	DefaultKubernetesConstraint = "~> 2.37"
)

// Provider versions the Go bindings were generated for (aws v19.50.0, helm
// v10.5.0, kubernetes v11.12.1). A constraint must allow them.
const (
	BindingsAWSVersion        = "5.84.0"
	BindingsHelmVersion       = "2.17.0"
	BindingsKubernetesVersion = "2.37.1"
)

// EnvironmentTag is the default tag that names the environment on every AWS
// resource.
const EnvironmentTag = "bluegreen:environment"

// WithDefaults returns a copy of e with every unset field given its default.
// It never changes e.
//
// The defaults this package applies itself are the stacks' own settings
// only, each documented on its field (Target, Backend, Providers, AWS) and
// in docs/reference.md: target.type and target.auth, the
// backend, the provider constraints and the environment tag, and the "local
// emulator" profile of the cluster when aws.localEndpoint is set
// (LocalEmulatorCluster). Every
// construct's props (cluster, istio, kiali, namespace, app, routing) are
// mapped from the environment and get their defaults from the construct
// (its WithDefaults, or the function its New uses), never from here.
func (e Environment) WithDefaults() Environment {
	if e.Target.Type == "" {
		e.Target.Type = TargetEKS
	}
	if e.Target.Type == TargetEKS && e.Target.Auth == "" {
		e.Target.Auth = AuthExec
	}
	if e.Backend.Type == "" {
		e.Backend.Type = BackendLocal
	}
	if e.Backend.Type == BackendS3 {
		s3 := e.Backend.S3
		if s3.KeyPrefix == "" {
			s3.KeyPrefix = "bluegreen/" + e.Name
		}
		if s3.Region == "" {
			s3.Region = e.Region
		}
		if s3.Encrypt == nil {
			s3.Encrypt = ptr(true)
		}
		if s3.UseLockfile == nil {
			s3.UseLockfile = ptr(s3.DynamoDBTable == "")
		}
		e.Backend.S3 = s3
	}
	if e.Providers.AWS == "" {
		e.Providers.AWS = DefaultAWSConstraint
	}
	if e.Providers.Helm == "" {
		e.Providers.Helm = DefaultHelmConstraint
	}
	if e.Providers.Kubernetes == "" {
		e.Providers.Kubernetes = DefaultKubernetesConstraint
	}
	if e.AWS.LocalEndpoint != "" && e.Target.Type == TargetEKS {
		e.Cluster = LocalEmulatorCluster(e.Cluster)
	}
	if e.Target.Type == TargetEKS {
		// The cluster serves this environment; the eks construct names it
		// after the environment unless cluster.name is set.
		e.Cluster.Environment = e.Name
		e.Cluster = e.Cluster.WithDefaults()
	}
	e.GatewayAPI = e.GatewayAPI.WithDefaults()
	e = e.meshProps()
	e = e.appProps()
	tags := maps.Clone(e.AWS.DefaultTags)
	if tags == nil {
		tags = map[string]string{}
	}
	tags[EnvironmentTag] = e.Name
	e.AWS.DefaultTags = tags
	return e
}

// LocalEmulatorCluster returns c with the "local emulator" profile applied:
// the settings an AWS API emulator such as moto needs for the cluster stack
// to apply and then plan clean, each only where c leaves it unset.
// WithDefaults applies it whenever aws.localEndpoint is set.
//   - cluster.addons.enabled: false, as moto answers aws_eks_addon with
//     404 (so does aws_eks_access_entry; access entries stay the user's);
//   - cluster.authenticationMode: "CONFIG_MAP", as moto drops
//     access_config, so any other mode is planned again on every run and
//     replaces the cluster.
//
// It never changes c.
func LocalEmulatorCluster(c eks.Props) eks.Props {
	if c.Addons.Enabled == nil && len(c.Addons.Versions) == 0 {
		c.Addons.Enabled = ptr(false)
	}
	if c.AuthenticationMode == "" {
		c.AuthenticationMode = "CONFIG_MAP"
	}
	return c
}

func ptr[T any](v T) *T { return &v }
