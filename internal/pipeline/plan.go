package pipeline

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bluegreen-mesh/bluegreen/constructs/addon"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/verify"
	"github.com/bluegreen-mesh/bluegreen/stacks"
)

// InstallPlan returns the plan by which meshinstall installs the
// environment's mesh and app stacks, read from their description (each
// construct's namespaces, secrets and Helm releases, and what each is
// created after: stacks.Construct) without synthesizing: the resources, attributes and order that
// verify.LoadStacks reads from the synthesized stacks, which this package's
// test checks for every environment of the fixtures. Two things differ by
// design: a resource's logical ID is its construct path below the stack
// with "_" for "/" (such as istio_istiod), where cdktf adds a hash of the
// path; and a local chart's chart attribute is the chart's folder in the
// program (package charts), where a stack has its copy as an asset. The
// secrets' entries are the stacks' sensitive variables (Plan.Variables),
// never values.
func (e *Environment) InstallPlan() (*verify.Plan, error) {
	byPath := map[string]render.Release{}
	for _, r := range e.Releases {
		byPath[r.Path] = r
	}
	var in []verify.Stack
	// addrs are the addresses of each construct's resources, by spec ID;
	// releases those its dependents wait for (addon.Upstream): its Helm
	// releases, in order, after its namespaces where it hands them
	// (stacks.Construct.HandsNamespaces).
	addrs := map[string]map[string]string{}
	releases := map[string][]string{}
	for _, described := range e.Stacks {
		st := verify.Stack{Name: described.Name}
		for _, c := range described.Constructs {
			if err := e.planConstruct(&st, c, addrs, releases, byPath); err != nil {
				return nil, err
			}
		}
		in = append(in, st)
	}
	plan, err := verify.NewPlan(in...)
	if err != nil {
		return nil, fmt.Errorf("environment %q: %w", e.Env.Name, err)
	}
	return plan, nil
}

// planConstruct appends the resources of construct c, in the order it
// creates them, to st. addrs are the addresses of each construct's
// resources so far, by construct path and spec ID; releases those of its
// Helm releases, in order; byPath the environment's releases.
func (e *Environment) planConstruct(st *verify.Stack, c stacks.Construct, addrs map[string]map[string]string, releases map[string][]string, byPath map[string]render.Release) error {
	key := st.Name + "/" + c.ID
	addrs[key] = map[string]string{}
	add := func(typ, id string, o addon.Order, attrs map[string]any) (verify.Resource, error) {
		r := verify.Resource{Stack: st.Name, Type: typ, ID: strings.ReplaceAll(c.ID+"/"+id, "/", "_"), Path: key + "/" + id, Attrs: attrs}
		var deps []any
		for _, a := range o.After {
			if a == addon.Upstream {
				for _, u := range c.After {
					for _, d := range releases[st.Name+"/"+u] {
						deps = append(deps, d)
					}
				}
				continue
			}
			d, ok := addrs[key][a]
			if !ok {
				return r, fmt.Errorf("environment %q: %s is created after %s, which %s does not create before it", e.Env.Name, r.Path, a, key)
			}
			deps = append(deps, d)
		}
		if len(deps) > 0 {
			attrs["depends_on"] = deps
		}
		addrs[key][id] = r.Address()
		return r, nil
	}
	rs := c.Resources
	for _, n := range rs.Namespaces {
		r, err := add("kubernetes_namespace_v1", n.ID, n.Order, n.Attributes())
		if err != nil {
			return err
		}
		st.Resources = append(st.Resources, r)
		if c.HandsNamespaces {
			releases[key] = append(releases[key], r.Address())
		}
	}
	for _, s := range rs.Secrets {
		r, err := add("kubernetes_secret_v1", s.ID, s.Order, s.Attributes())
		if err != nil {
			return err
		}
		st.Resources = append(st.Resources, r)
		for _, v := range s.Variables() {
			if !slices.Contains(st.Variables, v.Name) {
				st.Variables = append(st.Variables, v.Name)
			}
		}
	}
	for _, spec := range rs.Releases {
		attrs, err := spec.Attributes()
		if err != nil {
			return fmt.Errorf("environment %q: %s/%s: %w", e.Env.Name, key, spec.ID, err)
		}
		r, err := add("helm_release", spec.ID, spec.Order, attrs)
		if err != nil {
			return err
		}
		rel, ok := byPath[r.Path]
		if !ok {
			return fmt.Errorf("environment %q: %s: no release computed", e.Env.Name, r.Path)
		}
		if rel.Local() {
			attrs["chart"] = rel.ChartDir
		}
		rel.ID, rel.Attrs = r.ID, attrs
		for _, d := range render.List(attrs["depends_on"]) {
			rel.DependsOn = append(rel.DependsOn, d.(string))
		}
		r.Release = &rel
		st.Resources = append(st.Resources, r)
		releases[key] = append(releases[key], r.Address())
	}
	return nil
}
