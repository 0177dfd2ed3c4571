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
	"github.com/bluegreen-mesh/bluegreen/internal/config"
)

// localMaxRetries is the AWS provider's max_retries with aws.localEndpoint.
const localMaxRetries = 5

// awsProvider configures the AWS provider of stack and pins its
// required_providers constraint to the environment's.
func awsProvider(stack cdktf.TerraformStack, env config.Environment) awsprovider.AwsProvider {
	cfg := &awsprovider.AwsProviderConfig{
		Region: jsii.String(env.Region),
		DefaultTags: &[]*awsprovider.AwsProviderDefaultTags{{
			Tags: addon.StringMap(env.AWS.DefaultTags),
		}},
	}
	if env.AWS.Profile != "" {
		cfg.Profile = jsii.String(env.AWS.Profile)
	}
	if ep := env.AWS.LocalEndpoint; ep != "" {
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
	stack.AddOverride(jsii.String("terraform.required_providers.aws.version"), env.Providers.AWS)
	return p
}

// kubeAccess is how the helm and kubernetes providers reach the cluster.
type kubeAccess struct {
	// kubeconfig target
	configPath, configContext string
	// EKS target
	clusterName  string
	host, caData *string
	auth, region string
	profile      string
}

func kubeconfigAccess(k config.Kubeconfig) kubeAccess {
	return kubeAccess{configPath: k.Path, configContext: k.Context}
}

func eksAccess(env config.Environment, c *eks.Cluster) kubeAccess {
	return kubeAccess{
		clusterName: env.Cluster.Name,
		host:        c.Endpoint(),
		caData:      c.CertificateAuthorityData(),
		auth:        env.Target.Auth,
		region:      env.Region,
		profile:     env.AWS.Profile,
	}
}

// providers configures the helm and kubernetes providers of stack (and the
// AWS provider, when a token is read from aws_eks_cluster_auth).
func (k kubeAccess) providers(stack cdktf.TerraformStack, env config.Environment) {
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
		if k.auth == config.AuthToken {
			awsProvider(stack, env)
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
	stack.AddOverride(jsii.String("terraform.required_providers.helm.version"), env.Providers.Helm)
	stack.AddOverride(jsii.String("terraform.required_providers.kubernetes.version"), env.Providers.Kubernetes)
}
