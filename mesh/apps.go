package mesh

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	networkingv1 "istio.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// App is one app of an environment as the shared routing sees it.
type App struct {
	// Name is the app's name. Required.
	Name string
	// Routing is the app's routing settings, defaults applied; its
	// Gateway settings are not used (the apps share SharedGateway).
	Routing Routing
	// Target is the app's Service and colours.
	Target Target
}

// SharedGateway is the one ingress Gateway every app of an environment is
// served by, owned by the mesh side.
type SharedGateway struct {
	// Name and Namespace are the Gateway's; the root VirtualServices live
	// in Namespace too. Required.
	Name, Namespace string
	// Gateway holds the selector, the ports and TLS; its Name is not
	// used. Defaults as Routing's (WithDefaults).
	Gateway Gateway
}

// SharedObjects are the objects the apps share, on the mesh side: one
// Gateway for every app's hosts (one server per port), and one root
// VirtualService per host that apps share.
type SharedObjects struct {
	// Gateway admits every app's hosts.
	Gateway *networkingv1.Gateway
	// GatewayName and Namespace are the Gateway's, and the roots'
	// namespace.
	GatewayName, Namespace string
	// Roots are the root VirtualServices, sorted by host.
	Roots []Root
}

// Root is the root VirtualService of one shared host: one route per app on
// the host, the longest path prefix first, each delegating the app's
// prefix (exact "<prefix>" and prefix "<prefix>/"; no condition for "/",
// last) to the app's own delegate VirtualService.
type Root struct {
	// Name is the VirtualService's name: "<gateway>-<host>", with "*"
	// written "wildcard".
	Name string
	// Host is the host it routes.
	Host string
	// Apps are the apps it delegates to, in route order.
	Apps []string
	// VirtualService is its spec.
	VirtualService *networkingv1.VirtualService
}

// AppObjects are one app's objects beside the shared ones: Objects without
// a Gateway, whose VirtualService is bound to the shared Gateway, or, when
// the app shares a host with another, a delegate (no hosts, no gateways)
// that the roots delegate to.
type AppObjects struct {
	Objects
	// Delegate is true when VirtualService is a delegate.
	Delegate bool
}

// RootName is the name of the root VirtualService of host on the Gateway
// named gateway.
func RootName(gateway, host string) string {
	h := strings.ReplaceAll(host, "*", "wildcard")
	return gateway + "-" + strings.ToLower(h)
}

// BuildApps returns the objects of apps sharing the Gateway g: the shared
// objects, and each app's objects by app name. An app that shares none of
// its hosts keeps a normal VirtualService (bound to the shared Gateway);
// an app that shares a host with another is reached through the root
// VirtualService of each of its hosts, by its path prefix, and gets a
// delegate VirtualService in its own namespace. It fails, naming both apps
// and the field, when two apps on one host have the same path prefix (no
// order between them would be Istio's to promise), and when an app's
// routing is not valid.
func BuildApps(g SharedGateway, apps []App) (SharedObjects, map[string]AppObjects, error) {
	g.Gateway.Name = g.Name
	var errs []error
	for _, msg := range validation.IsDNS1123Subdomain(g.Name) {
		errs = append(errs, fmt.Errorf("shared gateway name %q: %s", g.Name, msg))
	}
	for _, msg := range validation.IsDNS1123Label(g.Namespace) {
		errs = append(errs, fmt.Errorf("shared gateway namespace %q: %s", g.Namespace, msg))
	}
	for _, f := range CheckApps(apps) {
		if f.Severity == Error {
			errs = append(errs, errors.New(f.Message))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return SharedObjects{}, nil, err
	}
	apps = slices.SortedFunc(slices.Values(apps), func(a, b App) int { return cmp.Compare(a.Name, b.Name) })
	byHost := HostsOf(apps)
	shared := map[string]bool{}
	for h, on := range byHost {
		if len(on) > 1 {
			shared[h] = true
		}
	}
	gwRef := g.Namespace + "/" + g.Name
	out := map[string]AppObjects{}
	delegating := map[string]bool{}
	for _, a := range apps {
		o, err := Build(a.Routing, a.Target)
		if err != nil {
			return SharedObjects{}, nil, fmt.Errorf("app %s: %w", a.Name, err)
		}
		o.Gateway, o.GatewayName = nil, ""
		ao := AppObjects{Objects: o, Delegate: slices.ContainsFunc(a.Routing.Hosts, func(h string) bool { return shared[h] })}
		if ao.Delegate {
			o.VirtualService.Hosts, o.VirtualService.Gateways = nil, nil
			delegating[a.Name] = true
		} else {
			o.VirtualService.Gateways = []string{gwRef}
		}
		out[a.Name] = ao
	}
	s := SharedObjects{GatewayName: g.Name, Namespace: g.Namespace}
	hosts := slices.Sorted(maps.Keys(byHost))
	s.Gateway = gatewayOf(g.Gateway, hosts)
	for _, h := range hosts {
		var on []App
		for _, a := range byHost[h] {
			if delegating[a.Name] {
				on = append(on, a)
			}
		}
		if len(on) == 0 {
			continue
		}
		// The longest prefix first: Istio takes a root's routes in order.
		slices.SortStableFunc(on, func(a, b App) int {
			return cmp.Or(cmp.Compare(len(b.Routing.PathPrefix), len(a.Routing.PathPrefix)), cmp.Compare(a.Name, b.Name))
		})
		root := Root{Name: RootName(g.Name, h), Host: h, VirtualService: &networkingv1.VirtualService{Hosts: []string{h}, Gateways: []string{g.Name}}}
		for _, a := range on {
			route := &networkingv1.HTTPRoute{
				Name:     a.Name,
				Delegate: &networkingv1.Delegate{Name: out[a.Name].VirtualServiceName, Namespace: a.Target.Namespace},
			}
			if p := a.Routing.PathPrefix; p != "/" {
				// Unnamed, so that the merged blocks keep the delegate's
				// names.
				route.Match = []*networkingv1.HTTPMatchRequest{
					{Uri: &networkingv1.StringMatch{MatchType: &networkingv1.StringMatch_Exact{Exact: p}}},
					{Uri: &networkingv1.StringMatch{MatchType: &networkingv1.StringMatch_Prefix{Prefix: p + "/"}}},
				}
			}
			root.Apps = append(root.Apps, a.Name)
			root.VirtualService.Http = append(root.VirtualService.Http, route)
		}
		s.Roots = append(s.Roots, root)
	}
	return s, out, nil
}

// HostsOf returns, for each host any of apps routes, the apps that route
// it, sorted by name.
func HostsOf(apps []App) map[string][]App {
	out := map[string][]App{}
	for _, a := range slices.SortedFunc(slices.Values(apps), func(a, b App) int { return cmp.Compare(a.Name, b.Name) }) {
		for _, h := range a.Routing.Hosts {
			out[strings.ToLower(h)] = append(out[strings.ToLower(h)], a)
		}
	}
	return out
}

// AddShared files the shared objects as the mesh side creates them, each
// by the Helm release named in releases (by kind: "Gateway",
// "VirtualService"; empty when not given).
func (m *Model) AddShared(s SharedObjects, releases map[string]string) {
	m.Gateways = append(m.Gateways, Object[*networkingv1.Gateway]{s.GatewayName, s.Namespace, releases["Gateway"], s.Gateway, nil})
	for _, r := range s.Roots {
		m.VirtualServices = append(m.VirtualServices, Object[*networkingv1.VirtualService]{r.Name, s.Namespace, releases["VirtualService"], r.VirtualService, nil})
	}
}

// SegmentNested reports whether path b is path a or below it by whole
// segments: "/cart" holds "/cart" and "/cart/v1", not "/cartoon"; "/"
// holds every path.
func SegmentNested(a, b string) bool {
	return a == "/" || a == b || strings.HasPrefix(b, a+"/")
}

// CheckApps reports what goes wrong between apps that share a host, each
// finding naming both apps and the fields (codes in package mesh/check's
// registry):
//
//   - BG014 (error): two apps on one host with the same path prefix;
//   - BG015 (error): an app whose path prefix takes another app's version
//     path (the prefix is at or below the version path, and longer than
//     the other app's prefix, so the gateway sends it there first);
//   - BG016 (warning): two apps on one host, one's prefix at or below the
//     other's, whose cookie or header rules use the same name: a client
//     the one app pins (a sticky canary's Set-Cookie has Path=/) is sent
//     by the other app's rule of the same name too.
func CheckApps(apps []App) []Finding {
	var out []Finding
	byHost := HostsOf(apps)
	for _, h := range slices.Sorted(maps.Keys(byHost)) {
		on := byHost[h]
		for i, a := range on {
			for _, b := range on[i+1:] {
				out = append(out, checkPair(h, a, b)...)
			}
		}
	}
	return out
}

func checkPair(host string, a, b App) []Finding {
	var out []Finding
	pa, pb := a.Routing.PathPrefix, b.Routing.PathPrefix
	at := func(app App, _ string) string { return "app " + app.Name }
	if pa == pb {
		out = append(out, Finding{Code: "BG014", Severity: Error, Object: at(a, "pathPrefix"), Field: "routing.pathPrefix",
			Message: fmt.Sprintf("apps %s and %s both serve host %q under path prefix %q; give each app a prefix of its own (routing.pathPrefix)", a.Name, b.Name, host, pa)})
		return out
	}
	for _, pair := range [][2]App{{a, b}, {b, a}} {
		x, y := pair[0], pair[1] // does x's prefix take y's version paths?
		px, py := x.Routing.PathPrefix, y.Routing.PathPrefix
		if len(px) <= len(py) {
			continue
		}
		for _, colour := range slices.Sorted(maps.Keys(y.Routing.VersionPaths)) {
			vp := UnderPrefix(py, y.Routing.VersionPaths[colour])
			if SegmentNested(vp, px) || SegmentNested(px, vp) {
				out = append(out, Finding{Code: "BG015", Severity: Error, Object: at(x, "pathPrefix"), Field: "routing.pathPrefix",
					Message: fmt.Sprintf("app %s's path prefix %q on host %q takes requests for app %s's version path %q (routing.versionPaths.%s); move the prefix or the version path", x.Name, px, host, y.Name, vp, colour)})
			}
		}
	}
	if !SegmentNested(pa, pb) && !SegmentNested(pb, pa) {
		return out
	}
	for _, r := range []struct {
		kind   string
		ra, rb Rule
	}{{"cookie", a.Routing.Cookie, b.Routing.Cookie}, {"header", a.Routing.Header, b.Routing.Header}} {
		if r.ra.Name == "" || !strings.EqualFold(r.ra.Name, r.rb.Name) || len(r.ra.Values) == 0 || len(r.rb.Values) == 0 {
			continue
		}
		out = append(out, Finding{Code: "BG016", Severity: Warning, Object: at(a, r.kind+".name"), Field: "routing." + r.kind + ".name",
			Message: fmt.Sprintf("apps %s (path prefix %q) and %s (%q) on host %q both route by the %s %q; a client one app sends to a colour is sent to the other app's colour of that value too: name the %ss apart", a.Name, pa, b.Name, pb, host, r.kind, r.ra.Name, r.kind)})
	}
	return out
}
