package routing

import (
	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// The routing's settings and objects are the pure model's (package mesh),
// which builds, validates and evaluates them without cdktf. These aliases
// keep the names this package has always exported working; new code may
// use either.
type (
	// Props configure the routing of one blue/green app (mesh.Routing).
	Props = mesh.Routing
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
func Build(p Props, t Target) (Objects, error) { return mesh.Build(p, t) }

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
