module github.com/bluegreen-mesh/bluegreen

go 1.26.0

// node_modules holds the pinned Node tools (package.json); some npm packages
// ship .go files that must not become part of ./...
ignore ./node_modules

require (
	github.com/aws/constructs-go/constructs/v10 v10.4.2
	github.com/aws/jsii-runtime-go v1.106.0
	github.com/cdktf/cdktf-provider-aws-go/aws/v19 v19.50.0
	github.com/cdktf/cdktf-provider-helm-go/helm/v10 v10.5.0
	github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11 v11.12.1
	github.com/hashicorp/go-version v1.7.0
	github.com/hashicorp/terraform-cdk-go/cdktf v0.20.11
	k8s.io/apimachinery v0.37.0
)

require (
	github.com/Masterminds/semver/v3 v3.3.1 // indirect
	github.com/fatih/color v1.18.0 // indirect
	github.com/go-logr/logr v1.4.3 // indirect
	github.com/mattn/go-colorable v0.1.13 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	github.com/yuin/goldmark v1.4.13 // indirect
	golang.org/x/lint v0.0.0-20210508222113-6edffad5e616 // indirect
	golang.org/x/mod v0.22.0 // indirect
	golang.org/x/sync v0.10.0 // indirect
	golang.org/x/sys v0.28.0 // indirect
	golang.org/x/tools v0.28.0 // indirect
	k8s.io/klog/v2 v2.140.0 // indirect
	k8s.io/utils v0.0.0-20260626114624-be93311217bd // indirect
)

// The Go module proxy here does not serve the prebuilt helm and kubernetes
// bindings. `make bindings` generates the very same modules from the npm
// packages @cdktf/provider-helm@10.5.0 and @cdktf/provider-kubernetes@11.12.1
// with jsii-pacmak; these replace directives point at them. Code that imports
// our constructs from another module gets the upstream modules named above.
replace (
	github.com/cdktf/cdktf-provider-helm-go/helm/v10 => ./.gen/go/helm
	github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11 => ./.gen/go/kubernetes
)
