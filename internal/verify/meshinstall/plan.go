// Package meshinstall installs what an environment's mesh and app stacks
// would create into a Kubernetes cluster, the way Terraform's helm and
// kubernetes providers would: every helm_release with Helm's own install,
// upgrade and uninstall actions (helm.sh/helm/v3/pkg/action, the code the
// helm provider runs), every kubernetes_* resource with client-go, in
// Terraform's dependency order (explicit depends_on and references), stack
// after stack. The plan comes from the synthesized stacks (Load:
// cdktf.out/stacks/<env>-mesh and <env>-app), or from the same resources
// computed without synthesizing (NewPlan, as
// pipeline.Environment.InstallPlan does).
//
// The providers themselves do not run (they cannot be built here); releases
// are installed without waiting for readiness, because no pod ever runs on
// the local control plane (package controlplane), and so without atomic
// either (in Helm, atomic implies waiting).
package meshinstall

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/bluegreen-mesh/bluegreen/internal/render"
)

// Resource is one resource of a synthesized stack.
type Resource struct {
	// Stack is the stack's name, such as "dev-mesh".
	Stack string
	// Type and ID are the resource's type ("helm_release") and logical ID.
	Type, ID string
	// Path is its construct path.
	Path string
	// Attrs holds its attributes as synthesized.
	Attrs map[string]any
	// DependsOn are the addresses ("type.id") of the resources of the same
	// stack it depends on, explicitly or through a reference.
	DependsOn []string
	// Release is the helm_release as package render reads it; nil for
	// other types.
	Release *render.Release
}

// Address is the resource's Terraform address within its stack.
func (r Resource) Address() string { return r.Type + "." + r.ID }

// String names the resource for messages: stack, address and, for a
// release, its Helm name.
func (r Resource) String() string {
	if r.Release != nil {
		return fmt.Sprintf("%s: %s (release %s/%s)", r.Stack, r.Address(), r.Release.Namespace, r.Release.Name)
	}
	return r.Stack + ": " + r.Address()
}

// Plan is the resources of some stacks in the order Terraform would create
// them.
type Plan struct {
	// Resources are in creation order: stack by stack as given, and within
	// a stack every resource after those it depends on.
	Resources []Resource
	// Variables are the names of the Terraform variables the stacks
	// declare, by stack.
	Variables map[string][]string
	// DataSources are the data sources of the stacks, stack by stack, as
	// Terraform reads them when it plans each stack, before it applies
	// anything of it (see CheckDataSources).
	DataSources []Resource
	// Locals are the local values the stacks declare, by stack.
	Locals map[string]map[string]any
}

// Load reads the stacks synthesized in stackDirs (in apply order, such as
// the mesh stack, then the app stack) and orders their resources.
func Load(stackDirs ...string) (*Plan, error) {
	var stacks []Stack
	for _, dir := range stackDirs {
		s, err := loadStack(dir)
		if err != nil {
			return nil, err
		}
		stacks = append(stacks, s)
	}
	return NewPlan(stacks...)
}

// Stack is the resources and variables of one stack, as a synthesized
// stack has them or as code that computes them without synthesizing
// (package pipeline) does.
type Stack struct {
	// Name is the stack's name, such as "dev-mesh".
	Name string
	// Resources are the stack's resources in any order. Each one's Attrs
	// are as Terraform reads them: depends_on holds the addresses of the
	// resources it waits for, and references (${type.id.attribute},
	// ${var.name}) stand for values known at apply time; DependsOn is
	// computed from them.
	Resources []Resource
	// Variables are the names of the Terraform variables the stack
	// declares.
	Variables []string
	// DataSources are the stack's data sources (Type without the "data."
	// of their address); a resource's depends_on may name them.
	DataSources []Resource
	// Locals are the stack's local values.
	Locals map[string]any
}

// NewPlan orders the resources of stacks (in apply order): stack by stack,
// and within a stack every resource after those its depends_on and its
// references name. It refuses a resource type the installer does not
// manage, two resources with one address, a dependency on a resource the
// stack does not have and a dependency cycle.
func NewPlan(stacks ...Stack) (*Plan, error) {
	p := &Plan{Variables: map[string][]string{}, Locals: map[string]map[string]any{}}
	for _, s := range stacks {
		rs, err := order(s)
		if err != nil {
			return nil, err
		}
		vars := slices.Clone(s.Variables)
		slices.Sort(vars)
		p.Variables[s.Name] = vars
		p.Resources = append(p.Resources, rs...)
		for _, d := range s.DataSources {
			if slices.Contains(ProviderData, d.Type) {
				continue
			}
			if !slices.Contains(ManagedData, d.Type) {
				return nil, fmt.Errorf("%s: data source type %s is not read by the harness (it reads %s)", s.Name, d.Type, strings.Join(ManagedData, ", "))
			}
			p.DataSources = append(p.DataSources, d)
		}
		p.Locals[s.Name] = s.Locals
	}
	return p, nil
}

// Managed are the resource types the installer creates; a stack with any
// other resource type is refused rather than half installed.
var Managed = []string{"helm_release", "kubernetes_namespace_v1", "kubernetes_secret_v1"}

// ManagedData are the data source types the installer reads (data.go).
var ManagedData = []string{"kubernetes_resources"}

// ProviderData are the data source types that only configure providers
// (the cluster stack's outputs, an EKS token): the installer reaches the
// cluster through its own Options, so it leaves them unread. A data
// source of any other type is refused.
var ProviderData = []string{"terraform_remote_state", "aws_eks_cluster_auth"}

// refPattern finds the references in an attribute value, such as
// ${kubernetes_namespace_v1.x.metadata[0].name}; group 1 is the address.
var refPattern = regexp.MustCompile(`\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)`)

func loadStack(dir string) (Stack, error) {
	stack := filepath.Base(dir)
	b, err := os.ReadFile(filepath.Join(dir, "cdk.tf.json"))
	if err != nil {
		return Stack{}, err
	}
	var doc struct {
		Resource map[string]map[string]map[string]any `json:"resource"`
		Data     map[string]map[string]map[string]any `json:"data"`
		Variable map[string]any                       `json:"variable"`
		Locals   map[string]any                       `json:"locals"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return Stack{}, fmt.Errorf("%s: %w", dir, err)
	}
	releases, err := render.Releases(dir)
	if err != nil {
		return Stack{}, err
	}
	byID := map[string]*render.Release{}
	for i := range releases {
		byID[releases[i].ID] = &releases[i]
	}
	s := Stack{Name: stack}
	for typ, byName := range doc.Resource {
		for id, attrs := range byName {
			r := Resource{Stack: stack, Type: typ, ID: id, Attrs: attrs, Path: render.ConstructPath(attrs)}
			if typ == "helm_release" {
				r.Release = byID[id]
			}
			s.Resources = append(s.Resources, r)
		}
	}
	for typ, byName := range doc.Data {
		for id, attrs := range byName {
			s.DataSources = append(s.DataSources, Resource{Stack: stack, Type: typ, ID: id, Attrs: attrs, Path: render.ConstructPath(attrs)})
		}
	}
	slices.SortFunc(s.DataSources, func(a, b Resource) int { return strings.Compare(a.Path+a.ID, b.Path+b.ID) })
	s.Locals = doc.Locals
	for name := range doc.Variable {
		s.Variables = append(s.Variables, name)
	}
	return s, nil
}

// order returns the resources of s, each with its DependsOn, in creation
// order.
func order(s Stack) ([]Resource, error) {
	stack := s.Name
	all := slices.Clone(s.Resources)
	addrs := map[string]bool{}
	for i, r := range all {
		if !slices.Contains(Managed, r.Type) {
			return nil, fmt.Errorf("%s: resource type %s is not installed by the harness (it installs %s)", stack, r.Type, strings.Join(Managed, ", "))
		}
		if r.Stack != stack {
			return nil, fmt.Errorf("%s: %s is in stack %q", stack, r.Address(), r.Stack)
		}
		if r.Type == "helm_release" && r.Release == nil {
			return nil, fmt.Errorf("%s: %s has no release", stack, r.Address())
		}
		if addrs[r.Address()] {
			return nil, fmt.Errorf("%s: two resources have the address %s", stack, r.Address())
		}
		addrs[r.Address()] = true
		all[i].DependsOn = nil
	}
	data := map[string]bool{}
	for _, d := range s.DataSources {
		data["data."+d.Type+"."+d.ID] = true
	}
	for i := range all {
		deps := map[string]bool{}
		for _, d := range render.List(all[i].Attrs["depends_on"]) {
			addr, _ := d.(string)
			// Data sources are read before anything is applied
			// (CheckDataSources).
			if !data[addr] {
				deps[addr] = true
			}
		}
		withoutMeta := map[string]any{}
		for k, v := range all[i].Attrs {
			if k != "//" && k != "depends_on" {
				withoutMeta[k] = v
			}
		}
		j, _ := json.Marshal(withoutMeta)
		for _, m := range refPattern.FindAllStringSubmatch(string(j), -1) {
			if addrs[m[1]] {
				deps[m[1]] = true
			}
		}
		for d := range deps {
			if !addrs[d] {
				return nil, fmt.Errorf("%s: %s depends on %s, which the stack does not have", stack, all[i].Address(), d)
			}
			all[i].DependsOn = append(all[i].DependsOn, d)
		}
		slices.Sort(all[i].DependsOn)
	}
	return topoSort(stack, all)
}

// topoSort orders rs so that each comes after its dependencies; among the
// resources that are ready at once, the construct path decides, so the
// order is the same on every run.
func topoSort(stack string, rs []Resource) ([]Resource, error) {
	slices.SortFunc(rs, func(a, b Resource) int { return strings.Compare(a.Path+a.Address(), b.Path+b.Address()) })
	done := map[string]bool{}
	var out []Resource
	for len(out) < len(rs) {
		progressed := false
		for _, r := range rs {
			if done[r.Address()] {
				continue
			}
			ready := true
			for _, d := range r.DependsOn {
				ready = ready && done[d]
			}
			if ready {
				done[r.Address()] = true
				out = append(out, r)
				progressed = true
				break
			}
		}
		if !progressed {
			var left []string
			for _, r := range rs {
				if !done[r.Address()] {
					left = append(left, r.Address())
				}
			}
			return nil, fmt.Errorf("%s: dependency cycle among %s", stack, strings.Join(left, ", "))
		}
	}
	return out, nil
}

// RandomVariables gives every variable of the plan a random value, for an
// install into a throwaway cluster without the user's secrets.
func (p *Plan) RandomVariables() map[string]string {
	vars := map[string]string{}
	for _, names := range p.Variables {
		for _, n := range names {
			b := make([]byte, 12)
			rand.Read(b)
			vars[n] = hex.EncodeToString(b)
		}
	}
	return vars
}

// Resolved returns the attributes of every resource of p, in order, with
// every reference replaced as Apply replaces them when each resource is
// applied: var.<name> from vars, <type>.<id>.<attribute> from the
// resolved attributes of the earlier resources of its stack. The result
// holds the variables' values: never print it.
func (p *Plan) Resolved(vars map[string]string) ([]map[string]any, error) {
	state := map[string]map[string]map[string]any{}
	var out []map[string]any
	for _, r := range p.Resources {
		if state[r.Stack] == nil {
			state[r.Stack] = map[string]map[string]any{}
		}
		attrs, err := resolver{vars: vars, state: state[r.Stack]}.resolveAll(r.Attrs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r, err)
		}
		m := attrs.(map[string]any)
		state[r.Stack][r.Address()] = m
		out = append(out, m)
	}
	return out, nil
}
