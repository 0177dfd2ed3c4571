package controlplane

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// IstiodOptions configure istiod.
type IstiodOptions struct {
	// Namespace is istiod's own namespace, where it reads its mesh
	// configuration (the istiod chart's ConfigMap). Default: "istio-system".
	Namespace string
	// Revision is the control plane revision it serves; the mesh
	// configuration is the ConfigMap istio-<revision>. Default: "default".
	Revision string
	// GatewayAPI makes istiod translate Gateway API objects too. Default:
	// false.
	GatewayAPI bool
}

// Istiod is a running istiod (pilot-discovery).
type Istiod struct {
	// XDSAddr is the plaintext xDS (ADS) gRPC address, host:port.
	XDSAddr string
	// DebugAddr is the HTTP address of /ready and /debug/*.
	DebugAddr string
	// Namespace and Revision are the ones it runs as.
	Namespace, Revision string

	cp *ControlPlane
	p  *process
}

// StartIstiod runs pilot-discovery against the API server, every listener on
// 127.0.0.1, without patching or serving webhooks, and waits until it is
// ready. Istio's mesh ConfigMap should exist first (the istiod chart
// installs it); without it istiod runs on its defaults. Stop stops it.
func (c *ControlPlane) StartIstiod(ctx context.Context, o IstiodOptions) (*Istiod, error) {
	o.Namespace = cmp.Or(o.Namespace, "istio-system")
	o.Revision = cmp.Or(o.Revision, "default")
	ports, err := freePorts(6)
	if err != nil {
		return nil, err
	}
	in := &Istiod{XDSAddr: loopback(ports[0]), DebugAddr: loopback(ports[1]), Namespace: o.Namespace, Revision: o.Revision, cp: c}
	env := []string{
		"POD_NAMESPACE=" + o.Namespace,
		"POD_NAME=istiod-local",
		"REVISION=" + o.Revision,
		"CLUSTER_ID=Kubernetes",
		"PILOT_ENABLE_GATEWAY_API=" + strconv.FormatBool(o.GatewayAPI),
		// Empty names: istiod neither patches nor expects webhook
		// configurations (the API server calls none anyway).
		"VALIDATION_WEBHOOK_CONFIG_NAME=",
		"INJECTION_WEBHOOK_CONFIG_NAME=",
		"KUBECONFIG=" + c.Kubeconfig,
	}
	// istiod writes its certificates under ./var/run/secrets: a folder of
	// its own, so an istiod started after another finds none of the
	// other's.
	dir, err := os.MkdirTemp(filepath.Join(c.Dir, "istiod"), "run-")
	if err != nil {
		return nil, err
	}
	p, err := c.start("istiod", c.bins.Pilot, dir, []string{
		"discovery",
		"--kubeconfig=" + c.Kubeconfig,
		"--grpcAddr=" + in.XDSAddr,
		"--httpAddr=" + in.DebugAddr,
		"--secureGRPCAddr=" + loopback(ports[2]),
		"--monitoringAddr=" + loopback(ports[3]),
		"--httpsAddr=" + loopback(ports[4]),
		"--ctrlz_address=127.0.0.1",
		"--ctrlz_port=" + strconv.Itoa(ports[5]),
	}, env)
	if err != nil {
		return nil, err
	}
	in.p = p
	if err := c.wait(ctx, Options{}.withDefaults(), p, "ready (/ready)", func() error {
		return httpOK("http://"+in.DebugAddr+"/ready", nil)
	}); err != nil {
		in.Stop()
		return nil, fmt.Errorf("istiod: %w", err)
	}
	return in, nil
}

// Stop stops istiod, so that another can be started for the next
// environment on the same control plane. The control plane's Stop stops it
// too. It is safe to call more than once.
func (in *Istiod) Stop() {
	c := in.cp
	c.mu.Lock()
	running := slices.Contains(c.procs, in.p)
	c.procs = slices.DeleteFunc(c.procs, func(p *process) bool { return p == in.p })
	c.mu.Unlock()
	if running {
		in.p.stop(stopGrace)
	}
}

// WaitForResourceVersions waits until istiod's /debug/configz lists objects
// at each of the resource versions given (the API server's, unique across
// the cluster), that is, until istiod has read those edits.
func (in *Istiod) WaitForResourceVersions(ctx context.Context, versions ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		b, err := httpGet("http://" + in.DebugAddr + "/debug/configz")
		missing := ""
		for _, rv := range versions {
			if err == nil && !bytes.Contains(b, []byte(`"resourceVersion": "`+rv+`"`)) && !bytes.Contains(b, []byte(`"resourceVersion":"`+rv+`"`)) {
				missing = rv
			}
		}
		if err == nil && missing == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("istiod has not read resource version %s (%v): %w", missing, err, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
