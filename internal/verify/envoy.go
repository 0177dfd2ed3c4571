package verify

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/bluegreen-mesh/bluegreen/internal/verify/controlplane"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/envoyroutes"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/meshinstall"
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
)

// EnvoyRun is what `routes --envoy` judges: an environment's install plan,
// the model every answer of `routes` came from, and the requests.
type EnvoyRun struct {
	// Env is the environment's name, for the output.
	Env string
	// Plan is the environment's install plan (pipeline.Environment.InstallPlan).
	Plan *meshinstall.Plan
	// Model is the environment's routing as routes evaluated it.
	Model *mesh.Model
	// IstioNamespace, IstioRevision and IstioVersion are the control
	// plane's, with defaults applied.
	IstioNamespace, IstioRevision, IstioVersion string
	// GatewayAPI is true when any app routes with the Gateway API, so
	// istiod runs with Gateway API support.
	GatewayAPI bool
	// APIOf is the routing API serving a request host.
	APIOf func(host string) string
	// Cases are the requests, each with what routes answered.
	Cases []mesh.Case
}

// Envoy installs run's plan into a local control plane (namespaces,
// secrets and Helm releases in Terraform's dependency order, with Helm's
// actions), runs istiod, prints the route tables istiod generates for the
// environment's ingress gateway (and for the gateway Istio deploys for each
// Gateway API Gateway), and evaluates every case against them beside what
// routes says. It fails when they disagree. timeout bounds the whole run,
// every wait in it included (the control plane's and istiod's readiness,
// the gateways' deployments, the routes): one deadline, not one per step,
// so a step slowed by a loaded machine takes what the others leave.
func Envoy(bins Binaries, timeout time.Duration, run EnvoyRun, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	fmt.Fprintln(stderr, "Starting a local control plane (etcd, kube-apiserver, kube-controller-manager, istiod on 127.0.0.1)...")
	cp, err := controlplane.Start(ctx, bins, controlplane.Options{})
	if err != nil {
		return err
	}
	defer cp.Stop()
	go func() { <-ctx.Done(); cp.Stop() }()

	in, err := meshinstall.New(meshinstall.Options{Kubeconfig: cp.Kubeconfig, Config: cp.Config, Charts: meshinstall.Charts(), Variables: run.Plan.RandomVariables()})
	if err != nil {
		return err
	}
	fmt.Fprintln(stderr, "Installing the mesh and app stacks with Helm (without waiting: no kubelet, no pods)...")
	steps, err := in.Apply(ctx, run.Plan)
	for _, st := range steps {
		fmt.Fprintln(stderr, "  "+st.String())
	}
	if err != nil {
		return err
	}
	var vsCases, gwCases []mesh.Case
	for _, c := range run.Cases {
		if run.APIOf(c.Request.Host) == mesh.APIGatewayAPI {
			gwCases = append(gwCases, c)
		} else {
			vsCases = append(vsCases, c)
		}
	}
	m := run.Model
	ist, err := cp.StartIstiod(ctx, controlplane.IstiodOptions{Namespace: run.IstioNamespace, Revision: run.IstioRevision, GatewayAPI: run.GatewayAPI})
	if err != nil {
		return err
	}
	var rows []envoyroutes.Row
	if len(vsCases) > 0 {
		// Every Gateway of the apps selects the environment's ingress
		// gateway, whose one route table holds every app's hosts.
		proxy, err := envoyroutes.GatewayProxy(ctx, cp.Client, m, run.IstioVersion)
		if err != nil {
			return err
		}
		rcs, err := envoyroutes.Fetch(ctx, ist.XDSAddr, proxy)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Envoy routes istiod generates for the ingress gateway of %s:\n\n", run.Env)
		if err := envoyroutes.PrintRoutes(stdout, rcs); err != nil {
			return err
		}
		rs, err := envoyroutes.Compare(m, rcs, vsCases)
		if err != nil {
			return err
		}
		rows = append(rows, rs...)
	}
	gm := gatewayapi.ModelOfMesh(m)
	for _, gw := range gm.Gateways {
		// istiod deploys a gateway of its own for each Gateway of class
		// istio: judge each by the requests for the hosts it declares.
		var mine []mesh.Case
		for _, c := range gwCases {
			if slices.ContainsFunc(gw.Spec.Listeners, func(l gwv1.Listener) bool {
				return l.Hostname == nil || mesh.HostMatches(string(*l.Hostname), c.Request.Host)
			}) {
				mine = append(mine, c)
			}
		}
		if len(mine) == 0 || gw.Spec.GatewayClassName != "istio" {
			continue
		}
		one := gm
		one.Gateways = []*gwv1.Gateway{gw}
		fmt.Fprintf(stderr, "Waiting for istiod to deploy the gateway of the Gateway %s/%s (class istio)...\n", gw.Namespace, gw.Name)
		proxy, err := envoyroutes.GatewayAPIProxy(ctx, cp.Client, one, run.IstioVersion)
		if err != nil {
			return err
		}
		rcs, err := envoyroutes.Fetch(ctx, ist.XDSAddr, proxy)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Envoy routes istiod generates for the gateway of Gateway %s/%s of %s:\n\n", gw.Namespace, gw.Name, run.Env)
		if err := envoyroutes.PrintRoutes(stdout, rcs); err != nil {
			return err
		}
		rs, err := envoyroutes.CompareGatewayCases(gm, rcs, mine)
		if err != nil {
			return err
		}
		rows = append(rows, rs...)
	}
	if len(rows) != len(run.Cases) {
		return fmt.Errorf("routes --envoy: %d of %d requests judged: no Gateway istiod serves declares the hosts of the others", len(rows), len(run.Cases))
	}
	fmt.Fprintln(stdout)
	if err := envoyroutes.Table(stdout, rows); err != nil {
		return err
	}
	for _, r := range rows {
		if !r.Agree() {
			return fmt.Errorf("routes --envoy: %s: routes says %q, Envoy does %q", r.Case.Name, r.Routes, r.Envoy)
		}
	}
	return nil
}
