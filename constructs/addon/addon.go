// Package addon is the base every bluegreen construct that installs a Helm
// chart builds on: a Release spec that a construct computes from its props
// alone (no cdktf), the release flags, the Helm-style deep merge of the
// ExtraValues escape hatch, and the one YAML values document a helm_release
// carries.
//
// Each construct has a pure function from its props (and the props of the
// constructs it depends on) to its []Release; its New turns exactly those
// specs into helm_release resources with an Installer. Code that renders
// the charts without Terraform or Node can call the same pure functions and
// get the values the synthesized stack carries.
package addon

import (
	"fmt"
	"slices"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-helm-go/helm/v10/release"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"helm.sh/helm/v3/pkg/chartutil"
	"sigs.k8s.io/yaml"

	"github.com/bluegreen-mesh/bluegreen/charts"
)

// Release is one Helm release as a construct computes it from its props.
type Release struct {
	// ID is the helm_release's construct id under its construct (its role,
	// such as "istiod", "blue" or "virtualservice"). It is part of the
	// Terraform address, never of the release's name.
	ID string
	// Name is the Helm release name.
	Name string
	// Namespace is the release's namespace, which must exist.
	Namespace string
	// Chart is the chart installed.
	Chart Chart
	// Values are the release's values, written as one YAML document; none
	// when empty. A {"fromVariable": "<name>"} value in them is given by
	// the sensitive Terraform variable <name> through the release's
	// set_sensitive instead (SplitSensitive).
	Values map[string]any
	// Flags are the release's install and upgrade settings.
	Flags Flags
	// Order says what the release is installed after.
	Order
}

// Chart is where a release's chart comes from: exactly one of Local, Dir
// or Name (with Repository and Version).
type Chart struct {
	// Local names one of bluegreen's own charts (package charts), copied
	// into the stack as an asset.
	Local string
	// Dir is a chart folder on disk (from a local chart mirror), copied
	// into the stack as an asset.
	Dir string
	// AssetID is the construct id of the asset of a Local or Dir chart.
	// Releases of one construct that share an AssetID share the asset.
	// Default: "<release ID>-chart".
	AssetID string
	// Name, Repository and Version name a chart in a chart repository or
	// OCI registry.
	Name, Repository, Version string
}

// Flags are a helm_release's install and upgrade settings. A false or zero
// field is left out of the resource, so the provider's default applies.
type Flags struct {
	// Atomic removes a failed install and rolls back a failed upgrade.
	Atomic bool
	// Wait waits until the release's workloads are ready.
	Wait bool
	// WaitForJobs waits for the release's Jobs to complete.
	WaitForJobs bool
	// CleanupOnFail deletes the resources a failed upgrade created.
	CleanupOnFail bool
	// TimeoutSeconds bounds each Helm operation.
	TimeoutSeconds int
	// MaxHistory is how many revisions Helm keeps.
	MaxHistory int
}

// Waited are the flags of a release whose workloads the next release
// needs: atomic, wait (for Jobs too), cleanup_on_fail, the given timeout
// and a history of 10 revisions.
func Waited(timeoutSeconds int) Flags {
	return Flags{Atomic: true, Wait: true, WaitForJobs: true, CleanupOnFail: true, TimeoutSeconds: timeoutSeconds, MaxHistory: 10}
}

// Applied are the flags of a release of configuration objects only (no
// workload to wait for): atomic, cleanup_on_fail and a history of 10
// revisions.
func Applied() Flags {
	return Flags{Atomic: true, CleanupOnFail: true, MaxHistory: 10}
}

// Installer turns a construct's specs into resources under its scope
// (helm_release, kubernetes_namespace_v1, kubernetes_secret_v1), sharing
// chart assets between releases and ordering each resource as its spec's
// Order says.
type Installer struct {
	scope    constructs.Construct
	assets   map[string]*string
	upstream []cdktf.ITerraformDependable
	created  map[string]cdktf.ITerraformDependable
}

// NewInstaller returns an Installer for the construct scope, whose
// upstream resources (those Upstream stands for in a spec's Order; nil
// entries are skipped) are upstream.
func NewInstaller(scope constructs.Construct, upstream ...cdktf.ITerraformDependable) *Installer {
	return &Installer{scope: scope, assets: map[string]*string{}, upstream: upstream, created: map[string]cdktf.ITerraformDependable{}}
}

// Create creates rs in order: namespaces, secrets, then releases.
func (in *Installer) Create(rs Resources) error {
	for _, n := range rs.Namespaces {
		deps, err := in.order(n.ID, n.Order)
		if err != nil {
			return err
		}
		in.created[n.ID] = CreateNamespace(in.scope, n, deps...)
	}
	for _, s := range rs.Secrets {
		deps, err := in.order(s.ID, s.Order)
		if err != nil {
			return err
		}
		in.created[s.ID] = CreateSecret(in.scope, s, deps...)
	}
	for _, r := range rs.Releases {
		if _, err := in.Install(r); err != nil {
			return err
		}
	}
	return nil
}

// Created returns the resource created for the spec with the given ID, nil
// if none.
func (in *Installer) Created(id string) cdktf.ITerraformDependable { return in.created[id] }

// order returns what the resource id is created after, by o.
func (in *Installer) order(id string, o Order) ([]cdktf.ITerraformDependable, error) {
	var deps []cdktf.ITerraformDependable
	for _, a := range o.After {
		if a == Upstream {
			deps = append(deps, in.upstream...)
			continue
		}
		d, ok := in.created[a]
		if !ok {
			return nil, fmt.Errorf("%s is created after %s, which is not created before it", id, a)
		}
		deps = append(deps, d)
	}
	return dependables(deps), nil
}

// Install creates the helm_release of r, after what r.Order says and after
// dependsOn (nil entries are skipped).
func (in *Installer) Install(r Release, dependsOn ...cdktf.ITerraformDependable) (release.Release, error) {
	after, err := in.order(r.ID, r.Order)
	if err != nil {
		return nil, fmt.Errorf("release %s: %w", r.Name, err)
	}
	dependsOn = append(after, dependsOn...)
	cfg := &release.ReleaseConfig{
		Name:      jsii.String(r.Name),
		Namespace: jsii.String(r.Namespace),
	}
	values, sensitive, err := SplitSensitive(r.Values)
	if err != nil {
		return nil, fmt.Errorf("values of release %s: %w", r.Name, err)
	}
	if len(values) > 0 {
		doc, err := YAML(values)
		if err != nil {
			return nil, fmt.Errorf("values of release %s: %w", r.Name, err)
		}
		cfg.Values = &[]*string{jsii.String(doc)}
	}
	if len(sensitive) > 0 {
		declareVariables(in.scope, sensitive)
		sets := make([]*release.ReleaseSetSensitive, len(sensitive))
		for i, sv := range sensitive {
			sets[i] = &release.ReleaseSetSensitive{Name: jsii.String(sv.Path), Value: jsii.String(sv.Reference()), Type: jsii.String("string")}
		}
		cfg.SetSensitive = &sets
	}
	f := r.Flags
	if f.Atomic {
		cfg.Atomic = jsii.Bool(true)
	}
	if f.Wait {
		cfg.Wait = jsii.Bool(true)
	}
	if f.WaitForJobs {
		cfg.WaitForJobs = jsii.Bool(true)
	}
	if f.CleanupOnFail {
		cfg.CleanupOnFail = jsii.Bool(true)
	}
	if f.TimeoutSeconds > 0 {
		cfg.Timeout = jsii.Number(float64(f.TimeoutSeconds))
	}
	if f.MaxHistory > 0 {
		cfg.MaxHistory = jsii.Number(float64(f.MaxHistory))
	}
	c := r.Chart
	switch {
	case c.Local != "" || c.Dir != "":
		path, err := in.asset(r.ID, c)
		if err != nil {
			return nil, fmt.Errorf("release %s: %w", r.Name, err)
		}
		cfg.Chart = path
	case c.Name != "":
		cfg.Chart, cfg.Repository, cfg.Version = jsii.String(c.Name), jsii.String(c.Repository), jsii.String(c.Version)
	default:
		return nil, fmt.Errorf("release %s: no chart", r.Name)
	}
	if deps := dependables(dependsOn); len(deps) > 0 {
		cfg.DependsOn = &deps
	}
	h := release.NewRelease(in.scope, jsii.String(r.ID), cfg)
	in.created[r.ID] = h
	return h, nil
}

func (in *Installer) asset(releaseID string, c Chart) (*string, error) {
	id := c.AssetID
	if id == "" {
		id = releaseID + "-chart"
	}
	if p, ok := in.assets[id]; ok {
		return p, nil
	}
	var p *string
	if c.Local != "" {
		var err error
		if p, err = charts.Asset(in.scope, id, c.Local); err != nil {
			return nil, err
		}
	} else {
		p = cdktf.NewTerraformAsset(in.scope, jsii.String(id), &cdktf.TerraformAssetConfig{
			Path: jsii.String(c.Dir),
			Type: cdktf.AssetType_DIRECTORY,
		}).Path()
	}
	in.assets[id] = p
	return p, nil
}

// Find returns the release with the given ID in rs.
func Find(rs []Release, id string) (Release, bool) {
	i := slices.IndexFunc(rs, func(r Release) bool { return r.ID == id })
	if i < 0 {
		return Release{}, false
	}
	return rs[i], true
}

// MergeValues returns base with extra deep-merged into it, as Helm merges a
// later source of user values into an earlier one (chartutil.MergeTables,
// which keeps nulls): maps merge key by key, any other value in extra
// replaces the one in base, and a null in extra stays null. The null
// reaches Helm in the release's values, and Helm's install deletes the key
// from the chart's defaults when it coalesces them (chartutil.
// CoalesceValues), so a null removes a chart default. Neither argument is
// changed. Every construct's ExtraValues escape hatch is merged with it,
// last.
func MergeValues(base, extra map[string]any) map[string]any {
	b := deepCopy(base)
	dropReplaced(b, extra)
	out := chartutil.MergeTables(deepCopy(extra), b)
	if out == nil {
		out = map[string]any{}
	}
	return out
}

// dropReplaced deletes from base, at any depth, each key whose value extra
// replaces with a map where base has none, or with a non-map where base
// has a map ({"fromVariable": ...} over a typed string, say). extra wins
// there either way; MergeTables would also log a warning through the
// standard logger for each, which Helm's own merge of user values
// (values.Options) does not.
func dropReplaced(base, extra map[string]any) {
	for k, ev := range extra {
		bv, ok := base[k]
		if !ok || bv == nil || ev == nil {
			continue
		}
		em, eIsMap := ev.(map[string]any)
		bm, bIsMap := bv.(map[string]any)
		switch {
		case eIsMap && bIsMap:
			dropReplaced(bm, em)
		case eIsMap != bIsMap:
			delete(base, k)
		}
	}
}

func deepCopy(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = deepCopyValue(v)
	}
	return out
}

func deepCopyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return deepCopy(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopyValue(e)
		}
		return out
	default:
		return v
	}
}

// YAML renders values as the one YAML document a helm_release carries.
func YAML(values map[string]any) (string, error) {
	b, err := yaml.Marshal(values)
	return string(b), err
}

// StringMap converts m for a binding's map attribute (tags, labels,
// annotations). An empty map becomes nil, so the attribute is left out
// rather than written as {}.
func StringMap(m map[string]string) *map[string]*string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]*string, len(m))
	for k, v := range m {
		out[k] = jsii.String(v)
	}
	return &out
}
