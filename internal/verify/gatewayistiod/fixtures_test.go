package gatewayistiod_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/bluegreen-mesh/bluegreen/internal/verify/controlplane"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/envoyroutes"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/istiocharts"
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
)

// The evaluators' fixtures, written in the shape of Istio's and the
// Gateway API's documented examples (mesh/testdata,
// mesh/gatewayapi/testdata): the same objects are judged by the
// evaluators' unit tests and, here, against istiod's Envoy routes.
var (
	istioFixtures      = filepath.Join("..", "..", "..", "mesh", "testdata")
	gatewayAPIFixtures = filepath.Join("..", "..", "..", "mesh", "gatewayapi", "testdata")
)

// fixture returns the text of a fixture file with each of the pairs of
// replacements applied (old, new, ...), to give each case a namespace
// and a host of its own.
func fixture(t *testing.T, dir, file string, replace ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.NewReplacer(replace...).Replace(string(b)))
}

// installGatewayAPI stores the Gateway API fixture objects: each Namespace
// (with its labels), then the Services, the Gateways (with the Service
// Istio would deploy for each) and the HTTPRoutes. It returns their model,
// as the evaluator reads the objects (gatewayapi.Model.Decode).
func (c *cluster) installGatewayAPI(t *testing.T, manifests ...[]byte) gatewayapi.Model {
	t.Helper()
	var m gatewayapi.Model
	for _, b := range manifests {
		if skipped, err := m.Decode(b); err != nil || len(skipped) > 0 {
			t.Fatalf("skipped %v, error %v; want every object decoded", skipped, err)
		}
	}
	ctx := context.Background()
	for _, ns := range m.Namespaces {
		stored := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns.Name, Labels: ns.Labels}}
		if _, err := c.cp.Client.CoreV1().Namespaces().Create(ctx, stored, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	c.createServices(t, m.Services...)
	for _, gw := range m.Gateways {
		c.createGateway(t, gw)
	}
	c.applyRoutes(t, m.HTTPRoutes...)
	return m
}

// istioGVR are the resources of the Istio and Kubernetes kinds the Istio
// fixtures hold.
var istioGVR = map[string]schema.GroupVersionResource{
	"networking.istio.io/v1/Gateway":         {Group: "networking.istio.io", Version: "v1", Resource: "gateways"},
	"networking.istio.io/v1/VirtualService":  {Group: "networking.istio.io", Version: "v1", Resource: "virtualservices"},
	"networking.istio.io/v1/DestinationRule": {Group: "networking.istio.io", Version: "v1", Resource: "destinationrules"},
	"v1/Service":                             {Version: "v1", Resource: "services"},
	"apps/v1/Deployment":                     {Group: "apps", Version: "v1", Resource: "deployments"},
}

// installIstio creates namespace ns and stores the Istio fixture objects
// in it, as they are written. It returns their model, as `routes` reads
// rendered objects (mesh.Model.AddManifests).
func (c *cluster) installIstio(t *testing.T, ns string, manifests ...[]byte) *mesh.Model {
	t.Helper()
	c.namespace(t, ns)
	dyn, err := dynamic.NewForConfig(c.cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	m := &mesh.Model{}
	for _, b := range manifests {
		if err := m.AddManifests("fixture", ns, b); err != nil {
			t.Fatal(err)
		}
		for _, doc := range strings.Split(string(b), "\n---\n") {
			obj := &unstructured.Unstructured{}
			if err := yaml.Unmarshal([]byte(doc), &obj.Object); err != nil {
				t.Fatal(err)
			}
			gvr, ok := istioGVR[obj.GetAPIVersion()+"/"+obj.GetKind()]
			if !ok {
				t.Fatalf("fixture object %s %s: kind not stored by this test", obj.GetAPIVersion(), obj.GetKind())
			}
			if _, err := dyn.Resource(gvr).Namespace(ns).Create(context.Background(), obj, metav1.CreateOptions{}); err != nil {
				t.Fatalf("%s %s/%s: %v", obj.GetKind(), ns, obj.GetName(), err)
			}
		}
	}
	return m
}

// ingressProxy is the xDS identity of Istio's ingress gateway pods, which
// the fixtures' Gateway selects (istio: ingressgateway).
func ingressProxy(ns string) envoyroutes.Proxy {
	return envoyroutes.Proxy{Namespace: ns, IstioVersion: istiocharts.Release, Labels: map[string]string{"istio": "ingressgateway"}}
}

// checkIstio reads the routes istiod sends proxy and wants each case
// answered as the VirtualService evaluator answers it on m
// (envoyroutes.Compare), giving istiod's push the suite's deadline as check does.
// It returns the number of cases that agree.
func checkIstio(t *testing.T, c *cluster, ist *controlplane.Istiod, m *mesh.Model, proxy envoyroutes.Proxy, cases []mesh.Case) int {
	t.Helper()
	return converge(t, c, ist, proxy, len(cases), func(rcs []*routev3.RouteConfiguration) ([]envoyroutes.Row, error) {
		return envoyroutes.Compare(m, rcs, cases)
	})
}

// storedIn is stored for several namespaces together, with the Namespaces
// as the API server stores them (their labels, and the name label it
// adds), which a listener's namespace selector reads.
func (c *cluster) storedIn(t *testing.T, nss ...string) gatewayapi.Model {
	t.Helper()
	var m gatewayapi.Model
	for _, ns := range nss {
		s := c.stored(t, ns)
		m.Gateways = append(m.Gateways, s.Gateways...)
		m.HTTPRoutes = append(m.HTTPRoutes, s.HTTPRoutes...)
		m.Services = append(m.Services, s.Services...)
		n, err := c.cp.Client.CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		m.Namespaces = append(m.Namespaces, n)
	}
	return m
}

// faultCases are the requests to the fault fixtures, each VirtualService
// in a namespace and with a host of its own (see TestIstiodAgreesWithTheEvaluator).
func faultCases() map[string][]mesh.Case {
	get := func(ns, path string, headers map[string]string) mesh.Case {
		return mesh.Case{Name: "GET " + ns + path, Request: mesh.Request{Host: ns + ".example.com", Path: path, Headers: headers}}
	}
	return map[string][]mesh.Case{
		"fault": {
			get("fault", "/ratings/0", map[string]string{"end-user": "jason"}),
			get("fault", "/ratings/0", map[string]string{"end-user": "mallory"}),
		},
		"fault-partial": {get("fault-partial", "/", nil)},
		"vs-headers":    {get("vs-headers", "/", nil)},
	}
}

func evaluate(t *testing.T, m *mesh.Model, c mesh.Case) mesh.Outcome {
	t.Helper()
	o, err := m.Evaluate(c.Request)
	if err != nil {
		t.Fatal(err)
	}
	return o
}
