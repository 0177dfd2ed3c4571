package gatewayapi

import (
	"slices"
	"strings"

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

// listener returns the most specific listener, of any Gateway, on the
// request's port and protocol whose hostname admits the host; the first on
// ties.
func (m Model) listener(r Request) (*gwv1.Gateway, *gwv1.Listener) {
	var (
		bestGW    *gwv1.Gateway
		bestL     *gwv1.Listener
		bestScore int
	)
	want := gwv1.HTTPProtocolType
	if r.Scheme == "https" {
		want = gwv1.HTTPSProtocolType
	}
	for _, gw := range m.Gateways {
		for i := range gw.Spec.Listeners {
			l := &gw.Spec.Listeners[i]
			if l.Protocol != want || int(l.Port) != r.Port {
				continue
			}
			pattern := ""
			if l.Hostname != nil {
				pattern = string(*l.Hostname)
			}
			if s := hostScore(pattern, r.Host); s > bestScore {
				bestGW, bestL, bestScore = gw, l, s
			}
		}
	}
	return bestGW, bestL
}

// routesFor returns the HTTPRoutes attached to listener l of gw that admit
// host, keeping only those with the most specific matching hostname.
func (m Model) routesFor(gw *gwv1.Gateway, l *gwv1.Listener, host string) []*gwv1.HTTPRoute {
	var out []*gwv1.HTTPRoute
	best := 0
	for _, route := range m.HTTPRoutes {
		if !attached(route, gw, l) {
			continue
		}
		score := 0
		if len(route.Spec.Hostnames) == 0 {
			// A route without hostnames takes the listener's.
			if l.Hostname != nil {
				score = hostScore(string(*l.Hostname), host)
			} else {
				score = hostScore("", host)
			}
		}
		for _, h := range route.Spec.Hostnames {
			score = max(score, hostScore(string(h), host))
		}
		switch {
		case score == 0:
		case score > best:
			out, best = []*gwv1.HTTPRoute{route}, score
		case score == best:
			out = append(out, route)
		}
	}
	return out
}

// attached reports whether route has a parentRef to listener l of gw that
// the listener's allowedRoutes admit.
func attached(route *gwv1.HTTPRoute, gw *gwv1.Gateway, l *gwv1.Listener) bool {
	from := gwv1.NamespacesFromSame
	if ar := l.AllowedRoutes; ar != nil && ar.Namespaces != nil && ar.Namespaces.From != nil {
		from = *ar.Namespaces.From
	}
	switch from {
	case gwv1.NamespacesFromAll:
	case gwv1.NamespacesFromSame:
		if route.Namespace != gw.Namespace {
			return false
		}
	default:
		// A namespace selector needs the Namespaces' labels, which the
		// model does not hold: such a listener admits no route here.
		return false
	}
	if ar := l.AllowedRoutes; ar != nil && len(ar.Kinds) > 0 {
		ok := slices.ContainsFunc(ar.Kinds, func(k gwv1.RouteGroupKind) bool {
			return k.Kind == "HTTPRoute" && (k.Group == nil || *k.Group == gwv1.GroupName)
		})
		if !ok {
			return false
		}
	}
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
