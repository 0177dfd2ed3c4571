package routing

import (
	"maps"
	"slices"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/constructs/addon"
	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/fielderr"
)

// Props configure the routing of one blue/green app: the pure model's
// settings (mesh.Routing, embedded, so its fields are Props' fields in Go
// and in cdktf.json's routing section alike) and the Helm values escape
// hatch of the releases that deliver them.
type Props struct {
	mesh.Routing
	// ExtraValues are Helm values per release, keyed by the release's role,
	// each deep-merged last into the values of that release's chart (the
	// release named "<app name>-<role>"). The roles are "destinationrule",
	// "gateway" and "virtualservice"; with api "gatewayAPI" they are
	// "service-blue", "service-green", "gateway", "httproute",
	// "httproute-redirect" (with gateway.httpsRedirect) and
	// "httproute-mesh" (ambient data plane). Values for a release the
	// routing does not install are an error. One map per release, not one
	// for all: the charts differ (a spec merged into the Gateway's values
	// would break the VirtualService's). Default: none.
	ExtraValues map[string]map[string]any `json:"extraValues"`
}

// Roles are the roles of the releases the routing may install with api
// (defaults applied), the keys Props.ExtraValues accepts.
func Roles(api string) []string {
	if api == mesh.APIGatewayAPI {
		return []string{RoleColourService + mesh.Blue, RoleColourService + mesh.Green, RoleGateway, RoleHTTPRoute, RoleHTTPRoute + "-redirect", RoleHTTPRoute + "-mesh"}
	}
	return []string{RoleDestinationRule, RoleGateway, RoleVirtualService}
}

// WithDefaults returns a copy of p with every unset field given its
// default, for an app named app (see mesh.Routing.WithDefaults). It never
// changes p.
func (p Props) WithDefaults(app string) Props {
	p.Routing = p.Routing.WithDefaults(app)
	return p
}

// Validate reports every problem in p (after defaults) as one error.
func (p Props) Validate() error { return fielderr.Join(p.ValidateAt(nil)) }

// ValidateAt reports every problem in p, which should have its defaults
// applied, with field paths under fld: the model's (mesh.Routing.ValidateAt)
// and ExtraValues keys that name no role of p.API.
func (p Props) ValidateAt(fld *field.Path) field.ErrorList {
	errs := p.Routing.ValidateAt(fld)
	roles := Roles(p.API)
	for _, k := range sortedKeys(p.ExtraValues) {
		if !slices.Contains(roles, k) {
			errs = append(errs, field.NotSupported(fld.Child("extraValues").Key(k), k, roles))
		}
	}
	return errs
}

// withExtraValues returns rels with p.ExtraValues deep-merged last into
// the values of the release of each role, or an error naming a role that
// is not among rels.
func withExtraValues(rels []addon.Release, p Props) ([]addon.Release, error) {
	var ids []string
	for _, r := range rels {
		ids = append(ids, r.ID)
	}
	for _, k := range sortedKeys(p.ExtraValues) {
		if !slices.Contains(ids, k) {
			return nil, field.NotSupported(field.NewPath("extraValues").Key(k), k, ids)
		}
	}
	out := slices.Clone(rels)
	for i, r := range out {
		if extra, ok := p.ExtraValues[r.ID]; ok {
			out[i].Values = addon.MergeValues(r.Values, extra)
		}
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// The routing's settings and objects are the pure model's (package mesh),
// which builds, validates and evaluates them without cdktf. These aliases
// keep the names this package has always exported working; new code may
// use either.
type (
	// Gateway configures the Istio Gateway (mesh.Gateway).
	Gateway = mesh.Gateway
	// TLS is the HTTPS server of the Gateway (mesh.TLS).
	TLS = mesh.TLS
	// Rule maps each colour to a cookie or header value (mesh.Rule).
	Rule = mesh.Rule
	// RouteSettings override one route's timeout and retries
	// (mesh.RouteSettings).
	RouteSettings = mesh.RouteSettings
	// Retries is Istio's HTTPRetry (mesh.Retries).
	Retries = mesh.Retries
	// Target is what the routing needs to know about the app (mesh.Target).
	Target = mesh.Target
	// Objects are the Istio objects of an app's routing (mesh.Objects).
	Objects = mesh.Objects
)

// Annotations the VirtualService carries (see mesh.LiveAnnotation).
const (
	LiveAnnotation      = mesh.LiveAnnotation
	CandidateAnnotation = mesh.CandidateAnnotation
)

// RouteDefault is the name of the last, default route (mesh.RouteDefault).
const RouteDefault = mesh.RouteDefault

// Build returns the routing objects of t with props p (defaults applied);
// see mesh.Build.
func Build(p Props, t Target) (Objects, error) { return mesh.Build(p.Routing, t) }

// TargetOf returns the Target of an app with props p (defaults applied);
// see bluegreen.TargetOf.
func TargetOf(p bluegreen.Props) Target { return bluegreen.TargetOf(p) }

// CookieRegex returns the RE2 pattern that matches a Cookie header carrying
// name=value; see mesh.CookieRegex.
func CookieRegex(name, value string) string { return mesh.CookieRegex(name, value) }

// RouteNames lists every route name Props.Routes may override; see
// mesh.RouteNames.
func RouteNames() []string { return mesh.RouteNames() }

// DefaultCookie is the cookie rule of props that set none; see
// mesh.DefaultCookie.
func DefaultCookie() Rule { return mesh.DefaultCookie() }
