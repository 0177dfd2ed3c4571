package status

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/bluegreen-mesh/bluegreen/internal/config"
)

// Target says how to reach an environment's cluster.
type Target struct {
	// Kubeconfig overrides the kubeconfig file: the environment's
	// target.kubeconfig.path for kubeconfig targets; for eks targets it
	// replaces the `aws eks get-token` path. Default: the environment's.
	Kubeconfig string
	// Context overrides the kubeconfig context. Default: the
	// environment's target.kubeconfig.context, or the file's current
	// context when Kubeconfig is given for an eks target.
	Context string
	// DescribeEKS returns the endpoint and base64 CA of an EKS cluster.
	// Default: `aws eks describe-cluster` (with the environment's
	// aws.profile).
	DescribeEKS func(ctx context.Context, name, region, profile string) (endpoint, caData string, err error)
}

// Cluster is a connection to an environment's cluster.
type Cluster struct {
	// Config is the client configuration.
	Config *rest.Config
	// Where names the cluster for messages: the kubeconfig file and
	// context, or the EKS cluster and its endpoint.
	Where string
	// clientConfig is the kubeconfig Helm's actions read.
	clientConfig clientcmd.ClientConfig
}

// ErrUnreachable marks a cluster that cannot be reached or that refuses
// the credentials: status --exit-code exits 2 for it.
var ErrUnreachable = errors.New("cluster not reachable")

// Connect returns the connection to env's cluster: a kubeconfig target's
// file and context, or for an eks target the cluster's endpoint and CA
// from `aws eks describe-cluster` with a token from the same `aws eks
// get-token` exec the helm and kubernetes providers run (stacks.kubeAccess).
// t's Kubeconfig and Context override either.
func Connect(ctx context.Context, env config.Environment, t Target) (*Cluster, error) {
	path, kctx := t.Kubeconfig, t.Context
	if path == "" && env.Target.Type == config.TargetKubeconfig {
		path = env.Target.Kubeconfig.Path
		if kctx == "" {
			kctx = env.Target.Kubeconfig.Context
		}
	}
	var cc clientcmd.ClientConfig
	var where string
	if path != "" {
		rules := &clientcmd.ClientConfigLoadingRules{ExplicitPath: expandHome(path)}
		cc = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: kctx})
		raw, err := cc.RawConfig()
		if err != nil {
			return nil, fmt.Errorf("environment %q: kubeconfig %s: %w: %w (pass --kubeconfig FILE, or fix context.environments[%s].target.kubeconfig.path)", env.Name, path, ErrUnreachable, err, env.Name)
		}
		if kctx == "" {
			kctx = raw.CurrentContext
		}
		if _, ok := raw.Contexts[kctx]; !ok {
			return nil, fmt.Errorf("environment %q: kubeconfig %s has no context %q (it has %s): %w; pass --context NAME or fix context.environments[%s].target.kubeconfig.context", env.Name, path, kctx, contextNames(raw), ErrUnreachable, env.Name)
		}
		where = "kubeconfig " + path + " context " + kctx
	} else {
		describe := t.DescribeEKS
		if describe == nil {
			describe = awsDescribeCluster
		}
		name, region := env.Cluster.Name, env.Region
		endpoint, ca, err := describe(ctx, name, region, env.AWS.Profile)
		if err != nil {
			return nil, fmt.Errorf("environment %q: EKS cluster %s in %s: %w: %w (check the AWS credentials, e.g. `aws sts get-caller-identity`, or pass --kubeconfig FILE --context NAME)", env.Name, name, region, ErrUnreachable, err)
		}
		cc = clientcmd.NewDefaultClientConfig(EKSKubeconfig(env, endpoint, ca), &clientcmd.ConfigOverrides{})
		where = "EKS cluster " + name + " in " + region + " at " + endpoint
	}
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("environment %q: %s: %w: %w", env.Name, where, ErrUnreachable, err)
	}
	cfg.QPS, cfg.Burst = 100, 200
	return &Cluster{Config: cfg, Where: where, clientConfig: cc}, nil
}

// GetTokenArgs are the arguments of the `aws` command that gives a token
// for env's EKS cluster, the same the helm and kubernetes providers of its
// stacks run.
func GetTokenArgs(env config.Environment) []string {
	argv := []string{"eks", "get-token", "--cluster-name", env.Cluster.Name, "--region", env.Region, "--output", "json"}
	if env.AWS.Profile != "" {
		argv = append(argv, "--profile", env.AWS.Profile)
	}
	return argv
}

// EKSKubeconfig is the in-memory kubeconfig of env's EKS cluster at
// endpoint with the base64 CA caData, authenticating with GetTokenArgs.
func EKSKubeconfig(env config.Environment, endpoint, caData string) clientcmdapi.Config {
	name := env.Cluster.Name
	ca, _ := decodeBase64(caData)
	return clientcmdapi.Config{
		Clusters: map[string]*clientcmdapi.Cluster{name: {Server: endpoint, CertificateAuthorityData: ca}},
		AuthInfos: map[string]*clientcmdapi.AuthInfo{name: {Exec: &clientcmdapi.ExecConfig{
			APIVersion: "client.authentication.k8s.io/v1beta1", Command: "aws", Args: GetTokenArgs(env),
			InteractiveMode: clientcmdapi.NeverExecInteractiveMode,
		}}},
		Contexts:       map[string]*clientcmdapi.Context{name: {Cluster: name, AuthInfo: name}},
		CurrentContext: name,
	}
}

func awsDescribeCluster(ctx context.Context, name, region, profile string) (string, string, error) {
	args := []string{"eks", "describe-cluster", "--name", name, "--region", region, "--output", "json"}
	if profile != "" {
		args = append(args, "--profile", profile)
	}
	out, err := exec.CommandContext(ctx, "aws", args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", "", fmt.Errorf("aws %s: %s", strings.Join(args, " "), strings.TrimSpace(string(ee.Stderr)))
		}
		return "", "", fmt.Errorf("aws %s: %w", strings.Join(args, " "), err)
	}
	var d struct {
		Cluster struct {
			Endpoint             string `json:"endpoint"`
			CertificateAuthority struct {
				Data string `json:"data"`
			} `json:"certificateAuthority"`
		} `json:"cluster"`
	}
	if err := json.Unmarshal(out, &d); err != nil {
		return "", "", fmt.Errorf("aws eks describe-cluster: %w", err)
	}
	return d.Cluster.Endpoint, d.Cluster.CertificateAuthority.Data, nil
}

func contextNames(c clientcmdapi.Config) string {
	var names []string
	for n := range c.Contexts {
		names = append(names, n)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// Probe asks the API server its version, and turns the failure into an
// error naming the environment, the cluster and what to do, wrapping
// ErrUnreachable.
func (c *Cluster) Probe(env string) error {
	dc, err := discovery.NewDiscoveryClientForConfig(c.Config)
	if err != nil {
		return fmt.Errorf("environment %q: %s: %w: %w", env, c.Where, ErrUnreachable, err)
	}
	if _, err := dc.ServerVersion(); err != nil {
		return c.explain(env, err)
	}
	return nil
}

// explain wraps an API error of the cluster in what it means.
func (c *Cluster) explain(env string, err error) error {
	var what string
	switch {
	case apierrors.IsUnauthorized(err):
		what = "the cluster refused the credentials (401 Unauthorized; expired?): refresh them (for EKS `aws sso login` or new keys; else a new kubeconfig)"
	case apierrors.IsForbidden(err):
		what = "the credentials may not read this (403 Forbidden): use an identity that can get and list the environment's objects and Helm's release Secrets"
	default:
		var se *apierrors.StatusError
		if errors.As(err, &se) && se.ErrStatus.Code == http.StatusUnauthorized {
			what = "the cluster refused the credentials"
		} else {
			what = "cannot reach the API server at " + c.Config.Host + ": check the cluster is up and the context is the right one, or pass --kubeconfig/--context"
		}
	}
	return fmt.Errorf("environment %q: %s: %s: %w: %v", env, c.Where, what, ErrUnreachable, err)
}

// mapper returns a REST mapper over the cluster's discovery.
func (c *Cluster) mapper() (meta.RESTMapper, discovery.CachedDiscoveryInterface, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(c.Config)
	if err != nil {
		return nil, nil, err
	}
	cached := memory.NewMemCacheClient(dc)
	return restmapper.NewDeferredDiscoveryRESTMapper(cached), cached, nil
}

// getter is the genericclioptions.RESTClientGetter Helm's actions use,
// over the cluster's connection.
type getter struct {
	c      *Cluster
	ns     string
	mapper meta.RESTMapper
	disc   discovery.CachedDiscoveryInterface
}

func (g getter) ToRESTConfig() (*rest.Config, error) { return rest.CopyConfig(g.c.Config), nil }
func (g getter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	return g.disc, nil
}
func (g getter) ToRESTMapper() (meta.RESTMapper, error) { return g.mapper, nil }
func (g getter) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	return namespaced{cc: g.c.clientConfig, ns: g.ns}
}

// namespaced is a ClientConfig whose namespace is ns.
type namespaced struct {
	cc clientcmd.ClientConfig
	ns string
}

func (n namespaced) RawConfig() (clientcmdapi.Config, error) { return n.cc.RawConfig() }
func (n namespaced) ClientConfig() (*rest.Config, error)     { return n.cc.ClientConfig() }
func (n namespaced) Namespace() (string, bool, error)        { return n.ns, true, nil }
func (n namespaced) ConfigAccess() clientcmd.ConfigAccess    { return n.cc.ConfigAccess() }
