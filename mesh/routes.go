package mesh

import (
	"strconv"

	networkingv1 "istio.io/api/networking/v1"
)

// RouteDefault is the name of the VirtualService's last route, which takes
// every request no earlier route matched: to the live colour, or split
// with the candidate.
const RouteDefault = "default"

// The kinds of conditional rule, which name the rules: kind + "-" + colour
// ("path-blue", "cookie-green").
const (
	// KindPath sends a colour's version path (Routing.VersionPaths) to it.
	KindPath = "path"
	// KindHeader sends a header of a colour's value (Routing.Header).
	KindHeader = "header"
	// KindCookie sends a cookie of a colour's value (Routing.Cookie).
	KindCookie = "cookie"
)

// RuleKind is a kind of conditional rule: requests that carry a colour's
// value go to that colour.
type RuleKind struct {
	// Kind names the rules: Kind + "-" + colour.
	Kind string
	// Values are the colours' values in p: path prefixes, header or cookie
	// values; nil when the kind is off.
	Values func(p Routing) map[string]string
}

// ruleKinds lists the kinds in the order a VirtualService tries them. Both
// routing APIs read this one list (Build, package mesh/gatewayapi's Build,
// StandardCases and RouteNames, through RuleKinds and Routing.Selectors),
// so the rules and the requests that show them cannot come in different
// orders.
var ruleKinds = []RuleKind{
	{KindPath, func(p Routing) map[string]string { return p.VersionPaths }},
	{KindHeader, func(p Routing) map[string]string {
		if p.Header.Name == "" {
			return nil
		}
		return p.Header.Values
	}},
	{KindCookie, func(p Routing) map[string]string {
		if p.Cookie.Name == "" {
			return nil
		}
		return p.Cookie.Values
	}},
}

// RuleKinds returns the kinds of conditional rule in the order the
// VirtualService tries them: version paths, header, cookie.
func RuleKinds() []RuleKind { return append([]RuleKind(nil), ruleKinds...) }

// Selector is one conditional rule of a Routing.
type Selector struct {
	// Route is the rule's name, such as "cookie-green".
	Route string
	// Kind is the rule's kind (KindPath, KindHeader or KindCookie).
	Kind string
	// Colour is where the rule sends requests; Value is the colour's path
	// prefix, header value or cookie value.
	Colour, Value string
}

// Selectors returns p's conditional rules in the order the VirtualService
// tries them: by kind (RuleKinds), then by colour (Colours). Both routing
// APIs build their rules from it.
func (p Routing) Selectors() []Selector {
	var out []Selector
	for _, s := range ruleKinds {
		values := s.Values(p)
		for _, colour := range Colours {
			if v, ok := values[colour]; ok {
				out = append(out, Selector{Route: s.Kind + "-" + colour, Kind: s.Kind, Colour: colour, Value: v})
			}
		}
	}
	return out
}

// RouteNames lists every route name Routing.Routes may override, in the
// order the VirtualService tries them.
func RouteNames() []string {
	var out []string
	for _, s := range ruleKinds {
		for _, c := range Colours {
			out = append(out, s.Kind+"-"+c)
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
