// Package config reads the environments in cdktf.json into typed settings and
// validates them before any construct is created.
//
// Every environment lives under context.environments in cdktf.json. A value
// left out takes the default documented on its field (and in docs/reference.md, which make docs generates from it).
// Load reports every problem in every environment at once, each naming the
// environment, the field path, the value received and what is allowed.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/eks"
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/constructs/kiali"
	"github.com/bluegreen-mesh/bluegreen/constructs/meshnamespace"
	"github.com/bluegreen-mesh/bluegreen/constructs/routing"
	"github.com/bluegreen-mesh/bluegreen/internal/jsonedit"
)

// Target types.
const (
	TargetEKS        = "eks"
	TargetKubeconfig = "kubeconfig"
)

// Ways the helm and kubernetes providers authenticate to a new EKS cluster.
const (
	AuthExec  = "exec"
	AuthToken = "token"
)

// Backend types.
const (
	BackendLocal = "local"
	BackendS3    = "s3"
)

// Environment is everything one environment differs by. Its stacks are named
// <name>-cluster, <name>-mesh, and <name>-app for the app of the shorthand
// (app and routing) or <name>-app-<app> for each app of apps (see Apps).
type Environment struct {
	// Name is the key of the environment under context.environments.
	Name string `json:"-"`
	// Acknowledge lists the codes of warnings the environment keeps on
	// purpose, such as ["GW004"] (mesh/check's Acknowledgeable; errors
	// cannot be acknowledged): synth and check do not print them, and
	// print one line with their count instead. Default: none.
	Acknowledge []string `json:"acknowledge"`
	// Production marks an environment that serves real users; some settings
	// that are fine for exploration warn or fail there. Default: false.
	Production bool `json:"production"`
	// Region is the AWS region of the cluster. Required when target.type is
	// "eks".
	Region string `json:"region"`
	// Target says which cluster the mesh and app stacks install into.
	Target Target `json:"target"`
	// Backend says where Terraform keeps the state of each stack.
	Backend Backend `json:"backend"`
	// Providers holds the Terraform version constraints of the providers.
	Providers Providers `json:"providers"`
	// AWS holds settings of the AWS provider.
	AWS AWS `json:"aws"`
	// Cluster configures the new EKS cluster. Only for target.type "eks";
	// the environment's name is its Environment, so cluster.name defaults
	// to "bluegreen-<env>" (eks.DefaultName).
	Cluster eks.Props `json:"cluster"`
	// Istio configures the Istio control plane in <env>-mesh.
	Istio istio.Props `json:"istio"`
	// Kiali configures Kiali (and Prometheus and Grafana) in <env>-mesh.
	Kiali kiali.Props `json:"kiali"`
	// Namespace is the sidecar-injected namespace the app runs in.
	Namespace meshnamespace.Props `json:"namespace"`
	// App is the blue/green app in <env>-app: with Routing, the shorthand
	// for an environment of one app. Not allowed with apps; with apps it
	// stays empty (read Apps). Default: the construct's (app "echo").
	App bluegreen.Props `json:"app"`
	// Routing is the Istio routing between the app's colours in <env>-app
	// (the shorthand's). Not allowed with apps; with apps it stays empty.
	Routing routing.Props `json:"routing"`
	// AppEntries are the environment's apps by name (cdktf.json's apps),
	// each in its own stack <env>-app-<name>; read them, defaults applied,
	// sorted, through Apps. Not allowed with app or routing. Default: none
	// (the shorthand's one app).
	AppEntries map[string]AppEntry `json:"apps"`
	// Promotion is the evidence `promote` asks of a colour (promotion.go).
	Promotion Promotion `json:"promotion"`
	// GatewayAPI says where the Gateway API CRDs come from (gatewayapi.go).
	GatewayAPI GatewayAPI `json:"gatewayAPI"`

	// shared are the warnings about environments that share its cluster
	// (SharedClusters).
	shared []string
	// shorthand lists the members of the shorthand (app, routing) the
	// file gives, even empty ones, so that either beside apps is
	// reported.
	shorthand []string
}

// Target is the cluster an environment installs into.
type Target struct {
	// Type is "eks" (the <env>-cluster stack creates a new EKS cluster) or
	// "kubeconfig" (an existing cluster, reached through a kubeconfig file;
	// there is no cluster stack). Default: "eks".
	Type string `json:"type"`
	// Auth is how the helm and kubernetes providers of the mesh and app stacks
	// authenticate to a new EKS cluster: "exec" runs `aws eks get-token` on
	// every Terraform run, "token" reads a short-lived token from the
	// aws_eks_cluster_auth data source. Only for type "eks". Default: "exec".
	Auth string `json:"auth"`
	// Kubeconfig reaches an existing cluster. Only for type "kubeconfig".
	Kubeconfig Kubeconfig `json:"kubeconfig"`
}

// Kubeconfig points at an existing cluster.
type Kubeconfig struct {
	// Path is the kubeconfig file. Required for type "kubeconfig".
	Path string `json:"path"`
	// Context is the kubeconfig context to use. Required for type
	// "kubeconfig".
	Context string `json:"context"`
	// KubernetesVersion is the existing cluster's Kubernetes minor version,
	// such as "1.33"; the Istio compatibility check uses it. Required for
	// type "kubeconfig".
	KubernetesVersion string `json:"kubernetesVersion"`
}

// Backend is where Terraform keeps state.
type Backend struct {
	// Type is "local" or "s3". Default: "local".
	Type string `json:"type"`
	// Local configures the local backend.
	Local LocalBackend `json:"local"`
	// S3 configures the S3 backend. Only for type "s3".
	S3 S3Backend `json:"s3"`
}

// LocalBackend keeps state in files on this machine.
type LocalBackend struct {
	// Dir is the folder that holds terraform.<stack>.tfstate. A relative
	// path is taken from the project folder. Default: "" (the project folder,
	// as cdktf does).
	Dir string `json:"dir"`
}

// S3Backend keeps state in an S3 bucket, encrypted, with locking.
type S3Backend struct {
	// Bucket holds the state objects. Required for type "s3".
	Bucket string `json:"bucket"`
	// KeyPrefix is prepended to each stack's object key
	// (<keyPrefix>/<stack>.tfstate). Default: "bluegreen/<env>".
	KeyPrefix string `json:"keyPrefix"`
	// Region is the bucket's region. Default: the environment's region.
	Region string `json:"region"`
	// Encrypt turns on server-side encryption of the state object.
	// Default: true.
	Encrypt *bool `json:"encrypt"`
	// KMSKeyID encrypts the state with this KMS key instead of the bucket's
	// default key. Default: "".
	KMSKeyID string `json:"kmsKeyId"`
	// DynamoDBTable is the lock table (partition key LockID). Default: ""
	// (lock with an S3 lock file instead, see useLockfile).
	DynamoDBTable string `json:"dynamodbTable"`
	// UseLockfile locks with a .tflock object beside the state (Terraform
	// 1.10 and later). Default: true when dynamodbTable is empty, else false.
	UseLockfile *bool `json:"useLockfile"`
}

// Providers holds version constraints for required_providers.
type Providers struct {
	// AWS constrains hashicorp/aws. Default: "~> 5.84".
	AWS string `json:"aws"`
	// Helm constrains hashicorp/helm. Default: "~> 2.17".
	Helm string `json:"helm"`
	// Kubernetes constrains hashicorp/kubernetes. Default: "~> 2.37".
	Kubernetes string `json:"kubernetes"`
}

// AWS holds settings of the AWS provider.
type AWS struct {
	// Profile is the shared-config profile. Default: "" (the SDK's default
	// credential chain).
	Profile string `json:"profile"`
	// DefaultTags are put on every AWS resource. Default: none besides
	// "bluegreen:environment" = <env>, which is always set.
	DefaultTags map[string]string `json:"defaultTags"`
	// LocalEndpoint sends every AWS API call of the stacks (and of the S3
	// backend) to one URL, such as moto_server or LocalStack, with dummy
	// credentials and no account or credential lookups. For local testing
	// only; not allowed with production. Setting it also applies the "local
	// emulator" profile to the cluster (LocalEmulatorCluster): add-ons off
	// and authenticationMode "CONFIG_MAP", unless the cluster sets them.
	// Default: "" (real AWS).
	LocalEndpoint string `json:"localEndpoint"`
}

// File is the part of cdktf.json that this package reads.
type File struct {
	Context struct {
		Environments json.RawMessage `json:"environments"`
	} `json:"context"`
}

// Error lists every problem found in a configuration file.
type Error struct {
	// Path is the file that was read.
	Path string
	// Problems are the individual problems, each with its field path.
	Problems field.ErrorList
	// Lines holds, for each problem, the line of the file its field is
	// on, or 0 where the file does not have the field (a missing required
	// field, a default).
	Lines []int
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d problem(s):", e.Path, len(e.Problems))
	for i, p := range e.Problems {
		b.WriteString("\n  - ")
		if i < len(e.Lines) && e.Lines[i] > 0 {
			fmt.Fprintf(&b, "line %d: ", e.Lines[i])
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

var envNameRE = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$`)

// Load reads and validates the environments in the cdktf.json at path. With
// names, only those environments are returned (all are still validated, so a
// broken environment cannot hide). The result is sorted by name.
func Load(path string, names ...string) ([]Environment, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data, names...)
}

// Parse is Load on data already read; path names it in errors.
func Parse(path string, data []byte, names ...string) ([]Environment, error) {
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, jsonedit.Locate(path, data, err)
	}
	root := field.NewPath("context", "environments")
	errs, dupLines, index := scanMembers(data)
	lineOf := map[*field.Error]int{}
	for i, e := range errs {
		lineOf[e] = dupLines[i]
	}
	raw := map[string]any{}
	if len(f.Context.Environments) > 0 {
		if err := decodeNumbers(f.Context.Environments, &raw); err != nil {
			errs = append(errs, field.TypeInvalid(root, string(f.Context.Environments), "must be an object of environments"))
		}
	}
	if len(raw) == 0 && len(errs) == 0 {
		errs = append(errs, field.Required(root, "define at least one environment"))
	}

	envs := make([]Environment, 0, len(raw))
	for _, name := range sortedKeys(raw) {
		p := root.Key(name)
		if !envNameRE.MatchString(name) {
			errs = append(errs, field.Invalid(p, name,
				"environment name must be 1-20 lowercase letters, digits or '-', start with a letter and end with a letter or digit"))
			continue
		}
		shape := checkShape(raw[name], reflect.TypeFor[Environment](), p)
		errs = append(errs, shape...)
		if len(shape) > 0 {
			continue
		}
		var env Environment
		b, _ := json.Marshal(raw[name])
		if err := json.Unmarshal(b, &env); err != nil {
			errs = append(errs, field.Invalid(p, name, err.Error()))
			continue
		}
		env.Name = name
		env.shorthand = givenMembers(raw[name], "app", "routing")
		env = env.WithDefaults()
		errs = append(errs, env.validate(p)...)
		envs = append(envs, env)
	}

	if len(errs) == 0 {
		shared, warnings := sharedClusters(envs)
		errs = append(errs, shared...)
		for i := range envs {
			for _, w := range warnings {
				if w.a == envs[i].Name || w.b == envs[i].Name {
					envs[i].shared = append(envs[i].shared, w.text)
				}
			}
		}
	}

	selected := envs
	if len(names) > 0 {
		byName := map[string]Environment{}
		for _, e := range envs {
			byName[e.Name] = e
		}
		selected = nil
		for _, n := range names {
			e, ok := byName[n]
			if !ok {
				if _, exists := raw[n]; !exists {
					errs = append(errs, field.NotSupported(root.Key(n), n, sortedKeys(raw)))
				}
				continue
			}
			selected = append(selected, e)
		}
		sort.Slice(selected, func(i, j int) bool { return selected[i].Name < selected[j].Name })
	}
	if len(errs) > 0 {
		lines := make([]int, len(errs))
		for i, e := range errs {
			if l, ok := lineOf[e]; ok {
				lines[i] = l
			} else {
				lines[i] = index.line(e.Field)
			}
		}
		return nil, &Error{Path: path, Problems: errs, Lines: lines}
	}
	return selected, nil
}

func decodeNumbers(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	return d.Decode(v)
}

// AsError returns the list of problems in err, if err came from Load.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
