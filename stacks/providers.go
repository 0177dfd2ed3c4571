package stacks

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawseksclusterauth"
	awsprovider "github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	helmprovider "github.com/cdktf/cdktf-provider-helm-go/helm/v10/provider"
	k8sprovider "github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/constructs/addon"
	"github.com/bluegreen-mesh/bluegreen/constructs/eks"
)

// localMaxRetries is the AWS provider's max_retries with aws.localEndpoint.
const localMaxRetries = 5

// awsProvider configures the AWS provider of stack and pins its
// required_providers constraint to the settings'.
func awsProvider(stack cdktf.TerraformStack, s Settings) awsprovider.AwsProvider {
	cfg := &awsprovider.AwsProviderConfig{
		Region: jsii.String(s.Region),
		DefaultTags: &[]*awsprovider.AwsProviderDefaultTags{{
			Tags: addon.StringMap(s.AWS.DefaultTags),
		}},
	}
	if s.AWS.Profile != "" {
		cfg.Profile = jsii.String(s.AWS.Profile)
	}
	if ep := s.AWS.LocalEndpoint; ep != "" {
		// Every service the stacks use must be listed: one that is not goes
		// to real AWS. CloudWatch Logs is "logs", the provider's service
		// name; "cloudwatchlogs" is an alias of it, and setting both makes
		// every plan warn "Invalid Attribute Combination".
		e := jsii.String(ep)
		cfg.Endpoints = &[]*awsprovider.AwsProviderEndpoints{{
			Ec2: e, Eks: e, Iam: e, Kms: e, Sts: e, S3: e, Dynamodb: e, Logs: e,
		}}
		cfg.AccessKey = jsii.String(dummyCredential)
		cfg.SecretKey = jsii.String(dummyCredential)
		cfg.SkipCredentialsValidation = jsii.Bool(true)
		cfg.SkipRequestingAccountId = jsii.Bool(true)
		cfg.SkipMetadataApiCheck = jsii.String("true")
		cfg.SkipRegionValidation = jsii.Bool(true)
		cfg.S3UsePathStyle = jsii.Bool(true)
		// A few retries survive a dropped connection to the emulator; the
		// provider's default of 25 would keep a misrouted call retrying for
		// minutes.
		cfg.MaxRetries = jsii.Number(localMaxRetries)
	}
	p := awsprovider.NewAwsProvider(stack, jsii.String("aws"), cfg)
	constrain(stack, "aws", s.Versions.AWS)
	return p
}

// constrain pins the required_providers version of provider in stack to
// constraint, unless it is empty.
func constrain(stack cdktf.TerraformStack, provider, constraint string) {
	if constraint != "" {
		stack.AddOverride(jsii.String("terraform.required_providers."+provider+".version"), constraint)
	}
}

// kubeAccess is how the helm and kubernetes providers reach the cluster.
type kubeAccess struct {
	// kubeconfig target
	configPath, configContext string
	// EKS target
	clusterName  string
	host, caData *string
	tokenAuth    bool
	region       string
	profile      string
}

// newKubeAccess is how env's providers reach its cluster: the EKS cluster
// c of its cluster stack, through cross-stack references to its outputs,
// or, with no cluster stack (c nil), Settings.Kubeconfig.
func newKubeAccess(env Environment, c *eks.Cluster) *kubeAccess {
	if c == nil {
		k := env.Settings.Kubeconfig
		return &kubeAccess{configPath: k.Path, configContext: k.Context}
	}
	return &kubeAccess{
		clusterName: c.Props().Name,
		host:        c.Endpoint(),
		caData:      c.CertificateAuthorityData(),
		tokenAuth:   env.Settings.TokenAuth,
		region:      env.Settings.Region,
		profile:     env.Settings.AWS.Profile,
	}
}

// providers configures the helm and kubernetes providers of stack (and the
// AWS provider, when a token is read from aws_eks_cluster_auth).
func (k *kubeAccess) providers(stack cdktf.TerraformStack, s Settings) {
	var helmKube helmprovider.HelmProviderKubernetes
	var kube k8sprovider.KubernetesProviderConfig
	switch {
	case k.configPath != "":
		helmKube.ConfigPath, helmKube.ConfigContext = jsii.String(k.configPath), jsii.String(k.configContext)
		kube.ConfigPath, kube.ConfigContext = jsii.String(k.configPath), jsii.String(k.configContext)
	default:
		ca := cdktf.Fn_Base64decode(k.caData)
		helmKube.Host, helmKube.ClusterCaCertificate = k.host, ca
		kube.Host, kube.ClusterCaCertificate = k.host, ca
		if k.tokenAuth {
			awsProvider(stack, s)
			token := dataawseksclusterauth.NewDataAwsEksClusterAuth(stack, jsii.String("cluster-auth"), &dataawseksclusterauth.DataAwsEksClusterAuthConfig{
				Name: jsii.String(k.clusterName),
			}).Token()
			helmKube.Token, kube.Token = token, token
		} else {
			argv := []string{"eks", "get-token", "--cluster-name", k.clusterName, "--region", k.region, "--output", "json"}
			if k.profile != "" {
				// A flag rather than AWS_PROFILE in exec.env: cdktf
				// snake-cases map keys in provider blocks.
				argv = append(argv, "--profile", k.profile)
			}
			args := jsii.Strings(argv...)
			helmKube.Exec = &helmprovider.HelmProviderKubernetesExec{
				ApiVersion: jsii.String("client.authentication.k8s.io/v1beta1"), Command: jsii.String("aws"), Args: args,
			}
			kube.Exec = &[]*k8sprovider.KubernetesProviderExec{{
				ApiVersion: jsii.String("client.authentication.k8s.io/v1beta1"), Command: jsii.String("aws"), Args: args,
			}}
		}
	}
	helmprovider.NewHelmProvider(stack, jsii.String("helm"), &helmprovider.HelmProviderConfig{Kubernetes: &helmKube})
	k8sprovider.NewKubernetesProvider(stack, jsii.String("kubernetes"), &kube)
	constrain(stack, "helm", s.Versions.Helm)
	constrain(stack, "kubernetes", s.Versions.Kubernetes)
}
