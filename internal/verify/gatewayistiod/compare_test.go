package gatewayistiod_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"

	"github.com/bluegreen-mesh/bluegreen/internal/testutil/cptest"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/wait"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/controlplane"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/envoyroutes"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/istiocharts"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
)

// gatewayProxy is the xDS identity of the pods Istio deploys for Gateway
// ns/name.
func gatewayProxy(ns, name string) envoyroutes.Proxy {
	return envoyroutes.Proxy{Namespace: ns, IstioVersion: istiocharts.Release, Labels: map[string]string{envoyroutes.GatewayNameLabel: name}}
}

// sidecarProxy is the xDS identity of a sidecar of a caller in ns.
func sidecarProxy(ns string) envoyroutes.Proxy {
	return envoyroutes.Proxy{Namespace: ns, IstioVersion: istiocharts.Release, Labels: map[string]string{"app": "caller"}, Sidecar: true}
}

// check reads the routes istiod sends proxy and wants each request
// answered as the evaluator answers it on the objects stored in ns
// (envoyroutes.CompareGateway), printing both answers where they differ
// (see converge). It first waits until istiod has read the HTTPRoutes
// stored in ns. It returns the number of requests that agree.
func check(t *testing.T, c *cluster, ist *controlplane.Istiod, ns string, proxy envoyroutes.Proxy, reqs []gatewayapi.Request) int {
	t.Helper()
	c.routesRead(t, ist, ns)
	return checkModel(t, c, ist, c.stored(t, ns), proxy, reqs)
}

// checkModel is check on the model m.
func checkModel(t *testing.T, c *cluster, ist *controlplane.Istiod, m gatewayapi.Model, proxy envoyroutes.Proxy, reqs []gatewayapi.Request) int {
	t.Helper()
	return converge(t, c, ist, proxy, len(reqs), func(rcs []*routev3.RouteConfiguration) ([]envoyroutes.Row, error) {
		return envoyroutes.CompareGateway(m, rcs, reqs)
	})
}

// converge subscribes to the routes istiod sends proxy (an xDS stream,
// envoyroutes.Watch) and compares each version istiod pushes with compare,
// until one agrees (istiod pushes after a debounce, once it has translated
// an edit) or the suite's deadline passes (package wait); then it reports
// what still differs. It wants want rows, each agreeing, printing both
// answers where they differ, and returns the number that agree.
func converge(t *testing.T, c *cluster, ist *controlplane.Istiod, proxy envoyroutes.Proxy, want int, compare func([]*routev3.RouteConfiguration) ([]envoyroutes.Row, error)) int {
	t.Helper()
	var rows []envoyroutes.Row
	var rcs []*routev3.RouteConfiguration
	var compareErr error
	err := wait.UntilStream(context.Background(), "the routes istiod pushes to "+who(proxy)+" to agree with the evaluator", wait.Options{Log: cptest.Log(c.cp, "istiod")},
		func(ctx context.Context, seen func(string)) error {
			return envoyroutes.Watch(ctx, ist.XDSAddr, proxy, func(got []*routev3.RouteConfiguration) (bool, error) {
				rcs = got
				if rows, compareErr = compare(got); compareErr != nil {
					return false, compareErr
				}
				seen(fmt.Sprintf("%d of %d requests agree", agreeing(rows), len(rows)))
				return agreeing(rows) == len(rows), nil
			})
		})
	if err != nil {
		// An expired wait on disagreeing routes goes on to print them.
		if compareErr != nil || rows == nil {
			t.Fatalf("routes of %s: %v", who(proxy), err)
		}
		t.Log(err)
	}
	if len(rows) != want {
		t.Fatalf("%d requests answered; want %d", len(rows), want)
	}
	agree := agreeing(rows)
	if agree != len(rows) {
		var tb, rt strings.Builder
		envoyroutes.Table(&tb, rows)
		envoyroutes.PrintRoutes(&rt, rcs)
		t.Errorf("%s: %d of %d requests answered differently by the evaluator and by the Envoy routes istiod generated:\n%s\nroutes:\n%s",
			who(proxy), len(rows)-agree, len(rows), tb.String(), rt.String())
	}
	t.Logf("%s: %d of %d requests agree", who(proxy), agree, len(rows))
	return agree
}

// who names the proxy: "Gateway ns/name" or "a sidecar in ns".
func who(p envoyroutes.Proxy) string {
	if p.Sidecar {
		return "a sidecar in " + p.Namespace
	}
	if _, ok := p.Labels[envoyroutes.GatewayNameLabel]; !ok {
		return fmt.Sprintf("the gateway in %s labelled %v", p.Namespace, p.Labels)
	}
	return "Gateway " + p.Namespace + "/" + p.Labels[envoyroutes.GatewayNameLabel]
}

// answer returns the evaluator's answer to r on the objects stored in ns,
// in envoyroutes.SummaryOfGateway's words.
func answer(t *testing.T, c *cluster, ns string, r gatewayapi.Request) string {
	t.Helper()
	o, err := c.stored(t, ns).Evaluate(r)
	if err != nil {
		t.Fatal(err)
	}
	return envoyroutes.SummaryOfGateway(o)
}

func agreeing(rows []envoyroutes.Row) int {
	n := 0
	for _, r := range rows {
		if r.Agree() {
			n++
		}
	}
	return n
}
