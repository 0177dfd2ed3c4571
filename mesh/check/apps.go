package check

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// Apps runs the checks between the apps of an environment (BG014, BG015,
// BG016; see mesh.CheckApps) on their routing settings.
func Apps(apps []mesh.App) []Finding { return mesh.CheckApps(apps) }

// oneGatewayPerHost reports a host that two Istio Gateways serving the same
// ingress pods (equal selectors) declare on the same port (BG017): Istio
// serves it from one of them and ignores the other.
func oneGatewayPerHost(m *mesh.Model) []Finding {
	var out []Finding
	type claim struct {
		gw     string
		server int
	}
	seen := map[string]claim{}
	for _, gw := range m.Gateways {
		for i, s := range gw.Spec.GetServers() {
			for _, h := range s.GetHosts() {
				if _, after, ok := strings.Cut(h, "/"); ok {
					h = after
				}
				k := fmt.Sprintf("%v|%d|%s", selectorKey(gw.Spec.GetSelector()), s.GetPort().GetNumber(), strings.ToLower(h))
				first, dup := seen[k]
				if !dup {
					seen[k] = claim{gw.Namespace + "/" + gw.Name, i}
					continue
				}
				if first.gw == gw.Namespace+"/"+gw.Name {
					continue
				}
				out = append(out, finding("BG017", Error, object("Gateway", gw), fmt.Sprintf("spec.servers[%d].hosts", i),
					fmt.Sprintf("host %q on port %d is also declared by Gateway %s (spec.servers[%d]) on the same ingress pods; Istio serves it from one of them and ignores the other", h, s.GetPort().GetNumber(), first.gw, first.server)))
			}
		}
	}
	return out
}

func selectorKey(sel map[string]string) string {
	var parts []string
	for _, k := range sortedKeys(sel) {
		parts = append(parts, k+"="+sel[k])
	}
	return strings.Join(parts, ",")
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

// oneVirtualServicePerHost reports a host that two VirtualServices bound to
// the same Gateway route (BG018): Istio merges their routes in an order it
// does not promise. Delegate VirtualServices have no hosts, and are never
// counted.
func oneVirtualServicePerHost(m *mesh.Model) []Finding {
	var out []Finding
	seen := map[string]string{}
	for _, vs := range m.VirtualServices {
		for _, g := range vs.Spec.GetGateways() {
			if g == mesh.MeshGateway {
				continue
			}
			gns, gname := mesh.GatewayRef(g, vs.Namespace)
			for i, h := range vs.Spec.GetHosts() {
				k := gns + "/" + gname + "|" + strings.ToLower(h)
				name := vs.Namespace + "/" + vs.Name
				first, dup := seen[k]
				if !dup {
					seen[k] = name
					continue
				}
				if first == name {
					continue
				}
				out = append(out, finding("BG018", Error, object("VirtualService", vs), fmt.Sprintf("spec.hosts[%d]", i),
					fmt.Sprintf("host %q on Gateway %s/%s is also routed by VirtualService %s; Istio merges both in an order it does not promise", h, gns, gname, first)))
			}
		}
	}
	return out
}
