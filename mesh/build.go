package mesh

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	networkingv1 "istio.io/api/networking/v1"
	// networking/v1 aliases v1alpha3's types but not its enum value maps.
	"istio.io/api/networking/v1alpha3"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/mesh/fielderr"
)

// Annotations the VirtualService carries, so that tools reading the objects
// (Model.Intent, and through it `routes` and the picture; a person with
// kubectl) know the blue/green intent instead of guessing it from weights.
const (
	// LiveAnnotation names the subset (colour) that takes default traffic.
	LiveAnnotation = "bluegreen.io/live"
	// CandidateAnnotation names the other colour's subset, when it has a
	// release.
	CandidateAnnotation = "bluegreen.io/candidate"
)

// Objects are the Istio objects of an app's routing, as Istio's Go types.
type Objects struct {
	// Gateway admits the hosts at the ingress gateway.
	Gateway *networkingv1.Gateway
	// GatewayName is the Gateway's name.
	GatewayName string
	// VirtualService holds the ordered HTTP routes.
	VirtualService *networkingv1.VirtualService
	// VirtualServiceName is the VirtualService's name.
	VirtualServiceName string
	// VirtualServiceAnnotations carry the intent: the live colour
	// (bluegreen.io/live) and, when it has a release, the candidate
	// (bluegreen.io/candidate), so that readers of the objects need not
	// guess them from weights.
	VirtualServiceAnnotations map[string]string
	// DestinationRule holds one subset per colour.
	DestinationRule *networkingv1.DestinationRule
	// DestinationRuleName is the DestinationRule's name.
	DestinationRuleName string
}

// Candidate returns the colour that is not live.
func (p Routing) Candidate() string {
	if p.Live == Green {
		return Blue
	}
	return Green
}

// StickyCookie returns the Set-Cookie value that a sticky canary answers
// from colour's destination (see SetCookie).
func (p Routing) StickyCookie(colour string) string {
	return SetCookie(p.Cookie.Name, p.Cookie.Values[colour])
}

// SetCookie returns the Set-Cookie value a sticky canary answers with, for
// either API: the cookie rule's name and a colour's value, for the whole
// site, so that the client's next request carries it and the cookie rule
// decides.
func SetCookie(name, value string) string { return name + "=" + value + "; Path=/" }

// Build returns the routing objects of t with props p (defaults applied).
// It fails when p refers to a colour t has no release for.
func Build(p Routing, t Target) (Objects, error) {
	if err := p.Validate(); err != nil {
		return Objects{}, err
	}
	if err := fielderr.Join(p.ValidateTarget(nil, t)); err != nil {
		return Objects{}, err
	}

	o := Objects{GatewayName: p.Gateway.Name, VirtualServiceName: t.Name, DestinationRuleName: t.Name}
	o.VirtualServiceAnnotations = map[string]string{LiveAnnotation: p.Live}
	for _, s := range t.Subsets {
		if s.Colour == p.Candidate() {
			o.VirtualServiceAnnotations[CandidateAnnotation] = s.Colour
		}
	}
	o.Gateway = gatewayOf(p.Gateway, p.Hosts)

	o.DestinationRule = &networkingv1.DestinationRule{Host: t.Host}
	for _, s := range t.Subsets {
		o.DestinationRule.Subsets = append(o.DestinationRule.Subsets, &networkingv1.Subset{Name: s.Colour, Labels: s.Labels})
	}

	dest := func(colour string, weight int32) *networkingv1.HTTPRouteDestination {
		return &networkingv1.HTTPRouteDestination{
			Destination: &networkingv1.Destination{
				Host:   t.Host,
				Subset: colour,
				Port:   &networkingv1.PortSelector{Number: uint32(t.Port)},
			},
			Weight: weight,
		}
	}
	vs := &networkingv1.VirtualService{Hosts: slices.Clone(p.Hosts), Gateways: []string{p.Gateway.Name}}
	add := func(name string, route *networkingv1.HTTPRoute) {
		route.Name = name
		settings := p.Routes[name]
		timeout := p.Timeout
		if settings.Timeout != "" {
			timeout = settings.Timeout
		}
		if timeout != "" {
			d, _ := time.ParseDuration(timeout)
			route.Timeout = durationpb.New(d)
		}
		retries := p.Retries
		if settings.Retries != nil {
			retries = settings.Retries
		}
		if retries != nil && retries.HTTPRetry != nil {
			route.Retries = proto.Clone(retries.HTTPRetry).(*networkingv1.HTTPRetry)
		}
		vs.Http = append(vs.Http, route)
	}
	for _, sel := range p.Selectors() {
		route := &networkingv1.HTTPRoute{Route: []*networkingv1.HTTPRouteDestination{dest(sel.Colour, 0)}}
		switch sel.Kind {
		case KindPath:
			// "/v1/" with the prefix replaced by "/" keeps sub-paths intact
			// (/v1/health → /health); the exact "/v1" becomes "/". A bare
			// prefix "/v1" would also catch /v10 and turn /v1/health into
			// //health. Under a path prefix the version path sits below it
			// (/cart/v1) and only the version path is stripped
			// (/cart/v1/health → /cart/health, /cart/v1 → /cart), which one
			// uri rewrite cannot say for both match blocks: a regex rewrite
			// does.
			full := UnderPrefix(p.PathPrefix, sel.Value)
			route.Match = []*networkingv1.HTTPMatchRequest{
				{Name: "prefix", Uri: &networkingv1.StringMatch{MatchType: &networkingv1.StringMatch_Prefix{Prefix: full + "/"}}},
				{Name: "exact", Uri: &networkingv1.StringMatch{MatchType: &networkingv1.StringMatch_Exact{Exact: full}}},
			}
			route.Rewrite = &networkingv1.HTTPRewrite{Uri: "/"}
			if p.PathPrefix != "/" {
				route.Rewrite = &networkingv1.HTTPRewrite{UriRegexRewrite: &networkingv1.RegexRewrite{
					Match: "^" + regexp.QuoteMeta(full) + "(/|$)", Rewrite: p.PathPrefix + `\1`,
				}}
			}
		case KindHeader:
			route.Match = underPrefixBlocks(p.PathPrefix, []*networkingv1.HTTPMatchRequest{{
				Headers: map[string]*networkingv1.StringMatch{p.Header.Name: {MatchType: &networkingv1.StringMatch_Exact{Exact: sel.Value}}},
			}})
		case KindCookie:
			route.Match = underPrefixBlocks(p.PathPrefix, []*networkingv1.HTTPMatchRequest{{
				Headers: map[string]*networkingv1.StringMatch{"cookie": {MatchType: &networkingv1.StringMatch_Regex{Regex: CookieRegex(p.Cookie.Name, sel.Value)}}},
			}})
		}
		add(sel.Route, route)
	}
	def := &networkingv1.HTTPRoute{Match: underPrefixBlocks(p.PathPrefix, nil), Route: []*networkingv1.HTTPRouteDestination{dest(p.Live, 0)}}
	if w := int32(p.CandidateWeight); w > 0 {
		def.Route = []*networkingv1.HTTPRouteDestination{dest(p.Live, 100-w), dest(p.Candidate(), w)}
		if p.StickyCanary {
			for _, d := range def.Route {
				d.Headers = &networkingv1.Headers{Response: &networkingv1.Headers_HeaderOperations{
					Add: map[string]string{"Set-Cookie": p.StickyCookie(d.Destination.Subset)},
				}}
			}
		}
	}
	if p.MirrorPercent > 0 {
		def.Mirror = dest(p.Candidate(), 0).Destination
		def.MirrorPercentage = &networkingv1.Percent{Value: float64(p.MirrorPercent)}
	}
	add(RouteDefault, def)
	o.VirtualService = vs
	return o, nil
}

// ValidateTarget reports, with field paths under fld, every colour that p
// routes to but t has no release for.
func (p Routing) ValidateTarget(fld *field.Path, t Target) field.ErrorList {
	has := map[string]bool{}
	for _, s := range t.Subsets {
		has[s.Colour] = true
	}
	missing := func(colour string) string {
		return fmt.Sprintf("%q has no release; the app has %v", colour, t.Colours())
	}
	var errs field.ErrorList
	if slices.Contains(Colours, p.Live) && !has[p.Live] {
		errs = append(errs, field.Invalid(fld.Child("live"), p.Live, missing(p.Live)))
	}
	for _, rule := range []struct {
		path   *field.Path
		values map[string]string
	}{
		{fld.Child("versionPaths"), p.VersionPaths},
		{fld.Child("header", "values"), p.Header.Values},
		{fld.Child("cookie", "values"), p.Cookie.Values},
	} {
		for _, colour := range slices.Sorted(maps.Keys(rule.values)) {
			if slices.Contains(Colours, colour) && !has[colour] {
				errs = append(errs, field.Invalid(rule.path.Key(colour), rule.values[colour], missing(colour)))
			}
		}
	}
	if p.CandidateWeight > 0 && !has[p.Candidate()] {
		errs = append(errs, field.Invalid(fld.Child("candidateWeight"), p.CandidateWeight,
			fmt.Sprintf("would send traffic to the candidate %s", missing(p.Candidate()))))
	}
	if p.MirrorPercent > 0 && !has[p.Candidate()] {
		errs = append(errs, field.Invalid(fld.Child("mirrorPercent"), p.MirrorPercent,
			fmt.Sprintf("would mirror traffic to the candidate %s", missing(p.Candidate()))))
	}
	return errs
}

// UnderPrefix returns path under the app's path prefix: path itself under
// "/", else the prefix followed by path ("/" alone becomes the prefix):
// UnderPrefix("/cart", "/v1") is "/cart/v1".
func UnderPrefix(prefix, path string) string {
	switch {
	case prefix == "" || prefix == "/":
		return path
	case path == "/" || path == "":
		return prefix
	default:
		return prefix + path
	}
}

// PrefixMatches are the uri matches that take the app's path prefix by
// whole segments: the prefix "<prefix>/" (named "prefix") and exactly
// "<prefix>" (named "exact"); /cartoon matches neither. Nil under "/".
func PrefixMatches(prefix string) []*networkingv1.HTTPMatchRequest {
	if prefix == "" || prefix == "/" {
		return nil
	}
	return []*networkingv1.HTTPMatchRequest{
		{Name: "prefix", Uri: &networkingv1.StringMatch{MatchType: &networkingv1.StringMatch_Prefix{Prefix: prefix + "/"}}},
		{Name: "exact", Uri: &networkingv1.StringMatch{MatchType: &networkingv1.StringMatch_Exact{Exact: prefix}}},
	}
}

// underPrefixBlocks returns the match blocks of a route of an app under
// its path prefix: each block twice, once with each of PrefixMatches (a
// route without blocks gets PrefixMatches themselves). Under "/" the
// blocks are returned as they are.
func underPrefixBlocks(prefix string, blocks []*networkingv1.HTTPMatchRequest) []*networkingv1.HTTPMatchRequest {
	uris := PrefixMatches(prefix)
	if uris == nil {
		return blocks
	}
	if len(blocks) == 0 {
		return uris
	}
	var out []*networkingv1.HTTPMatchRequest
	for _, b := range blocks {
		for _, u := range uris {
			c := proto.Clone(b).(*networkingv1.HTTPMatchRequest)
			c.Name, c.Uri = u.Name, u.Uri
			out = append(out, c)
		}
	}
	return out
}

// gatewayOf returns the Istio Gateway with settings g that admits hosts:
// a plain HTTP server and, with TLS, an HTTPS server, each for every host.
func gatewayOf(g Gateway, hosts []string) *networkingv1.Gateway {
	gw := &networkingv1.Gateway{Selector: g.Selector}
	http := &networkingv1.Server{
		Name:  "http",
		Port:  &networkingv1.Port{Number: uint32(g.HTTPPort), Name: "http", Protocol: "HTTP"},
		Hosts: slices.Clone(hosts),
	}
	gw.Servers = append(gw.Servers, http)
	if tls := g.TLS; tls != nil {
		if g.HTTPSRedirect {
			http.Tls = &networkingv1.ServerTLSSettings{HttpsRedirect: true}
		}
		gw.Servers = append(gw.Servers, &networkingv1.Server{
			Name:  "https",
			Port:  &networkingv1.Port{Number: uint32(g.HTTPSPort), Name: "https", Protocol: "HTTPS"},
			Hosts: slices.Clone(hosts),
			Tls: &networkingv1.ServerTLSSettings{
				Mode:               networkingv1.ServerTLSSettings_TLSmode(v1alpha3.ServerTLSSettings_TLSmode_value[tls.Mode]),
				CredentialName:     tls.CredentialName,
				MinProtocolVersion: networkingv1.ServerTLSSettings_TLSProtocol(v1alpha3.ServerTLSSettings_TLSProtocol_value[tls.MinProtocolVersion]),
			},
		})
	}
	return gw
}
