package stacks

import (
	"cmp"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/constructs/addon"
	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/constructs/meshnamespace"
	"github.com/bluegreen-mesh/bluegreen/constructs/routing"
	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// SharedGatewayName is the name of the shared Gateway of the apps that
// share a host on the control plane's ingress gateway with api
// "virtualService" (a second selector's is "<name>-2", and so on), and
// the prefix of its root VirtualServices, "<name>-<host>". No app's
// release is named so: an app's releases are "<app>-<role>" and no role
// is "ingress".
const SharedGatewayName = "shared-ingress"

// SharedGatewayAPIName is the name of the shared Gateway of the apps
// that share a host with api "gatewayAPI".
const SharedGatewayAPIName = "shared-ingress-gatewayapi"

// sharedGroup is the apps that share hosts on one ingress, routed through
// one shared Gateway in the mesh stack.
type sharedGroup struct {
	// id is the construct's id in the mesh stack and the Gateway's name.
	id   string
	plan routing.SharedPlan
	apps []string
}

// sharedGroups returns the environment's apps that share a host with
// another app on the same ingress (the same routing.api and, with
// "virtualService", the same gateway.selector), one group per ingress:
// each group's Gateway and root VirtualServices live in the mesh stack,
// each of its apps' own routing in the app's stack. An app alone on its
// hosts keeps a Gateway of its own, as an environment of one app does.
// The apps of a group must agree on their gateway settings (ports, tls,
// httpsRedirect), which one Gateway then declares for every host of the
// group.
func (e Environment) sharedGroups(cp istio.Props, ns meshnamespace.Props) ([]sharedGroup, error) {
	type entry struct {
		app   App
		props routing.Props
		bg    bluegreen.Props
	}
	byIngress := map[string][]entry{}
	for _, a := range e.Apps {
		bg := bluegreen.WithNamespace(a.App, ns)
		rp := routing.WithGateway(a.Routing, bg, cp)
		k := routing.IngressOf(rp)
		byIngress[k] = append(byIngress[k], entry{a, rp, bg})
	}
	var out []sharedGroup
	vsGroups := 0
	for _, k := range slices.Sorted(maps.Keys(byIngress)) {
		on := byIngress[k]
		hostApps := map[string][]string{}
		for _, x := range on {
			for _, h := range x.props.Hosts {
				h = strings.ToLower(h)
				if !slices.Contains(hostApps[h], x.app.Name) {
					hostApps[h] = append(hostApps[h], x.app.Name)
				}
			}
		}
		sharing := map[string]bool{}
		for _, names := range hostApps {
			if len(names) > 1 {
				for _, n := range names {
					sharing[n] = true
				}
			}
		}
		var members []entry
		for _, x := range on {
			if sharing[x.app.Name] {
				members = append(members, x)
			}
		}
		if len(members) == 0 {
			continue
		}
		slices.SortFunc(members, func(a, b entry) int { return cmp.Compare(a.app.Name, b.app.Name) })
		api := members[0].props.API
		id := SharedGatewayAPIName
		if api != mesh.APIGatewayAPI {
			vsGroups++
			id = SharedGatewayName
			if vsGroups > 1 {
				id = fmt.Sprintf("%s-%d", SharedGatewayName, vsGroups)
			}
		}
		gw := gatewaySettings(members[0].props.Gateway)
		sp := routing.SharedProps{Name: id, Namespace: ns.WithDefaults().Name, API: api, Gateway: gw}
		g := sharedGroup{id: id}
		for _, x := range members {
			if other := gatewaySettings(x.props.Gateway); !reflect.DeepEqual(other, gw) {
				return nil, fmt.Errorf("apps %s and %s share the ingress gateway (%s) and serve hosts through one Gateway, %q, but their gateway settings differ (%s: %s; %s: %s): give every app that shares a host the same routing.gateway ports, tls and httpsRedirect",
					members[0].app.Name, x.app.Name, k, id, members[0].app.Name, describeGateway(gw), x.app.Name, describeGateway(other))
			}
			sp.Apps = append(sp.Apps, routing.AppRouting{Name: x.app.Name, Props: x.props, App: x.bg})
			g.apps = append(g.apps, x.app.Name)
		}
		plan, err := routing.PlanShared(sp, cp)
		if err != nil {
			return nil, fmt.Errorf("shared gateway %q: %w", id, err)
		}
		g.plan = plan
		out = append(out, g)
	}
	return out, nil
}

// gatewaySettings are the settings of g one shared Gateway declares for
// every app: all but its name.
func gatewaySettings(g mesh.Gateway) mesh.Gateway {
	g.Name = ""
	return g
}

func describeGateway(g mesh.Gateway) string {
	s := fmt.Sprintf("httpPort %d", g.HTTPPort)
	if g.TLS != nil {
		s += fmt.Sprintf(", httpsPort %d, tls.credentialName %q, mode %s, minProtocolVersion %s, httpsRedirect %t", g.HTTPSPort, g.TLS.CredentialName, g.TLS.Mode, g.TLS.MinProtocolVersion, g.HTTPSRedirect)
	} else {
		s += ", no tls"
	}
	return s
}

// groupOf returns the shared group app name is routed through, if any.
func groupOf(groups []sharedGroup, name string) (sharedGroup, bool) {
	for _, g := range groups {
		if slices.Contains(g.apps, name) {
			return g, true
		}
	}
	return sharedGroup{}, false
}

// sharedConstructs are the constructs of the mesh stack that hold the
// routing objects the apps of groups share, after the namespace: per
// group, its Gateway and, with VirtualServices, one root VirtualService
// per shared host that delegates each app's path prefix to the app's own
// VirtualService (in the app's stack).
func sharedConstructs(groups []sharedGroup) []Construct {
	var out []Construct
	for _, g := range groups {
		g := g
		out = append(out, Construct{
			ID: g.id, Resources: addon.Resources{Releases: g.plan.SharedReleases()}, After: []string{"namespace"},
			build: func(stack cdktf.TerraformStack, set *Set) error {
				sg, err := routing.NewSharedGateway(stack, g.id, g.plan, set.Namespace.Resources()...)
				if err != nil {
					return err
				}
				if set.SharedGateways == nil {
					set.SharedGateways = map[string]*routing.SharedGateway{}
				}
				set.SharedGateways[g.id] = sg
				return nil
			},
		})
	}
	return out
}
