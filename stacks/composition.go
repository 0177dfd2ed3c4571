package stacks

import (
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/constructs/addon"
	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/eks"
	"github.com/bluegreen-mesh/bluegreen/constructs/gatewayapicrds"
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/constructs/kiali"
	"github.com/bluegreen-mesh/bluegreen/constructs/meshnamespace"
	"github.com/bluegreen-mesh/bluegreen/constructs/routing"
)

// Kind is what a stack of an environment holds.
type Kind string

// Kinds of stacks.
const (
	// KindCluster is the <env>-cluster stack: the EKS cluster.
	KindCluster Kind = "cluster"
	// KindMesh is the <env>-mesh stack: Istio, Kiali, the namespace.
	KindMesh Kind = "mesh"
	// KindApp is an app's stack: its releases and their routing.
	KindApp Kind = "app"
)

// Stack is one stack of an environment, as Environment.Stacks describes it.
type Stack struct {
	// Name is the stack's name, such as "dev-mesh".
	Name string
	// Kind is what the stack holds.
	Kind Kind
	// App is the app of a KindApp stack; nil for the others.
	App *App
	// DependsOn are the stacks it is deployed after, by name.
	DependsOn []string
	// Constructs are the stack's constructs, in the order they are built.
	Constructs []Construct
}

// Construct is one construct of a stack: its id, what it creates and what
// it waits for, as its pure functions compute them from its props, and how
// New builds it (with the construct's own New, from the same props).
type Construct struct {
	// ID is the construct's id in its stack, part of the address of each
	// of its resources.
	ID string
	// Resources are everything the construct creates in the cluster (its
	// namespaces, secrets and Helm releases), in the order it creates
	// them; none for the EKS cluster, whose AWS resources nothing offline
	// reads.
	Resources addon.Resources
	// After are the constructs of the same stack, by ID, whose Helm
	// releases the construct waits for: those addon.Upstream stands for in
	// the Order of its Resources.
	After []string
	// HandsNamespaces says that the constructs after it wait for its
	// namespaces too, not only its Helm releases: the mesh namespace,
	// whose Resources (the namespace, then its releases) the shared
	// routing is created after. Default: false.
	HandsNamespaces bool

	// build creates the construct in stack, from the constructs built
	// before it (in set).
	build func(stack cdktf.TerraformStack, set *Set) error
}

// Stacks returns the environment's stacks in the order they are built and
// deployed, each with its constructs in order: the one composition of an
// environment, which New builds with cdktf and the offline pipeline (the
// routes, graph, check and promote commands, and the install plan of
// routes --envoy) reads without it.
//
//	<env>-cluster  eks: the EKS cluster, when e.Cluster is set
//	<env>-mesh     istio: the control plane and its ingress gateway;
//	               kiali, after it, in its namespace; with the Gateway
//	               API, gateway-api-crds, after it; namespace, after both
//	               (the namespace's pods need istiod's injector); then,
//	               after the namespace, the routing of the apps that
//	               share a host (sharedGroups): per ingress one shared
//	               Gateway (SharedGatewayName, SharedGatewayAPIName) and,
//	               with VirtualServices, one root VirtualService per
//	               shared host delegating each app's pathPrefix
//	<app stack>    per app, after the mesh stack: app, the releases and
//	               their Service in the mesh's namespace; routing, after
//	               it, served by the control plane's ingress gateway: a
//	               Gateway of its own for an app alone on its hosts, else
//	               the app's delegate VirtualService (or HTTPRoute) on the
//	               shared Gateway
//
// The app stacks read the mesh constructs' props only: nothing crosses
// between the stacks but the cluster's outputs. It returns every problem
// the constructs' pure functions find, joined.
func (e Environment) Stacks() ([]Stack, error) {
	var out []Stack
	if e.Cluster != nil {
		out = append(out, e.clusterStack())
	}
	cp := e.Mesh.Istio.WithDefaults()
	ns := e.Mesh.Namespace.WithDefaults()
	groups, err := e.sharedGroups(cp, ns)
	if err != nil {
		return nil, fmt.Errorf("environment %q: %w", e.Name, err)
	}
	meshStack, err := e.meshStack(groups)
	if err != nil {
		return nil, fmt.Errorf("environment %q: %w", e.Name, err)
	}
	if e.Cluster != nil {
		meshStack.DependsOn = []string{e.Name + ClusterSuffix}
	}
	out = append(out, meshStack)
	if len(e.Apps) == 0 {
		return nil, fmt.Errorf("environment %q: no apps: an environment has at least one", e.Name)
	}
	var errs []error
	seen := map[string]bool{}
	for _, a := range e.Apps {
		st, err := e.appStack(a, cp, ns, groups)
		if err == nil && seen[st.Name] {
			err = fmt.Errorf("stack %q: two apps in one stack", st.Name)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("app %q: %w", a.Name, err))
			continue
		}
		seen[st.Name] = true
		out = append(out, st)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("environment %q: %w", e.Name, err)
	}
	return out, nil
}

func (e Environment) clusterStack() Stack {
	return Stack{Name: e.Name + ClusterSuffix, Kind: KindCluster, Constructs: []Construct{{
		ID: "eks",
		build: func(stack cdktf.TerraformStack, set *Set) (err error) {
			set.EKS, err = eks.New(stack, "eks", *e.Cluster)
			if err == nil {
				clusterOutputs(stack, set.EKS)
			}
			return err
		},
	}}}
}

func (e Environment) meshStack(groups []sharedGroup) (Stack, error) {
	st := Stack{Name: e.MeshStack(), Kind: KindMesh}
	m := e.Mesh
	cp := m.Istio.WithDefaults()
	istioRes, err := cp.Resources()
	if err != nil {
		return st, fmt.Errorf("istio: %w", err)
	}
	st.Constructs = append(st.Constructs, Construct{
		ID: "istio", Resources: istioRes,
		build: func(stack cdktf.TerraformStack, set *Set) (err error) {
			set.Istio, err = istio.New(stack, "istio", m.Istio)
			return err
		},
	})
	kialiRes, err := m.Kiali.WithDefaults(cp.Namespace).Resources(cp)
	if err != nil {
		return st, fmt.Errorf("kiali: %w", err)
	}
	st.Constructs = append(st.Constructs, Construct{
		ID: "kiali", Resources: kialiRes, After: []string{"istio"},
		build: func(stack cdktf.TerraformStack, set *Set) (err error) {
			set.Kiali, err = kiali.New(stack, "kiali", m.Kiali, set.Istio)
			return err
		},
	})
	// The Gateway API CRDs only where the routing or the ambient waypoint
	// uses them: a cluster whose CRDs another owner manages (a platform
	// team, a cloud add-on) keeps them untouched unless an environment
	// asks for the Gateway API. The namespace (and its waypoint) comes
	// after them.
	nsAfter := []string{"istio"}
	switch {
	case e.NeedsGatewayAPICRDs() && m.ExistingGatewayAPICRDs:
		// The cluster's own CRDs, read and checked at plan time: nothing
		// installed, so no release.
		st.Constructs = append(st.Constructs, Construct{
			ID: "gateway-api-crds", After: []string{"istio"},
			build: func(stack cdktf.TerraformStack, set *Set) (err error) {
				set.CRDs, err = gatewayapicrds.UseExisting(stack, "gateway-api-crds", set.Istio.Props().Version, m.CRDsSetting)
				return err
			},
		})
		nsAfter = append(nsAfter, "gateway-api-crds")
	case e.NeedsGatewayAPICRDs():
		version, err := gatewayapicrds.Required(cp.Version)
		if err != nil {
			return st, fmt.Errorf("gateway API CRDs: %w", err)
		}
		st.Constructs = append(st.Constructs, Construct{
			ID:        "gateway-api-crds",
			Resources: addon.Resources{Releases: []addon.Release{gatewayapicrds.Release(cp.Namespace, version, cp.TimeoutSeconds)}},
			After:     []string{"istio"},
			build: func(stack cdktf.TerraformStack, set *Set) (err error) {
				cp := set.Istio
				set.CRDs, err = gatewayapicrds.New(stack, "gateway-api-crds", cp.Props().Version, cp.Props().Namespace, cp.Props().TimeoutSeconds, cp.Releases()...)
				return err
			},
		})
		nsAfter = append(nsAfter, "gateway-api-crds")
	}
	st.Constructs = append(st.Constructs, Construct{
		ID: "namespace", Resources: m.Namespace.WithDefaults().ResourcesFor(cp), After: nsAfter, HandsNamespaces: true,
		build: func(stack cdktf.TerraformStack, set *Set) (err error) {
			set.Namespace, err = meshnamespace.New(stack, "namespace", m.Namespace, set.Istio, set.CRDs)
			return err
		},
	})
	st.Constructs = append(st.Constructs, sharedConstructs(groups)...)
	return st, nil
}

func (e Environment) appStack(a App, cp istio.Props, ns meshnamespace.Props, groups []sharedGroup) (Stack, error) {
	name := a.stack(e.Name)
	st := Stack{Name: name, Kind: KindApp, App: &a, DependsOn: []string{e.MeshStack()}}
	props := bluegreen.WithNamespace(a.App, ns)
	st.Constructs = append(st.Constructs, Construct{
		ID: "app", Resources: addon.Resources{Releases: props.HelmReleases()},
		build: func(stack cdktf.TerraformStack, set *Set) (err error) {
			as := set.app(name)
			as.BlueGreen, err = bluegreen.New(stack, "app", a.App, set.Namespace)
			return err
		},
	})
	rels, _, err := routing.HelmReleases(a.Routing, props, cp)
	newRouting := func(stack cdktf.TerraformStack, set *Set, app *bluegreen.App) (*routing.Routing, error) {
		return routing.New(stack, "routing", a.Routing, app, set.Istio)
	}
	if g, ok := groupOf(groups, a.Name); ok {
		// An app that shares a host: its own routing (a delegate
		// VirtualService, or an HTTPRoute on the shared Gateway), without
		// a Gateway of its own.
		rels, _ = g.plan.AppReleases(a.Name)
		newRouting = func(stack cdktf.TerraformStack, _ *Set, app *bluegreen.App) (*routing.Routing, error) {
			return routing.NewAppRouting(stack, "routing", g.plan, a.Name, app)
		}
	} else if err != nil {
		return st, fmt.Errorf("routing: %w", err)
	}
	st.Constructs = append(st.Constructs, Construct{
		ID: "routing", Resources: addon.Resources{Releases: rels}, After: []string{"app"},
		build: func(stack cdktf.TerraformStack, set *Set) (err error) {
			as := set.app(name)
			as.Routing, err = newRouting(stack, set, as.BlueGreen)
			return err
		},
	})
	return st, nil
}
