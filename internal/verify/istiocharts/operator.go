package istiocharts

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"sigs.k8s.io/yaml"

	"github.com/bluegreen-mesh/bluegreen/internal/render"
)

// Remote is a render.RemoteChart for Istio's charts: a release of base,
// istiod or gateway of Release's minor release gets the chart from the
// pinned module (see ForRelease), once its values pass CheckKeys; a release
// of another Istio minor release is skipped with the reason (a
// *VersionError's text), and so is
// any other chart from a repository, whose source nothing pins here.
func Remote(r render.Release) (*chart.Chart, string, error) {
	if !IsIstio(r) {
		return nil, fmt.Sprintf("chart %s %s from %s: chart repositories are not reachable offline, and its source is not pinned in tools/go.mod", r.Chart, r.Version, r.Repository), nil
	}
	c, err := ForRelease(r)
	var ve *VersionError
	if errors.As(err, &ve) {
		return nil, ve.Error(), nil
	}
	if err != nil {
		return nil, "", err
	}
	vals, err := r.MergedValues()
	if err != nil {
		return nil, "", err
	}
	if err := CheckKeys(c, vals); err != nil {
		return nil, "", err
	}
	return c, "", nil
}

// Sail Operator's Istio resource, rendered by the local chart
// istio-sail-controlplane in operator mode.
const (
	SailGroup = "sailoperator.io"
	SailKind  = "Istio"
)

// IsSailIstio reports whether o is a Sail Operator Istio resource.
func IsSailIstio(o render.Object) bool {
	return o.Kind == SailKind && strings.HasPrefix(o.APIVersion, SailGroup+"/")
}

// ControlPlane returns the istiod release the Sail Operator installs for
// its Istio resource o (from stack): Istio's istiod chart of spec.version,
// in spec.namespace, with spec.values as the values, plus what the operator
// adds itself: the revision (the resource's name, "<name>-v<version with
// dashes>" with the RevisionBased update strategy, and none for the
// revision named "default"), and spec.profile where the chart has that
// profile (the chart's "default" is its values.yaml).
//
// The Sail Operator reads its profiles from its own image; Istio's chart
// profiles are built from the same files.
func ControlPlane(stack string, o render.Object) (render.Release, error) {
	spec, err := o.Field("spec")
	if err != nil {
		return render.Release{}, err
	}
	var s struct {
		Version        string                `json:"version"`
		Namespace      string                `json:"namespace"`
		Profile        string                `json:"profile"`
		UpdateStrategy struct{ Type string } `json:"updateStrategy"`
		Values         map[string]any        `json:"values"`
	}
	if err := json.Unmarshal(spec, &s); err != nil {
		return render.Release{}, fmt.Errorf("%s: Istio %s: spec: %w", stack, o.Metadata.Name, err)
	}
	revision := o.Metadata.Name
	if s.UpdateStrategy.Type == "RevisionBased" {
		revision += "-" + strings.ReplaceAll(s.Version, ".", "-")
	}
	if revision == "default" {
		revision = ""
	}
	// spec.values, as the Istio resource gives them, first; then what the
	// operator sets.
	doc, err := yaml.Marshal(s.Values)
	if err != nil {
		return render.Release{}, err
	}
	r := render.Release{
		Stack: stack, ID: "Istio." + o.Metadata.Name, Path: "Istio/" + o.Metadata.Name,
		Name: "istiod", Namespace: s.Namespace,
		Chart: Istiod, Repository: "(installed by the Sail Operator)", Version: s.Version,
		Values: []string{string(doc)},
	}
	if revision != "" {
		r.Name = revision + "-istiod"
		r.Set = append(r.Set, render.Set{Name: "revision", Value: revision, Type: "string"})
	}
	if s.Profile != "" && s.Profile != "default" {
		r.Set = append(r.Set, render.Set{Name: "profile", Value: s.Profile, Type: "string"})
	}
	return r, nil
}

// RenderRelease renders a release of one of Istio's charts as Remote finds
// it, for a cluster of Kubernetes minor version kubeVersion. A release of
// another Istio minor release is not rendered: it returns the reason
// instead.
func RenderRelease(r render.Release, kubeVersion string) (ms []render.Manifest, reason string, err error) {
	c, reason, err := Remote(r)
	if err != nil || c == nil {
		return nil, reason, err
	}
	vals, err := r.MergedValues()
	if err != nil {
		return nil, "", err
	}
	ms, err = render.RenderLoaded(c, r.Name, r.Namespace, vals, kubeVersion)
	return ms, "", err
}
