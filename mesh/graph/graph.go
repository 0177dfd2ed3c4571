// Package graph draws an app's routing as a picture: client → Gateway →
// VirtualService rules (with their conditions, in order) → subsets →
// releases, or, for the Gateway API, client → Gateway → HTTPRoute rules
// (numbered in the order their precedence decides) → Services → releases, with the live and candidate colours marked and the weights on
// the edges. It writes Mermaid (for READMEs and pull requests) and Graphviz
// DOT (and, where Graphviz is installed, SVG and PNG).
package graph

import (
	"fmt"
	"maps"
	"os/exec"
	"regexp"
	"slices"
	"strings"

	networkingv1 "istio.io/api/networking/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
)

// node is one box of the picture.
type node struct {
	id, label, shape, class string
}

// edge is one arrow.
type edge struct {
	from, to, label string
}

// Graph is the picture, independent of the output format.
type Graph struct {
	nodes []node
	edges []edge
}

func (g *Graph) node(n node) string {
	if !slices.ContainsFunc(g.nodes, func(o node) bool { return o.id == n.id }) {
		g.nodes = append(g.nodes, n)
	}
	return n.id
}

func (g *Graph) edge(from, to, label string) {
	g.edges = append(g.edges, edge{from, to, label})
}

// Build draws the routing in m.
func Build(m *mesh.Model) *Graph {
	g := &Graph{}
	live, candidates := m.Intent()
	// One client, for every host of every Gateway: with several apps, each
	// Gateway (a shared one, or an app's own) adds its hosts.
	var hosts []string
	for _, gw := range m.Gateways {
		for _, s := range gw.Spec.GetServers() {
			for _, h := range s.GetHosts() {
				if !slices.Contains(hosts, h) {
					hosts = append(hosts, h)
				}
			}
		}
	}
	for _, gw := range m.Gateways {
		var servers []string
		for _, s := range gw.Spec.GetServers() {
			desc := fmt.Sprintf("%s :%d", s.GetPort().GetProtocol(), s.GetPort().GetNumber())
			if c := s.GetTls().GetCredentialName(); c != "" {
				desc += " (" + c + ")"
			}
			if s.GetTls().GetHttpsRedirect() {
				desc += " → HTTPS"
			}
			servers = append(servers, desc)
		}
		client := g.node(node{id: "client", label: "client<br/>" + strings.Join(hosts, ", "), shape: "stadium"})
		gwID := g.node(node{id: id("gw", gw.Name), label: "Gateway " + gw.Name + "<br/>" + strings.Join(servers, ", "), shape: "box"})
		g.edge(client, gwID, "")
	}
	for _, vs := range m.VirtualServices {
		vsID := g.node(node{id: id("vs", vs.Name), label: "VirtualService " + vs.Name + "<br/>" + strings.Join(vs.Spec.GetHosts(), ", "), shape: "box"})
		for _, ref := range vs.Spec.GetGateways() {
			if ref == mesh.MeshGateway {
				continue
			}
			gwID := ""
			if gw := m.GatewayOf(ref, vs.Namespace); gw != nil {
				gwID = id("gw", gw.Name)
			} else {
				// A reference to a Gateway of another namespace, or to none,
				// is drawn as such, not as the same-named Gateway here.
				gns, name := mesh.GatewayRef(ref, vs.Namespace)
				gwID = g.node(node{id: id("gw", gns, name), label: "Gateway " + gns + "/" + name + "<br/>(not among the objects)", shape: "box"})
			}
			g.edge(gwID, vsID, "")
		}
		for i, r := range vs.Spec.GetHttp() {
			ruleID := g.node(node{id: fmt.Sprintf("%s_r%d", vsID, i+1), label: fmt.Sprintf("%d. %s<br/>%s", i+1, mesh.RouteName(r, i), conditions(r)), shape: "rhombus"})
			g.edge(vsID, ruleID, "")
			if d := r.GetDelegate(); d != nil {
				// A root's route hands the request to the app's delegate,
				// drawn with its own rules (a delegate has no hosts).
				g.edge(ruleID, g.node(node{id: id("vs", d.GetName()), label: "VirtualService " + d.GetName() + "<br/>", shape: "box"}), "delegate")
			}
			for j, d := range r.GetRoute() {
				w := mesh.Weight(r, j)
				g.edge(ruleID, subsetNode(g, m, vs.Namespace, d.GetDestination(), live, candidates), fmt.Sprintf("%d%%", w))
			}
		}
	}
	drawGatewayAPI(g, m, live, candidates)
	return g
}

// drawGatewayAPI draws the Gateway API objects of m: client → Gateway →
// HTTPRoute → its rules, numbered in the order that decides (precedence,
// not list order) → the colours' Services → releases.
func drawGatewayAPI(g *Graph, m *mesh.Model, live string, candidates []string) {
	for _, gw := range m.KubernetesGateways {
		var listeners, hosts []string
		for _, l := range gw.Object.Spec.Listeners {
			host := "*"
			if l.Hostname != nil {
				host = string(*l.Hostname)
			}
			if !slices.Contains(hosts, host) {
				hosts = append(hosts, host)
			}
			desc := fmt.Sprintf("%s :%d", l.Protocol, l.Port)
			if !slices.Contains(listeners, desc) {
				listeners = append(listeners, desc)
			}
		}
		client := g.node(node{id: "client", label: "client<br/>" + strings.Join(hosts, ", "), shape: "stadium"})
		gwID := g.node(node{id: id("k8sgw", gw.Object.Name), label: "Gateway " + gw.Object.Name + " (class " + string(gw.Object.Spec.GatewayClassName) + ")<br/>" + strings.Join(listeners, ", "), shape: "box"})
		g.edge(client, gwID, "")
	}
	var routes []*gwv1.HTTPRoute
	for _, r := range m.HTTPRoutes {
		routes = append(routes, r.Object)
		var hosts []string
		for _, h := range r.Object.Spec.Hostnames {
			hosts = append(hosts, string(h))
		}
		rID := g.node(node{id: id("route", r.Object.Name), label: "HTTPRoute " + r.Object.Name + "<br/>" + strings.Join(hosts, ", "), shape: "box"})
		for _, ref := range r.Object.Spec.ParentRefs {
			if ref.Kind == nil || *ref.Kind == "Gateway" {
				g.edge(g.node(node{id: id("k8sgw", string(ref.Name)), label: "Gateway " + string(ref.Name) + "<br/>(not among the objects)", shape: "box"}), rID, "")
			}
		}
	}
	ranked, err := gatewayapi.Ranked(routes)
	if err != nil {
		return
	}
	for i, rr := range ranked {
		rID := id("route", rr.Route.Name)
		ruleID := g.node(node{id: fmt.Sprintf("%s_r%d", rID, i+1), label: fmt.Sprintf("%d. %s<br/>%s", i+1, rr.Name, rr.Precedence), shape: "rhombus"})
		g.edge(rID, ruleID, "")
		rule := rr.Route.Spec.Rules[rr.Rule]
		total := int32(0)
		for _, b := range rule.BackendRefs {
			total += backendWeight(b)
		}
		for _, b := range rule.BackendRefs {
			pct := 0.0
			if total > 0 {
				pct = float64(backendWeight(b)) * 100 / float64(total)
			}
			g.edge(ruleID, serviceNode(g, m, rr.Route.Namespace, string(b.Name), live, candidates), fmt.Sprintf("%g%%", pct))
		}
	}
}

func backendWeight(b gwv1.HTTPBackendRef) int32 {
	if b.Weight == nil {
		return 1
	}
	return *b.Weight
}

// serviceNode draws a colour's Service and the release behind it.
func serviceNode(g *Graph, m *mesh.Model, ns, name, live string, candidates []string) string {
	svcID := id("svc", name)
	if slices.ContainsFunc(g.nodes, func(n node) bool { return n.id == svcID }) {
		return svcID
	}
	colour, selector := "", "(no such Service)"
	for _, s := range m.Services {
		if s.Service.Name == name && s.Service.Namespace == ns {
			colour = s.Service.Labels[gatewayapi.ColourLabel]
			var parts []string
			for _, k := range slices.Sorted(maps.Keys(s.Service.Spec.Selector)) {
				parts = append(parts, k+"="+s.Service.Spec.Selector[k])
			}
			selector = strings.Join(parts, ", ")
		}
	}
	g.node(node{id: svcID, label: "Service " + name + "<br/>" + selector, shape: "box"})
	if colour == "" {
		colour = "(no colour label)"
	}
	g.edge(svcID, releaseNode(g, m.Resolve(mesh.Destination{Host: name}, ns), id("release", name), colour, live, candidates), "")
	return svcID
}

// subsetNode draws a destination's subset and the release behind it.
func subsetNode(g *Graph, m *mesh.Model, ns string, d *networkingv1.Destination, live string, candidates []string) string {
	subset := d.GetSubset()
	subID, relID, of := id("subset", subset), id("release", subset), ""
	if severalApps(m) {
		// Several apps' colours share names: each app's are its own, and
		// so is its live colour.
		name, _, _ := strings.Cut(d.GetHost(), ".")
		subID, relID, of = id("subset", d.GetHost(), subset), id("release", d.GetHost(), subset), " of "+name
		if l, c, ok := intentOf(m, d.GetHost()); ok {
			live, candidates = l, c
		}
	}
	if slices.ContainsFunc(g.nodes, func(n node) bool { return n.id == subID }) {
		return subID
	}
	labelsOf := "(not in any DestinationRule)"
	if s, ok := m.Subset(d.GetHost(), subset, ns); ok {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(s.GetLabels())) {
			parts = append(parts, k+"="+s.GetLabels()[k])
		}
		labelsOf = strings.Join(parts, ", ")
	}
	g.node(node{id: subID, label: "subset " + subset + of + "<br/>" + labelsOf, shape: "box"})
	resolved := m.Resolve(mesh.Destination{Host: d.GetHost(), Subset: subset}, ns)
	g.edge(subID, releaseNode(g, resolved, relID, subset, live, candidates), "")
	return subID
}

// intentOf returns the live colour and the candidates of the app whose
// Service is host, from the annotations on the VirtualService that routes
// to it (mesh.LiveAnnotation, mesh.CandidateAnnotation).
func intentOf(m *mesh.Model, host string) (string, []string, bool) {
	for _, vs := range m.VirtualServices {
		live, ok := vs.Annotations[mesh.LiveAnnotation]
		if !ok {
			continue
		}
		for _, r := range vs.Spec.GetHttp() {
			for _, d := range r.GetRoute() {
				if d.GetDestination().GetHost() == host {
					var cands []string
					if c, ok := vs.Annotations[mesh.CandidateAnnotation]; ok {
						cands = []string{c}
					}
					return live, cands, true
				}
			}
		}
	}
	return "", nil, false
}

// severalApps reports whether m's DestinationRules are those of more than
// one app (host).
func severalApps(m *mesh.Model) bool {
	hosts := map[string]bool{}
	for _, dr := range m.DestinationRules {
		hosts[dr.Spec.GetHost()] = true
	}
	return len(hosts) > 1
}

// releaseNode draws the release behind a colour (a subset or a colour's
// Service), marked live or candidate, and returns its id.
func releaseNode(g *Graph, resolved mesh.Destination, relID, colour, live string, candidates []string) string {
	role, class := "", ""
	switch {
	case colour == live:
		role, class = " (live)", "live"
	case slices.Contains(candidates, colour):
		role, class = " (candidate)", "candidate"
	}
	label := "no release"
	if resolved.Release != "" {
		label = fmt.Sprintf("release %s%s<br/>%s, %d replicas", resolved.Release, role, resolved.Deployment, resolved.Replicas)
		if resolved.Text != "" {
			label += "<br/>answers " + resolved.Text
		}
	}
	return g.node(node{id: relID, label: label, shape: "box", class: class})
}

// conditions describes a route's match blocks: blocks are alternatives
// ("or"), conditions within a block all hold ("and").
func conditions(r *networkingv1.HTTPRoute) string {
	if len(r.GetMatch()) == 0 {
		return "any request"
	}
	var blocks []string
	for _, m := range r.GetMatch() {
		var conds []string
		if u := m.GetUri(); u != nil {
			conds = append(conds, "path "+stringMatch(u))
		}
		for _, name := range slices.Sorted(maps.Keys(m.GetHeaders())) {
			conds = append(conds, header(name, m.GetHeaders()[name]))
		}
		for _, name := range slices.Sorted(maps.Keys(m.GetQueryParams())) {
			conds = append(conds, "query "+name+" "+stringMatch(m.GetQueryParams()[name]))
		}
		for _, name := range slices.Sorted(maps.Keys(m.GetWithoutHeaders())) {
			conds = append(conds, "not "+header(name, m.GetWithoutHeaders()[name]))
		}
		if len(conds) == 0 {
			conds = append(conds, "any request")
		}
		blocks = append(blocks, strings.Join(conds, " and "))
	}
	desc := strings.Join(blocks, " or ")
	if rw := r.GetRewrite(); rw != nil && rw.GetUri() != "" {
		desc += "<br/>rewrite to " + rw.GetUri()
	}
	if re := r.GetRewrite().GetUriRegexRewrite(); re != nil {
		desc += "<br/>rewrite " + re.GetMatch() + " to " + re.GetRewrite()
	}
	return desc
}

// cookieRE recognizes the pattern mesh.CookieRegex generates.
var cookieRE = regexp.MustCompile(`^\^\(\.\*;\\s\*\)\?(.+)=(.+)\\s\*\(;\.\*\)\?\$$`)

func header(name string, m *networkingv1.StringMatch) string {
	if name == "cookie" && m.GetRegex() != "" {
		if sub := cookieRE.FindStringSubmatch(m.GetRegex()); sub != nil {
			cname, value := unquote(sub[1]), unquote(sub[2])
			if mesh.CookieRegex(cname, value) == m.GetRegex() {
				return "cookie " + cname + "=" + value
			}
		}
	}
	return "header " + name + " " + stringMatch(m)
}

// unquote undoes regexp.QuoteMeta.
func unquote(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func stringMatch(m *networkingv1.StringMatch) string {
	switch {
	case m.GetExact() != "":
		return "= " + m.GetExact()
	case m.GetPrefix() != "":
		return "starts " + m.GetPrefix()
	case m.GetRegex() != "":
		return "~ " + m.GetRegex()
	}
	return "present"
}

// nonIDRE matches what a Mermaid or DOT node ID cannot hold.
var nonIDRE = regexp.MustCompile(`[^A-Za-z0-9]+`)

// id makes a node ID from parts: letters, digits and underscores only.
func id(parts ...string) string {
	return nonIDRE.ReplaceAllString(strings.Join(parts, "_"), "_")
}

// Mermaid renders the graph as a Mermaid flowchart.
func (g *Graph) Mermaid() string {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for _, n := range g.nodes {
		open, close := "[", "]"
		switch n.shape {
		case "stadium":
			open, close = "([", "])"
		case "rhombus":
			open, close = "{{", "}}"
		}
		fmt.Fprintf(&b, "  %s%s\"%s\"%s\n", n.id, open, mermaidText(n.label), close)
	}
	for _, e := range g.edges {
		if e.label != "" {
			fmt.Fprintf(&b, "  %s -->|%s| %s\n", e.from, mermaidText(e.label), e.to)
		} else {
			fmt.Fprintf(&b, "  %s --> %s\n", e.from, e.to)
		}
	}
	b.WriteString("  classDef live fill:#dbeafe,stroke:#1d4ed8,stroke-width:2px\n")
	b.WriteString("  classDef candidate fill:#dcfce7,stroke:#15803d,stroke-dasharray:4 3\n")
	for _, class := range []string{"live", "candidate"} {
		var ids []string
		for _, n := range g.nodes {
			if n.class == class {
				ids = append(ids, n.id)
			}
		}
		if len(ids) > 0 {
			fmt.Fprintf(&b, "  class %s %s\n", strings.Join(ids, ","), class)
		}
	}
	return b.String()
}

// mermaidText escapes text for a quoted Mermaid label; <br/> stays a line
// break.
func mermaidText(s string) string {
	r := strings.NewReplacer(`"`, "#quot;", "<br/>", "\x00", "<", "#lt;", ">", "#gt;", "|", "#124;")
	return strings.ReplaceAll(r.Replace(s), "\x00", "<br/>")
}

// DOT renders the graph as Graphviz DOT.
func (g *Graph) DOT() string {
	var b strings.Builder
	b.WriteString("digraph routing {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=10];\n")
	for _, n := range g.nodes {
		shape := map[string]string{"stadium": "oval", "rhombus": "hexagon"}[n.shape]
		if shape == "" {
			shape = "box"
		}
		attrs := fmt.Sprintf("shape=%s, label=%q", shape, strings.ReplaceAll(n.label, "<br/>", "\n"))
		switch n.class {
		case "live":
			attrs += `, style="filled,bold", fillcolor="#dbeafe", color="#1d4ed8"`
		case "candidate":
			attrs += `, style="filled,dashed", fillcolor="#dcfce7", color="#15803d"`
		}
		fmt.Fprintf(&b, "  %s [%s];\n", n.id, attrs)
	}
	for _, e := range g.edges {
		if e.label != "" {
			fmt.Fprintf(&b, "  %s -> %s [label=%q];\n", e.from, e.to, e.label)
		} else {
			fmt.Fprintf(&b, "  %s -> %s;\n", e.from, e.to)
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// RenderDOT turns DOT into format ("svg" or "png") with Graphviz's dot, if
// it is installed; ok is false when it is not.
func RenderDOT(dot, format string) (out []byte, ok bool, err error) {
	path, err := exec.LookPath("dot")
	if err != nil {
		return nil, false, nil
	}
	cmd := exec.Command(path, "-T"+format)
	cmd.Stdin = strings.NewReader(dot)
	out, err = cmd.Output()
	if err != nil {
		return nil, true, fmt.Errorf("dot -T%s: %w", format, err)
	}
	return out, true, nil
}
