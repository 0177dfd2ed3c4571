// Package gatewayapi builds a blue/green app's routing as Kubernetes Gateway
// API objects (a Gateway of class istio, an HTTPRoute and one Service per
// colour) and evaluates requests against such objects with the Gateway API's
// semantics, as Istio implements them. It is pure: no cdktf, no jsii, no
// cluster.
//
// The objects behave like the VirtualService the routing props build today:
// version paths (/v1 to blue, /v2 to green, the prefix stripped), an optional
// header rule, the cookie rule (x-version=v2 to green), the default rule with
// the weighted canary, timeouts; and two additions, a sticky canary and
// mirroring. Where the two APIs differ, the evaluator follows the Gateway
// API:
//
//   - Prefixes match whole path segments. A VirtualService prefix "/v1" is a
//     string prefix and catches /v10 and /v1x too (which is why the
//     VirtualService routes "/v1/" and exactly "/v1"); an HTTPRoute
//     PathPrefix "/v1" matches /v1, /v1/ and /v1/a, never /v10. A trailing
//     "/" on a PathPrefix is ignored.
//   - Rules are chosen by specificity, not by order. A VirtualService tries
//     its routes top to bottom and the first that matches wins. Across every
//     HTTPRoute attached to a listener, the Gateway API ranks matches: an
//     Exact path, then the longest PathPrefix (in characters), then a method
//     match, then the most header matches, then the most query parameter
//     matches; then the oldest route, then "namespace/name"; only then list
//     order. Istio ranks RegularExpression paths after every prefix (the
//     Gateway API leaves their rank to the implementation), so a
//     RegularExpression path never decides where a PathPrefix "/" rule
//     exists. Routes with a more specific matching hostname (exact over
//     wildcard, longer over shorter) shadow the others entirely. HTTPS
//     listeners are chosen by server name; plain HTTP listeners on one port
//     share one route table in Istio, so a broader listener's routes serve a
//     host that a more specific listener admits but none of its routes.
//   - There is no cookie match. The cookie rule is a RegularExpression match
//     on the Cookie header, whose dialect is implementation-specific: Istio
//     (Envoy) uses RE2 and requires the whole header to match, which the
//     pattern is written for; another implementation may read it otherwise.
//   - Backends are Services, not DestinationRule subsets. Each colour gets
//     its own Service (<app>-blue, <app>-green) selecting its pods, labelled
//     bluegreen.io/colour so the evaluator can say which colour a backend
//     is. A backend whose Service or port is missing gets a 500 for its
//     share of the requests rather than being skipped.
//   - Weights are relative (default 1), not percentages that must add to
//     100; the evaluator reports each backend's share.
//   - The HTTPS redirect is a second HTTPRoute bound to the HTTP listeners
//     with a RequestRedirect filter; the app's HTTPRoute is then bound to the
//     HTTPS listeners by section name. The TLS Secret lives in the Gateway's
//     namespace (the app's), not the ingress gateway's.
//   - Istio deploys a gateway for each Gateway of class istio; there is no
//     selector for existing ingress gateway pods.
//
// Because the rules are built so that their specificity agrees with the
// VirtualService's order (a version path's prefix is longer than "/", the
// header and cookie rules carry one header match, the default rule none, and
// header comes before cookie in the list), both APIs send every request of
// the walkthrough to the same colour. For example:
//
//	o, err := gatewayapi.Build(gatewayapi.Spec{
//		App: "echo", Namespace: "echo", Port: 8600,
//		Releases: []gatewayapi.Release{
//			{Colour: "blue", Selector: map[string]string{"app": "echo", "version": "blue"}},
//			{Colour: "green", Selector: map[string]string{"app": "echo", "version": "green"}},
//		},
//		Routing: mesh.Routing{
//			Hosts:           []string{"echo.example.com"},
//			CandidateWeight: 10, StickyCanary: true,
//		},
//	}.WithDefaults())
//	...
//	out, err := gatewayapi.ModelOf(o).Evaluate(gatewayapi.Request{Host: "echo.example.com", Path: "/v1/a?b=c"})
//	// out.Rule == "path-blue", out.Path == "/a?b=c", out.Backends[0].Service == "echo/echo-blue"
//	// GET /v10: rule "default", 90 % blue and 10 % green, each backend
//	// answering with Set-Cookie: x-version=v1 (or v2); Path=/
//	// GET / with Cookie: session=abc;x-version=v2: rule "cookie-green"
//
// With MeshService set, a second HTTPRoute (<app>-mesh) has the app's shared
// Service as its parent (the Gateway API for service meshes, GAMMA), so calls
// from inside the mesh get the same rules: a Request with Service set is
// evaluated against it, and without such a route it reaches the Service, on
// both colours, unrewritten. Only routes in the Service's own namespace
// (producer routes) are evaluated.
//
// Check reports what deploying would not: backends without a Service or
// port (500s), rules whose weights are all 0, matches that never decide
// because another ranks first for every request they match (such as a
// RegularExpression path below a PathPrefix "/"), and the portability
// warning of RegularExpression header matches such as the cookie rule.
//
// The sticky canary adds, on each weighted backend of the default rule, a
// ResponseHeaderModifier that sets the cookie selecting that backend's
// colour, so a client's next request is sent by the cookie rule to the
// colour it already got. Mirroring adds a RequestMirror filter with a
// percentage to the default rule, towards the candidate's Service.
package gatewayapi
