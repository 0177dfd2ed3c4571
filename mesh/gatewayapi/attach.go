package gatewayapi

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// hostScore ranks how specifically pattern admits host: 0 when it does not;
// else an exact name outranks any wildcard, and a longer name a shorter
// one. An empty pattern admits any host with the lowest score.
func hostScore(pattern, host string) int {
	pattern = strings.ToLower(pattern)
	switch {
	case pattern == "" || pattern == "*":
		return 1
	case strings.HasPrefix(pattern, "*."):
		// A wildcard covers one or more labels, never the bare suffix.
		if strings.HasSuffix(host, pattern[1:]) && len(host) > len(pattern)-1 {
			return 2 + len(pattern)
		}
		return 0
	case pattern == host:
		return 1000 + len(pattern)
	default:
		return 0
	}
}

// served returns the HTTPRoutes that decide a request at the Gateways, with
// the Gateway and listener the first of them is attached through, as Istio
// builds the gateway's Envoy configuration: an HTTPS request is served by
// the listener whose hostname best matches its server name (SNI); plain HTTP
// listeners on one port share one route table, whose virtual hosts are the
// intersections of the listeners' and the routes' hostnames. The virtual
// host that matches the request's host most specifically holds the routes
// that decide; the others are never consulted. listenerFound is false when
// no listener serves the request's port, protocol and host; unknown says
// why the routes cannot be told (see attached): a route whose attachment
// is unknown has a rule that matches the request in a virtual host that
// would be consulted. It is "" when they can.
func (m Model) served(r Request) (gw *gwv1.Gateway, l *gwv1.Listener, routes []*gwv1.HTTPRoute, listenerFound bool, unknown string) {
	want := gwv1.HTTPProtocolType
	if r.Scheme == "https" {
		want = gwv1.HTTPSProtocolType
	}
	type listener struct {
		gw    *gwv1.Gateway
		l     *gwv1.Listener
		score int
	}
	var ls []listener
	best := 0
	for _, g := range m.Gateways {
		for i := range g.Spec.Listeners {
			li := &g.Spec.Listeners[i]
			if li.Protocol != want || int(li.Port) != r.Port {
				continue
			}
			score := hostScore(listenerHost(li), r.Host)
			if score == 0 {
				continue
			}
			ls = append(ls, listener{g, li, score})
			best = max(best, score)
		}
	}
	if len(ls) == 0 {
		return nil, nil, nil, false, ""
	}
	if want == gwv1.HTTPSProtocolType {
		// TLS is terminated per listener, chosen by server name.
		ls = slices.DeleteFunc(ls, func(x listener) bool { return x.score < best })
	}
	type maybe struct {
		route *gwv1.HTTPRoute
		score int
		why   string
	}
	var uncertain []maybe
	best = 0
	for _, x := range ls {
		for _, route := range m.HTTPRoutes {
			score := 0
			for _, h := range routeHosts(route) {
				if domain, ok := intersect(h, listenerHost(x.l)); ok {
					score = max(score, hostScore(domain, r.Host))
				}
			}
			if score == 0 {
				continue
			}
			ok, why := m.attached(route, x.gw, x.l)
			if why != "" {
				// A route that may take part, or may not.
				uncertain = append(uncertain, maybe{route, score, why})
				continue
			}
			if !ok {
				continue
			}
			switch {
			case score == 0 || score < best:
			case score > best:
				gw, l, routes, best = x.gw, x.l, []*gwv1.HTTPRoute{route}, score
			case !slices.Contains(routes, route):
				routes = append(routes, route)
			}
		}
	}
	if gw == nil {
		gw, l = ls[0].gw, ls[0].l
	}
	// A route whose attachment cannot be told matters where its virtual
	// host would be consulted and one of its rules matches the request.
	for _, u := range uncertain {
		if u.score < best {
			continue
		}
		if win, _, err := decide([]*gwv1.HTTPRoute{u.route}, r); win != nil || err != nil {
			return gw, l, nil, true, u.why
		}
	}
	return gw, l, routes, true, ""
}

func listenerHost(l *gwv1.Listener) string {
	if l.Hostname == nil {
		return ""
	}
	return string(*l.Hostname)
}

// routeHosts returns a route's hostnames; "" stands for none (any host).
func routeHosts(route *gwv1.HTTPRoute) []string {
	if len(route.Spec.Hostnames) == 0 {
		return []string{""}
	}
	out := make([]string, len(route.Spec.Hostnames))
	for i, h := range route.Spec.Hostnames {
		out[i] = strings.ToLower(string(h))
	}
	return out
}

// intersect returns the hostnames both a route hostname and a listener
// hostname admit, as one hostname ("" for any), and false when they admit
// none in common.
func intersect(route, listener string) (string, bool) {
	listener = strings.ToLower(listener)
	switch {
	case listener == "":
		return route, true
	case route == "":
		return listener, true
	case !strings.HasPrefix(route, "*."):
		return route, hostScore(listener, route) > 0
	case !strings.HasPrefix(listener, "*."):
		return listener, hostScore(route, listener) > 0
	case route == listener || strings.HasSuffix(route, listener[1:]):
		return route, true
	case strings.HasSuffix(listener, route[1:]):
		return listener, true
	default:
		return "", false
	}
}

// attached reports whether route has a parentRef to listener l of gw that
// the listener's allowedRoutes admit. With allowedRoutes.namespaces.from
// Selector, the route's namespace must carry labels the selector matches;
// unknown is set, and attached false, when the model does not hold the
// route's Namespace, whose labels then decide what nobody can tell here.
func (m Model) attached(route *gwv1.HTTPRoute, gw *gwv1.Gateway, l *gwv1.Listener) (ok bool, unknown string) {
	if !refersTo(route, gw, l) {
		return false, ""
	}
	if ar := l.AllowedRoutes; ar != nil && len(ar.Kinds) > 0 {
		ok := slices.ContainsFunc(ar.Kinds, func(k gwv1.RouteGroupKind) bool {
			return k.Kind == "HTTPRoute" && (k.Group == nil || *k.Group == gwv1.GroupName)
		})
		if !ok {
			return false, ""
		}
	}
	from := gwv1.NamespacesFromSame
	if ar := l.AllowedRoutes; ar != nil && ar.Namespaces != nil && ar.Namespaces.From != nil {
		from = *ar.Namespaces.From
	}
	switch from {
	case gwv1.NamespacesFromAll:
		return true, ""
	case gwv1.NamespacesFromSame:
		return route.Namespace == gw.Namespace, ""
	case gwv1.NamespacesFromSelector:
		at := fmt.Sprintf("Gateway %s listener %s", key(gw.Namespace, gw.Name), l.Name)
		if l.AllowedRoutes.Namespaces.Selector == nil {
			return false, fmt.Sprintf("%s: allowedRoutes.namespaces.from Selector without a selector", at)
		}
		sel, err := metav1.LabelSelectorAsSelector(l.AllowedRoutes.Namespaces.Selector)
		if err != nil {
			return false, fmt.Sprintf("%s: allowedRoutes.namespaces.selector: %v", at, err)
		}
		i := slices.IndexFunc(m.Namespaces, func(n *corev1.Namespace) bool { return n.Name == route.Namespace })
		if i < 0 {
			return false, fmt.Sprintf("namespace labels unknown: %s selects routes by their namespace's labels, and the objects hold no Namespace %s (of HTTPRoute %s)",
				at, route.Namespace, key(route.Namespace, route.Name))
		}
		return sel.Matches(labels.Set(m.Namespaces[i].Labels)), ""
	default:
		return false, fmt.Sprintf("Gateway %s listener %s: allowedRoutes.namespaces.from %q", key(gw.Namespace, gw.Name), l.Name, from)
	}
}

// refersTo reports whether route has a parentRef to listener l of gw.
func refersTo(route *gwv1.HTTPRoute, gw *gwv1.Gateway, l *gwv1.Listener) bool {
	for _, p := range route.Spec.ParentRefs {
		if p.Group != nil && *p.Group != gwv1.GroupName || p.Kind != nil && *p.Kind != "Gateway" {
			continue
		}
		ns := route.Namespace
		if p.Namespace != nil {
			ns = string(*p.Namespace)
		}
		if ns != gw.Namespace || string(p.Name) != gw.Name {
			continue
		}
		if p.SectionName != nil && *p.SectionName != l.Name || p.Port != nil && *p.Port != l.Port {
			continue
		}
		return true
	}
	return false
}

// meshRoutes returns the HTTPRoutes attached to the Service r calls: those
// in the Service's namespace (producer routes) with a parentRef of kind
// Service naming it, on r's port if the parentRef has one. Routes in other
// namespaces (consumer routes) apply to their own namespace's callers only
// and are not evaluated.
func (m Model) meshRoutes(r Request) []*gwv1.HTTPRoute {
	ns, name, _ := strings.Cut(r.Service, "/")
	var out []*gwv1.HTTPRoute
	for _, route := range m.HTTPRoutes {
		if route.Namespace != ns {
			continue
		}
		for _, p := range route.Spec.ParentRefs {
			if p.Group == nil || *p.Group != "" || p.Kind == nil || *p.Kind != "Service" || string(p.Name) != name {
				continue
			}
			if p.Namespace != nil && string(*p.Namespace) != ns || p.Port != nil && r.Port != 0 && int(*p.Port) != r.Port {
				continue
			}
			out = append(out, route)
			break
		}
	}
	return out
}

// direct is the outcome of an in-mesh call that no HTTPRoute routes: the
// Service receives it, on all of its pods.
func (m Model) direct(r Request) Outcome {
	ns, name, _ := strings.Cut(r.Service, "/")
	port := gwv1.PortNumber(r.Port)
	for _, s := range m.Services {
		if port == 0 && s.Namespace == ns && s.Name == name && len(s.Spec.Ports) > 0 {
			port = s.Spec.Ports[0].Port
		}
	}
	b := Backend{Weight: 1, Percent: 100}
	b.Service, b.Port, b.Colour, b.Unresolved = m.resolve(ns, gwv1.BackendObjectReference{Name: gwv1.ObjectName(name), Port: &port})
	return Outcome{Path: r.Path, Backends: []Backend{b}}
}
