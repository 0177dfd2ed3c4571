package mesh

// The fields of the Istio objects that Model.Evaluate models, below spec,
// in their JSON names (see Fields). A field set anywhere else in the
// Gateway that admits a request, the VirtualService that routes it, or
// the DestinationRule of a destination makes the answer "not evaluated:
// <object> <field path>". docs/workflow.md's `routes` section lists them; keep
// both in step.
var (
	// GatewayFields: the selector, and each server's hosts, port and TLS
	// settings (TLS decides the scheme served, and httpsRedirect
	// redirects plain HTTP).
	GatewayFields = Fields{
		"selector",
		"servers[].name", "servers[].hosts", "servers[].port", "servers[].tls",
	}

	// VirtualServiceFields: hosts and gateways; each HTTP route's name, its
	// match blocks (uri, scheme, method, authority, headers,
	// withoutHeaders, queryParams, ignoreUriCase), weighted destinations
	// with their header changes, rewrite (uri, uriRegexRewrite,
	// authority), timeout, mirror and mirrorPercentage, fault abort (HTTP
	// status and percentage) and fixed delay; retries, which re-send a
	// failed request to the same destinations and so never change where
	// it goes; and delegate (one level: the delegate VirtualService's
	// routes merged with the root's route, as Istio merges them).
	VirtualServiceFields = Fields{
		"hosts", "gateways",
		"http[].name",
		"http[].match[].name", "http[].match[].uri", "http[].match[].scheme", "http[].match[].method",
		"http[].match[].authority", "http[].match[].headers", "http[].match[].withoutHeaders",
		"http[].match[].queryParams", "http[].match[].ignoreUriCase",
		"http[].route[].destination.host", "http[].route[].destination.subset", "http[].route[].destination.port.number",
		"http[].route[].weight", "http[].route[].headers",
		"http[].headers",
		"http[].rewrite.uri", "http[].rewrite.uriRegexRewrite", "http[].rewrite.authority",
		"http[].timeout", "http[].retries",
		"http[].mirror.host", "http[].mirror.subset", "http[].mirror.port.number", "http[].mirrorPercentage",
		"http[].fault.abort.httpStatus", "http[].fault.abort.percentage",
		"http[].fault.delay.fixedDelay", "http[].fault.delay.percentage",
		"http[].delegate.name", "http[].delegate.namespace",
	}

	// DestinationRuleFields: the host, the subsets' names and labels (which
	// pods a subset reaches), and traffic policies (load balancing,
	// connection pools, outlier detection, TLS to the pods), which choose
	// among a subset's pods and never move a request to another subset.
	DestinationRuleFields = Fields{
		"host", "subsets[].name", "subsets[].labels", "subsets[].trafficPolicy", "trafficPolicy",
	}
)
