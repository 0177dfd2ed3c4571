package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ClusterKey identifies the cluster an environment installs into: the
// kubeconfig file (after ~ expansion, made absolute) and context of an
// existing cluster, or the name and region of a new EKS cluster. Two
// environments with the same key install into one cluster.
func (e Environment) ClusterKey() string {
	if e.Target.Type == TargetKubeconfig {
		return "kubeconfig " + expandPath(e.Target.Kubeconfig.Path) + " context " + e.Target.Kubeconfig.Context
	}
	return "EKS cluster " + e.Cluster.Name + " in " + e.Region
}

// expandPath expands a leading ~ to the home folder, as the kubernetes and
// helm providers do, and makes the path absolute and clean.
func expandPath(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, p[1:])
		}
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return filepath.Clean(p)
}

// releaseNames are the names of the colours' Helm releases of every app
// of the environment, sorted.
func (e Environment) releaseNames() []string {
	var names []string
	for _, a := range e.Apps() {
		for _, r := range a.App.Releases {
			names = append(names, r.Name)
		}
	}
	slices.Sort(names)
	return names
}

// sharing is a warning about two environments sharing a cluster.
type sharing struct {
	a, b, text string
}

// sharedClusters reports environments of envs (with defaults applied) that
// install into the same cluster: an error, at the later environment's
// target, when both would install the same Istio revision in the same
// namespace or the same app releases in the same namespace (the second
// deploy would fail half-way or take over the first one's objects), and
// otherwise one warning naming both.
func sharedClusters(envs []Environment) (field.ErrorList, []sharing) {
	var errs field.ErrorList
	var warnings []sharing
	for i, a := range envs {
		for _, b := range envs[i+1:] {
			if a.ClusterKey() != b.ClusterKey() {
				continue
			}
			var clash []string
			if a.Target.Type == TargetEKS {
				// Each environment's cluster stack creates its cluster: the
				// second create fails, whatever is installed in it.
				clash = append(clash, "the cluster itself (each environment's <env>-cluster stack creates it)")
			}
			if a.Istio.ResourceName() == b.Istio.ResourceName() && a.Istio.Namespace == b.Istio.Namespace {
				clash = append(clash, fmt.Sprintf("Istio revision %q in namespace %s", a.Istio.ResourceName(), a.Istio.Namespace))
			}
			if a.Namespace.Name == b.Namespace.Name {
				var both []string
				for _, n := range a.releaseNames() {
					if slices.Contains(b.releaseNames(), n) {
						both = append(both, n)
					}
				}
				if len(both) > 0 {
					clash = append(clash, fmt.Sprintf("releases %s in namespace %s", strings.Join(both, ", "), a.Namespace.Name))
				}
			}
			p := field.NewPath("context", "environments").Key(b.Name).Child("target")
			if len(clash) > 0 {
				errs = append(errs, field.Invalid(p, b.ClusterKey(), fmt.Sprintf(
					"environments %s and %s install into the same cluster and both would own %s; the second deploy would fail half-way or take over the first one's objects: give one of them its own cluster, or its own istio.revision and istio.namespace and its own namespace.name",
					a.Name, b.Name, strings.Join(clash, " and "))))
				continue
			}
			warnings = append(warnings, sharing{a.Name, b.Name, fmt.Sprintf(
				"%s: environments %s and %s share one cluster (%s), with Istio revisions %q in %s and %q in %s and the app in namespaces %s and %s; what is cluster-wide (Istio's CRDs and webhooks, the Gateway API CRDs) is shared by both, and destroying one environment can affect the other",
				p, a.Name, b.Name, b.ClusterKey(), a.Istio.ResourceName(), a.Istio.Namespace, b.Istio.ResourceName(), b.Istio.Namespace, a.Namespace.Name, b.Namespace.Name)})
		}
	}
	return errs, warnings
}
