// A module of one's own that uses bluegreen's constructs (README, "Using the
// constructs in your own stacks"). The replace block is what
// `make consumer-replace CONSUMER=examples/consumer` prints in the bluegreen
// checkout; for a module elsewhere, print it with that module's path.
module example.com/payments

go 1.26.0

require (
	github.com/aws/constructs-go/constructs/v10 v10.4.2
	github.com/aws/jsii-runtime-go v1.106.0
	github.com/bluegreen-mesh/bluegreen v0.0.0-00010101000000-000000000000
	github.com/cdktf/cdktf-provider-aws-go/aws/v19 v19.50.0
	github.com/cdktf/cdktf-provider-helm-go/helm/v10 v10.5.0
	github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11 v11.12.1
	github.com/hashicorp/terraform-cdk-go/cdktf v0.20.11
)

replace (
	github.com/bluegreen-mesh/bluegreen => ../..
	github.com/cdktf/cdktf-provider-aws-go/aws/v19 => ../../.gen/go/aws
	github.com/cdktf/cdktf-provider-helm-go/helm/v10 => ../../.gen/go/helm
	github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11 => ../../.gen/go/kubernetes
)
