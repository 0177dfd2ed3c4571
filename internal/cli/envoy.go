package cli

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

	"github.com/bluegreen-mesh/bluegreen/internal/pipeline"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/controlplane"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/envoyroutes"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/meshinstall"
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
)

// envoyRoutes installs the mesh and app stacks of environment e into a
// local control plane (their namespaces, secrets and Helm releases in
// Terraform's dependency order, as the offline pipeline computes them from
// cdktf.json without synthesizing: pipeline.Environment.InstallPlan), runs
// istiod, prints the route table istiod generates for the ingress gateway,
// and evaluates cases against it beside what routes says: with the
// VirtualService evaluator (package mesh), or, where the environment's
// routing.api is "gatewayAPI", with istiod translating the Gateway API,
// for the gateway Istio deploys for the Gateway, with the Gateway API
// evaluator (mesh/gatewayapi). It fails when they disagree, or, naming how
// to build them, when the control plane's binaries are not built. m is
// e's model, bins the control plane's binaries (controlplane.FindBinaries).
// timeout bounds the whole run, every wait in it included (the control
// plane's and istiod's readiness, the gateway's deployment, the routes):
// one deadline, not one per step, so a step slowed by a loaded machine
// takes what the others leave.
func envoyRoutes(bins controlplane.Binaries, timeout time.Duration, e *pipeline.Environment, g *gateway, cases []mesh.Case, stdout, stderr io.Writer) error {
	plan, err := e.InstallPlan()
	if err != nil {
		return err
	}
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

	in, err := meshinstall.New(meshinstall.Options{Kubeconfig: cp.Kubeconfig, Config: cp.Config, Charts: meshinstall.Charts(), Variables: plan.RandomVariables()})
	if err != nil {
		return err
	}
	fmt.Fprintln(stderr, "Installing the mesh and app stacks with Helm (without waiting: no kubelet, no pods)...")
	steps, err := in.Apply(ctx, plan)
	for _, st := range steps {
		fmt.Fprintln(stderr, "  "+st.String())
	}
	if err != nil {
		return err
	}
	var vsCases, gwCases []mesh.Case
	for _, c := range cases {
		if g.apiOf(c.Request.Host) == mesh.APIGatewayAPI {
			gwCases = append(gwCases, c)
		} else {
			vsCases = append(vsCases, c)
		}
	}
	m := g.model
	p := e.Env.Istio.WithDefaults()
	ist, err := cp.StartIstiod(ctx, controlplane.IstiodOptions{Namespace: p.Namespace, Revision: p.Revision, GatewayAPI: len(g.specs) > 0})
	if err != nil {
		return err
	}
	var rows []envoyroutes.Row
	if len(vsCases) > 0 {
		// Every Gateway of the apps selects the environment's ingress
		// gateway, whose one route table holds every app's hosts.
		proxy, err := envoyroutes.GatewayProxy(ctx, cp.Client, m, p.Version)
		if err != nil {
			return err
		}
		rcs, err := envoyroutes.Fetch(ctx, ist.XDSAddr, proxy)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Envoy routes istiod generates for the ingress gateway of %s:\n\n", e.Env.Name)
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
				return l.Hostname == nil || hostAdmits(string(*l.Hostname), c.Request.Host)
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
		proxy, err := envoyroutes.GatewayAPIProxy(ctx, cp.Client, one, p.Version)
		if err != nil {
			return err
		}
		rcs, err := envoyroutes.Fetch(ctx, ist.XDSAddr, proxy)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Envoy routes istiod generates for the gateway of Gateway %s/%s of %s:\n\n", gw.Namespace, gw.Name, e.Env.Name)
		if err := envoyroutes.PrintRoutes(stdout, rcs); err != nil {
			return err
		}
		rs, err := envoyroutes.CompareGatewayCases(gm, rcs, mine)
		if err != nil {
			return err
		}
		rows = append(rows, rs...)
	}
	if len(rows) != len(cases) {
		return fmt.Errorf("routes --envoy: %d of %d requests judged: no Gateway istiod serves declares the hosts of the others", len(rows), len(cases))
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
