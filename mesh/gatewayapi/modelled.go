package gatewayapi

import "github.com/bluegreen-mesh/bluegreen/mesh"

// The fields of the Gateway API objects that Model.Evaluate models, below
// spec, in their JSON names (see mesh.Fields). A field set anywhere else
// in the Gateway that admits a request, or in an HTTPRoute that takes
// part in deciding it, makes the answer "not evaluated: <object> <field
// path>". docs/workflow.md's `routes` section lists them; keep both in step.
var (
	// GatewayFields: the class; each listener's name, hostname, port,
	// protocol, TLS (which decides the scheme served) and allowedRoutes
	// (namespaces From All, Same or Selector, and kinds); infrastructure,
	// the labels and annotations of what Istio deploys for the Gateway.
	GatewayFields = mesh.Fields{
		"gatewayClassName",
		"listeners[].name", "listeners[].hostname", "listeners[].port", "listeners[].protocol", "listeners[].tls",
		"listeners[].allowedRoutes.namespaces.from", "listeners[].allowedRoutes.namespaces.selector",
		"listeners[].allowedRoutes.kinds",
		"infrastructure.labels", "infrastructure.annotations",
	}

	// HTTPRouteFields: parentRefs and hostnames; each rule's name, matches
	// (path, headers, queryParams, method), timeouts.request, backendRefs
	// (Service references, weights, and their RequestHeaderModifier and
	// ResponseHeaderModifier filters), and filters: URLRewrite (hostname,
	// path), RequestRedirect, RequestMirror, RequestHeaderModifier and
	// ResponseHeaderModifier (set, add, remove).
	HTTPRouteFields = mesh.Fields{
		"parentRefs", "hostnames",
		"rules[].name",
		"rules[].matches[].path", "rules[].matches[].headers", "rules[].matches[].queryParams", "rules[].matches[].method",
		"rules[].timeouts.request",
		"rules[].filters[].type",
		"rules[].filters[].urlRewrite.hostname", "rules[].filters[].urlRewrite.path",
		"rules[].filters[].requestRedirect.scheme", "rules[].filters[].requestRedirect.hostname",
		"rules[].filters[].requestRedirect.path", "rules[].filters[].requestRedirect.port",
		"rules[].filters[].requestRedirect.statusCode",
		"rules[].filters[].requestMirror.backendRef", "rules[].filters[].requestMirror.percent",
		"rules[].filters[].requestMirror.fraction",
		"rules[].filters[].requestHeaderModifier", "rules[].filters[].responseHeaderModifier",
		"rules[].backendRefs[].group", "rules[].backendRefs[].kind", "rules[].backendRefs[].name",
		"rules[].backendRefs[].namespace", "rules[].backendRefs[].port", "rules[].backendRefs[].weight",
		"rules[].backendRefs[].filters[].type",
		"rules[].backendRefs[].filters[].requestHeaderModifier", "rules[].backendRefs[].filters[].responseHeaderModifier",
	}
)
