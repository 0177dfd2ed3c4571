package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

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
func envoyRoutes(bins controlplane.Binaries, timeout time.Duration, e *pipeline.Environment, m *mesh.Model, cases []mesh.Case, stdout, stderr io.Writer) error {
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
	gatewayAPI := e.Env.Routing.API == mesh.APIGatewayAPI
	p := e.Env.Istio.WithDefaults()
	ist, err := cp.StartIstiod(ctx, controlplane.IstiodOptions{Namespace: p.Namespace, Revision: p.Revision, GatewayAPI: gatewayAPI})
	if err != nil {
		return err
	}
	var proxy envoyroutes.Proxy
	g := gatewayapi.ModelOfMesh(m)
	if gatewayAPI {
		fmt.Fprintln(stderr, "Waiting for istiod to deploy the gateway of the Gateway (class istio)...")
		proxy, err = envoyroutes.GatewayAPIProxy(ctx, cp.Client, g, p.Version)
	} else {
		proxy, err = envoyroutes.GatewayProxy(ctx, cp.Client, m, p.Version)
	}
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
	var rows []envoyroutes.Row
	if gatewayAPI {
		rows, err = envoyroutes.CompareGatewayCases(g, rcs, cases)
	} else {
		rows, err = envoyroutes.Compare(m, rcs, cases)
	}
	if err != nil {
		return err
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
