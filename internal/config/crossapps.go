package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/routing"
	"github.com/bluegreen-mesh/bluegreen/internal/config/overlap"
)

// The checks between the apps of one environment. Apps share the
// environment's ingress gateway, so what one app's routing takes, another
// cannot have. The rules, as the routing applies them (package overlap
// decides hosts and paths):
//
//   - Two apps share a host when both list the same host name (or the same
//     wildcard) on a common port (gateway.httpPort, and gateway.httpsPort
//     with tls) of the same ingress: the same routing.api, and for
//     "virtualService" the same gateway.selector. Only then does pathPrefix
//     split the host between them. A host two apps declare on different
//     ingresses is served by whichever the host's DNS reaches: a warning.
//   - A wildcard host of one app ("*", "*.example.com") that matches a host
//     another app names does not share it: a request is routed by the most
//     specific host that matches, so the wildcard app serves none of that
//     host's paths. A warning, as it can be meant.
//   - On a shared host each app claims its pathPrefix (its default, cookie
//     and header rules apply under it) and each version path under its
//     prefix (pathPrefix + versionPaths.<colour>). Claims match whole
//     segments, and the longest claim takes a request. Two claims that are
//     the same path are an error (which app answers would depend on merge
//     order). A claim inside another app's claim is an error too, except
//     where the outer claim is the other app's pathPrefix and the inner
//     claim's own app has its pathPrefix strictly inside it: that is the
//     carve-out prefixes are for ("/cart" inside "/"). So an app at "/"
//     whose version path is "/v2" conflicts with an app at "/v2" (the same
//     path) and with one at "/v2/api" (which would take part of the first
//     app's green traffic), never with one at "/cart".
//   - One Gateway server admits a shared host on a port for both apps: their
//     gateway settings for that port (HTTP or HTTPS, tls, httpsRedirect)
//     must agree, or two Gateways would declare one host on one port, and
//     Istio uses one and ignores the other. An error.
//   - Two apps on a shared host whose prefixes overlap (one inside or equal
//     to the other) and that route on the same cookie or header name with
//     different values: one value a client sends means different colours
//     in each. A warning, as teams may version apart on purpose.
//   - An app with stickyCanary sets its cookie with Path=/, so on a shared
//     host another app that routes on the same cookie name sees it on
//     every prefix: a warning.
//   - Every app's Helm releases and Services share the environment's
//     namespace: a release name or Service name of two apps is an error.

// claim is a path an app's routing takes on its hosts: its pathPrefix, or
// one colour's version path under it.
type claim struct {
	app    string
	prefix string // the app's pathPrefix
	path   string
	colour string // the version path's colour; "" for the pathPrefix
	field  *field.Path
}

func (c claim) String() string {
	if c.colour == "" {
		return fmt.Sprintf("pathPrefix %q (%s)", c.path, c.field)
	}
	return fmt.Sprintf("%s version path %q (%s under its pathPrefix)", c.colour, c.path, c.field)
}

// claimsOf returns the claims of app a, its pathPrefix first, with field
// paths under the environment's p.
func claimsOf(p *field.Path, a App) []claim {
	_, rp := a.paths(p)
	prefix := PathPrefixOf(a.Routing)
	out := []claim{{app: a.Name, prefix: prefix, path: prefix, field: rp.Child("pathPrefix")}}
	for _, colour := range slices.Sorted(maps.Keys(a.Routing.VersionPaths)) {
		out = append(out, claim{app: a.Name, prefix: prefix, path: overlap.Join(prefix, a.Routing.VersionPaths[colour]), colour: colour,
			field: rp.Child("versionPaths").Key(colour)})
	}
	return out
}

// portsOf are the ports an app's Gateway serves its hosts on.
func portsOf(r routing.Props) []int {
	ports := []int{r.Gateway.HTTPPort}
	if r.Gateway.TLS != nil {
		ports = append(ports, r.Gateway.HTTPSPort)
	}
	return ports
}

// serverOf describes the Gateway server an app's routing declares on port.
func serverOf(r routing.Props, port int) string {
	g := r.Gateway
	if g.TLS != nil && port == g.HTTPSPort {
		return fmt.Sprintf("HTTPS with tls.credentialName %q, mode %s, minProtocolVersion %s", g.TLS.CredentialName, g.TLS.Mode, g.TLS.MinProtocolVersion)
	}
	if g.TLS != nil && g.HTTPSRedirect {
		return "HTTP redirecting to HTTPS"
	}
	return "HTTP"
}

func commonPorts(a, b routing.Props) []int {
	var out []int
	for _, port := range portsOf(a) {
		if slices.Contains(portsOf(b), port) {
			out = append(out, port)
		}
	}
	return out
}

// sharedHosts returns the hosts apps a and b share (see the rules above).
func sharedHosts(a, b App) []string {
	if routing.IngressOf(a.Routing) != routing.IngressOf(b.Routing) || len(commonPorts(a.Routing, b.Routing)) == 0 {
		return nil
	}
	var out []string
	for _, hp := range overlap.Hosts(a.Routing.Hosts, b.Routing.Hosts) {
		if hp.Relation == overlap.Same {
			out = append(out, hp.A)
		}
	}
	return out
}

func hostList(hosts []string) string {
	q := make([]string, len(hosts))
	for i, h := range hosts {
		q[i] = fmt.Sprintf("%q", h)
	}
	if len(q) == 1 {
		return "host " + q[0]
	}
	return "hosts " + strings.Join(q, ", ")
}

// crossAppErrors reports the problems between the environment's apps
// (each valid on its own), under the environment's p, at the later app's
// field, each naming both apps and their fields.
func (e Environment) crossAppErrors(p *field.Path, apps []App) field.ErrorList {
	var errs field.ErrorList
	for i, a := range apps {
		for _, b := range apps[i+1:] {
			if hosts := sharedHosts(a, b); len(hosts) > 0 {
				errs = append(errs, claimConflicts(p, a, b, hosts)...)
				errs = append(errs, gatewayConflicts(p, a, b, hosts)...)
			}
		}
	}
	errs = append(errs, e.nameCollisions(p, apps)...)
	return errs
}

// claimConflicts reports the claims of b that conflict with a's on the
// hosts they share.
func claimConflicts(p *field.Path, a, b App, hosts []string) field.ErrorList {
	ca, cb := claimsOf(p, a), claimsOf(p, b)
	on := fmt.Sprintf("apps %s and %s share %s", a.Name, b.Name, hostList(hosts))
	if ca[0].path == cb[0].path {
		return field.ErrorList{field.Invalid(cb[0].field, cb[0].path, fmt.Sprintf(
			"%s and both claim it with this pathPrefix (%s): which app answers would depend on the order Istio merges their routes in; give one of them another pathPrefix or host", on, ca[0].field))}
	}
	var errs field.ErrorList
	// covered are the claims inside which a conflict with the other app's
	// whole pathPrefix is already reported: its version paths lie there
	// too, and say nothing new.
	covered := map[string]bool{}
	for _, x := range ca {
		for _, y := range cb {
			var inner, outer claim
			switch overlap.Path(x.path, y.path) {
			case overlap.Disjoint:
				continue
			case overlap.Same:
				// The same path: the inner one is whichever is a
				// pathPrefix, so that its app's version paths, inside the
				// other claim too, are not reported again.
				inner, outer = y, x
				if x.colour == "" {
					inner, outer = x, y
				}
			case overlap.Within:
				inner, outer = x, y
			case overlap.Contains:
				inner, outer = y, x
			}
			if outer.colour == "" && overlap.Path(inner.prefix, outer.path) == overlap.Within {
				continue // the inner app's carve-out of the outer app's prefix
			}
			if inner.colour != "" && covered[outer.app+" "+outer.path] {
				continue
			}
			if inner.colour == "" {
				covered[outer.app+" "+outer.path] = true
			}
			if x.path == y.path {
				errs = append(errs, field.Invalid(y.field, y.path, fmt.Sprintf(
					"%s, and %s's %s is %s's %s too: which app answers would depend on the order Istio merges their routes in; give one of them another path", on, b.Name, y, a.Name, x)))
				continue
			}
			errs = append(errs, field.Invalid(y.field, y.path, fmt.Sprintf(
				"%s, and %s's %s lies inside %s's %s: the longest prefix takes a request (whole segments), so requests under %q would reach %s instead of %s's %s; move one app's pathPrefix or change the version path",
				on, inner.app, inner, outer.app, outer, inner.path, inner.app, outer.app, outer.what())))
		}
	}
	return errs
}

func (c claim) what() string {
	if c.colour == "" {
		return "routes"
	}
	return c.colour + " release"
}

// gatewayConflicts reports ports on which a and b would declare the hosts
// they share with different Gateway servers.
func gatewayConflicts(p *field.Path, a, b App, hosts []string) field.ErrorList {
	var errs field.ErrorList
	_, arp := a.paths(p)
	_, brp := b.paths(p)
	for _, port := range commonPorts(a.Routing, b.Routing) {
		sa, sb := serverOf(a.Routing, port), serverOf(b.Routing, port)
		if sa == sb {
			continue
		}
		errs = append(errs, field.Invalid(brp.Child("gateway"), sb, fmt.Sprintf(
			"apps %s and %s share %s on port %d, which one Gateway server of the shared ingress gateway must admit for both, but %s's is %s (%s): two Gateways declaring one host on one port make Istio use one and ignore the other; give both apps the same gateway settings for the host, or separate hosts",
			a.Name, b.Name, hostList(hosts), port, a.Name, sa, arp.Child("gateway"))))
	}
	return errs
}

// named is a Helm release or Service name of an app, and the field it
// comes from.
type named struct {
	app, name string
	field     *field.Path
}

// nameCollisions reports Helm release names and Service names that two
// apps would both install in the environment's namespace.
func (e Environment) nameCollisions(p *field.Path, apps []App) field.ErrorList {
	var errs field.ErrorList
	releases, services := map[string]named{}, map[string]named{}
	for _, a := range apps {
		ap, rp := a.paths(p)
		var rels, svcs []named
		for _, r := range a.App.HelmReleases() {
			f := ap
			if r.ID != "service" {
				f = ap.Child("releases").Key(r.ID).Child("name")
			}
			rels = append(rels, named{a.Name, r.Name, f})
		}
		svcs = append(svcs, named{a.Name, bluegreen.ServiceNameOf(a.App), ap})
		rs, _, err := routing.HelmReleases(a.Routing, a.App, e.Istio)
		if err != nil {
			errs = append(errs, field.Invalid(rp, a.Name, err.Error()))
			continue
		}
		for _, r := range rs {
			rels = append(rels, named{a.Name, r.Name, rp})
			if name, ok := r.Values["name"].(string); ok && r.Chart.Local == routing.ColourServiceChart {
				svcs = append(svcs, named{a.Name, name, rp})
			}
		}
		for _, kind := range []struct {
			what  string
			seen  map[string]named
			names []named
		}{{"Helm release", releases, rels}, {"Service", services, svcs}} {
			for _, n := range kind.names {
				other, ok := kind.seen[n.name]
				if ok && other.app != n.app {
					errs = append(errs, field.Invalid(n.field, n.name, fmt.Sprintf(
						"apps %s and %s would both install the %s %q (%s) in namespace %s; the second install would fail or take over the first one's: give each its own name",
						other.app, n.app, kind.what, n.name, other.field, a.App.Namespace)))
					continue
				}
				if !ok {
					kind.seen[n.name] = n
				}
			}
		}
	}
	return errs
}

// crossAppWarnings lists settings between apps that work but deserve a
// second look (see the rules above), under the environment's p.
func crossAppWarnings(p *field.Path, apps []App) []string {
	var out []string
	for i, a := range apps {
		for _, b := range apps[i+1:] {
			_, arp := a.paths(p)
			_, brp := b.paths(p)
			common := len(commonPorts(a.Routing, b.Routing)) > 0
			sameIngress := routing.IngressOf(a.Routing) == routing.IngressOf(b.Routing)
			for _, hp := range overlap.Hosts(a.Routing.Hosts, b.Routing.Hosts) {
				switch {
				case !common:
				case hp.Relation == overlap.Same && !sameIngress:
					out = append(out, fmt.Sprintf("%s: apps %s and %s both declare host %q, but on different ingresses (%s: %s; %s: %s), so pathPrefix does not split the host between them and only the ingress the host's DNS reaches answers; give both the same routing.api and gateway.selector to share the host",
						brp.Child("hosts"), a.Name, b.Name, hp.A, a.Name, routing.IngressOf(a.Routing), b.Name, routing.IngressOf(b.Routing)))
				case hp.Relation == overlap.Contains && sameIngress && !slices.Contains(a.Routing.Hosts, hp.B):
					out = append(out, shadowWarning(arp, brp, a, b, hp.A, hp.B))
				case hp.Relation == overlap.Within && sameIngress && !slices.Contains(b.Routing.Hosts, hp.A):
					out = append(out, shadowWarning(brp, arp, b, a, hp.B, hp.A))
				}
			}
			hosts := sharedHosts(a, b)
			if len(hosts) == 0 {
				continue
			}
			for _, pair := range [][2]App{{a, b}, {b, a}} {
				out = append(out, stickyWarning(p, pair[0], pair[1], hosts)...)
			}
			if overlap.Path(PathPrefixOf(a.Routing), PathPrefixOf(b.Routing)) == overlap.Disjoint {
				continue
			}
			for _, r := range []struct {
				kind   string
				ra, rb routing.Rule
			}{{"cookie", a.Routing.Cookie, b.Routing.Cookie}, {"header", a.Routing.Header, b.Routing.Header}} {
				if len(r.ra.Values) == 0 || len(r.rb.Values) == 0 || r.ra.Name != r.rb.Name || maps.Equal(r.ra.Values, r.rb.Values) {
					continue
				}
				out = append(out, fmt.Sprintf("%s: apps %s and %s share %s with overlapping pathPrefixes (%q and %q), and both route on the %s %q with different values (%s: %s; %s: %s at %s): one value a client sends selects a different colour of each app; give one rule another name, or both the same values",
					brp.Child(r.kind), a.Name, b.Name, hostList(hosts), PathPrefixOf(a.Routing), PathPrefixOf(b.Routing), r.kind, r.ra.Name,
					a.Name, ruleValues(r.ra), b.Name, ruleValues(r.rb), arp.Child(r.kind)))
			}
		}
	}
	return out
}

// stickyWarning says that the sticky canary of app s sets, on hosts it
// shares with app o, a cookie (Path=/, so whatever the prefix) that o's
// cookie rule routes on too.
func stickyWarning(p *field.Path, s, o App, hosts []string) []string {
	if !s.Routing.StickyCanary || s.Routing.CandidateWeight == 0 || len(o.Routing.Cookie.Values) == 0 || o.Routing.Cookie.Name != s.Routing.Cookie.Name {
		return nil
	}
	_, sp := s.paths(p)
	_, op := o.paths(p)
	return []string{fmt.Sprintf("%s: app %s's sticky canary sets the cookie %q with Path=/ on %s, which app %s shares and routes on that cookie too (%s): a client %s's canary pins to a colour is sent to %s's colour of the same value as well; give one of the cookie rules another name",
		sp.Child("stickyCanary"), s.Name, s.Routing.Cookie.Name, hostList(hosts), o.Name, op.Child("cookie"), s.Name, o.Name)}
}

// shadowWarning says that the specific host of app s takes every request
// for it from app g, whose wildcard host also matches it.
func shadowWarning(gp, sp *field.Path, g, s App, general, specific string) string {
	return fmt.Sprintf("%s: app %s's host %q also matches app %s's host %q (%s), but a request is routed by the most specific host that matches, so %s serves none of %s's paths; list %q in %s's hosts too, with pathPrefixes that split it, if %s should serve part of it",
		gp.Child("hosts"), g.Name, general, s.Name, specific, sp.Child("hosts"), g.Name, specific, specific, g.Name, g.Name)
}

func ruleValues(r routing.Rule) string {
	var parts []string
	for _, c := range slices.Sorted(maps.Keys(r.Values)) {
		parts = append(parts, c+"="+r.Values[c])
	}
	return strings.Join(parts, ", ")
}
