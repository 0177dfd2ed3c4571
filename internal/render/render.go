// Package render reads the helm_release resources of synthesized stacks and
// renders them through Helm's own template engine (helm.sh/helm/v3), with
// exactly the values Terraform's helm provider will pass: the values
// documents merged in order, then set, then set_sensitive. It renders the
// releases with local charts, and those with charts from a repository where
// the caller finds the chart offline (Options.Remote).
//
// It is how tests, `routes`, `graph` and `check` see the Kubernetes objects
// a stack will create, without a cluster; Model decodes them into the pure
// mesh model (package mesh).
package render

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/cli/values"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/getter"
	"helm.sh/helm/v3/pkg/releaseutil"
	"sigs.k8s.io/yaml"
)

// SensitivePlaceholder stands in for set_sensitive values, which are
// Terraform references (never plain text) in the synthesized JSON.
const SensitivePlaceholder = "(sensitive)"

// Set is one entry of helm_release.set or set_sensitive.
type Set struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Type  string `json:"type"`
}

// Release is one helm_release as synthesized.
type Release struct {
	// Stack is the stack's name; ID is the resource's logical ID; Path is
	// its construct path.
	Stack, ID, Path string
	// Name and Namespace are the Helm release's.
	Name, Namespace string
	// Chart is helm_release.chart: a chart name with Repository, or a path
	// relative to the stack folder for a local chart.
	Chart, Repository, Version string
	// Values are the values documents, in order.
	Values []string
	// Set and SetSensitive are the individual overrides.
	Set, SetSensitive []Set
	// DependsOn lists the resources the release waits for.
	DependsOn []string
	// ChartDir is the local chart's folder, resolved from the stack folder;
	// empty for a chart from a repository.
	ChartDir string
	// Attrs holds every attribute as synthesized.
	Attrs map[string]any
}

// Local reports whether the release installs a chart shipped with the stack.
func (r Release) Local() bool { return r.ChartDir != "" }

// Releases returns the helm_release resources of the stack synthesized in
// stackDir (cdktf.out/stacks/<stack>), sorted by construct path.
func Releases(stackDir string) ([]Release, error) {
	b, err := os.ReadFile(filepath.Join(stackDir, "cdk.tf.json"))
	if err != nil {
		return nil, err
	}
	var doc struct {
		Resource struct {
			HelmRelease map[string]map[string]any `json:"helm_release"`
		} `json:"resource"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", stackDir, err)
	}
	var out []Release
	for id, attrs := range doc.Resource.HelmRelease {
		r := Release{Stack: filepath.Base(stackDir), ID: id, Attrs: attrs}
		r.Path = ConstructPath(attrs)
		r.Name, _ = attrs["name"].(string)
		r.Namespace, _ = attrs["namespace"].(string)
		if r.Namespace == "" {
			r.Namespace = "default"
		}
		r.Chart, _ = attrs["chart"].(string)
		r.Repository, _ = attrs["repository"].(string)
		r.Version, _ = attrs["version"].(string)
		for _, v := range List(attrs["values"]) {
			s, _ := v.(string)
			r.Values = append(r.Values, s)
		}
		if r.Set, err = sets(attrs["set"]); err != nil {
			return nil, fmt.Errorf("%s: helm_release.%s.set: %w", r.Stack, id, err)
		}
		if r.SetSensitive, err = sets(attrs["set_sensitive"]); err != nil {
			return nil, fmt.Errorf("%s: helm_release.%s.set_sensitive: %w", r.Stack, id, err)
		}
		for _, d := range List(attrs["depends_on"]) {
			s, _ := d.(string)
			r.DependsOn = append(r.DependsOn, s)
		}
		if r.Repository == "" && r.Chart != "" {
			dir := r.Chart
			if !filepath.IsAbs(dir) {
				dir = filepath.Join(stackDir, dir)
			}
			if _, err := os.Stat(filepath.Join(dir, "Chart.yaml")); err != nil {
				return nil, fmt.Errorf("%s: helm_release.%s: chart %q does not resolve from the stack folder: %w", r.Stack, id, r.Chart, err)
			}
			r.ChartDir = dir
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// ConstructPath returns the construct path cdktf records in a resource's
// attributes.
func ConstructPath(attrs map[string]any) string {
	meta, _ := attrs["//"].(map[string]any)
	md, _ := meta["metadata"].(map[string]any)
	p, _ := md["path"].(string)
	return p
}

// List accepts a JSON list, or a single block (cdktf writes one-element
// block lists either way), and returns it as a list.
func List(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	default:
		return []any{x}
	}
}

func sets(v any) ([]Set, error) {
	var out []Set
	for _, item := range List(v) {
		b, _ := json.Marshal(item)
		var s Set
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// MergedValues returns the values the helm provider hands to Helm: the
// values documents merged in order (later wins, as with repeated -f), then
// set (as --set, or --set-string for type "string"), then set_sensitive with
// SensitivePlaceholder as the value.
func (r Release) MergedValues() (map[string]any, error) {
	tmp, err := os.MkdirTemp("", "bluegreen-values-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var opts values.Options
	for i, doc := range r.Values {
		f := filepath.Join(tmp, fmt.Sprintf("values-%d.yaml", i))
		if err := os.WriteFile(f, []byte(doc), 0o600); err != nil {
			return nil, err
		}
		opts.ValueFiles = append(opts.ValueFiles, f)
	}
	for _, s := range r.Set {
		if s.Type == "string" {
			opts.StringValues = append(opts.StringValues, s.Name+"="+s.Value)
		} else {
			opts.Values = append(opts.Values, s.Name+"="+s.Value)
		}
	}
	for _, s := range r.SetSensitive {
		opts.StringValues = append(opts.StringValues, s.Name+"="+SensitivePlaceholder)
	}
	vals, err := opts.MergeValues(getter.Providers{})
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", r.Stack, r.Name, err)
	}
	return vals, nil
}

// Manifest is one rendered template.
type Manifest struct {
	// Template is the template's path in the chart, such as
	// "blue-green-service/templates/service.yaml".
	Template string
	// YAML is the rendered document.
	YAML string
	// Kind is the object's kind as Helm read it from the document to sort
	// the manifests into install order; empty when Helm found none.
	Kind string `json:",omitempty"`
}

// Render renders a release with a local chart, validating the values
// against the chart's values.schema.json as Helm does, and returns its
// non-empty manifests in Helm's install order.
func Render(r Release) ([]Manifest, error) {
	if !r.Local() {
		return nil, fmt.Errorf("%s/%s: chart %q comes from %s; only local charts render offline", r.Stack, r.Name, r.Chart, r.Repository)
	}
	chrt, err := loader.Load(r.ChartDir)
	if err != nil {
		return nil, err
	}
	return r.renderWith(chrt, "")
}

// RenderChart renders the chart in dir as release name in namespace.
func RenderChart(dir, name, namespace string, vals map[string]any) ([]Manifest, error) {
	chrt, err := loader.Load(dir)
	if err != nil {
		return nil, err
	}
	return RenderLoaded(chrt, name, namespace, vals, "")
}

// RenderLoaded renders a loaded chart as release name in namespace, as
// `helm install` does on a cluster of Kubernetes minor version kubeVersion
// (such as "1.34"; "" is Helm's default), with the library calls of Helm's
// install action (action.Install) in its order: the chart's dependencies
// are processed (subcharts whose condition or tags are off are removed,
// import-values applied: chartutil.ProcessDependenciesWithMerge), the
// values are coalesced over the chart's defaults (a null deletes a
// default) and must pass the chart's values.schema.json, the chart's
// kubeVersion constraint must admit the cluster, the templates are
// rendered, seeing the version as .Capabilities.KubeVersion, and sorted
// into install order. The CRDs of the chart's crds/ folders (of the
// subcharts left) come first, as Helm installs them before the templates;
// hooks and NOTES.txt are left out. As Helm's install does, it changes
// chrt (the disabled subcharts are removed): load a chart for each render.
func RenderLoaded(chrt *chart.Chart, name, namespace string, vals map[string]any, kubeVersion string) ([]Manifest, error) {
	caps := chartutil.DefaultCapabilities.Copy()
	if kubeVersion != "" {
		major, minor, ok := strings.Cut(kubeVersion, ".")
		if !ok {
			return nil, fmt.Errorf("release %s (chart %s): Kubernetes version %q: want a minor version such as 1.34", name, chrt.Name(), kubeVersion)
		}
		caps.KubeVersion = chartutil.KubeVersion{Version: "v" + kubeVersion + ".0", Major: major, Minor: minor}
	}
	if vals == nil {
		vals = map[string]any{}
	}
	if err := chartutil.ProcessDependenciesWithMerge(chrt, vals); err != nil {
		return nil, fmt.Errorf("release %s (chart %s): %w", name, chrt.Name(), err)
	}
	top, err := chartutil.ToRenderValuesWithSchemaValidation(chrt, vals, chartutil.ReleaseOptions{
		Name: name, Namespace: namespace, Revision: 1, IsInstall: true,
	}, caps, false)
	if err != nil {
		return nil, fmt.Errorf("release %s (chart %s): %w", name, chrt.Name(), err)
	}
	if c := chrt.Metadata.KubeVersion; c != "" && !chartutil.IsCompatibleRange(c, caps.KubeVersion.String()) {
		return nil, fmt.Errorf("release %s (chart %s): chart requires kubeVersion %s, which Kubernetes %s does not satisfy", name, chrt.Name(), c, caps.KubeVersion.String())
	}
	files, err := engine.Render(chrt, top)
	if err != nil {
		return nil, fmt.Errorf("release %s (chart %s): %w", name, chrt.Name(), err)
	}
	// NOTES.txt is shown to the user, not applied, as helm install does.
	for f := range files {
		if path.Base(f) == "NOTES.txt" {
			delete(files, f)
		}
	}
	_, manifests, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		return nil, fmt.Errorf("release %s (chart %s): %w", name, chrt.Name(), err)
	}
	var out []Manifest
	for _, crd := range chrt.CRDObjects() {
		docs := releaseutil.SplitManifests(string(crd.File.Data))
		keys := slices.Collect(maps.Keys(docs))
		sort.Sort(releaseutil.BySplitManifestsOrder(keys))
		for _, k := range keys {
			if doc := docs[k]; !onlyComments(doc) {
				out = append(out, Manifest{Template: crd.Filename, YAML: doc, Kind: "CustomResourceDefinition"})
			}
		}
	}
	for _, m := range manifests {
		// A template that renders only comments (Istio's profile template,
		// or a disabled resource) holds no object; Helm applies nothing
		// for it either.
		if onlyComments(m.Content) {
			continue
		}
		mf := Manifest{Template: m.Name, YAML: m.Content}
		if m.Head != nil {
			mf.Kind = m.Head.Kind
		}
		out = append(out, mf)
	}
	return out, nil
}

// onlyComments reports whether a YAML document holds nothing but comments
// and blank lines.
func onlyComments(doc string) bool {
	for line := range strings.Lines(doc) {
		if l := strings.TrimSpace(line); l != "" && l != "---" && !strings.HasPrefix(l, "#") {
			return false
		}
	}
	return true
}

// Rendered is a release and what it renders to.
type Rendered struct {
	Release
	// Manifests are the rendered objects.
	Manifests []Manifest
}

// Skipped is a release that was not rendered, and why.
type Skipped struct {
	Release
	// Reason says why the release was not rendered.
	Reason string
}

// RemoteChart finds, offline, the chart a release installs from a
// repository. It returns a nil chart and the reason when it has none.
type RemoteChart func(r Release) (c *chart.Chart, reason string, err error)

// Options configure StacksWith.
type Options struct {
	// KubeVersion is the cluster's Kubernetes minor version, such as
	// "1.34" (see RenderLoaded). Default: Helm's default.
	KubeVersion string
	// Remote finds the charts of releases with a chart from a repository.
	// Default: none; those releases are skipped.
	Remote RemoteChart
}

// Stacks renders every helm_release with a local chart in the stacks
// synthesized in stackDirs, and lists the releases whose charts come from a
// repository (which cannot be rendered offline) as skipped. It reports
// every release that does not render, not only the first.
func Stacks(stackDirs ...string) (rendered []Rendered, skipped []Release, err error) {
	rendered, sk, err := StacksWith(Options{}, stackDirs...)
	for _, s := range sk {
		skipped = append(skipped, s.Release)
	}
	return rendered, skipped, err
}

// StacksWith is Stacks with options: it renders the releases with a chart
// from a repository too where o.Remote finds their chart, and gives the
// reason for each release it skips.
func StacksWith(o Options, stackDirs ...string) (rendered []Rendered, skipped []Skipped, err error) {
	var errs []error
	var all []Release
	for _, dir := range stackDirs {
		releases, err := Releases(dir)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		all = append(all, releases...)
	}
	rendered, skipped, err = ReleasesWith(o, all)
	return rendered, skipped, errors.Join(append(errs, err)...)
}

// ReleasesWith renders releases, read from synthesized stacks or computed
// from the constructs' pure release specs (package pipeline), as
// StacksWith does: local charts, and charts from a repository where
// o.Remote finds them; the others are skipped with the reason. It reports
// every release that does not render, not only the first.
func ReleasesWith(o Options, releases []Release) (rendered []Rendered, skipped []Skipped, err error) {
	// Each release renders on its own (Istio's charts take most of a
	// second each); render them side by side, one per CPU.
	type result struct {
		ms     []Manifest
		reason string
		err    error
	}
	results := make([]result, len(releases))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, r := range releases {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			ms, reason, err := o.render(r)
			if err != nil {
				err = fmt.Errorf("%s: helm_release.%s: %w", r.Stack, r.ID, err)
			}
			results[i] = result{ms, reason, err}
		}()
	}
	wg.Wait()
	var errs []error
	for i, r := range releases {
		switch res := results[i]; {
		case res.err != nil:
			errs = append(errs, res.err)
		case res.reason != "":
			skipped = append(skipped, Skipped{Release: r, Reason: res.reason})
		default:
			rendered = append(rendered, Rendered{Release: r, Manifests: res.ms})
		}
	}
	return rendered, skipped, errors.Join(errs...)
}

// render renders one release for ReleasesWith, or says why it does not.
func (o Options) render(r Release) (ms []Manifest, reason string, err error) {
	if r.Local() {
		chrt, err := loader.Load(r.ChartDir)
		if err != nil {
			return nil, "", err
		}
		ms, err = r.renderWith(chrt, o.KubeVersion)
		return ms, "", err
	}
	reason = fmt.Sprintf("chart %s from %s: no chart repository is reachable offline", r.Chart, r.Repository)
	if o.Remote == nil {
		return nil, reason, nil
	}
	chrt, why, err := o.Remote(r)
	if err != nil {
		return nil, "", err
	}
	if chrt == nil {
		return nil, cmp.Or(why, reason), nil
	}
	ms, err = r.renderWith(chrt, o.KubeVersion)
	return ms, "", err
}

// renderWith renders the release's values with chrt.
func (r Release) renderWith(chrt *chart.Chart, kubeVersion string) ([]Manifest, error) {
	vals, err := r.MergedValues()
	if err != nil {
		return nil, err
	}
	return RenderLoaded(chrt, r.Name, r.Namespace, vals, kubeVersion)
}

// Object is the envelope of a rendered Kubernetes object.
type Object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name        string            `json:"name"`
		Namespace   string            `json:"namespace"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	// Raw is the whole object as JSON.
	Raw json.RawMessage `json:"-"`
}

// Decode parses a manifest into its envelope.
func Decode(m Manifest) (Object, error) {
	j, err := yaml.YAMLToJSON([]byte(m.YAML))
	if err != nil {
		return Object{}, fmt.Errorf("%s: %w", m.Template, err)
	}
	var o Object
	if err := json.Unmarshal(j, &o); err != nil {
		return Object{}, fmt.Errorf("%s: %w", m.Template, err)
	}
	o.Raw = j
	return o, nil
}

// Field returns one top-level member of the object (such as "spec") as
// JSON, for decoding into typed API structs.
func (o Object) Field(name string) (json.RawMessage, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(o.Raw, &all); err != nil {
		return nil, err
	}
	return all[name], nil
}

// Strict decodes JSON into v, rejecting members v does not have.
func Strict(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	return d.Decode(v)
}
