package gatewayistiod_test

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bluegreen-mesh/bluegreen/internal/testutil/cptest"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/wait"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/controlplane"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/envoyroutes"
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
)

// TestIstiodAgreesWithTheEvaluator stores, each in a namespace of its own
// with a Gateway of its own, the walkthrough with a sticky 10 % canary
// and mirroring over HTTP and HTTPS, the same behind the HTTPS redirect,
// the plain walkthrough, the canary with its mesh route (GAMMA) on the
// app's shared Service, and the precedence routes; runs one istiod with
// Gateway API support; and wants every request answered by the Envoy
// routes istiod generates (for each Gateway, and for a sidecar calling the
// shared Service) as the evaluator answers it on the stored objects. The
// evaluators' hand-written fixtures are stored too (header modifiers, a
// Host rewrite, a listener selecting namespaces by label; a fault abort,
// a partial abort with a delay, header changes), and each of their
// requests must be answered alike. It then promotes the plain walkthrough's green with a 25 %
// canary, updating the stored HTTPRoute, and checks again: istiod's
// routes must follow the update. Last, istiod must have accepted every
// HTTPRoute, and found its backends exactly where gatewayapi.Check does.
func TestIstiodAgreesWithTheEvaluator(t *testing.T) {
	cptest.Binaries(t)
	c := startCluster(t)

	meshSpec := canary("mesh")
	meshSpec.MeshService = "echo"
	specs := map[string]gatewayapi.Spec{"canary": canary("canary"), "plain": walkthrough("plain"), "mesh": meshSpec}
	redirect := canary("redirect")
	redirect.Gateway.HTTPSRedirect = true
	specs["redirect"] = redirect
	for _, s := range specs {
		c.install(t, build(t, s), s)
	}
	c.createServices(t, sharedService(meshSpec))

	routes := precedenceRoutes("precedence", "precedence-gateway")
	c.namespace(t, "precedence")
	c.createServices(t, backendServices(routes...)...)
	c.createGateway(t, precedenceGateway("precedence", "precedence-gateway"))
	c.applyRoutes(t, routes[0])
	// Creation times have whole seconds, and the oldest route must be
	// older than the others: the API server's clock, which stamps them,
	// must have passed the second of the first before the others are
	// created (watched, not slept for).
	oldest := c.waitPastCreation(t, routes[0].Namespace, routes[0].Name)
	c.applyRoutes(t, routes[1:]...)
	for _, r := range routes[1:] {
		stored, err := c.gw.GatewayV1().HTTPRoutes(r.Namespace).Get(context.Background(), r.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !stored.CreationTimestamp.After(oldest) {
			t.Errorf("HTTPRoute %s/%s was created at %s, not after the oldest, %s: the precedence by age is not exercised", r.Namespace, r.Name, stored.CreationTimestamp, oldest)
		}
	}
	// gone sends to a Service that does not exist.
	c.applyRoutes(t, route("precedence", "precedence-gateway", "gone", rule("gone", prefix("/gone"))))

	fallback := fallbackRoute("fallback", "fallback-gateway")
	c.namespace(t, "fallback")
	c.createServices(t, backendServices(fallback)...)
	c.createGateway(t, precedenceGateway("fallback", "fallback-gateway"))
	c.applyRoutes(t, fallback)

	// The evaluators' fixtures, in the shape of the Gateway API's guides:
	// header modifiers and a Host rewrite; a shared Gateway whose listener
	// selects the namespaces of its routes by label.
	c.namespace(t, "modifiers")
	c.installGatewayAPI(t, fixture(t, gatewayAPIFixtures, "header-modifiers.yaml", "namespace: default", "namespace: modifiers"))
	c.installGatewayAPI(t, fixture(t, gatewayAPIFixtures, "cross-namespace.yaml"))
	// And in the shape of Istio's: a fault abort for one user, a partial
	// abort with a delay, header changes with an authority rewrite; each
	// in a namespace and with a host of its own.
	faults := map[string]*mesh.Model{}
	for ns, file := range map[string]string{"fault": "fault-abort.yaml", "fault-partial": "fault-partial.yaml", "vs-headers": "headers.yaml"} {
		var docs [][]byte
		for _, f := range []string{"bookinfo-gateway.yaml", "ratings-destinationrule.yaml", file} {
			docs = append(docs, fixture(t, istioFixtures, f, "namespace: bookinfo", "namespace: "+ns, "bookinfo.example.com", ns+".example.com"))
		}
		faults[ns] = c.installIstio(t, ns, docs...)
	}

	c.namespace(t, "istio-system")
	ist, err := c.cp.StartIstiod(wait.Context(t, 0), controlplane.IstiodOptions{GatewayAPI: true})
	if err != nil {
		t.Fatal(err)
	}

	httpReqs, httpsReqs := walkthroughRequests("http"), walkthroughRequests("https")
	precReqs := precedenceRequests()
	if len(httpReqs) != 48 || len(httpsReqs) != 48 || len(precReqs) != 27 {
		t.Fatalf("%d HTTP, %d HTTPS and %d precedence requests; want 48, 48 and 27", len(httpReqs), len(httpsReqs), len(precReqs))
	}
	both := append(append([]gatewayapi.Request{}, httpReqs...), httpsReqs...)
	asked, agreed := 0, 0
	ask := func(ns string, proxy envoyroutes.Proxy, reqs []gatewayapi.Request) {
		asked += len(reqs)
		agreed += check(t, c, ist, ns, proxy, reqs)
	}
	ask("canary", gatewayProxy("canary", "canary-gateway"), both)
	ask("redirect", gatewayProxy("redirect", "redirect-gateway"), both)
	ask("plain", gatewayProxy("plain", "plain-gateway"), httpReqs)
	home := gatewayapi.Request{Host: "echo.example.com", Path: "/"}
	if got, want := answer(t, c, "plain", home), "plain/echo-blue:8600 blue 100%; path /"; got != want {
		t.Errorf("before the promotion, GET / goes to %q; want %q", got, want)
	}
	ask("precedence", gatewayProxy("precedence", "precedence-gateway"), precReqs)
	ask("fallback", gatewayProxy("fallback", "fallback-gateway"), []gatewayapi.Request{
		{Host: "eu.shop.example.com", Path: "/x"},
		{Host: "web.example.com", Path: "/x"},
	})

	meshReqs := meshRequests(meshSpec)
	if len(meshReqs) != 23 {
		t.Fatalf("%d in-mesh requests; want 23", len(meshReqs))
	}
	ask("mesh", sidecarProxy("mesh"), meshReqs)

	promoted := specs["plain"]
	promoted.Live, promoted.CandidateWeight = mesh.Green, 25
	c.applyRoutes(t, build(t, promoted).Routes()...)
	if got, want := answer(t, c, "plain", home), "plain/echo-green:8600 green 75%, plain/echo-blue:8600 blue 25%; path /"; got != want {
		t.Errorf("after the promotion, GET / goes to %q; want %q", got, want)
	}
	ask("plain", gatewayProxy("plain", "plain-gateway"), httpReqs)

	ask("modifiers", gatewayProxy("modifiers", "example-gateway"), []gatewayapi.Request{
		{Host: "example.com", Path: "/add-a-request-header"},
		{Host: "example.com", Path: "/response-header"},
		{Host: "example.com", Path: "/rewrite-host"},
	})
	selectorReqs := []gatewayapi.Request{
		{Host: "foo.example.com", Path: "/"},
		{Host: "foo.example.com", Path: "/store/1"},
		{Host: "foo.example.com", Path: "/rogue"},
	}
	asked += len(selectorReqs)
	agreed += checkModel(t, c, ist, c.storedIn(t, "infra-ns", "site-ns", "store-ns", "other-ns"), gatewayProxy("infra-ns", "shared-gateway"), selectorReqs)
	if got, want := answer(t, c, "modifiers", gatewayapi.Request{Host: "example.com", Path: "/rewrite-host"}), "modifiers/example-svc:80 100%; path /rewrite-host; host elsewhere.example.org"; got != want {
		t.Errorf("the Host rewrite: %q; want %q", got, want)
	}

	for ns, cases := range faultCases() {
		asked += len(cases)
		agreed += checkIstio(t, c, ist, faults[ns], ingressProxy(ns), cases)
	}
	if got, want := envoyroutes.SummaryOfRoutes(evaluate(t, faults["fault"], faultCases()["fault"][0])), "abort 403"; got != want {
		t.Errorf("jason's request: %q; want %q", got, want)
	}

	if want := 4*48 + 48 + 27 + 2 + 23 + 48 + 6 + 4; asked != want {
		t.Errorf("%d requests asked; want %d", asked, want)
	}
	t.Logf("%d of %d requests answered alike by the evaluator and by istiod's Envoy routes", agreed, asked)

	routesJudged, unresolved := checkStatus(t, c, "canary", "redirect", "plain", "mesh", "precedence", "fallback")
	if routesJudged != 14 || unresolved != 1 {
		t.Errorf("%d HTTPRoutes judged by their status, %d of them with an unresolved backend; want 14 and 1 (precedence/gone)", routesJudged, unresolved)
	}
}
