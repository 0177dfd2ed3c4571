// Package check runs bluegreen's own checks on the Istio and Kubernetes
// objects an environment will create: mistakes Istio's analyzer cannot see
// because it does not know the blue/green intent (which subsets must select
// which releases, which rule is the catch-all, which colour is the
// candidate).
//
// Every check has a stable code (BG0xx); All documents each with its fix.
package check

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	networkingv1 "istio.io/api/networking/v1"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
)

// Severity of a finding (mesh.Severity, shared by both routing APIs'
// checks).
type Severity = mesh.Severity

// Severities. Errors fail synthesis; warnings are printed.
const (
	Error   = mesh.Error
	Warning = mesh.Warning
)

// Finding is one problem (mesh.Finding).
type Finding = mesh.Finding

// Doc describes one check, for docs/checks.md (make docs).
type Doc struct {
	Code, Title, Fix string
}

// All documents every check.
var All = []Doc{
	{"BG001", "DestinationRule subset selects no release",
		"Make the subset's labels equal the version label of one release (bluegreen derives both from app.releases; a hand-written DestinationRule must use version=<release name>)."},
	{"BG002", "route to a colour that has no release",
		"Add the colour's release under app.releases, or remove the routes to it (versionPaths, cookie/header values, candidateWeight)."},
	{"BG003", "live and candidate are the same subset",
		"A weighted split or a QA rule must send traffic to the other colour; check routing.live and the weights."},
	{"BG004", "weights do not sum to 100",
		"Give every destination of a weighted route a weight, summing to 100 (routing.candidateWeight is the candidate's share)."},
	{"BG005", "weighted candidate has no running pods",
		"Scale the candidate's release above 0 replicas (app.releases.<colour>.replicas) before sending it a share, or set candidateWeight to 0."},
	{"BG006", "route shadowed by an earlier route",
		"Istio takes the first matching route; move the narrower route before the broader one, or narrow the earlier route."},
	{"BG007", "catch-all route is not last",
		"The route without conditions must be the VirtualService's last; every route after it is unreachable."},
	{"BG008", "HTTPS server without credentialName",
		"Set routing.gateway.tls.credentialName to the secret holding the certificate, in the ingress gateway's namespace."},
	{"BG009", "VirtualService host not served by its Gateway",
		"Add the host to the Gateway's servers (routing.hosts feeds both), or remove it from the VirtualService."},
	{"BG010", "Service port name breaks Istio protocol selection",
		"Name the port <protocol>[-suffix] (http, http2, https, grpc, grpc-web, tcp, tls, ...) or set appProtocol, or Istio treats it as opaque TCP and no HTTP route applies."},
	{"BG011", "VirtualService and HTTPRoute for the same host",
		"Route each host with one API: set routing.api to \"virtualService\" or \"gatewayAPI\" and remove the other API's objects; Istio merges both into one route table whose order neither object decides."},
	{"GW001", "HTTPRoute backend without a Service",
		"Create the Service (with api \"gatewayAPI\" bluegreen installs <app>-blue and <app>-green) or fix the backendRef's name and port."},
	{"GW002", "HTTPRoute rule whose backends all have weight 0",
		"Give at least one backend of the rule a weight above 0."},
	{"GW003", "HTTPRoute match that never decides",
		"Gateway API rules are chosen by specificity, not order: narrow the broader match or remove the one that never decides."},
	{"GW004", "RegularExpression header match",
		"The regex dialect is implementation-specific (Istio: RE2 over the whole value); keep it if the mesh is Istio, or match exact values."},
	{"BG012", "retries that cannot happen within the route's timeout",
		"Envoy ends a request at the route's timeout, retries included: make retries.perTryTimeout shorter than routing.timeout, and (1 + attempts) × perTryTimeout at most the timeout, or lengthen the timeout (routing.timeout, routing.routes.<route>.timeout)."},
	{"BG014", "two apps on one host under the same path prefix",
		"Give each app on a shared host a path prefix of its own (apps.<name>.routing.pathPrefix), or a host of its own; no order between two apps under one prefix is Istio's to promise."},
	{"BG015", "an app's path prefix takes another app's version path",
		"The gateway sends the longer prefix first, so the other app's version path never reaches it: move the prefix (routing.pathPrefix) or the version path (routing.versionPaths) apart."},
	{"BG016", "apps with nested prefixes on one host share a cookie or header name",
		"A client one app sends to a colour (a sticky canary's Set-Cookie has Path=/) is sent to the other app's colour of that value too: give each app's cookie or header rule a name of its own (routing.cookie.name, routing.header.name)."},
	{"BG017", "two Gateways declare the same host on one port",
		"Istio serves the host from one of them and ignores the other: declare each host and port in one Gateway (with several apps, bluegreen's shared Gateway holds every app's hosts)."},
	{"BG018", "two VirtualServices for the same host on the same Gateway",
		"Istio merges their routes in an order it does not promise: route the host with one VirtualService, or one root VirtualService that delegates each path prefix to an app's delegate (bluegreen does this for apps that share a host)."},
	{"BG013", "Sail Operator starts istiod after the ingress gateway",
		"On the first deploy with istio.installMode \"operator\" the ingress gateway's pods can start before istiod's injector is ready and its release rolls back; a second deploy completes it. Acknowledge it (acknowledge: [\"BG013\"]) or turn the ingress gateway off (istio.ingressGateway.enabled: false)."},
}

// Acknowledgeable lists the codes of the warnings an environment can
// acknowledge (its acknowledge setting): only warnings, never errors.
var Acknowledgeable = []string{"BG010", "BG012", "BG013", "GW003", "GW004"}

// AcknowledgedLine is the one line that says how many findings environment
// env acknowledged, by code, such as "qa: 2 acknowledged findings (GW004)";
// "" when there are none.
func AcknowledgedLine(env string, counts map[string]int) string {
	n := 0
	var codes []string
	for _, c := range slices.Sorted(maps.Keys(counts)) {
		if counts[c] > 0 {
			n += counts[c]
			codes = append(codes, c)
		}
	}
	if n == 0 {
		return ""
	}
	noun := "findings"
	if n == 1 {
		noun = "finding"
	}
	return fmt.Sprintf("%s: %d acknowledged %s (%s)", env, n, noun, strings.Join(codes, ", "))
}

// Acknowledge splits fs into the findings to report and those whose code
// codes acknowledges, counted by code; only warnings are acknowledged.
func Acknowledge(fs []Finding, codes []string) (kept []Finding, acknowledged map[string]int) {
	acknowledged = map[string]int{}
	for _, f := range fs {
		if f.Severity == Warning && slices.Contains(codes, f.Code) {
			acknowledged[f.Code]++
			continue
		}
		kept = append(kept, f)
	}
	return kept, acknowledged
}

// Run checks m and returns every finding, in a stable order.
func Run(m *mesh.Model) []Finding {
	var out []Finding
	out = append(out, subsetsSelectReleases(m)...)
	for _, vs := range m.VirtualServices {
		out = append(out, routesReachReleases(m, vs)...)
		out = append(out, weightedRoutes(m, vs)...)
		out = append(out, shadowedRoutes(vs)...)
		out = append(out, hostsServedByGateway(m, vs)...)
		out = append(out, retriesWithinTimeout(vs)...)
	}
	out = append(out, httpsCredentials(m)...)
	out = append(out, servicePortNames(m)...)
	out = append(out, oneGatewayPerHost(m)...)
	out = append(out, oneVirtualServicePerHost(m)...)
	if m.UsesGatewayAPI() {
		out = append(out, gatewayapi.Check(gatewayapi.ModelOfMesh(m))...)
		out = append(out, oneAPIPerHost(m)...)
	}
	return out
}

// oneAPIPerHost reports a host that both a VirtualService and an HTTPRoute
// route (BG011): Istio merges them, and which rule decides is no longer
// what either object says. An HTTPRoute without hostnames takes every host
// of its Gateway's listeners.
func oneAPIPerHost(m *mesh.Model) []Finding {
	var out []Finding
	for _, vs := range m.VirtualServices {
		for _, r := range m.HTTPRoutes {
			names := r.Object.Spec.Hostnames
			for _, h := range vs.Spec.GetHosts() {
				clash := len(names) == 0
				for _, n := range names {
					if mesh.HostMatches(string(n), h) || mesh.HostMatches(h, string(n)) {
						clash = true
					}
				}
				if clash {
					out = append(out, finding("BG011", Error, object("VirtualService", vs), "spec.hosts",
						fmt.Sprintf("host %q is also routed by HTTPRoute %s/%s; route each host with one API", h, r.Object.Namespace, r.Object.Name)))
					break
				}
			}
		}
	}
	return out
}

// Errors returns the findings of severity Error.
func Errors(fs []Finding) []Finding {
	return slices.DeleteFunc(slices.Clone(fs), func(f Finding) bool { return f.Severity != Error })
}

func object[T proto.Message](kind string, o mesh.Object[T]) string {
	return kind + " " + o.Namespace + "/" + o.Name
}

// BG001
func subsetsSelectReleases(m *mesh.Model) []Finding {
	var out []Finding
	for _, dr := range m.DestinationRules {
		_, ns, ok := m.ServiceSelector(dr.Spec.GetHost(), dr.Namespace)
		if !ok {
			continue
		}
		for i, s := range dr.Spec.GetSubsets() {
			if len(m.PodsOf(dr.Spec.GetHost(), s.GetName(), dr.Namespace)) == 0 {
				out = append(out, finding("BG001", Error, object("DestinationRule", dr), fmt.Sprintf("spec.subsets[%d] (%s)", i, s.GetName()),
					fmt.Sprintf("labels %v select no release's pods; the releases' pods carry %s", s.GetLabels(), podLabels(m, ns))))
			}
		}
	}
	return out
}

func podLabels(m *mesh.Model, ns string) string {
	var parts []string
	for _, w := range m.Workloads {
		if w.Deployment.Namespace == ns {
			parts = append(parts, fmt.Sprintf("%s: %v", w.Release, w.Deployment.Spec.Template.Labels))
		}
	}
	if len(parts) == 0 {
		return "(no releases)"
	}
	return strings.Join(parts, "; ")
}

// BG002
func routesReachReleases(m *mesh.Model, vs mesh.Object[*networkingv1.VirtualService]) []Finding {
	var out []Finding
	for i, r := range vs.Spec.GetHttp() {
		for j, d := range r.GetRoute() {
			dest := d.GetDestination()
			if _, _, ok := m.ServiceSelector(dest.GetHost(), vs.Namespace); !ok || dest.GetSubset() == "" {
				continue
			}
			if _, ok := m.Subset(dest.GetHost(), dest.GetSubset(), vs.Namespace); !ok {
				// A subset missing from every DestinationRule is Istio's
				// IST0101.
				continue
			}
			if len(m.PodsOf(dest.GetHost(), dest.GetSubset(), vs.Namespace)) == 0 {
				out = append(out, finding("BG002", Error, object("VirtualService", vs), fmt.Sprintf("spec.http[%d].route[%d]", i, j),
					fmt.Sprintf("route %s sends traffic to %s, which has no release", mesh.RouteName(r, i), dest.GetSubset())))
			}
		}
	}
	return out
}

// BG003, BG004, BG005
func weightedRoutes(m *mesh.Model, vs mesh.Object[*networkingv1.VirtualService]) []Finding {
	var out []Finding
	for i, r := range vs.Spec.GetHttp() {
		dests := r.GetRoute()
		if len(dests) < 2 {
			continue
		}
		field := fmt.Sprintf("spec.http[%d]", i)
		sum := int32(0)
		seen := map[string]bool{}
		for _, d := range dests {
			sum += d.GetWeight()
			key := d.GetDestination().GetHost() + "/" + d.GetDestination().GetSubset()
			if seen[key] {
				out = append(out, finding("BG003", Error, object("VirtualService", vs), field,
					fmt.Sprintf("route %s splits traffic between %s and itself; the live and the candidate colour must differ", mesh.RouteName(r, i), d.GetDestination().GetSubset())))
			}
			seen[key] = true
		}
		if sum != 100 {
			out = append(out, finding("BG004", Error, object("VirtualService", vs), field,
				fmt.Sprintf("route %s weights sum to %d, not 100", mesh.RouteName(r, i), sum)))
		}
		for j, d := range dests {
			share := mesh.Weight(r, j)
			if share == 0 {
				continue
			}
			for _, w := range m.PodsOf(d.GetDestination().GetHost(), d.GetDestination().GetSubset(), vs.Namespace) {
				if w.Deployment.Spec.Replicas != nil && *w.Deployment.Spec.Replicas == 0 {
					out = append(out, finding("BG005", Error, object("VirtualService", vs), fmt.Sprintf("%s.route[%d]", field, j),
						fmt.Sprintf("route %s sends %d%% to %s, whose release %s has 0 replicas", mesh.RouteName(r, i), share, d.GetDestination().GetSubset(), w.Release)))
				}
			}
		}
	}
	return out
}

// BG012: Envoy ends a request at the route's timeout, retries included
// (Istio's attempts is Envoy's num_retries: the first try and up to attempts
// retries, each cut at perTryTimeout). A perTryTimeout of at least the
// timeout leaves no time for any retry; (1 + attempts) × perTryTimeout above
// the timeout leaves none for the last ones.
func retriesWithinTimeout(vs mesh.Object[*networkingv1.VirtualService]) []Finding {
	var out []Finding
	for i, r := range vs.Spec.GetHttp() {
		rt := r.GetRetries()
		timeout, perTry := r.GetTimeout().AsDuration(), rt.GetPerTryTimeout().AsDuration()
		if r.GetTimeout() == nil || timeout <= 0 || rt.GetPerTryTimeout() == nil || perTry <= 0 || rt.GetAttempts() <= 0 {
			continue
		}
		field := fmt.Sprintf("spec.http[%d].retries", i)
		tries := int64(rt.GetAttempts()) + 1
		switch {
		case perTry >= timeout:
			out = append(out, finding("BG012", Warning, object("VirtualService", vs), field,
				fmt.Sprintf("route %s: retries.perTryTimeout %s is at least the route's timeout %s; Envoy ends the request at the timeout, so no retry can run (attempts: %d)",
					mesh.RouteName(r, i), perTry, timeout, rt.GetAttempts())))
		case time.Duration(tries)*perTry > timeout:
			fit := int64(timeout / perTry)
			out = append(out, finding("BG012", Warning, object("VirtualService", vs), field,
				fmt.Sprintf("route %s: %d tries (the first and %d retries) of retries.perTryTimeout %s take %s, more than the route's timeout %s; only %d fit, so the last %d can never run in full",
					mesh.RouteName(r, i), tries, rt.GetAttempts(), perTry, time.Duration(tries)*perTry, timeout, fit, tries-fit)))
		}
	}
	return out
}

// BG006, BG007
func shadowedRoutes(vs mesh.Object[*networkingv1.VirtualService]) []Finding {
	var out []Finding
	http := vs.Spec.GetHttp()
	for i, r := range http {
		if catchAll(r) && i != len(http)-1 {
			out = append(out, finding("BG007", Error, object("VirtualService", vs), fmt.Sprintf("spec.http[%d]", i),
				fmt.Sprintf("route %s matches every request but is not last; the %d route(s) after it are unreachable", mesh.RouteName(r, i), len(http)-1-i)))
		}
		for j := range i {
			if covers(http[j], r) {
				out = append(out, finding("BG006", Error, object("VirtualService", vs), fmt.Sprintf("spec.http[%d]", i),
					fmt.Sprintf("route %s is shadowed by spec.http[%d] (%s), which matches every request it matches", mesh.RouteName(r, i), j, mesh.RouteName(http[j], j))))
				break
			}
		}
	}
	return out
}

// catchAll reports whether a route matches every request.
func catchAll(r *networkingv1.HTTPRoute) bool {
	if len(r.GetMatch()) == 0 {
		return true
	}
	// A block that every request satisfies: no condition, or uri prefix "/".
	return slices.ContainsFunc(r.GetMatch(), func(m *networkingv1.HTTPMatchRequest) bool {
		return blockCovers(m, &networkingv1.HTTPMatchRequest{})
	})
}

// covers reports whether every request that later matches is sure to match
// earlier. It errs on the side of "no": only conditions it can compare
// count.
func covers(earlier, later *networkingv1.HTTPRoute) bool {
	if len(earlier.GetMatch()) == 0 {
		return true
	}
	laterBlocks := later.GetMatch()
	if len(laterBlocks) == 0 {
		laterBlocks = []*networkingv1.HTTPMatchRequest{{}}
	}
	for _, lb := range laterBlocks {
		if !slices.ContainsFunc(earlier.GetMatch(), func(eb *networkingv1.HTTPMatchRequest) bool { return blockCovers(eb, lb) }) {
			return false
		}
	}
	return true
}

// blockCovers reports whether every request matching block b also matches
// block a: each condition of a must be implied by a condition of b.
func blockCovers(a, b *networkingv1.HTTPMatchRequest) bool {
	// b matching paths in any case is broader than a case-sensitive a.
	if b.GetIgnoreUriCase() && !a.GetIgnoreUriCase() && a.GetUri() != nil {
		return false
	}
	if !implies(b.GetUri(), a.GetUri(), true) || !implies(b.GetMethod(), a.GetMethod(), false) ||
		!implies(b.GetAuthority(), a.GetAuthority(), false) || !implies(b.GetScheme(), a.GetScheme(), false) {
		return false
	}
	if a.GetPort() != 0 && a.GetPort() != b.GetPort() {
		return false
	}
	for _, kind := range []struct {
		a, b map[string]*networkingv1.StringMatch
	}{
		{a.GetHeaders(), b.GetHeaders()}, {a.GetQueryParams(), b.GetQueryParams()},
	} {
		for name, am := range kind.a {
			bm, ok := kind.b[name]
			if !ok || !implies(bm, am, false) {
				return false
			}
		}
	}
	for name, am := range a.GetWithoutHeaders() {
		bm, ok := b.GetWithoutHeaders()[name]
		if !ok || !implies(am, bm, false) {
			return false
		}
	}
	if len(a.GetSourceLabels()) > 0 || a.GetSourceNamespace() != "" || len(a.GetGateways()) > 0 {
		return false
	}
	return true
}

// implies reports whether a value matching b is sure to match a (a nil
// match is no condition). For paths, a prefix "/" matches everything.
func implies(b, a *networkingv1.StringMatch, path bool) bool {
	if a == nil || a.GetMatchType() == nil {
		return true
	}
	if path && a.GetPrefix() == "/" {
		return true
	}
	if b == nil || b.GetMatchType() == nil {
		return false
	}
	switch {
	case a.GetExact() != "":
		return b.GetExact() == a.GetExact()
	case a.GetPrefix() != "":
		return (b.GetExact() != "" && strings.HasPrefix(b.GetExact(), a.GetPrefix())) ||
			(b.GetPrefix() != "" && strings.HasPrefix(b.GetPrefix(), a.GetPrefix()))
	case a.GetRegex() != "":
		if b.GetRegex() == a.GetRegex() {
			return true
		}
		re, err := mesh.FullMatch(a.GetRegex())
		return err == nil && b.GetExact() != "" && re.MatchString(b.GetExact())
	}
	return false
}

// BG008
func httpsCredentials(m *mesh.Model) []Finding {
	var out []Finding
	for _, gw := range m.Gateways {
		for i, s := range gw.Spec.GetServers() {
			if strings.ToUpper(s.GetPort().GetProtocol()) != "HTTPS" {
				continue
			}
			tls := s.GetTls()
			mode := tls.GetMode().String()
			if mode == "PASSTHROUGH" || mode == "AUTO_PASSTHROUGH" {
				continue
			}
			if tls.GetCredentialName() == "" && len(tls.GetCredentialNames()) == 0 && tls.GetServerCertificate() == "" {
				out = append(out, finding("BG008", Error, object("Gateway", gw), fmt.Sprintf("spec.servers[%d].tls.credentialName", i),
					fmt.Sprintf("HTTPS server on port %d has no credentialName; the gateway has no certificate to serve", s.GetPort().GetNumber())))
			}
		}
	}
	return out
}

// BG009
func hostsServedByGateway(m *mesh.Model, vs mesh.Object[*networkingv1.VirtualService]) []Finding {
	var out []Finding
	for _, g := range vs.Spec.GetGateways() {
		if g == mesh.MeshGateway {
			continue
		}
		gw := m.GatewayOf(g, vs.Namespace)
		if gw == nil {
			// A missing Gateway is Istio's IST0101.
			continue
		}
		for i, h := range vs.Spec.GetHosts() {
			if !servedBy(gw.Spec, h) {
				out = append(out, finding("BG009", Error, object("VirtualService", vs), fmt.Sprintf("spec.hosts[%d]", i),
					fmt.Sprintf("host %s is not served by Gateway %s/%s", h, gw.Namespace, gw.Name)))
			}
		}
	}
	return out
}

// servedBy reports whether some server of gw admits host, which may itself
// be a wildcard.
func servedBy(gw *networkingv1.Gateway, host string) bool {
	return slices.ContainsFunc(gw.GetServers(), func(s *networkingv1.Server) bool { return mesh.ServerAdmits(s, host) })
}

// protocolPrefixes are the port-name prefixes Istio's protocol selection
// recognizes.
var protocolPrefixes = []string{"http", "http2", "https", "grpc", "grpc-web", "mongo", "mysql", "redis", "tcp", "tls", "udp"}

// BG010
func servicePortNames(m *mesh.Model) []Finding {
	var out []Finding
	for _, s := range m.Services {
		for i, p := range s.Service.Spec.Ports {
			if p.AppProtocol != nil && *p.AppProtocol != "" {
				continue
			}
			proto, _, _ := strings.Cut(p.Name, "-")
			if p.Name == "grpc-web" || strings.HasPrefix(p.Name, "grpc-web-") {
				proto = "grpc-web"
			}
			if !slices.Contains(protocolPrefixes, proto) {
				out = append(out, finding("BG010", Warning, "Service "+s.Service.Namespace+"/"+s.Service.Name, fmt.Sprintf("spec.ports[%d].name", i),
					fmt.Sprintf("port name %q does not start with a protocol (%s); Istio will treat port %d as opaque TCP and no HTTP route applies",
						p.Name, strings.Join(protocolPrefixes, ", "), p.Port)))
			}
		}
	}
	return out
}

// finding returns the mesh.Finding of a check.
func finding(code string, sev mesh.Severity, object, field, message string) mesh.Finding {
	return mesh.Finding{Code: code, Severity: sev, Object: object, Field: field, Message: message}
}
