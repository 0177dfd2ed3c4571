package status_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/bluegreen-mesh/bluegreen/internal/status"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/cptest"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/wait"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/controlplane"
)

// TestStatusMissingCRDsAndNamespace runs status, in one local control
// plane, first on the bare cluster (no Istio CRDs, no namespace of the
// environment), then after the install with the app's namespace deleted:
// each time status answers (diagnostics report and still answer), says
// what is missing naming the environment and the kubeconfig context, and
// what to deploy, and --exit-code exits 1 (drift), not 2 (the cluster is
// reachable).
func TestStatusMissingCRDsAndNamespace(t *testing.T) {
	cp := cptest.Start(t, controlplane.Options{})
	kc, err := clientcmd.LoadFromFile(cp.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	where := "kubeconfig " + cp.Kubeconfig + " context " + kc.CurrentContext
	e, r := rendered(t)
	bare := installed{cp: cp, e: e, r: r}

	// 1. Nothing installed: Istio's APIs are not served.
	rep := bare.report(t)
	wantCRDs := `environment "local": ` + where + ` does not serve ` +
		`DestinationRule (networking.istio.io/v1), Gateway (networking.istio.io/v1), VirtualService (networking.istio.io/v1)` +
		`: their CRDs are missing; deploy the mesh stack (local-mesh) first`
	wantNS := `environment "local": ` + where + ` has no namespace "bluegreen" (needed by app echo, release bluegreen/blue, release bluegreen/green, release bluegreen/echo-service, ` +
		`release bluegreen/echo-destinationrule, release bluegreen/echo-gateway, release bluegreen/echo-virtualservice): ` +
		`deploy the stack that creates it (local-mesh) first`
	t.Logf("problems on the bare cluster:\n%s", strings.Join(rep.Problems, "\n"))
	wantBare := []string{
		wantCRDs,
		`environment "local": ` + where + ` has no namespace "istio-system" (needed by release istio-system/istio-base, ` +
			`release istio-system/istiod, release istio-system/grafana, release istio-system/kiali): deploy the stack that creates it (local-mesh) first`,
		`environment "local": ` + where + ` has no namespace "istio-ingress" (needed by release istio-ingress/istio-ingressgateway): ` +
			`deploy the stack that creates it (local-mesh) first`,
		wantNS,
	}
	if !slices.Equal(rep.Problems, wantBare) {
		t.Errorf("problems:\n%s\nwant exactly\n%s", strings.Join(rep.Problems, "\n"), strings.Join(wantBare, "\n"))
	}
	lines := driftStrings(rep)
	for _, w := range []string{
		"VirtualService/bluegreen/echo: deployed the object → live <no API networking.istio.io/v1 VirtualService>",
		"DestinationRule/bluegreen/echo: deployed the object → live <no API networking.istio.io/v1 DestinationRule>",
		"Namespace//bluegreen: deployed the object → live <missing>",
		"HelmRelease/bluegreen/blue: deployed revision deployed → live <missing>",
	} {
		if !slices.Contains(lines, w) {
			t.Errorf("drift on the bare cluster:\n%s\nwant among it %q", strings.Join(lines, "\n"), w)
		}
	}
	if len(rep.Apps) != 1 || rep.Apps[0].Routing.Found || rep.Apps[0].Routing.Kind != "VirtualService" {
		t.Errorf("apps %+v; want echo with its VirtualService not found", rep.Apps)
	}
	out, code := bare.cliStatus(t)
	if code != 1 {
		t.Errorf("status --exit-code on the bare cluster: exit %d; want 1 (drift; the cluster is reachable)\n%s", code, out)
	}
	for _, w := range []string{"  " + wantCRDs + "\n", "  " + wantNS + "\n"} {
		if !strings.Contains(out, w) {
			t.Errorf("status output:\n%s\nlacks the line %q", out, w)
		}
	}
	if strings.Contains(out, "goroutine ") || strings.Contains(out, "panic") {
		t.Errorf("status output holds a stack trace:\n%s", out)
	}

	// 2. Installed, then the app's namespace deleted.
	in := installInto(t, cp)
	rep = in.report(t)
	for _, p := range rep.Problems {
		if strings.Contains(p, `"bluegreen"`) || strings.Contains(p, "CRDs are missing") {
			t.Errorf("after the install, got problem %q; want none about the CRDs or namespace bluegreen", p)
		}
	}
	nss := cp.Client.CoreV1().Namespaces()
	if err := nss.Delete(context.Background(), "bluegreen", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	wait.ForWatch(t, "namespace bluegreen removed after its deletion (the namespace controller)", wait.Options{Log: cptest.Log(cp, "kube-controller-manager")},
		cptest.ListWatch(nss.List, nss.Watch, "metadata.name=bluegreen"),
		func(got []*corev1.Namespace) (bool, string, error) {
			if len(got) == 0 {
				return true, "", nil
			}
			return false, fmt.Sprintf("phase %s, conditions %+v", got[0].Status.Phase, got[0].Status.Conditions), nil
		})
	rep = in.report(t)
	t.Logf("problems with namespace bluegreen deleted:\n%s", strings.Join(rep.Problems, "\n"))
	if !slices.Equal(rep.Problems, []string{wantNS}) {
		t.Errorf("problems:\n%s\nwant exactly\n%s", strings.Join(rep.Problems, "\n"), wantNS)
	}
	lines = driftStrings(rep)
	for _, w := range []string{
		"Namespace//bluegreen: deployed the object → live <missing>",
		"VirtualService/bluegreen/echo: deployed the object → live <missing>",
		"Deployment/bluegreen/echo-blue: deployed the object → live <missing>",
		"HelmRelease/bluegreen/blue: deployed revision deployed → live <missing>",
		"HelmRelease/bluegreen/green: deployed revision deployed → live <missing>",
	} {
		if !slices.Contains(lines, w) {
			t.Errorf("drift with namespace bluegreen deleted:\n%s\nwant among it %q", strings.Join(lines, "\n"), w)
		}
	}
	if a := rep.Apps[0]; a.Routing.Found || slices.ContainsFunc(a.Colours, func(w status.Workload) bool { return w.Found }) {
		t.Errorf("app %+v; want its VirtualService and Deployments not found", a)
	}
	out, code = in.cliStatus(t)
	if code != 1 {
		t.Errorf("status --exit-code with namespace bluegreen deleted: exit %d; want 1\n%s", code, out)
	}
	if !strings.Contains(out, "  "+wantNS+"\n") {
		t.Errorf("status output:\n%s\nlacks the line %q", out, wantNS)
	}
}

// driftStrings are the report's drift lines.
func driftStrings(rep *status.Report) []string {
	var out []string
	for _, d := range rep.Drift {
		out = append(out, d.String())
	}
	return out
}
