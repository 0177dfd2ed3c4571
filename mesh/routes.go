package mesh

import (
	"strconv"

	networkingv1 "istio.io/api/networking/v1"
)

// RouteDefault is the name of the VirtualService's last route, which takes
// every request no earlier route matched: to the live colour, or split
// with the candidate.
const RouteDefault = "default"

// A selection is a kind of conditional route: requests that carry a
// colour's value go to that colour. selections lists them in the order the
// VirtualService tries them; Build, StandardCases and RouteNames all read
// this one list, so the routes and the requests that show them cannot come
// in different orders.
type selection struct {
	// kind names the routes: kind + "-" + colour.
	kind string
	// values are the colours' values in p: path prefixes, header or cookie
	// values; nil when the kind is off.
	values func(p Routing) map[string]string
}

const (
	kindPath   = "path"
	kindHeader = "header"
	kindCookie = "cookie"
)

var selections = []selection{
	{kindPath, func(p Routing) map[string]string { return p.VersionPaths }},
	{kindHeader, func(p Routing) map[string]string {
		if p.Header.Name == "" {
			return nil
		}
		return p.Header.Values
	}},
	{kindCookie, func(p Routing) map[string]string { return p.Cookie.Values }},
}

// selector is one conditional route of p.
type selector struct {
	// route is the route's name, such as "cookie-green".
	route string
	// kind is the selection's kind.
	kind string
	// colour is where the route sends requests; value is the colour's
	// path prefix, header value or cookie value.
	colour, value string
}

// selectors returns p's conditional routes in the order the VirtualService
// tries them: by kind (selections), then by colour (Colours).
func (p Routing) selectors() []selector {
	var out []selector
	for _, s := range selections {
		values := s.values(p)
		for _, colour := range Colours {
			if v, ok := values[colour]; ok {
				out = append(out, selector{route: s.kind + "-" + colour, kind: s.kind, colour: colour, value: v})
			}
		}
	}
	return out
}

// RouteNames lists every route name Routing.Routes may override, in the
// order the VirtualService tries them.
func RouteNames() []string {
	var out []string
	for _, s := range selections {
		for _, c := range Colours {
			out = append(out, s.kind+"-"+c)
		}
	}
	return append(out, RouteDefault)
}

// RouteName is how bluegreen names the i-th HTTP route of a VirtualService
// in messages and pictures: its name, or "#i" when it has none.
func RouteName(route *networkingv1.HTTPRoute, i int) string {
	return nameOr(route.GetName(), i)
}

// nameOr returns name, or "#i" when name is empty: the name of an unnamed
// route or match block.
func nameOr(name string, i int) string {
	if name != "" {
		return name
	}
	return "#" + strconv.Itoa(i)
}
