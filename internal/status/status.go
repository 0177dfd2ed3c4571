// Package status reads what is live in an environment's cluster and how
// it differs from what the environment deploys: per app the live colour
// and weights of its VirtualService or HTTPRoute (and the bluegreen.io/live
// annotation) beside cdktf.json's routing.live, each colour's Deployment
// replicas, each Helm release's revision, state and chart version (Helm's
// own storage, through Helm's actions), the mesh's Deployments, and drift.
//
// Drift compares every object the offline pipeline renders for the
// environment (the objects its install plan installs) with the live one by
// the API server's own machinery: a server-side apply of the rendered
// object as a dry run (nothing is persisted) returns the live object with
// bluegreen's fields set as bluegreen sets them, with the server's defaults
// and normalization applied to both sides; every field where that result
// differs from the live object is drift. Fields bluegreen does not set,
// server-set metadata and status never count. It writes nothing.
package status

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/pipeline"
	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// FieldManager is the field manager of status's dry-run applies.
const FieldManager = "bluegreen-status"

// Report is what status found. Its JSON is `status --output json`
// (docs/status.md).
type Report struct {
	// Environment is the environment's name.
	Environment string `json:"environment"`
	// Cluster names the cluster and how it was reached.
	Cluster string `json:"cluster"`
	// Apps are the environment's apps, sorted by name.
	Apps []App `json:"apps"`
	// Releases are the environment's Helm releases, in install order.
	Releases []Release `json:"releases"`
	// Mesh are the mesh stack's Deployments (istiod, the gateway).
	Mesh []Workload `json:"mesh"`
	// Drift are the differences; empty when the cluster holds what the
	// environment deploys.
	Drift []Drift `json:"drift"`
	// NotCompared are the releases whose objects could not be rendered
	// offline, with the reason; their Helm state is still in Releases.
	NotCompared []NotCompared `json:"notCompared"`
	// Problems are hints about the drift as a whole, such as missing CRDs.
	Problems []string `json:"problems"`
}

// App is one app's routing and colours.
type App struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	// ConfiguredLive is routing.live in cdktf.json.
	ConfiguredLive string `json:"configuredLive"`
	// Routing is the live routing object.
	Routing Routing `json:"routing"`
	// Colours are the colours' Deployments.
	Colours []Workload `json:"colours"`
	// Metrics are the promotion gate's figures of the live colour and the
	// other one, when Prometheus is configured (filled by the caller with
	// package gate); MetricsError says why there are none.
	Metrics      []Figures `json:"metrics,omitempty"`
	MetricsError string    `json:"metricsError,omitempty"`
}

// Figures are one colour's figures over the gate's window; null where
// Prometheus had no data.
type Figures struct {
	Colour      string   `json:"colour"`
	Workload    string   `json:"workload"`
	Window      string   `json:"window"`
	Requests    *float64 `json:"requests"`
	SuccessRate *float64 `json:"successRate"`
	P99Ms       *float64 `json:"p99Ms"`
}

// Routing is an app's VirtualService or HTTPRoute as the cluster holds it.
type Routing struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Found is false when the object is not in the cluster.
	Found bool `json:"found"`
	// Live is its bluegreen.io/live annotation.
	Live string `json:"live"`
	// Weights are the destinations of its default rule (the one without
	// a match) and their weights.
	Weights []Weight `json:"weights"`
}

// Weight is one destination of a default rule.
type Weight struct {
	// Destination is the VirtualService's subset or the HTTPRoute's
	// backend Service.
	Destination string `json:"destination"`
	Weight      int64  `json:"weight"`
}

// Workload is one Deployment and its replicas as the cluster reports them.
type Workload struct {
	// Colour is the app colour it runs; empty for the mesh's.
	Colour    string `json:"colour,omitempty"`
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Found     bool   `json:"found"`
	// Revision is its istio.io/rev label (istiod's revision); mesh only.
	Revision string `json:"revision,omitempty"`
	// Desired is spec.replicas; Updated and Ready the status's counts.
	Desired int64 `json:"desired"`
	Updated int64 `json:"updated"`
	Ready   int64 `json:"ready"`
}

// Release is one Helm release as Helm's storage holds it.
type Release struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	// Stack is the stack that deploys it.
	Stack string `json:"stack"`
	Found bool   `json:"found"`
	// Revision, Status, Chart and ChartVersion are the latest revision's.
	Revision     int    `json:"revision"`
	Status       string `json:"status"`
	Chart        string `json:"chart"`
	ChartVersion string `json:"chartVersion"`
}

// NotCompared is a release whose objects status could not render.
type NotCompared struct {
	Release string `json:"release"`
	Reason  string `json:"reason"`
}

// Options say what to read.
type Options struct {
	// Rendered is the environment rendered by the pipeline with Istio's
	// charts (pipeline.Environment.Render(true)). Required.
	Rendered *pipeline.Rendered
	// App narrows the apps to one. Default: every app (drift is always of
	// the whole environment).
	App string
}

// Run reads the environment's state in c.
func Run(ctx context.Context, c *Cluster, o Options) (*Report, error) {
	e := o.Rendered.Env
	env := e.Env
	if err := c.Probe(env.Name); err != nil {
		return nil, err
	}
	mapper, disc, err := c.mapper()
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		return nil, err
	}
	r := &Report{Environment: env.Name, Cluster: c.Where, Apps: []App{}, Releases: []Release{}, Mesh: []Workload{}, Drift: []Drift{}, NotCompared: []NotCompared{}, Problems: []string{}}
	s := &reader{c: c, dyn: dyn, mapper: mapper, env: env.Name}

	objs, err := objectsOf(o.Rendered)
	if err != nil {
		return nil, err
	}
	for _, sk := range o.Rendered.Skipped {
		r.NotCompared = append(r.NotCompared, NotCompared{Release: sk.Namespace + "/" + sk.Name, Reason: sk.Reason})
	}
	drift, problems, err := s.drift(ctx, objs)
	if err != nil {
		return nil, err
	}
	r.Drift, r.Problems = append(r.Drift, drift...), append(r.Problems, problems...)

	rels, rdrift, err := s.releases(ctx, e, getter{c: c, mapper: mapper, disc: disc})
	if err != nil {
		return nil, err
	}
	r.Releases, r.Drift = rels, append(r.Drift, rdrift...)

	nsProblems, err := s.namespaces(ctx, e)
	if err != nil {
		return nil, err
	}
	r.Problems = append(r.Problems, nsProblems...)

	apps := env.Apps()
	if o.App != "" {
		i := slices.IndexFunc(apps, func(a config.App) bool { return a.Name == o.App })
		if i < 0 {
			return nil, fmt.Errorf("status %s: app %q: the environment has %s", env.Name, o.App, strings.Join(env.AppNames(), ", "))
		}
		apps = apps[i : i+1]
	}
	for _, a := range apps {
		app, err := s.app(ctx, a, objs)
		if err != nil {
			return nil, err
		}
		r.Apps = append(r.Apps, app)
	}
	appStacks := map[string]bool{}
	for _, a := range env.Apps() {
		appStacks[a.Stack] = true
	}
	for _, ob := range objs {
		if ob.u.GetKind() == "Deployment" && !appStacks[ob.stack] {
			w, err := s.workload(ctx, "", cmp.Or(ob.u.GetNamespace(), ob.ns), ob.u.GetName())
			if err != nil {
				return nil, err
			}
			r.Mesh = append(r.Mesh, w)
		}
	}
	return r, nil
}

// object is one rendered object and the stack that deploys it.
type object struct {
	stack, release string
	// ns is the release's namespace, where Helm puts the objects that
	// name none.
	ns string
	u  *unstructured.Unstructured
}

// objectsOf decodes the rendered releases' objects and the namespaces the
// stacks create, in install order.
func objectsOf(r *pipeline.Rendered) ([]object, error) {
	var out []object
	for _, ns := range r.Env.Namespaces {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion("v1")
		u.SetKind("Namespace")
		u.SetName(ns.Name)
		if len(ns.Labels) > 0 {
			u.SetLabels(ns.Labels)
		}
		if len(ns.Annotations) > 0 {
			u.SetAnnotations(ns.Annotations)
		}
		out = append(out, object{stack: "", release: "", u: u})
	}
	for _, rr := range r.Releases {
		for _, m := range rr.Manifests {
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(m.YAML), &obj); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", rr.Path, m.Template, err)
			}
			if len(obj) == 0 {
				continue
			}
			u := &unstructured.Unstructured{Object: obj}
			if _, hook := u.GetAnnotations()["helm.sh/hook"]; hook {
				continue
			}
			out = append(out, object{stack: rr.Stack, release: rr.Namespace + "/" + rr.Name, ns: rr.Namespace, u: u})
		}
	}
	return out, nil
}

type reader struct {
	c      *Cluster
	dyn    dynamic.Interface
	mapper meta.RESTMapper
	env    string

	// lists are the live objects by kind and namespace, each listed once.
	mu    sync.Mutex
	lists map[string]*liveList
}

// liveList is one list of a kind's objects in a namespace, by name.
type liveList struct {
	once   sync.Once
	byName map[string]*unstructured.Unstructured
	err    error
}

// live returns the live object u names, nil when there is none, from one
// List of its kind and namespace (one request per kind and namespace
// rather than one per object).
func (s *reader) live(ctx context.Context, u *unstructured.Unstructured, res dynamic.ResourceInterface) (*unstructured.Unstructured, error) {
	key := u.GroupVersionKind().String() + "/" + u.GetNamespace()
	s.mu.Lock()
	if s.lists == nil {
		s.lists = map[string]*liveList{}
	}
	l := s.lists[key]
	if l == nil {
		l = &liveList{}
		s.lists[key] = l
	}
	s.mu.Unlock()
	l.once.Do(func() {
		list, err := res.List(ctx, metav1.ListOptions{})
		if err != nil {
			l.err = err
			return
		}
		l.byName = map[string]*unstructured.Unstructured{}
		for i := range list.Items {
			l.byName[list.Items[i].GetName()] = &list.Items[i]
		}
	})
	if l.err != nil {
		return nil, l.err
	}
	return l.byName[u.GetName()], nil
}

// resource returns the client of u's kind, with u's namespace set when the
// kind is namespaced and u names none (Helm installs it in the release's).
func (s *reader) resource(u *unstructured.Unstructured, releaseNS string) (dynamic.ResourceInterface, error) {
	gvk := u.GroupVersionKind()
	m, err := s.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, err
	}
	if m.Scope.Name() == meta.RESTScopeNameRoot {
		return s.dyn.Resource(m.Resource), nil
	}
	if u.GetNamespace() == "" {
		u.SetNamespace(releaseNS)
	}
	return s.dyn.Resource(m.Resource).Namespace(u.GetNamespace()), nil
}

// drift compares every object; independent objects at once.
func (s *reader) drift(ctx context.Context, objs []object) ([]Drift, []string, error) {
	type result struct {
		drift []Drift
		noAPI string
		err   error
	}
	results := make([]result, len(objs))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, ob := range objs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			d, noAPI, err := s.compare(ctx, ob)
			results[i] = result{d, noAPI, err}
		}()
	}
	wg.Wait()
	var out []Drift
	var missingAPIs []string
	for _, r := range results {
		if r.err != nil {
			return nil, nil, r.err
		}
		out = append(out, r.drift...)
		if r.noAPI != "" && !slices.Contains(missingAPIs, r.noAPI) {
			missingAPIs = append(missingAPIs, r.noAPI)
		}
	}
	var problems []string
	if len(missingAPIs) > 0 {
		sort.Strings(missingAPIs)
		problems = append(problems, fmt.Sprintf("environment %q: %s does not serve %s: their CRDs are missing; deploy the mesh stack (%s-mesh) first", s.env, s.c.Where, strings.Join(missingAPIs, ", "), s.env))
	}
	return out, problems, nil
}

// compare returns the drift of one object, or the API it needs when the
// cluster does not serve it.
func (s *reader) compare(ctx context.Context, ob object) ([]Drift, string, error) {
	u := ob.u.DeepCopy()
	kind := u.GetKind()
	res, err := s.resource(u, ob.ns)
	if meta.IsNoMatchError(err) {
		gvk := u.GroupVersionKind()
		return []Drift{{Kind: kind, Namespace: u.GetNamespace(), Name: u.GetName(), Deployed: "the object", Live: "<no API " + gvk.GroupVersion().String() + " " + kind + ">"}}, kind + " (" + gvk.GroupVersion().String() + ")", nil
	}
	if err != nil {
		return nil, "", s.c.explain(s.env, err)
	}
	live, err := s.live(ctx, u, res)
	if err != nil {
		return nil, "", s.c.explain(s.env, err)
	}
	if live == nil {
		return []Drift{{Kind: kind, Namespace: u.GetNamespace(), Name: u.GetName(), Deployed: "the object", Live: Missing}}, "", nil
	}
	// Fast path: every field the rendered object sets holds the same
	// value live, so applying it would change nothing. Otherwise the dry
	// run decides, with the server's defaults and normalization.
	if contains(u.Object, live.Object) {
		return nil, "", nil
	}
	applied, err := res.Apply(ctx, u.GetName(), u, metav1.ApplyOptions{FieldManager: FieldManager, Force: true, DryRun: []string{metav1.DryRunAll}})
	if err != nil {
		if apierrors.IsUnauthorized(err) || apierrors.IsForbidden(err) {
			return nil, "", s.c.explain(s.env, err)
		}
		return nil, "", fmt.Errorf("environment %q: %s/%s/%s: the dry-run apply that compares it failed: %w", s.env, kind, u.GetNamespace(), u.GetName(), err)
	}
	return diff(kind, u.GetNamespace(), u.GetName(), applied, live), "", nil
}

// releases reads each release's latest revision from Helm's storage with
// Helm's status action, and returns the drift of those missing or not
// deployed.
func (s *reader) releases(ctx context.Context, e *pipeline.Environment, g getter) ([]Release, []Drift, error) {
	cfgs := map[string]*action.Configuration{}
	for _, rel := range e.Releases {
		if cfgs[rel.Namespace] != nil {
			continue
		}
		cfg := new(action.Configuration)
		gg := g
		gg.ns = rel.Namespace
		if err := cfg.Init(gg, rel.Namespace, "secret", func(string, ...any) {}); err != nil {
			return nil, nil, fmt.Errorf("environment %q: Helm: %w", s.env, err)
		}
		cfgs[rel.Namespace] = cfg
	}
	// Each release's latest revision, up to 8 at once.
	type result struct {
		got *release.Release
		err error
	}
	results := make([]result, len(e.Releases))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, rel := range e.Releases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			got, err := action.NewStatus(cfgs[rel.Namespace]).Run(rel.Name)
			results[i] = result{got, err}
		}()
	}
	wg.Wait()
	var out []Release
	var drift []Drift
	for i, rel := range e.Releases {
		r := Release{Name: rel.Name, Namespace: rel.Namespace, Stack: rel.Stack}
		got, err := results[i].got, results[i].err
		switch {
		case errors.Is(err, driver.ErrReleaseNotFound):
			drift = append(drift, Drift{Kind: "HelmRelease", Namespace: rel.Namespace, Name: rel.Name, Deployed: "revision deployed", Live: Missing})
			out = append(out, r)
			continue
		case err != nil:
			return nil, nil, s.c.explain(s.env, err)
		}
		r.Found, r.Revision, r.Status = true, got.Version, got.Info.Status.String()
		if got.Chart != nil && got.Chart.Metadata != nil {
			r.Chart, r.ChartVersion = got.Chart.Metadata.Name, got.Chart.Metadata.Version
		}
		if r.Status != "deployed" {
			drift = append(drift, Drift{Kind: "HelmRelease", Namespace: rel.Namespace, Name: rel.Name, Path: "status", Deployed: `"deployed"`, Live: fmt.Sprintf("%q (revision %d: %s)", r.Status, r.Revision, got.Info.Description)})
		}
		if !rel.Local() && rel.Version != "" && r.ChartVersion != rel.Version {
			drift = append(drift, Drift{Kind: "HelmRelease", Namespace: rel.Namespace, Name: rel.Name, Path: "chart.version", Deployed: fmt.Sprintf("%q", rel.Version), Live: fmt.Sprintf("%q", r.ChartVersion)})
		}
		out = append(out, r)
	}
	_ = ctx
	return out, drift, nil
}

var namespacesGVR = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}

// namespaces returns one problem per namespace the environment deploys
// into (its apps', its releases', those its stacks create) that the
// cluster does not have: what needs it and which stack to deploy. Every
// object in it is then reported missing; this says why.
func (s *reader) namespaces(ctx context.Context, e *pipeline.Environment) ([]string, error) {
	var order []string
	creator := map[string]string{}
	users := map[string][]string{}
	use := func(ns, what string) {
		if !slices.Contains(order, ns) {
			order = append(order, ns)
		}
		if what != "" && !slices.Contains(users[ns], what) {
			users[ns] = append(users[ns], what)
		}
	}
	for _, st := range e.Stacks {
		for _, c := range st.Constructs {
			for _, ns := range c.Resources.Namespaces {
				if _, ok := creator[ns.Name]; !ok {
					creator[ns.Name] = st.Name
				}
				use(ns.Name, "")
			}
		}
	}
	for _, a := range e.Env.Apps() {
		use(a.App.Namespace, "app "+a.Name)
	}
	stacksOf := map[string][]string{}
	for _, rel := range e.Releases {
		use(rel.Namespace, "release "+rel.Namespace+"/"+rel.Name)
		if !slices.Contains(stacksOf[rel.Namespace], rel.Stack) {
			stacksOf[rel.Namespace] = append(stacksOf[rel.Namespace], rel.Stack)
		}
	}
	var problems []string
	for _, ns := range order {
		_, err := s.dyn.Resource(namespacesGVR).Get(ctx, ns, metav1.GetOptions{})
		if err == nil {
			continue
		}
		if !apierrors.IsNotFound(err) {
			return nil, s.c.explain(s.env, err)
		}
		todo := "deploy " + strings.Join(stacksOf[ns], ", ") + " first"
		if st, ok := creator[ns]; ok {
			todo = "deploy the stack that creates it (" + st + ") first"
		}
		needed := ""
		if len(users[ns]) > 0 {
			needed = " (needed by " + strings.Join(users[ns], ", ") + ")"
		}
		problems = append(problems, fmt.Sprintf("environment %q: %s has no namespace %q%s: %s", s.env, s.c.Where, ns, needed, todo))
	}
	return problems, nil
}

// app reads one app's routing object and colours' Deployments.
func (s *reader) app(ctx context.Context, a config.App, objs []object) (App, error) {
	out := App{Name: a.Name, Namespace: a.App.Namespace, ConfiguredLive: a.Routing.Live}
	for _, ob := range objs {
		if ob.stack != a.Stack {
			continue
		}
		k := ob.u.GetKind()
		if _, ok := ob.u.GetAnnotations()[mesh.LiveAnnotation]; !ok || (k != "VirtualService" && k != "HTTPRoute") {
			continue
		}
		out.Routing = Routing{Kind: k, Name: ob.u.GetName()}
		res, err := s.resource(ob.u.DeepCopy(), a.App.Namespace)
		if meta.IsNoMatchError(err) {
			break
		}
		if err != nil {
			return out, s.c.explain(s.env, err)
		}
		live, err := res.Get(ctx, ob.u.GetName(), metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			break
		}
		if err != nil {
			return out, s.c.explain(s.env, err)
		}
		out.Routing.Found = true
		out.Routing.Live = live.GetAnnotations()[mesh.LiveAnnotation]
		out.Routing.Weights = defaultWeights(live)
		break
	}
	for _, colour := range bluegreen.Colours {
		rel, ok := a.App.Releases[colour]
		if !ok {
			continue
		}
		w, err := s.workload(ctx, colour, a.App.Namespace, a.App.Name+"-"+rel.Name)
		if err != nil {
			return out, err
		}
		out.Colours = append(out.Colours, w)
	}
	return out, nil
}

var deploymentsGVR = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}

func (s *reader) workload(ctx context.Context, colour, namespace, name string) (Workload, error) {
	w := Workload{Colour: colour, Name: name, Namespace: namespace}
	d, err := s.dyn.Resource(deploymentsGVR).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return w, nil
	}
	if err != nil {
		return w, s.c.explain(s.env, err)
	}
	w.Found = true
	w.Desired, _, _ = unstructured.NestedInt64(d.Object, "spec", "replicas")
	w.Updated, _, _ = unstructured.NestedInt64(d.Object, "status", "updatedReplicas")
	w.Ready, _, _ = unstructured.NestedInt64(d.Object, "status", "readyReplicas")
	if colour == "" {
		w.Revision = d.GetLabels()["istio.io/rev"]
	}
	return w, nil
}

// defaultWeights are the destinations and weights of the default rule of
// a VirtualService (its last http rule without match) or an HTTPRoute (its
// rule without matches, or whose matches are only the path prefix).
func defaultWeights(u *unstructured.Unstructured) []Weight {
	var out []Weight
	switch u.GetKind() {
	case "VirtualService":
		rules, _, _ := unstructured.NestedSlice(u.Object, "spec", "http")
		for i := len(rules) - 1; i >= 0; i-- {
			rule, _ := rules[i].(map[string]any)
			if _, ok := rule["match"]; ok && i != len(rules)-1 {
				continue
			}
			routes, _, _ := unstructured.NestedSlice(rule, "route")
			for _, rt := range routes {
				m, _ := rt.(map[string]any)
				dest, _, _ := unstructured.NestedString(m, "destination", "subset")
				if dest == "" {
					dest, _, _ = unstructured.NestedString(m, "destination", "host")
				}
				w, ok, _ := unstructured.NestedInt64(m, "weight")
				if !ok && len(routes) == 1 {
					w = 100
				}
				out = append(out, Weight{Destination: dest, Weight: w})
			}
			return out
		}
	case "HTTPRoute":
		rules, _, _ := unstructured.NestedSlice(u.Object, "spec", "rules")
		for i := len(rules) - 1; i >= 0; i-- {
			rule, _ := rules[i].(map[string]any)
			if hasHeaderMatch(rule) && i != 0 {
				continue
			}
			refs, _, _ := unstructured.NestedSlice(rule, "backendRefs")
			for _, br := range refs {
				m, _ := br.(map[string]any)
				name, _, _ := unstructured.NestedString(m, "name")
				w, ok, _ := unstructured.NestedInt64(m, "weight")
				if !ok {
					w = 1
				}
				out = append(out, Weight{Destination: name, Weight: w})
			}
			return out
		}
	}
	return out
}

// hasHeaderMatch reports whether an HTTPRoute rule matches on headers,
// query parameters or a cookie, beyond a path.
func hasHeaderMatch(rule map[string]any) bool {
	ms, _, _ := unstructured.NestedSlice(rule, "matches")
	for _, m := range ms {
		mm, _ := m.(map[string]any)
		if _, ok := mm["headers"]; ok {
			return true
		}
		if _, ok := mm["queryParams"]; ok {
			return true
		}
	}
	return false
}
