package analyze

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/istiocharts"
)

// Objects is what the helm_release resources of some synthesized stacks
// render to.
type Objects struct {
	// Manifests are the rendered objects of the Rendered releases.
	Manifests []Manifest
	// Rendered are the releases rendered offline: those with local charts,
	// those of Istio's base, istiod and gateway charts (from the istio.io/istio
	// module pinned in tools/go.mod, see package istiocharts), and the
	// istiod the Sail Operator installs for an Istio resource.
	Rendered []render.Release
	// Skipped are the releases that cannot be rendered offline, each with
	// the reason: charts from a repository whose source is not pinned here
	// (the Sail Operator, Kiali, Prometheus, Grafana), or Istio charts of
	// another release than the pinned one.
	Skipped []render.Skipped
}

// Collect renders every helm_release in the stacks synthesized in
// stackDirs (cdktf.out/stacks/<stack>) that can be rendered offline,
// through Helm's engine, with the values Terraform will pass, for a cluster
// of Kubernetes minor version kubeVersion ("" for Helm's default), and
// lists the others as skipped (render.StacksWith). For each Sail Operator
// Istio resource among the objects, it renders the istiod the operator will
// install (istiocharts.ControlPlane). The values of every Istio chart must
// pass istiocharts.CheckKeys. It reports every release that does not
// render.
func Collect(stackDirs []string, kubeVersion string) (Objects, error) {
	rendered, skipped, err := render.StacksWith(RenderOptions(kubeVersion), stackDirs...)
	objs, err2 := FromRendered(rendered, skipped, kubeVersion)
	return objs, errors.Join(err, err2)
}

// RenderOptions are the render options Collect renders with, for a cluster
// of Kubernetes minor version kubeVersion: Istio's charts come from the
// pinned module (istiocharts.Remote).
func RenderOptions(kubeVersion string) render.Options {
	return render.Options{KubeVersion: kubeVersion, Remote: istiocharts.Remote}
}

// FromRendered makes the Objects of releases already rendered with
// RenderOptions(kubeVersion) (by Collect, or by package pipeline from the
// constructs' release specs): it adds, for each Sail Operator Istio
// resource among them, the istiod the operator will install.
func FromRendered(rendered []render.Rendered, skipped []render.Skipped, kubeVersion string) (Objects, error) {
	var errs []error
	out := Objects{Skipped: slices.Clone(skipped)}
	add := func(r render.Release, ms []render.Manifest) {
		out.Rendered = append(out.Rendered, r)
		for _, m := range ms {
			out.Manifests = append(out.Manifests, Manifest{Stack: r.Stack, Release: r.Name, Namespace: r.Namespace, Manifest: m})
		}
	}
	for _, r := range rendered {
		add(r.Release, r.Manifests)
		for _, m := range r.Manifests {
			// Only an Istio resource names the Sail Operator's API group;
			// decoding every manifest (Istio's CRDs among them) to find it
			// would cost most of a second.
			if !strings.Contains(m.YAML, istiocharts.SailGroup) {
				continue
			}
			o, err := render.Decode(m)
			if err != nil || !istiocharts.IsSailIstio(o) {
				continue
			}
			cp, err := istiocharts.ControlPlane(r.Stack, o)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			ms, reason, err := istiocharts.RenderRelease(cp, kubeVersion)
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("%s: the Sail Operator's istiod for Istio %s: %w", r.Stack, o.Metadata.Name, err))
			case reason != "":
				out.Skipped = append(out.Skipped, render.Skipped{Release: cp, Reason: reason})
			default:
				add(cp, ms)
			}
		}
	}
	return out, errors.Join(errs...)
}

// Options configures Check.
type Options struct {
	// Istioctl is the istioctl binary. Default: the one Istioctl returns.
	Istioctl string
	// Allowlist allows findings, each for a written reason. Default: none.
	Allowlist Allowlist
	// Dir is the folder the objects are written to and analyzed in; it must
	// be empty or not exist, and is kept. Default: a temporary folder,
	// removed before Check returns.
	Dir string
	// KubeVersion is the cluster's Kubernetes minor version, such as
	// "1.34", that the charts are rendered for. Default: Helm's default.
	KubeVersion string
}

// Result is what Check found.
type Result struct {
	// Dir is the folder the objects were analyzed in (removed unless it was
	// Options.Dir).
	Dir string
	// Files are the analyzed files, relative to Dir: one per object, named
	// <stack>/<release>/<template>.
	Files []string
	// Rendered are the releases analyzed, as in Objects.
	Rendered []render.Release
	// Skipped are the releases that could not be rendered offline, and
	// why, as in Objects.
	Skipped []render.Skipped
	// Findings are all of the analyzer's findings, Info included.
	Findings []Finding
	// Failing are the Error and Warning findings no allowlist entry
	// matches. The check passes when there are none.
	Failing []Finding
	// Allowed are the findings an allowlist entry matches.
	Allowed []Finding
	// Unused are the allowlist entries that matched no finding.
	Unused []Entry
}

// Err returns nil when no finding fails the check, and otherwise an error
// that lists the failing findings.
func (r Result) Err() error {
	if len(r.Failing) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "istioctl analyze: %d finding(s) fail the check (fix them, or allow each in %s with a reason):", len(r.Failing), AllowlistFile)
	for _, f := range r.Failing {
		b.WriteString("\n  ")
		b.WriteString(f.String())
	}
	return errors.New(b.String())
}

// Check renders the objects of the stacks synthesized in stackDirs
// (Collect), writes them to a folder (WriteObjects), runs istioctl's
// analyzer over it offline (Analyze) and splits the findings with the
// allowlist (Filter).
//
// An error means the check could not be made: an allowlist entry is
// invalid, a release does not render, istioctl failed or could not parse a
// file. Findings that fail the check are in Result.Failing; Result.Err
// turns them into an error.
func Check(ctx context.Context, stackDirs []string, o Options) (Result, error) {
	// Say what is wrong with the allowlist or istioctl before rendering.
	istioctl, err := o.istioctl()
	if err != nil {
		return Result{}, err
	}
	objs, err := Collect(stackDirs, o.KubeVersion)
	if err != nil {
		return Result{}, err
	}
	return checkObjects(ctx, istioctl, objs, o)
}

// CheckObjects is Check on objects already collected (Collect, or
// FromRendered); o.KubeVersion is not used.
func CheckObjects(ctx context.Context, objs Objects, o Options) (Result, error) {
	istioctl, err := o.istioctl()
	if err != nil {
		return Result{}, err
	}
	return checkObjects(ctx, istioctl, objs, o)
}

// istioctl validates the allowlist and returns the istioctl binary to run.
func (o Options) istioctl() (string, error) {
	if err := o.Allowlist.Validate(); err != nil {
		return "", err
	}
	if o.Istioctl != "" {
		return o.Istioctl, nil
	}
	return Istioctl()
}

func checkObjects(ctx context.Context, istioctl string, objs Objects, o Options) (Result, error) {
	var err error
	res := Result{Rendered: objs.Rendered, Skipped: objs.Skipped, Dir: o.Dir}
	if res.Dir == "" {
		if res.Dir, err = os.MkdirTemp("", "bluegreen-analyze-"); err != nil {
			return Result{}, err
		}
		defer os.RemoveAll(res.Dir)
	} else if err := emptyDir(res.Dir); err != nil {
		return Result{}, err
	}
	if res.Files, err = WriteObjects(res.Dir, objs.Manifests); err != nil {
		return Result{}, err
	}
	if len(res.Files) > 0 {
		if res.Findings, err = Analyze(ctx, istioctl, res.Dir); err != nil {
			return res, err
		}
	}
	res.Failing, res.Allowed = Filter(res.Findings, o.Allowlist)
	res.Unused = o.Allowlist.Unused(res.Findings)
	return res, nil
}

// emptyDir creates dir, or checks that it is empty: files left from an
// earlier run would be analyzed too.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("output folder %s is not empty: files left there would be analyzed too", dir)
	}
	return nil
}
