package controlplane

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"path/filepath"
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
	in := &Istiod{XDSAddr: loopback(ports[0]), DebugAddr: loopback(ports[1]), Namespace: o.Namespace, Revision: o.Revision}
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
	// istiod writes its certificates under ./var/run/secrets.
	p, err := c.start("istiod", c.bins.Pilot, filepath.Join(c.Dir, "istiod"), []string{
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
	if err := c.wait(ctx, Options{}.withDefaults(), p, "ready (/ready)", func() error {
		return httpOK("http://"+in.DebugAddr+"/ready", nil)
	}); err != nil {
		return nil, fmt.Errorf("istiod: %w", err)
	}
	return in, nil
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
