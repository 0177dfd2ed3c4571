package mesh

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	networkingv1 "istio.io/api/networking/v1"
)

// HostMatches applies Istio's host matching: "*" matches any host,
// "*.example.com" any host that ends with ".example.com" (including a
// narrower wildcard such as "*.shop.example.com"), and any other pattern
// only the host itself. Host names are case-insensitive.
func HostMatches(pattern, host string) bool {
	host = strings.ToLower(host)
	pattern = strings.ToLower(pattern)
	switch {
	case pattern == "*":
		return true
	case strings.HasPrefix(pattern, "*."):
		return strings.HasSuffix(host, pattern[1:])
	default:
		return pattern == host
	}
}

// ServerAdmits reports whether a Gateway server's hosts admit host. A
// server host may carry a namespace ("ns/host"), which restricts the
// VirtualServices that may bind, not the host.
func ServerAdmits(s *networkingv1.Server, host string) bool {
	return slices.ContainsFunc(s.GetHosts(), func(h string) bool {
		if _, after, ok := strings.Cut(h, "/"); ok {
			h = after
		}
		return HostMatches(h, host)
	})
}

// GatewayRef splits a VirtualService's gateway reference into the
// Gateway's namespace and name: "ns/name", or a bare name in the
// VirtualService's namespace ns.
func GatewayRef(ref, ns string) (namespace, name string) {
	if gns, name, ok := strings.Cut(ref, "/"); ok {
		return gns, name
	}
	return ns, ref
}

// clusterDomain is the suffix of a Service's cluster-local host name.
const clusterDomain = ".svc.cluster.local"

// ServiceHost is the cluster-local host name of the Service name in
// namespace ns, as Istio destinations and DestinationRules name it.
func ServiceHost(name, ns string) string { return name + "." + ns + clusterDomain }

// serviceOf splits a destination host into Service name and namespace:
// "name.ns.svc.cluster.local" (ServiceHost), "name.ns" or a bare name in
// ns.
func serviceOf(host, ns string) (string, string) {
	parts := strings.Split(strings.TrimSuffix(host, clusterDomain), ".")
	if len(parts) >= 2 {
		return parts[0], parts[1]
	}
	return parts[0], ns
}

// MeshGateway is the reserved gateway name that binds a VirtualService to
// every sidecar instead of a Gateway.
const MeshGateway = "mesh"

// Weight is the share, in percent, that the j-th destination of route
// receives: its weight, except that a route's only destination takes 100
// when its weight is left 0.
func Weight(route *networkingv1.HTTPRoute, j int) int {
	dests := route.GetRoute()
	w := int(dests[j].GetWeight())
	if len(dests) == 1 && w == 0 {
		return 100
	}
	return w
}

// FullMatch compiles an Istio regex as Envoy applies it: RE2 syntax, and
// the whole value must match.
func FullMatch(re string) (*regexp.Regexp, error) {
	compiled, err := regexp.Compile(`^(?:` + re + `)$`)
	if err != nil {
		return nil, fmt.Errorf("regex %q is not valid RE2: %w", re, err)
	}
	return compiled, nil
}

// envoyGroupRE matches a capture group reference as Envoy writes it (\1);
// Go writes ${1}.
var envoyGroupRE = regexp.MustCompile(`\\(\d)`)

// EnvoySubstitution turns an Envoy regex substitution (\1 for the first
// group) into Go's regexp replacement syntax (${1}).
func EnvoySubstitution(s string) string {
	return envoyGroupRE.ReplaceAllString(s, `$${$1}`)
}
