package controlplane

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
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

	cp *ControlPlane
	p  *process
}

// StartIstiod runs pilot-discovery against the API server, every listener on
// 127.0.0.1, without patching or serving webhooks, and waits until it is
// ready (up to ctx's deadline, or 60 s when ctx has none). Istio's mesh
// ConfigMap should exist first (the istiod chart installs it); without it
// istiod runs on its defaults. Stop stops it.
func (c *ControlPlane) StartIstiod(ctx context.Context, o IstiodOptions) (*Istiod, error) {
	o.Namespace = cmp.Or(o.Namespace, "istio-system")
	o.Revision = cmp.Or(o.Revision, "default")
	in := &Istiod{Namespace: o.Namespace, Revision: o.Revision, cp: c}
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
	p, ps, err := c.startOnPorts(ctx, Options{}.withDefaults(), "istiod", 6, "ready (/ready)", func(ps []int) (command, error) {
		return command{c.bins.Pilot, dir, []string{
			"discovery",
			"--kubeconfig=" + c.Kubeconfig,
			"--grpcAddr=" + loopback(ps[0]),
			"--httpAddr=" + loopback(ps[1]),
			"--secureGRPCAddr=" + loopback(ps[2]),
			"--monitoringAddr=" + loopback(ps[3]),
			"--httpsAddr=" + loopback(ps[4]),
			"--ctrlz_address=127.0.0.1",
			"--ctrlz_port=" + strconv.Itoa(ps[5]),
		}, env}, nil
	}, func(ps []int) error {
		return httpOK("http://"+loopback(ps[1])+"/ready", nil)
	})
	if err != nil {
		return nil, fmt.Errorf("istiod: %w", err)
	}
	in.p, in.XDSAddr, in.DebugAddr = p, loopback(ps[0]), loopback(ps[1])
	return in, nil
}

// Stop stops istiod, so that another can be started for the next
// environment on the same control plane. The control plane's Stop stops it
// too. It is safe to call more than once.
func (in *Istiod) Stop() {
	if in.cp.drop(in.p) {
		in.p.stop(stopGrace)
	}
}

// Object names one stored object istiod reads, as the API server stores
// it now: its kind ("HTTPRoute", "VirtualService"), namespace, name, UID
// and metadata.generation.
type Object struct {
	Kind, Namespace, Name, UID string
	Generation                 int64
}

func (o Object) String() string {
	return fmt.Sprintf("%s %s/%s at generation %d", o.Kind, o.Namespace, o.Name, o.Generation)
}

// configzObject is the part of an entry of /debug/configz that says which
// object, and which edit of it, istiod holds.
type configzObject struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Namespace       string `json:"namespace"`
		Name            string `json:"name"`
		UID             string `json:"uid"`
		Generation      int64  `json:"generation"`
		ResourceVersion string `json:"resourceVersion"`
	} `json:"metadata"`
}

// defaultWait bounds istiod's waits when the caller's context has no
// deadline of its own.
const defaultWait = 60 * time.Second

// WaitForObjects waits until istiod's /debug/configz lists each object
// with its UID at its generation or a later one, that is, until istiod
// has read the edits of the objects' specs that the API server holds now.
// The generation, unlike the resource version, is ordered and changes
// only with the spec: istiod writes the status of the Gateway API objects
// it handles, which gives them a new resource version (the one it then
// reads) and leaves the generation as it was. It polls /debug/configz
// every 100 ms: istiod announces the config it has read nowhere else (its
// xDS pushes go only to the proxies an edit concerns, and only when the
// generated configuration changes). The wait ends with ctx, or
// after 60 s when ctx has no deadline; its error says what istiod listed
// last and ends with istiod's log.
func (in *Istiod) WaitForObjects(ctx context.Context, objs ...Object) error {
	ctx, cancel := withDefaultDeadline(ctx, defaultWait)
	defer cancel()
	start := time.Now()
	seen := ""
	for {
		missing, s, err := in.missing(objs)
		if err == nil && missing == nil {
			return nil
		}
		if err != nil {
			s = err.Error()
		}
		seen = s
		select {
		case <-ctx.Done():
			return fmt.Errorf("istiod has not read %s after %s (%v); it lists %s; end of %s:\n%s",
				missing, time.Since(start).Round(time.Millisecond), ctx.Err(), seen, in.p.log, in.p.tail(30))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// missing returns the first of objs that istiod does not hold at its
// generation, and what istiod holds of it instead.
func (in *Istiod) missing(objs []Object) (*Object, string, error) {
	b, err := httpGet("http://" + in.DebugAddr + "/debug/configz")
	if err != nil {
		return &objs[0], "", err
	}
	var listed []configzObject
	if err := json.Unmarshal(b, &listed); err != nil {
		return &objs[0], "", fmt.Errorf("/debug/configz: %w", err)
	}
	for i, o := range objs {
		seen := "nothing of that name"
		found := false
		for _, l := range listed {
			m := l.Metadata
			if l.Kind != o.Kind || m.Namespace != o.Namespace || m.Name != o.Name {
				continue
			}
			seen = fmt.Sprintf("generation %d (uid %s, resource version %s)", m.Generation, m.UID, m.ResourceVersion)
			if m.UID == o.UID && m.Generation >= o.Generation {
				found = true
			}
		}
		if !found {
			return &objs[i], fmt.Sprintf("%s/%s at %s", o.Namespace, o.Name, seen), nil
		}
	}
	return nil, "", nil
}
