// Package controlplane runs a local Kubernetes control plane for tests and
// for `routes --envoy`: etcd, kube-apiserver and kube-controller-manager
// (namespace and garbage-collector controllers only) and, on demand, istiod,
// every one listening on 127.0.0.1 on free ports and stopped by its process
// group when the control plane stops.
//
// Nothing it starts dials an address off this machine: the API server runs
// without the admission webhook plugins (Istio's charts register webhooks at
// Service cluster IPs, which are routed elsewhere here) and without
// aggregated APIs. There is no kubelet and no scheduler: objects are stored
// and controllers that only talk to the API server run, but no pod starts.
package controlplane

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Options configure a control plane.
type Options struct {
	// Dir holds the data, certificates, kubeconfig and logs. Default: a new
	// temporary folder, removed by Stop.
	Dir string
	// APIServerVerbosity is kube-apiserver's --v. At 6 and above it logs
	// every request its own clients send (such as a webhook call) with the
	// URL. Default: 0.
	APIServerVerbosity int
	// AuditLog makes the API server write an audit log of every request, at
	// level Metadata (who, what, the answer's code; no bodies), one JSON
	// event a line, to LogPath("audit"). A test proves with it that a
	// request was handled, and how, before it asserts that something did
	// not happen. Default: false.
	AuditLog bool
	// ReadyTimeout bounds the start of each process when the context
	// Start is given has no deadline (with one, the deadline bounds the
	// whole start). Default: 60s.
	ReadyTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.ReadyTimeout == 0 {
		o.ReadyTimeout = 60 * time.Second
	}
	return o
}

// auditPolicy records every request at level Metadata, once it has been
// answered.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
`

// DisabledAdmissionPlugins are the API server's admission plugins turned
// off: both webhook dispatchers, so no webhook is ever called.
const DisabledAdmissionPlugins = "MutatingAdmissionWebhook,ValidatingAdmissionWebhook"

// ControlPlane is a running local control plane.
type ControlPlane struct {
	// Dir is the working folder (see Options.Dir).
	Dir string
	// Server is the API server's URL (https://127.0.0.1:<port>).
	Server string
	// Kubeconfig is the path of a kubeconfig for the administrator.
	Kubeconfig string
	// Config is the administrator's client configuration.
	Config *rest.Config
	// Client is a client for Config.
	Client kubernetes.Interface

	bins    Binaries
	pki     *pki
	tmp     bool
	mu      sync.Mutex
	procs   []*process
	stopped bool
}

// Start starts etcd, the API server and the controller manager and waits
// until the API server is ready. On error everything started is stopped.
func Start(ctx context.Context, bins Binaries, o Options) (cp *ControlPlane, err error) {
	o = o.withDefaults()
	c := &ControlPlane{Dir: o.Dir, bins: bins}
	if c.Dir == "" {
		if c.Dir, err = os.MkdirTemp("", "bluegreen-controlplane-"); err != nil {
			return nil, err
		}
		c.tmp = true
	}
	defer func() {
		if err != nil {
			c.Stop()
		}
	}()
	for _, d := range []string{"etcd", "pki", "logs", "istiod"} {
		if err := os.MkdirAll(filepath.Join(c.Dir, d), 0o700); err != nil {
			return nil, err
		}
	}
	if c.pki, err = newPKI(filepath.Join(c.Dir, "pki")); err != nil {
		return nil, err
	}
	var etcdURL string
	_, _, err = c.startOnPorts(ctx, o, "etcd", 2, "accepting clients", func(ps []int) (command, error) {
		etcdURL = "http://" + loopback(ps[0])
		peerURL := "http://" + loopback(ps[1])
		// A fresh data folder: an attempt that lost a port leaves
		// nothing behind for the next.
		data := filepath.Join(c.Dir, "etcd")
		if err := os.RemoveAll(data); err != nil {
			return command{}, err
		}
		if err := os.MkdirAll(data, 0o700); err != nil {
			return command{}, err
		}
		return command{bins.Etcd, c.Dir, []string{
			"--name=local", "--data-dir=" + data,
			"--listen-client-urls=" + etcdURL, "--advertise-client-urls=" + etcdURL,
			"--listen-peer-urls=" + peerURL, "--initial-advertise-peer-urls=" + peerURL,
			"--initial-cluster=local=" + peerURL, "--log-level=warn",
		}, nil}, nil
	}, func([]int) error { return httpOK(etcdURL+"/health", nil) })
	if err != nil {
		return nil, err
	}

	apiArgs := []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		"--tls-cert-file=" + c.pki.CertFile, "--tls-private-key-file=" + c.pki.KeyFile,
		"--client-ca-file=" + c.pki.CAFile, "--token-auth-file=" + c.pki.TokenFile,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + c.pki.SAPubFile, "--service-account-signing-key-file=" + c.pki.SAKeyFile,
		"--service-cluster-ip-range=10.96.0.0/16",
		"--authorization-mode=RBAC",
		"--endpoint-reconciler-type=none",
		"--enable-priority-and-fairness=false",
		"--disable-admission-plugins=" + DisabledAdmissionPlugins,
		"--v=" + strconv.Itoa(o.APIServerVerbosity),
	}
	if o.AuditLog {
		policy := filepath.Join(c.Dir, "audit-policy.yaml")
		if err := os.WriteFile(policy, []byte(auditPolicy), 0o600); err != nil {
			return nil, err
		}
		apiArgs = append(apiArgs, "--audit-policy-file="+policy, "--audit-log-path="+c.LogPath("audit"),
			"--audit-log-format=json", "--audit-log-mode=blocking")
	}
	_, _, err = c.startOnPorts(ctx, o, "kube-apiserver", 1, "ready (/readyz)", func(ps []int) (command, error) {
		c.Server = "https://" + loopback(ps[0])
		if err := c.writeKubeconfig(); err != nil {
			return command{}, err
		}
		return command{bins.APIServer, c.Dir, append(slices.Clip(apiArgs), "--secure-port="+strconv.Itoa(ps[0])), nil}, nil
	}, func([]int) error { return httpOK(c.Server+"/readyz", c.Config) })
	if err != nil {
		return nil, err
	}

	// /healthz is among the paths the controller manager serves without
	// authorization; it answers 200 once its controllers have started.
	caOnly := &rest.Config{TLSClientConfig: rest.TLSClientConfig{CAData: c.pki.CA}}
	_, _, err = c.startOnPorts(ctx, o, "kube-controller-manager", 1, "healthy (/healthz)", func(ps []int) (command, error) {
		return command{bins.ControllerManager, c.Dir, []string{
			"--kubeconfig=" + c.Kubeconfig,
			"--controllers=namespace-controller,garbage-collector-controller",
			"--leader-elect=false", "--use-service-account-credentials=false",
			"--bind-address=127.0.0.1", "--secure-port=" + strconv.Itoa(ps[0]),
			"--root-ca-file=" + c.pki.CAFile,
			// The API server's serving certificate (for 127.0.0.1), so that
			// its readiness endpoint is read over verified TLS.
			"--tls-cert-file=" + c.pki.CertFile, "--tls-private-key-file=" + c.pki.KeyFile,
		}, nil}, nil
	}, func(ps []int) error { return httpOK("https://"+loopback(ps[0])+"/healthz", caOnly) })
	if err != nil {
		return nil, err
	}
	return c, nil
}

// start starts a process in dir with its log under Dir/logs.
func (c *ControlPlane) start(name, bin, dir string, args, env []string) (*process, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil, errors.New("control plane stopped")
	}
	p, err := start(name, bin, dir, c.LogPath(name), args, env)
	if err != nil {
		return nil, err
	}
	c.procs = append(c.procs, p)
	return p, nil
}

// wait waits until p is ready, up to ctx's deadline or, when ctx has
// none, o.ReadyTimeout.
func (c *ControlPlane) wait(ctx context.Context, o Options, p *process, what string, ready func() error) error {
	ctx, cancel := withDefaultDeadline(ctx, o.ReadyTimeout)
	defer cancel()
	return p.waitFor(ctx, what, ready)
}

// withDefaultDeadline returns ctx as it is when it has a deadline (the
// caller's policy, such as the tests'), and else bounded by d.
func withDefaultDeadline(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}

// LogPath is the log file of a process ("etcd", "kube-apiserver",
// "kube-controller-manager", "istiod"), or the API server's audit log
// ("audit", with Options.AuditLog).
func (c *ControlPlane) LogPath(name string) string {
	return filepath.Join(c.Dir, "logs", name+".log")
}

// LogTail returns the last n lines of a process's log.
func (c *ControlPlane) LogTail(name string, n int) string {
	return tail(c.LogPath(name), n)
}

// Processes returns the name and PID of every process started, in order.
func (c *ControlPlane) Processes() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for _, p := range c.procs {
		out[p.name] = p.cmd.Process.Pid
	}
	return out
}

// stopGrace is how long Stop waits for a process to exit on SIGTERM before
// it kills it. The API server takes about 1 s to shut down gracefully, and
// up to 8 s on a loaded machine; everything a control plane stores is
// thrown away, so there is nothing to wait for.
const stopGrace = 3 * time.Second

// Stop stops every process, newest first, each by its process group (SIGTERM,
// then SIGKILL after 3 s), and removes Dir if Start created it. It is safe
// to call more than once.
func (c *ControlPlane) Stop() {
	c.mu.Lock()
	procs := c.procs
	c.procs, c.stopped = nil, true
	c.mu.Unlock()
	for i := len(procs) - 1; i >= 0; i-- {
		procs[i].stop(stopGrace)
	}
	if c.tmp {
		os.RemoveAll(c.Dir)
	}
}

func (c *ControlPlane) writeKubeconfig() error {
	c.Kubeconfig = filepath.Join(c.Dir, "kubeconfig")
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["local"] = &clientcmdapi.Cluster{Server: c.Server, CertificateAuthorityData: c.pki.CA}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{Token: c.pki.Token}
	cfg.Contexts["local"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "admin", Namespace: "default"}
	cfg.CurrentContext = "local"
	if err := clientcmd.WriteToFile(*cfg, c.Kubeconfig); err != nil {
		return err
	}
	rc, err := clientcmd.NewNonInteractiveClientConfig(*cfg, "local", nil, nil).ClientConfig()
	if err != nil {
		return err
	}
	rc.QPS, rc.Burst = 200, 400
	c.Config = rc
	c.Client, err = kubernetes.NewForConfig(rc)
	return err
}

// httpOK GETs url (with cfg's TLS and token when cfg is set) and wants 200.
func httpOK(url string, cfg *rest.Config) error {
	client := &http.Client{Timeout: 2 * time.Second}
	if cfg != nil {
		rt, err := rest.TransportFor(cfg)
		if err != nil {
			return err
		}
		client.Transport = rt
	}
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}

// httpGet GETs url and returns the body of a 200 answer.
func httpGet(url string) ([]byte, error) {
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	return io.ReadAll(resp.Body)
}
