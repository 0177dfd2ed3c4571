package gatewayistiod_test

import (
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/bluegreen-mesh/bluegreen/internal/testutil/cptest"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/wait"
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
)

// istioController is the controller name of Istio's GatewayClass.
const istioController = "istio.io/gateway-controller"

// routeStatus is what istiod wrote in an HTTPRoute's status for its
// parents: "accepted" or the Accepted condition's reason, and "resolved"
// or the ResolvedRefs condition's reason; "" while istiod has not written
// the status of the route's current generation for each parent.
func routeStatus(r *gwv1.HTTPRoute) (accepted, resolved string) {
	var parents []gwv1.RouteParentStatus
	for _, p := range r.Status.Parents {
		if p.ControllerName == istioController {
			parents = append(parents, p)
		}
	}
	if len(parents) != len(r.Spec.ParentRefs) {
		return "", ""
	}
	accepted, resolved = "accepted", "resolved"
	for _, p := range parents {
		a := meta.FindStatusCondition(p.Conditions, string(gwv1.RouteConditionAccepted))
		rr := meta.FindStatusCondition(p.Conditions, string(gwv1.RouteConditionResolvedRefs))
		if a == nil || rr == nil || a.ObservedGeneration != r.Generation || rr.ObservedGeneration != r.Generation {
			return "", ""
		}
		if a.Status != metav1.ConditionTrue {
			accepted = a.Reason
		}
		if rr.Status != metav1.ConditionTrue {
			resolved = rr.Reason
		}
	}
	return accepted, resolved
}

// checkStatus waits, under the suite's deadline policy (package wait),
// watching the HTTPRoutes (wait.ForWatch), until istiod has written the
// status of every HTTPRoute stored in namespaces, and wants each accepted by all its parents, and its
// backends resolved exactly when gatewayapi.Check reports no unresolved
// backend (GW001) for it. It returns the number of routes judged and of
// those with unresolved backends.
func checkStatus(t *testing.T, c *cluster, namespaces ...string) (routes, unresolved int) {
	t.Helper()
	for _, ns := range namespaces {
		client := c.gw.GatewayV1().HTTPRoutes(ns)
		wait.ForWatch(t, "istiod to write the status of every HTTPRoute in "+ns+" at its generation", wait.Options{Log: cptest.Log(c.cp, "istiod")},
			cptest.ListWatch(client.List, client.Watch, ""),
			func(got []*gwv1.HTTPRoute) (bool, string, error) {
				if len(got) == 0 {
					return false, "no HTTPRoute in " + ns, nil
				}
				var pending []string
				for _, r := range got {
					if a, _ := routeStatus(r); a == "" {
						pending = append(pending, fmt.Sprintf("%s at generation %d (status %+v)", r.Name, r.Generation, r.Status.Parents))
					}
				}
				return len(pending) == 0, "no status yet for " + strings.Join(pending, ", "), nil
			})
		// As stored now: istiod writes a status once per generation, so
		// the one awaited above is the one read here.
		m := c.stored(t, ns)
		gw001 := map[string]bool{}
		for _, f := range gatewayapi.Check(m) {
			if f.Code == "GW001" {
				gw001[f.Object] = true
			}
		}
		for _, r := range m.HTTPRoutes {
			routes++
			accepted, resolved := routeStatus(r)
			obj := fmt.Sprintf("HTTPRoute %s/%s", r.Namespace, r.Name)
			if accepted != "accepted" {
				t.Errorf("%s: istiod did not accept it: %s", obj, accepted)
			}
			if istio := resolved == "resolved"; istio == gw001[obj] {
				t.Errorf("%s: istiod says its references are %s; Check says %v", obj, resolved, findingsOf(gatewayapi.Check(m), obj))
			}
			if gw001[obj] {
				unresolved++
			}
		}
	}
	return routes, unresolved
}

func findingsOf(fs []mesh.Finding, obj string) string {
	var out []string
	for _, f := range fs {
		if f.Object == obj {
			out = append(out, f.String())
		}
	}
	if len(out) == 0 {
		return "nothing"
	}
	return strings.Join(out, "; ")
}
