package envoyroutes

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"

	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// GatewayProxy returns the identity of the ingress gateway's pods as the
// cluster stores them: the Deployment whose pod template the Gateway's
// selector matches gives the namespace and labels. It fails when the
// Gateway selects no stored Deployment's pods, which on a real cluster
// means no Envoy would ever get these routes.
func GatewayProxy(ctx context.Context, c kubernetes.Interface, m *mesh.Model, istioVersion string) (Proxy, error) {
	if len(m.Gateways) == 0 {
		return Proxy{}, fmt.Errorf("the stacks create no Istio Gateway")
	}
	gw := m.Gateways[0]
	sel := labels.SelectorFromSet(gw.Spec.GetSelector())
	deps, err := c.AppsV1().Deployments("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return Proxy{}, err
	}
	for _, d := range deps.Items {
		if len(gw.Spec.GetSelector()) > 0 && sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			return Proxy{Namespace: d.Namespace, Labels: d.Spec.Template.Labels, IstioVersion: istioVersion}, nil
		}
	}
	return Proxy{}, fmt.Errorf("Gateway %s/%s selects %v, which matches the pod template of none of the %d Deployments stored", gw.Namespace, gw.Name, gw.Spec.GetSelector(), len(deps.Items))
}
