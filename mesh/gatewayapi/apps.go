package gatewayapi

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/ptr"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// SharedGateway is the one Gateway every app of an environment attaches its
// HTTPRoute to, owned by the mesh side.
type SharedGateway struct {
	// Name and Namespace are the Gateway's. Required.
	Name, Namespace string
	// GatewayClassName is its class. Default: "istio".
	GatewayClassName string
	// Gateway holds the ports; its Name and Selector are not used. A
	// shared Gateway serves plain HTTP only for now: TLS is an error.
	// Defaults as mesh.Routing's.
	Gateway mesh.Gateway
}

// SharedObjects are the objects the apps share: the Gateway, with one
// plain HTTP listener per host of any app ("http-<i>", hosts sorted; "*"
// a listener without a hostname), each admitting routes from the apps'
// namespaces only (allowedRoutes selects them by their
// kubernetes.io/metadata.name label).
type SharedObjects struct {
	Gateway *gwv1.Gateway
}

// BuildApps returns the objects of the apps specs (defaults applied)
// sharing the Gateway g: the shared Gateway, and each app's objects by app
// name: its HTTPRoute attached to the shared Gateway (no section name: the
// listeners of the route's hostnames take it) and its per-colour Services,
// and no Gateway of its own. Where apps share a host, the Gateway API's
// precedence decides between their rules, and each app's rules are under
// its path prefix, so the longest prefix takes its requests and /cartoon
// never reaches /cart. It fails, naming both apps and the field, on what
// mesh.CheckApps reports as errors, and when an app's spec is not valid.
func BuildApps(g SharedGateway, specs []Spec) (SharedObjects, map[string]Objects, error) {
	var errs []error
	for _, msg := range validation.IsDNS1123Subdomain(g.Name) {
		errs = append(errs, fmt.Errorf("shared gateway name %q: %s", g.Name, msg))
	}
	for _, msg := range validation.IsDNS1123Label(g.Namespace) {
		errs = append(errs, fmt.Errorf("shared gateway namespace %q: %s", g.Namespace, msg))
	}
	if g.Gateway.TLS != nil {
		errs = append(errs, fmt.Errorf("shared gateway %s/%s: tls is not supported with api %q and several apps yet; serve plain HTTP or give each app a Gateway of its own", g.Namespace, g.Name, mesh.APIGatewayAPI))
	}
	for _, f := range mesh.CheckApps(AppsOf(specs)) {
		if f.Severity == mesh.Error {
			errs = append(errs, errors.New(f.Message))
		}
	}
	if g.GatewayClassName == "" {
		g.GatewayClassName = "istio"
	}
	if g.Gateway.HTTPPort == 0 {
		g.Gateway.HTTPPort = 80
	}
	specs = slices.SortedFunc(slices.Values(specs), func(a, b Spec) int { return cmp.Compare(a.App, b.App) })
	out := map[string]Objects{}
	hosts := map[string]bool{}
	namespaces := map[string]bool{}
	for _, s := range specs {
		if s.Gateway.TLS != nil || s.Gateway.HTTPSRedirect {
			errs = append(errs, fmt.Errorf("app %s: gateway.tls and gateway.httpsRedirect are not supported on a shared Gateway yet", s.App))
			continue
		}
		o, err := Build(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("app %s: %w", s.App, err))
			continue
		}
		o.Gateway = nil
		o.HTTPRoute.Spec.ParentRefs = []gwv1.ParentReference{{Name: gwv1.ObjectName(g.Name), Namespace: ptr.To(gwv1.Namespace(g.Namespace))}}
		out[s.App] = o
		for _, h := range s.Hosts {
			hosts[strings.ToLower(h)] = true
		}
		namespaces[s.Namespace] = true
	}
	if err := errors.Join(errs...); err != nil {
		return SharedObjects{}, nil, err
	}
	gw := &gwv1.Gateway{
		TypeMeta:   metav1.TypeMeta{APIVersion: gwv1.GroupVersion.String(), Kind: "Gateway"},
		ObjectMeta: metav1.ObjectMeta{Name: g.Name, Namespace: g.Namespace},
		Spec:       gwv1.GatewaySpec{GatewayClassName: gwv1.ObjectName(g.GatewayClassName)},
	}
	allowed := &gwv1.AllowedRoutes{Namespaces: &gwv1.RouteNamespaces{
		From: ptr.To(gwv1.NamespacesFromSelector),
		Selector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
			Key: corev1.LabelMetadataName, Operator: metav1.LabelSelectorOpIn, Values: slices.Sorted(maps.Keys(namespaces)),
		}}},
	}}
	for i, h := range slices.Sorted(maps.Keys(hosts)) {
		l := gwv1.Listener{Name: gwv1.SectionName(fmt.Sprintf("http-%d", i)), Port: gwv1.PortNumber(g.Gateway.HTTPPort), Protocol: gwv1.HTTPProtocolType, AllowedRoutes: allowed.DeepCopy()}
		if h != "*" {
			l.Hostname = ptr.To(gwv1.Hostname(h))
		}
		gw.Spec.Listeners = append(gw.Spec.Listeners, l)
	}
	return SharedObjects{Gateway: gw}, out, nil
}

// AppsOf returns the apps of specs as mesh.CheckApps reads them.
func AppsOf(specs []Spec) []mesh.App {
	var out []mesh.App
	for _, s := range specs {
		out = append(out, mesh.App{Name: s.App, Routing: s.Routing, Target: s.target()})
	}
	return out
}

// ModelOfApps returns the model of the shared objects and the apps', with
// the apps' namespaces as the API server labels them (the listeners select
// routes by them).
func ModelOfApps(s SharedObjects, apps map[string]Objects) Model {
	m := Model{Gateways: []*gwv1.Gateway{s.Gateway}}
	seen := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(apps)) {
		m.HTTPRoutes = append(m.HTTPRoutes, apps[name].Routes()...)
		m.Services = append(m.Services, apps[name].Services...)
		if ns := apps[name].HTTPRoute.Namespace; !seen[ns] {
			seen[ns] = true
			m.Namespaces = append(m.Namespaces, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{corev1.LabelMetadataName: ns}}})
		}
	}
	return m
}

// Answers evaluates each case through the whole Gateway of m, every app's
// HTTPRoute at once, and answers it (mesh.Answer): the app is the one
// whose HTTPRoute (named after the app, in its namespace) decided, the
// rule the rule's name, each destination a backend's colour with its
// share.
func Answers(m Model, specs []Spec, cases []mesh.Case) ([]mesh.Answer, error) {
	var out []mesh.Answer
	for _, c := range cases {
		r := c.Request
		o, err := m.Evaluate(Request{Host: r.Host, Scheme: r.Scheme, Method: r.Method, Path: r.Path, Headers: r.Headers})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		out = append(out, AnswerOf(o, specs, r))
	}
	return out, nil
}

// AnswerOf turns the outcome o of request r into its mesh.Answer (see
// Answers).
func AnswerOf(o Outcome, specs []Spec, r mesh.Request) mesh.Answer {
	a := mesh.Answer{Request: mesh.RequestOf(r), Destinations: []mesh.AnswerDestination{}, Notes: []string{}}
	switch {
	case o.NotEvaluated != "":
		a.Notes = append(a.Notes, o.NotEvaluated)
		return a
	case o.Redirect != "":
		a.Notes = append(a.Notes, fmt.Sprintf("%d to %s", o.Status, o.Redirect))
		return a
	case len(o.Backends) == 0:
		a.Notes = append(a.Notes, fmt.Sprintf("%d: %s", o.Status, o.Reason))
		return a
	}
	for _, s := range specs {
		if o.Route == key(s.Namespace, s.App) {
			a.App = s.App
		}
	}
	a.Rule = o.Rule
	for _, b := range o.Backends {
		a.Destinations = append(a.Destinations, mesh.AnswerDestination{Colour: b.Colour, Weight: b.Percent, Path: o.Path})
		for _, h := range b.ResponseHeaders {
			if strings.EqualFold(string(h.Name), "set-cookie") {
				a.Notes = append(a.Notes, fmt.Sprintf("%s answers with Set-Cookie: %s", b.Colour, h.Value))
			}
		}
		if b.Unresolved != "" {
			a.Notes = append(a.Notes, fmt.Sprintf("500 for %s's share: %s", b.Service, b.Unresolved))
		}
	}
	if len(o.Mirrors) > 0 {
		a.Mirror = &mesh.AnswerMirror{Colour: o.Mirrors[0].Colour, Percent: o.Mirrors[0].Percent}
	}
	if o.Status != 0 {
		a.Notes = append(a.Notes, fmt.Sprintf("%d: %s", o.Status, o.Reason))
	}
	return a
}
