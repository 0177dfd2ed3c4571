// Package pipeline is the offline path from cdktf.json to what an
// environment deploys, shared by `routes`, `check`, `graph` and `promote`:
//
//	cdktf.json -> internal/config (props) -> the environment's description
//	(stacks.FromConfig, stacks.Environment.Stacks: each construct's pure
//	namespaces, secrets and Helm releases, in order) -> Helm's engine in
//	process (package render; Istio's own charts from the pinned module for
//	the analyzer) -> mesh.Model -> checks, routes, picture
//
// The same description, with the constructs' install order, gives the plan
// `routes --envoy` installs (InstallPlan).
//
// Nothing here composes an environment, creates a construct, starts Node
// or synthesizes: it reads the description that package stacks builds its
// stacks from, and each construct's New turns exactly the specs its pure
// function returns into resources (constructs/addon/specs_test.go). This
// package's test follows one path end to end, for every environment of
// the frozen fixtures: the releases it computes (count, names, namespaces,
// charts, values) and the install plan equal those that stacks.New
// synthesizes from the same description.
package pipeline

import (
	"errors"
	"fmt"
	"strings"

	"github.com/bluegreen-mesh/bluegreen/charts"
	"github.com/bluegreen-mesh/bluegreen/constructs/addon"
	"github.com/bluegreen-mesh/bluegreen/constructs/gatewayapicrds"
	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/verify"
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/check"
	"github.com/bluegreen-mesh/bluegreen/stacks"
)

// Spec is one Helm release of an environment, as its construct computes it
// from its props.
type Spec struct {
	// Stack is the stack the release is in, such as "dev-mesh".
	Stack string
	// Construct is the construct's id in the stack, such as "istio".
	Construct string
	// Release is the construct's spec of the release.
	Release addon.Release
}

// Path is the release's construct path, as cdktf records it in the
// synthesized JSON: <stack>/<construct>/<release id>.
func (s Spec) Path() string { return s.Stack + "/" + s.Construct + "/" + s.Release.ID }

// Specs returns the Helm releases of env's mesh and app stacks, in the
// order the stacks create them (see Of).
func Specs(env config.Environment) ([]Spec, error) {
	sts, err := stacks.FromConfig(env).Stacks()
	if err != nil {
		return nil, err
	}
	return specsOf(sts), nil
}

// inCluster are the stacks of sts that install into the cluster: the mesh
// and app stacks, whose constructs' Resources the pipeline reads.
func inCluster(sts []stacks.Stack) []stacks.Stack {
	var out []stacks.Stack
	for _, st := range sts {
		if st.Kind != stacks.KindCluster {
			out = append(out, st)
		}
	}
	return out
}

func specsOf(sts []stacks.Stack) []Spec {
	var out []Spec
	for _, st := range inCluster(sts) {
		for _, c := range st.Constructs {
			for _, r := range c.Resources.Releases {
				out = append(out, Spec{Stack: st.Name, Construct: c.ID, Release: r})
			}
		}
	}
	return out
}

// HelmRelease returns the helm_release the spec becomes, as package render
// reads one from a synthesized stack: the values as the one YAML document
// the construct writes and the set_sensitive entries of its
// {"fromVariable": ...} values, a local chart (one of package charts, or a chart
// folder) in ChartDir, a repository chart by name, repository and version.
// ID is the construct path below the stack, as synthesized IDs are not
// computed here.
func (s Spec) HelmRelease() (render.Release, error) {
	r := s.Release
	out := render.Release{
		Stack: s.Stack, ID: s.Construct + "/" + r.ID, Path: s.Path(),
		Name: r.Name, Namespace: r.Namespace,
	}
	if out.Namespace == "" {
		out.Namespace = "default"
	}
	values, sensitive, err := addon.SplitSensitive(r.Values)
	if err != nil {
		return render.Release{}, fmt.Errorf("%s: values: %w", s.Path(), err)
	}
	if len(values) > 0 {
		doc, err := addon.YAML(values)
		if err != nil {
			return render.Release{}, fmt.Errorf("%s: values: %w", s.Path(), err)
		}
		out.Values = []string{doc}
	}
	for _, sv := range sensitive {
		out.SetSensitive = append(out.SetSensitive, render.Set{Name: sv.Path, Value: sv.Reference(), Type: "string"})
	}
	switch c := r.Chart; {
	case c.Local != "":
		dir, err := charts.Dir(c.Local)
		if err != nil {
			return render.Release{}, fmt.Errorf("%s: %w", s.Path(), err)
		}
		out.Chart, out.ChartDir = c.Local, dir
	case c.Dir != "":
		out.Chart, out.ChartDir = c.Dir, c.Dir
	case c.Name != "":
		out.Chart, out.Repository, out.Version = c.Name, c.Repository, c.Version
	default:
		return render.Release{}, fmt.Errorf("%s: release %s has no chart", s.Path(), r.Name)
	}
	return out, nil
}

// Environment is one environment on its way through the pipeline.
type Environment struct {
	// Env is the environment, defaults applied (config.Load).
	Env config.Environment
	// Stacks are its mesh and app stacks, as stacks.Environment.Stacks
	// describes them: the constructs and their resources the pipeline
	// reads.
	Stacks []stacks.Stack
	// Specs are its Helm releases' specs, mesh stack first (Specs).
	Specs []Spec
	// Releases are the specs as helm_release resources, in the same order.
	Releases []render.Release
	// Namespaces are the namespaces its stacks create themselves
	// (kubernetes_namespace_v1), which the mesh model holds with the
	// rendered objects.
	Namespaces []addon.Namespace
}

// Load reads environment name from the cdktf.json at path, validated, and
// computes its releases.
func Load(path, name string) (*Environment, error) {
	envs, err := config.Load(path, name)
	if err != nil {
		return nil, err
	}
	return New(envs[0])
}

// Parse is Load on the file's content already read; path names it in
// errors.
func Parse(path string, data []byte, name string) (*Environment, error) {
	envs, err := config.Parse(path, data, name)
	if err != nil {
		return nil, err
	}
	return New(envs[0])
}

// New computes the releases of env (already loaded and validated), from
// its description (stacks.FromConfig).
func New(env config.Environment) (*Environment, error) {
	return Of(env, stacks.FromConfig(env))
}

// Of computes the releases of the environment that d describes; env is
// the environment of cdktf.json it comes from (its name, cluster version
// and acknowledgements), which New passes with stacks.FromConfig(env).
func Of(env config.Environment, d stacks.Environment) (*Environment, error) {
	sts, err := d.Stacks()
	if err != nil {
		return nil, err
	}
	sts = inCluster(sts)
	specs := specsOf(sts)
	e := &Environment{Env: env, Stacks: sts, Specs: specs}
	for _, st := range sts {
		for _, c := range st.Constructs {
			e.Namespaces = append(e.Namespaces, c.Resources.Namespaces...)
		}
	}
	var errs []error
	for _, s := range specs {
		r, err := s.HelmRelease()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		e.Releases = append(e.Releases, r)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("environment %q: %w", env.Name, err)
	}
	return e, nil
}

// KubeVersion is the Kubernetes minor version of the environment's
// cluster, which the charts are rendered for.
func (e *Environment) KubeVersion() string { return e.Env.Istio.KubernetesVersion }

// Rendered is what an environment's releases render to.
type Rendered struct {
	// Env is the environment.
	Env *Environment
	// Releases are the rendered releases: those with local charts, and
	// with Istio's charts when asked for.
	Releases []render.Rendered
	// Skipped are the releases not rendered, each with the reason.
	Skipped []render.Skipped
	// Model is the mesh model of the local charts' objects.
	Model *mesh.Model
	// Findings are bluegreen's checks' findings on Model, errors included:
	// the diagnostics report them and still answer.
	Findings []check.Finding
	// istio records whether Istio's charts were rendered.
	istio bool
	// kubeVersion is the version the charts were rendered for.
	kubeVersion string
}

// Render renders the environment's releases with Helm's engine for its
// cluster's Kubernetes version, decodes the local charts' objects into the
// mesh model and runs bluegreen's checks on it. With istioCharts, the
// releases of Istio's own charts are rendered too, from the module pinned
// in tools/go.mod (as the analyzer needs them; see verify.RenderOptions),
// or from the cache of an earlier run of the same program with the same
// values (see renderCache; BLUEGREEN_NO_RENDER_CACHE=1 turns it off);
// without, they are skipped, which routes and graph can afford. The
// Gateway API CRDs' chart is taken from the same cache in both cases.
func (e *Environment) Render(istioCharts bool) (*Rendered, error) {
	o := render.Options{KubeVersion: e.KubeVersion()}
	if istioCharts {
		o = verify.RenderOptions(e.KubeVersion())
	}
	// Istio's charts and the Gateway API CRDs come from the cache of an
	// earlier run when they can.
	cache := newRenderCache()
	cacheable := func(r render.Release) bool {
		return isCRDChart(r) || (istioCharts && verify.IsIstio(r))
	}
	cached := map[string][]render.Manifest{}
	var todo []render.Release
	for _, r := range e.Releases {
		if cacheable(r) {
			if ms, ok := cache.get(r, o.KubeVersion); ok {
				cached[r.Path] = ms
				continue
			}
		}
		todo = append(todo, r)
	}
	fresh, skipped, err := render.ReleasesWith(o, todo)
	if err != nil {
		return nil, fmt.Errorf("environment %q: %w", e.Env.Name, err)
	}
	byPath := map[string]render.Rendered{}
	for _, r := range fresh {
		if cacheable(r.Release) {
			cache.put(r.Release, o.KubeVersion, r.Manifests)
		}
		byPath[r.Path] = r
	}
	var rendered []render.Rendered
	for _, r := range e.Releases {
		if ms, ok := cached[r.Path]; ok {
			rendered = append(rendered, render.Rendered{Release: r, Manifests: ms})
		} else if rr, ok := byPath[r.Path]; ok {
			rendered = append(rendered, rr)
		}
	}
	m, err := render.ModelOf(rendered)
	if err != nil {
		return nil, fmt.Errorf("environment %q: %w", e.Env.Name, err)
	}
	for _, ns := range e.Namespaces {
		m.AddNamespace(ns.Name, ns.Labels)
	}
	return &Rendered{Env: e, Releases: rendered, Skipped: skipped, Model: m, Findings: check.Run(m), istio: istioCharts, kubeVersion: o.KubeVersion}, nil
}

// isCRDChart reports whether r installs the Gateway API CRDs from their
// local chart: a few megabytes of static YAML that Helm's engine takes about
// 0.4 s to parse, the same on every run of a build (the chart is embedded in
// the program, whose build ID is part of the cache key).
func isCRDChart(r render.Release) bool {
	return r.Local() && strings.HasPrefix(r.Chart, gatewayapicrds.ChartPrefix)
}

// FindingLines are the findings as the diagnostics print them, one per
// line, each naming the environment; the warnings the environment
// acknowledges are one line with their count.
func (r *Rendered) FindingLines() []string {
	var out []string
	kept, acked := check.Acknowledge(r.Findings, r.Env.Env.Acknowledge)
	for _, f := range kept {
		out = append(out, "environment "+r.Env.Env.Name+": "+f.String())
	}
	if line := check.AcknowledgedLine(r.Env.Env.Name, acked); line != "" {
		out = append(out, line)
	}
	return out
}

// Objects are the rendered objects for Istio's analyzer, with the istiod
// the Sail Operator installs for an Istio resource (verify.FromRendered).
// It needs Istio's charts rendered (Render(true)).
func (r *Rendered) Objects() (verify.Objects, error) {
	if !r.istio {
		return verify.Objects{}, errors.New("the analyzer needs Istio's charts rendered: call Render(true)")
	}
	return verify.FromRendered(r.Releases, r.Skipped, r.kubeVersion)
}
