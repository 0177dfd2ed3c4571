package envoyroutes

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
)

// GatewayNameLabel is the label Istio gives the pods it deploys for a
// Gateway of class istio, and selects them by.
const GatewayNameLabel = "gateway.networking.k8s.io/gateway-name"

// CompareGateway answers each request with the Gateway API evaluator
// (mesh/gatewayapi) on m and with Envoy's semantics on the route
// configurations istiod generated: for HTTPS those named "https.*" (the
// one whose virtual hosts admit the host, as SNI picks a filter chain),
// for HTTP those named "http.*", and for an in-mesh call to a Service the
// sidecar's outbound one for its port, named after the port, with the
// Service's cluster-local name as the host. Both answers are in the same
// words: backends as "namespace/name:port colour percent%" with their
// response headers, the path, the rule's response headers, mirrors and
// timeout (answer.String).
func CompareGateway(m gatewayapi.Model, rcs []*routev3.RouteConfiguration, reqs []gatewayapi.Request) ([]Row, error) {
	var rows []Row
	for _, r := range reqs {
		want, err := m.Evaluate(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", Describe(r), err)
		}
		h := headers(r)
		tls := r.Scheme == "https"
		er := Request{Host: r.Host, Path: r.Path, Method: r.Method, Headers: h, TLS: tls}
		serves := func(rc *routev3.RouteConfiguration) bool { return strings.HasPrefix(rc.GetName(), "https.") == tls }
		if r.Service != "" {
			ns, name, _ := strings.Cut(r.Service, "/")
			er.Host = name + "." + ns + ".svc.cluster.local"
			serves = func(rc *routev3.RouteConfiguration) bool { return rc.GetName() == strconv.Itoa(r.Port) }
		}
		got, rc, err := evaluateFirst(rcs, er, serves)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", Describe(r), err)
		}
		name := func(host, port, _ string) string { return service(host, port, m.Services) }
		rows = append(rows, Row{
			Case:   mesh.Case{Name: Describe(r), Request: mesh.Request{Host: r.Host, Path: r.Path, Method: r.Method, Scheme: r.Scheme, Headers: h}},
			Routes: SummaryOfGateway(want), Envoy: ofEnvoy(got, name).String(), RouteConfig: rc, Route: decided(got),
		})
	}
	return rows, nil
}

// SummaryOfGateway says what the Gateway API evaluator does with a
// request, in CompareGateway's words.
func SummaryOfGateway(o gatewayapi.Outcome) string {
	if o.NotEvaluated != "" {
		return o.NotEvaluated
	}
	a := answer{notFound: o.Status == 404, status: o.Status, redirect: o.Redirect, path: o.Path, headers: gatewayHeaders(o.ResponseHeaders), timeout: o.Timeout,
		host: o.Hostname, reqHeaders: gatewayHeaders(append(slices.Clone(o.RequestHeaders.Set), o.RequestHeaders.Add...)),
		reqRemoved: o.RequestHeaders.Remove, respRemoved: o.ResponseHeadersRemoved}
	for _, b := range o.Backends {
		a.targets = append(a.targets, target{name: backend(b.Service, strconv.Itoa(b.Port), b.Colour), percent: b.Percent, headers: gatewayHeaders(b.ResponseHeaders),
			reqHeaders: gatewayHeaders(append(slices.Clone(b.RequestHeaders.Set), b.RequestHeaders.Add...)), reqRemoved: b.RequestHeaders.Remove, respRemoved: b.ResponseHeadersRemoved})
	}
	for _, m := range o.Mirrors {
		a.mirrors = append(a.mirrors, target{name: backend(m.Service, strconv.Itoa(m.Port), m.Colour), percent: m.Percent})
	}
	return a.String()
}

func gatewayHeaders(hs []gwv1.HTTPHeader) []Header {
	var out []Header
	for _, h := range hs {
		out = append(out, Header{Name: string(h.Name), Value: h.Value})
	}
	return out
}

// CompareGatewayCases is CompareGateway for cases, each row keeping its
// case (and so its name).
func CompareGatewayCases(m gatewayapi.Model, rcs []*routev3.RouteConfiguration, cases []mesh.Case) ([]Row, error) {
	rows, err := CompareGateway(m, rcs, RequestsOf(cases))
	if err != nil {
		return nil, err
	}
	for i := range rows {
		rows[i].Case = cases[i]
	}
	return rows, nil
}

// RequestsOf returns cases as requests to the Gateway API evaluator.
func RequestsOf(cases []mesh.Case) []gatewayapi.Request {
	var out []gatewayapi.Request
	for _, c := range cases {
		r := c.Request
		out = append(out, gatewayapi.Request{Host: r.Host, Scheme: r.Scheme, Method: r.Method, Path: r.Path, Headers: r.Headers})
	}
	return out
}

// Describe writes a request as "GET https://host/path [name: value ...]",
// or, for an in-mesh call, "GET namespace/name:port/path (in-mesh) ...".
func Describe(r gatewayapi.Request) string {
	scheme, method := r.Scheme, r.Method
	if scheme == "" {
		scheme = "http"
	}
	if method == "" {
		method = "GET"
	}
	s := method + " " + scheme + "://" + r.Host + r.Path
	if r.Service != "" {
		s = fmt.Sprintf("%s %s:%d%s (in-mesh)", method, r.Service, r.Port, r.Path)
	}
	if h := headers(r); len(h) > 0 {
		s += fmt.Sprint(" ", h)
	}
	return s
}

// headers returns the request's headers with lower-case names, its
// cookies appended to the Cookie header with "; " (gatewayapi.Request's
// contract).
func headers(r gatewayapi.Request) map[string]string {
	h := map[string]string{}
	for k, v := range r.Headers {
		h[strings.ToLower(k)] = v
	}
	cookies := slices.Clone(r.Cookies)
	if c := h["cookie"]; c != "" {
		cookies = slices.Insert(cookies, 0, c)
	}
	if len(cookies) > 0 {
		h["cookie"] = strings.Join(cookies, "; ")
	}
	return h
}

// service names the Service of an Istio cluster's host,
// "name.namespace.svc.cluster.local", and port as backend does, with the
// colour label of the Service in svcs.
func service(host, port string, svcs []*corev1.Service) string {
	name, rest, _ := strings.Cut(host, ".")
	ns, _, _ := strings.Cut(rest, ".")
	colour := ""
	for _, s := range svcs {
		if s.Namespace == ns && s.Name == name {
			colour = s.Labels[gatewayapi.ColourLabel]
		}
	}
	return backend(ns+"/"+name, port, colour)
}

// backend writes a Service, "namespace/name", and port as
// "namespace/name:port", followed by the colour if it has one.
func backend(svc, port, colour string) string {
	if colour == "" {
		return svc + ":" + port
	}
	return svc + ":" + port + " " + colour
}

// GatewayAPIProxy returns the identity of the pods Istio deploys for the
// first Gateway of class istio in m, as istiod's gateway deployment
// controller stores them: it waits (up to 60 s) for a Deployment in the
// Gateway's namespace whose pod template carries the Gateway's
// gateway-name label, and for a Service there that selects those pods
// (istiod gives a gateway the listeners of its Service's ports), and
// presents the pod template's labels. It fails when m has no Gateway of
// class istio, or when istiod deploys no such Deployment and Service,
// which on a real cluster means no Envoy would ever get the Gateway's
// routes.
func GatewayAPIProxy(ctx context.Context, c kubernetes.Interface, m gatewayapi.Model, istioVersion string) (Proxy, error) {
	i := slices.IndexFunc(m.Gateways, func(g *gwv1.Gateway) bool { return g.Spec.GatewayClassName == "istio" })
	if i < 0 {
		return Proxy{}, fmt.Errorf("the stacks create no Gateway of class istio (of %d Gateways)", len(m.Gateways))
	}
	gw := m.Gateways[i]
	start := time.Now()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
	}
	missing := ""
	for {
		p, err := deployedGateway(ctx, c, gw)
		if err == nil {
			return Proxy{Namespace: gw.Namespace, Labels: p, IstioVersion: istioVersion}, nil
		}
		missing = err.Error()
		select {
		case <-ctx.Done():
			return Proxy{}, fmt.Errorf("istiod deployed no gateway for Gateway %s/%s in %s: %s", gw.Namespace, gw.Name, time.Since(start).Round(time.Second), missing)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// deployedGateway returns the pod labels of the Deployment Istio deployed
// for gw, once a Service selects those pods too.
func deployedGateway(ctx context.Context, c kubernetes.Interface, gw *gwv1.Gateway) (map[string]string, error) {
	deps, err := c.AppsV1().Deployments(gw.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(deps.Items, func(d appsv1.Deployment) bool { return d.Spec.Template.Labels[GatewayNameLabel] == gw.Name })
	if i < 0 {
		return nil, fmt.Errorf("none of the %d Deployments in %s has pods labelled %s=%s", len(deps.Items), gw.Namespace, GatewayNameLabel, gw.Name)
	}
	pods := labels.Set(deps.Items[i].Spec.Template.Labels)
	svcs, err := c.CoreV1().Services(gw.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(svcs.Items, func(s corev1.Service) bool {
		return len(s.Spec.Selector) > 0 && labels.SelectorFromSet(s.Spec.Selector).Matches(pods)
	}) {
		return nil, fmt.Errorf("Deployment %s/%s is there, but none of the %d Services in %s selects its pods", gw.Namespace, deps.Items[i].Name, len(svcs.Items), gw.Namespace)
	}
	return pods, nil
}
