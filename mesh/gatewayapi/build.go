package gatewayapi

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// Objects are the Gateway API objects of an app's routing.
type Objects struct {
	// Gateway has an HTTP listener per host and, with TLS, an HTTPS
	// listener per host that terminates TLS with the certificate Secret.
	Gateway *gwv1.Gateway
	// HTTPRoute holds the app's rules: version paths, header, cookie and
	// the default (weighted) rule.
	HTTPRoute *gwv1.HTTPRoute
	// RedirectRoute, set with HTTPSRedirect, answers the HTTP listeners
	// with a redirect to HTTPS; the HTTPRoute then serves HTTPS only.
	RedirectRoute *gwv1.HTTPRoute
	// MeshRoute, set with MeshService, holds the same rules for in-mesh
	// callers of the shared Service (east-west).
	MeshRoute *gwv1.HTTPRoute
	// Services select one colour's pods each (<app>-blue, <app>-green), for
	// the HTTPRoute's backendRefs: the Gateway API routes to Services, not
	// to DestinationRule subsets.
	Services []*corev1.Service
}

// Routes returns the HTTPRoutes: the app's, then the redirect and the mesh
// route when they are set.
func (o Objects) Routes() []*gwv1.HTTPRoute {
	out := []*gwv1.HTTPRoute{o.HTTPRoute}
	for _, r := range []*gwv1.HTTPRoute{o.RedirectRoute, o.MeshRoute} {
		if r != nil {
			out = append(out, r)
		}
	}
	return out
}

// Build returns the Gateway API objects of s (defaults applied) with the
// same behaviour as the VirtualService the routing props build. It fails,
// naming every field, when s is not valid.
func Build(s Spec) (Objects, error) {
	if err := s.Validate(); err != nil {
		return Objects{}, err
	}
	o := Objects{Gateway: buildGateway(s)}
	var httpNames, httpsNames []gwv1.SectionName
	for _, l := range o.Gateway.Spec.Listeners {
		if l.Protocol == gwv1.HTTPSProtocolType {
			httpsNames = append(httpsNames, l.Name)
		} else {
			httpNames = append(httpNames, l.Name)
		}
	}

	var hostnames []gwv1.Hostname
	for _, h := range s.Hosts {
		if h == "*" {
			// "*" admits any host: a route without hostnames.
			hostnames = nil
			break
		}
		hostnames = append(hostnames, gwv1.Hostname(h))
	}
	parents := func(sections []gwv1.SectionName) []gwv1.ParentReference {
		if sections == nil {
			return []gwv1.ParentReference{{Name: gwv1.ObjectName(s.Gateway.Name)}}
		}
		var out []gwv1.ParentReference
		for _, name := range sections {
			out = append(out, gwv1.ParentReference{Name: gwv1.ObjectName(s.Gateway.Name), SectionName: ptr.To(name)})
		}
		return out
	}

	route := &gwv1.HTTPRoute{
		TypeMeta:   metav1.TypeMeta{APIVersion: gwv1.GroupVersion.String(), Kind: "HTTPRoute"},
		ObjectMeta: metav1.ObjectMeta{Name: s.App, Namespace: s.Namespace, Annotations: map[string]string{LiveAnnotation: s.Live}},
		Spec: gwv1.HTTPRouteSpec{
			CommonRouteSpec: gwv1.CommonRouteSpec{ParentRefs: parents(nil)},
			Hostnames:       hostnames,
		},
	}
	if s.hasRelease(s.Candidate()) {
		route.Annotations[CandidateAnnotation] = s.Candidate()
	}
	if s.Gateway.HTTPSRedirect {
		route.Spec.ParentRefs = parents(httpsNames)
		o.RedirectRoute = redirectRoute(s, parents(httpNames), hostnames)
	}
	route.Spec.Rules = rules(s)
	o.HTTPRoute = route
	if s.MeshService != "" {
		// A route whose parent is a Service applies to calls to it from
		// inside the mesh; it has no hostnames.
		mesh := route.DeepCopy()
		mesh.Name = s.App + "-mesh"
		mesh.Spec.Hostnames = nil
		mesh.Spec.ParentRefs = []gwv1.ParentReference{{
			Group: ptr.To(gwv1.Group("")),
			Kind:  ptr.To(gwv1.Kind("Service")),
			Name:  gwv1.ObjectName(s.MeshService),
			Port:  ptr.To(gwv1.PortNumber(s.Port)),
		}}
		o.MeshRoute = mesh
	}

	for _, r := range s.Releases {
		o.Services = append(o.Services, &corev1.Service{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
			ObjectMeta: metav1.ObjectMeta{
				Name:      s.ServiceName(r.Colour),
				Namespace: s.Namespace,
				Labels:    map[string]string{ColourLabel: r.Colour},
			},
			Spec: corev1.ServiceSpec{
				Type:     corev1.ServiceTypeClusterIP,
				Selector: r.Selector,
				Ports: []corev1.ServicePort{{
					Name:       s.PortName,
					Port:       int32(s.Port),
					TargetPort: intstr.FromInt32(int32(s.TargetPort)),
					Protocol:   corev1.ProtocolTCP,
				}},
			},
		})
	}
	return o, nil
}

func (s Spec) hasRelease(colour string) bool {
	for _, r := range s.Releases {
		if r.Colour == colour {
			return true
		}
	}
	return false
}

// buildGateway returns a Gateway with one listener per host and protocol;
// "*" becomes a listener without a hostname (any host).
func buildGateway(s Spec) *gwv1.Gateway {
	gw := &gwv1.Gateway{
		TypeMeta:   metav1.TypeMeta{APIVersion: gwv1.GroupVersion.String(), Kind: "Gateway"},
		ObjectMeta: metav1.ObjectMeta{Name: s.Gateway.Name, Namespace: s.Namespace},
		Spec:       gwv1.GatewaySpec{GatewayClassName: gwv1.ObjectName(s.GatewayClassName)},
	}
	listeners := func(proto string, protocol gwv1.ProtocolType, port int, tls *gwv1.ListenerTLSConfig) {
		for i, h := range s.Hosts {
			l := gwv1.Listener{Name: gwv1.SectionName(proto), Port: gwv1.PortNumber(port), Protocol: protocol, TLS: tls.DeepCopy()}
			if len(s.Hosts) > 1 {
				l.Name = gwv1.SectionName(proto + "-" + strconv.Itoa(i))
			}
			if h != "*" {
				l.Hostname = ptr.To(gwv1.Hostname(h))
			}
			gw.Spec.Listeners = append(gw.Spec.Listeners, l)
		}
	}
	listeners("http", gwv1.HTTPProtocolType, s.Gateway.HTTPPort, nil)
	if tls := s.Gateway.TLS; tls != nil {
		listeners("https", gwv1.HTTPSProtocolType, s.Gateway.HTTPSPort, &gwv1.ListenerTLSConfig{
			Mode:            ptr.To(gwv1.TLSModeTerminate),
			CertificateRefs: []gwv1.SecretObjectReference{{Name: gwv1.ObjectName(tls.CredentialName)}},
		})
	}
	return gw
}

// redirectRoute answers every request on the HTTP listeners with a
// permanent redirect to HTTPS.
func redirectRoute(s Spec, parents []gwv1.ParentReference, hostnames []gwv1.Hostname) *gwv1.HTTPRoute {
	redirect := &gwv1.HTTPRequestRedirectFilter{Scheme: ptr.To("https"), StatusCode: ptr.To(301)}
	if s.Gateway.HTTPSPort != 443 {
		redirect.Port = ptr.To(gwv1.PortNumber(s.Gateway.HTTPSPort))
	}
	return &gwv1.HTTPRoute{
		TypeMeta:   metav1.TypeMeta{APIVersion: gwv1.GroupVersion.String(), Kind: "HTTPRoute"},
		ObjectMeta: metav1.ObjectMeta{Name: s.App + "-https-redirect", Namespace: s.Namespace},
		Spec: gwv1.HTTPRouteSpec{
			CommonRouteSpec: gwv1.CommonRouteSpec{ParentRefs: parents},
			Hostnames:       hostnames,
			Rules: []gwv1.HTTPRouteRule{{
				Name:    ptr.To(gwv1.SectionName("https-redirect")),
				Matches: []gwv1.HTTPRouteMatch{prefixMatch("/")},
				Filters: []gwv1.HTTPRouteFilter{{Type: gwv1.HTTPRouteFilterRequestRedirect, RequestRedirect: redirect}},
			}},
		},
	}
}

func prefixMatch(prefix string) gwv1.HTTPRouteMatch {
	return gwv1.HTTPRouteMatch{Path: &gwv1.HTTPPathMatch{Type: ptr.To(gwv1.PathMatchPathPrefix), Value: ptr.To(prefix)}}
}

// rules returns the app's rules in the order the VirtualService writes its
// routes. The Gateway API picks a rule by specificity, not order, and the
// rules are built so that both orders agree: a version path (PathPrefix of
// more than one character) outranks the header and cookie rules (one header
// match on the prefix "/"), which outrank the default rule (no header);
// header before cookie is the list order, which decides between equals.
func rules(s Spec) []gwv1.HTTPRouteRule {
	var out []gwv1.HTTPRouteRule
	add := func(name string, r gwv1.HTTPRouteRule) {
		r.Name = ptr.To(gwv1.SectionName(name))
		timeout := s.Timeout
		if t := s.Routes[name].Timeout; t != "" {
			timeout = t
		}
		if timeout != "" {
			d, _ := duration(timeout) // validated
			r.Timeouts = &gwv1.HTTPRouteTimeouts{Request: ptr.To(gwv1.Duration(d))}
		}
		out = append(out, r)
	}
	backend := func(colour string, weight *int32) gwv1.HTTPBackendRef {
		return gwv1.HTTPBackendRef{BackendRef: gwv1.BackendRef{
			BackendObjectReference: gwv1.BackendObjectReference{
				Name: gwv1.ObjectName(s.ServiceName(colour)),
				Port: ptr.To(gwv1.PortNumber(s.Port)),
			},
			Weight: weight,
		}}
	}
	// The rules come in the VirtualService's order (mesh.Routing.Selectors,
	// the one list of rule kinds both APIs read).
	for _, sel := range s.Selectors() {
		switch sel.Kind {
		case mesh.KindPath:
			// ReplacePrefixMatch strips the version path and keeps
			// sub-paths: /v1/health reaches the app as /health, /v1 as /;
			// under the path prefix /cart, /cart/v1/health as /cart/health
			// and /cart/v1 as /cart.
			add(sel.Route, gwv1.HTTPRouteRule{
				Matches: []gwv1.HTTPRouteMatch{prefixMatch(mesh.UnderPrefix(s.PathPrefix, sel.Value))},
				Filters: []gwv1.HTTPRouteFilter{{
					Type: gwv1.HTTPRouteFilterURLRewrite,
					URLRewrite: &gwv1.HTTPURLRewriteFilter{Path: &gwv1.HTTPPathModifier{
						Type:               gwv1.PrefixMatchHTTPPathModifier,
						ReplacePrefixMatch: ptr.To(s.PathPrefix),
					}},
				}},
				BackendRefs: []gwv1.HTTPBackendRef{backend(sel.Colour, nil)},
			})
		case mesh.KindHeader:
			m := prefixMatch(s.PathPrefix)
			m.Headers = []gwv1.HTTPHeaderMatch{{Type: ptr.To(gwv1.HeaderMatchExact), Name: gwv1.HTTPHeaderName(s.Header.Name), Value: sel.Value}}
			add(sel.Route, gwv1.HTTPRouteRule{Matches: []gwv1.HTTPRouteMatch{m}, BackendRefs: []gwv1.HTTPBackendRef{backend(sel.Colour, nil)}})
		case mesh.KindCookie:
			// The Gateway API has no cookie match; Istio applies a
			// RegularExpression header match as RE2 on the whole Cookie
			// header.
			m := prefixMatch(s.PathPrefix)
			m.Headers = []gwv1.HTTPHeaderMatch{{Type: ptr.To(gwv1.HeaderMatchRegularExpression), Name: "Cookie", Value: mesh.CookieRegex(s.Cookie.Name, sel.Value)}}
			add(sel.Route, gwv1.HTTPRouteRule{Matches: []gwv1.HTTPRouteMatch{m}, BackendRefs: []gwv1.HTTPBackendRef{backend(sel.Colour, nil)}})
		}
	}

	def := gwv1.HTTPRouteRule{Matches: []gwv1.HTTPRouteMatch{prefixMatch(s.PathPrefix)}}
	if w := int32(s.CandidateWeight); w > 0 {
		live, candidate := backend(s.Live, ptr.To(100-w)), backend(s.Candidate(), ptr.To(w))
		if s.StickyCanary {
			live.Filters = stickyFilter(s, s.Live)
			candidate.Filters = stickyFilter(s, s.Candidate())
		}
		def.BackendRefs = []gwv1.HTTPBackendRef{live, candidate}
	} else {
		def.BackendRefs = []gwv1.HTTPBackendRef{backend(s.Live, nil)}
	}
	if p := int32(s.MirrorPercent); p > 0 {
		def.Filters = append(def.Filters, gwv1.HTTPRouteFilter{
			Type: gwv1.HTTPRouteFilterRequestMirror,
			RequestMirror: &gwv1.HTTPRequestMirrorFilter{
				BackendRef: backend(s.Candidate(), nil).BackendObjectReference,
				Percent:    ptr.To(p),
			},
		})
	}
	add(RuleDefault, def)
	return out
}

// stickyFilter has a backend of the canary answer with the cookie that
// selects its colour.
func stickyFilter(s Spec, colour string) []gwv1.HTTPRouteFilter {
	return []gwv1.HTTPRouteFilter{{
		Type: gwv1.HTTPRouteFilterResponseHeaderModifier,
		ResponseHeaderModifier: &gwv1.HTTPHeaderFilter{Add: []gwv1.HTTPHeader{{
			Name:  "Set-Cookie",
			Value: mesh.SetCookie(s.Cookie.Name, s.Cookie.Values[colour]),
		}}},
	}}
}
