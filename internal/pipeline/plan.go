package pipeline

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bluegreen-mesh/bluegreen/constructs/addon"
	"github.com/bluegreen-mesh/bluegreen/internal/meshinstall"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
)

// InstallPlan returns the plan by which meshinstall installs the
// environment's mesh and app stacks, computed from the constructs' pure
// specs (namespaces, secrets and Helm releases, and what each is created
// after) without synthesizing: the resources, attributes and order that
// meshinstall.Load reads from the synthesized stacks, which this package's
// test checks for every environment of the fixtures. Two things differ by
// design: a resource's logical ID is its construct path below the stack
// with "_" for "/" (such as istio_istiod), where cdktf adds a hash of the
// path; and a local chart's chart attribute is the chart's folder in the
// program (package charts), where a stack has its copy as an asset. The
// secrets' entries are the stacks' sensitive variables (Plan.Variables),
// never values.
func (e *Environment) InstallPlan() (*meshinstall.Plan, error) {
	ps, err := parts(e.Env)
	if err != nil {
		return nil, err
	}
	byPath := map[string]render.Release{}
	for _, r := range e.Releases {
		byPath[r.Path] = r
	}
	var stacks []*meshinstall.Stack
	// addrs are the addresses of each construct's resources, by spec ID;
	// releases those of its Helm releases, in order.
	addrs := map[string]map[string]string{}
	releases := map[string][]string{}
	for _, p := range ps {
		if len(stacks) == 0 || stacks[len(stacks)-1].Name != p.stack {
			stacks = append(stacks, &meshinstall.Stack{Name: p.stack})
		}
		st := stacks[len(stacks)-1]
		key := p.stack + "/" + p.construct
		addrs[key] = map[string]string{}
		add := func(typ, id string, o addon.Order, attrs map[string]any) (meshinstall.Resource, error) {
			r := meshinstall.Resource{Stack: p.stack, Type: typ, ID: strings.ReplaceAll(p.construct+"/"+id, "/", "_"), Path: key + "/" + id, Attrs: attrs}
			var deps []any
			for _, a := range o.After {
				if a == addon.Upstream {
					for _, u := range p.upstream {
						for _, d := range releases[p.stack+"/"+u] {
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
		rs := p.resources
		for _, n := range rs.Namespaces {
			r, err := add("kubernetes_namespace_v1", n.ID, n.Order, n.Attributes())
			if err != nil {
				return nil, err
			}
			st.Resources = append(st.Resources, r)
		}
		for _, s := range rs.Secrets {
			r, err := add("kubernetes_secret_v1", s.ID, s.Order, s.Attributes())
			if err != nil {
				return nil, err
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
				return nil, fmt.Errorf("environment %q: %s/%s: %w", e.Env.Name, key, spec.ID, err)
			}
			r, err := add("helm_release", spec.ID, spec.Order, attrs)
			if err != nil {
				return nil, err
			}
			rel, ok := byPath[r.Path]
			if !ok {
				return nil, fmt.Errorf("environment %q: %s: no release computed", e.Env.Name, r.Path)
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
	}
	var in []meshinstall.Stack
	for _, s := range stacks {
		in = append(in, *s)
	}
	plan, err := meshinstall.NewPlan(in...)
	if err != nil {
		return nil, fmt.Errorf("environment %q: %w", e.Env.Name, err)
	}
	return plan, nil
}
