package gatewayistiod_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	corev1 "k8s.io/api/core/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/bluegreen-mesh/bluegreen/internal/controlplane"
	"github.com/bluegreen-mesh/bluegreen/internal/envoyroutes"
	"github.com/bluegreen-mesh/bluegreen/internal/istiocharts"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
)

// row is one request answered both ways.
type row struct {
	req                 gatewayapi.Request
	evaluator, envoy    string
	routeConfig, vhRule string
}

// gatewayProxy is the xDS identity of the pods Istio deploys for Gateway
// ns/name.
func gatewayProxy(ns, name string) envoyroutes.Proxy {
	return envoyroutes.Proxy{Namespace: ns, IstioVersion: istiocharts.Release, Labels: map[string]string{gatewayNameLabel: name}}
}

// sidecarProxy is the xDS identity of a sidecar of a caller in ns.
func sidecarProxy(ns string) envoyroutes.Proxy {
	return envoyroutes.Proxy{Namespace: ns, IstioVersion: istiocharts.Release, Labels: map[string]string{"app": "caller"}, Sidecar: true}
}

// check reads the routes istiod sends proxy and wants each request
// answered as the evaluator answers it on the objects stored in ns,
// printing both answers where they differ. It gives istiod's
// (debounced) push up to 30 s to reflect the stored objects before it
// reports a disagreement: until then, it reads the routes again each
// second. It returns the number of requests that agree.
func check(t *testing.T, c *cluster, ist *controlplane.Istiod, ns string, proxy envoyroutes.Proxy, reqs []gatewayapi.Request) int {
	t.Helper()
	ctx := context.Background()
	m := c.stored(t, ns)
	var rows []row
	var rcs []*routev3.RouteConfiguration
	deadline := time.Now().Add(30 * time.Second)
	for {
		var err error
		rcs, err = envoyroutes.Fetch(ctx, ist.XDSAddr, proxy)
		if err == nil {
			rows = compare(t, m, rcs, reqs)
		}
		if err == nil && agreeing(rows) == len(rows) {
			break
		}
		if time.Now().After(deadline) {
			if err != nil {
				t.Fatalf("routes of %s: %v", who(proxy), err)
			}
			break
		}
		time.Sleep(time.Second)
	}
	if len(rows) != len(reqs) {
		t.Fatalf("%d requests answered; want %d", len(rows), len(reqs))
	}
	agree := agreeing(rows)
	if agree != len(rows) {
		var b strings.Builder
		envoyroutes.PrintRoutes(&b, rcs)
		t.Errorf("%s: %d of %d requests answered differently by the evaluator and by the Envoy routes istiod generated:\n%s\nroutes:\n%s",
			who(proxy), len(rows)-agree, len(rows), table(rows), b.String())
	}
	t.Logf("%s: %d of %d requests agree", who(proxy), agree, len(rows))
	return agree
}

// who names the proxy: "Gateway ns/name" or "a sidecar in ns".
func who(p envoyroutes.Proxy) string {
	if p.Sidecar {
		return "a sidecar in " + p.Namespace
	}
	return "Gateway " + p.Namespace + "/" + p.Labels[gatewayNameLabel]
}

// answer returns the evaluator's answer to r on the objects stored in ns,
// in evaluatorSays's words.
func answer(t *testing.T, c *cluster, ns string, r gatewayapi.Request) string {
	t.Helper()
	o, err := c.stored(t, ns).Evaluate(r)
	if err != nil {
		t.Fatal(err)
	}
	return evaluatorSays(o)
}

// compare answers each request with the evaluator and with Envoy's
// semantics on the route configurations rcs: for HTTPS those named
// "https.*" (the one whose virtual hosts admit the host, as SNI picks a
// filter chain), for HTTP those named "http.*", and for an in-mesh call to
// a Service the sidecar's outbound one for its port, named after the port,
// with the Service's cluster-local name as the host.
func compare(t *testing.T, m gatewayapi.Model, rcs []*routev3.RouteConfiguration, reqs []gatewayapi.Request) []row {
	t.Helper()
	var rows []row
	for _, r := range reqs {
		want, err := m.Evaluate(r)
		if err != nil {
			t.Fatalf("evaluate %s: %v", describe(r), err)
		}
		tls := r.Scheme == "https"
		er := envoyroutes.Request{Host: r.Host, Path: r.Path, Method: r.Method, Headers: headers(r), TLS: tls}
		serves := func(rc *routev3.RouteConfiguration) bool { return strings.HasPrefix(rc.GetName(), "https.") == tls }
		if r.Service != "" {
			ns, name, _ := strings.Cut(r.Service, "/")
			er.Host = name + "." + ns + ".svc.cluster.local"
			serves = func(rc *routev3.RouteConfiguration) bool { return rc.GetName() == strconv.Itoa(r.Port) }
		}
		got := envoyroutes.Outcome{NotFound: "no route configuration for the scheme"}
		rw := row{req: r, evaluator: evaluatorSays(want)}
		for _, rc := range rcs {
			if !serves(rc) {
				continue
			}
			o, err := envoyroutes.Evaluate(rc, er)
			if err != nil {
				t.Fatalf("Envoy's answer to %s, route configuration %s: %v", describe(r), rc.GetName(), err)
			}
			got, rw.routeConfig = o, rc.GetName()
			if o.VirtualHost != "" {
				break
			}
		}
		rw.envoy = envoySays(got, m.Services)
		rw.vhRule = got.VirtualHost + " " + got.Route
		rows = append(rows, rw)
	}
	return rows
}

func agreeing(rows []row) int {
	n := 0
	for _, r := range rows {
		if r.evaluator == r.envoy {
			n++
		}
	}
	return n
}

func table(rows []row) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REQUEST\tEVALUATOR\tENVOY\tROUTE CONFIG / VIRTUAL HOST / ROUTE\tAGREE")
	for _, r := range rows {
		agree := "yes"
		if r.evaluator != r.envoy {
			agree = "NO"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s %s\t%s\n", describe(r.req), r.evaluator, r.envoy, r.routeConfig, r.vhRule, agree)
	}
	tw.Flush()
	return b.String()
}

// describe writes a request as "GET https://host/path [name: value ...]".
func describe(r gatewayapi.Request) string {
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
// cookies appended to the Cookie header with "; " (Request's contract).
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

// evaluatorSays writes the evaluator's outcome in the words envoySays
// uses: "404", "redirect <status> <location>", "status <status>", or
// "<backends>; path <path>" with each backend as "namespace/name:port
// colour percent%" and its response headers, then the rule's response
// headers and mirrors.
func evaluatorSays(o gatewayapi.Outcome) string {
	switch {
	case o.Status == 404:
		return "404"
	case o.Redirect != "":
		return fmt.Sprintf("redirect %d %s", o.Status, o.Redirect)
	case o.Status != 0:
		return fmt.Sprintf("status %d", o.Status)
	}
	var backends, mirrors []string
	for _, b := range o.Backends {
		backends = append(backends, fmt.Sprintf("%s %g%%", backend(b.Service, strconv.Itoa(b.Port), b.Colour), b.Percent)+gatewayHeaders(b.ResponseHeaders))
	}
	for _, m := range o.Mirrors {
		mirrors = append(mirrors, fmt.Sprintf("%s %g%%", backend(m.Service, strconv.Itoa(m.Port), m.Colour), m.Percent))
	}
	return says(backends, o.Path, gatewayHeaders(o.ResponseHeaders), mirrors)
}

// envoySays writes Envoy's outcome in evaluatorSays's words; an Istio
// cluster's host names a Service, whose colour label svcs give.
func envoySays(o envoyroutes.Outcome, svcs []*corev1.Service) string {
	switch {
	case o.NotFound != "":
		return "404"
	case o.Redirect != "":
		return fmt.Sprintf("redirect %d %s", o.RedirectStatus, o.Redirect)
	case o.Direct != 0:
		return fmt.Sprintf("status %d", o.Direct)
	}
	var backends, mirrors []string
	for _, d := range o.Destinations {
		backends = append(backends, fmt.Sprintf("%s %d%%", service(d.Host, d.Port, svcs), d.Weight)+envoyHeaders(d.ResponseHeaders))
	}
	for _, m := range o.Mirrors {
		mirrors = append(mirrors, fmt.Sprintf("%s %g%%", service(m.Host, m.Port, svcs), m.Percent))
	}
	return says(backends, o.Path, envoyHeaders(o.ResponseHeaders), mirrors)
}

func says(backends []string, path, headers string, mirrors []string) string {
	s := strings.Join(backends, ", ") + "; path " + path + headers
	if len(mirrors) > 0 {
		s += "; mirror " + strings.Join(mirrors, ", ")
	}
	return s
}

// service reads an Istio cluster's "name.namespace.svc.cluster.local" and
// port as backend does, with the colour label of the Service in svcs.
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

// gatewayHeaders and envoyHeaders write response headers as
// " (name: value, ...)" with lower-case names (HTTP header names are
// case-insensitive), or "" when there are none.
func gatewayHeaders(hs []gwv1.HTTPHeader) string {
	var parts []string
	for _, h := range hs {
		parts = append(parts, strings.ToLower(string(h.Name))+": "+h.Value)
	}
	return inParens(parts)
}

func envoyHeaders(hs []envoyroutes.Header) string {
	var parts []string
	for _, h := range hs {
		parts = append(parts, strings.ToLower(h.Name)+": "+h.Value)
	}
	return inParens(parts)
}

func inParens(parts []string) string {
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
