package istio

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/constructs/addon"
)

// ChartSource says where a chart that bluegreen does not ship comes from.
// Every such chart (Istio's base, istiod and gateway, the Sail Operator,
// Kiali, Prometheus, Grafana) takes one, of this one shape.
type ChartSource struct {
	// Repository is one of:
	//   - an "https://" Helm chart repository (its index.yaml lists the
	//     chart);
	//   - an "oci://" registry path; the chart is <repository>/<chart> with
	//     the pinned version as its tag;
	//   - a local directory, for an air-gapped mirror: it holds the chart
	//     as a folder named after the chart, or as <chart>-<version>.tgz
	//     (as `helm pull` saves it). A relative directory is taken from the
	//     folder synthesis runs in. The chart is copied into the synthesized
	//     stack as an asset, so the stack deploys from another machine too;
	//     its version must be the pinned one.
	// Default: the chart's upstream repository, given where the field is
	// used.
	Repository string `json:"repository"`
}

// Upstream chart repositories, used when a ChartSource is empty.
const (
	// ChartRepository serves Istio's base, istiod and gateway charts (and
	// cni and ztunnel); their chart version is the Istio version. It is
	// where Istio publishes charts since it retired its Google-hosted
	// locations (istio/istio#61467); Istio publishes the same charts at
	// OCIChartRepository.
	ChartRepository = "https://blob.istio.io/istio-release/charts"
	// OCIChartRepository is Istio's OCI registry path for the same charts.
	OCIChartRepository = "oci://ghcr.io/istio/release/charts"
	// SailChartRepository serves the Sail Operator chart.
	SailChartRepository = "https://istio-ecosystem.github.io/sail-operator"
)

// DefaultHub is the image registry path of Istio's images, set explicitly
// as global.hub so that no chart default can point at a registry Istio has
// retired. Istio 1.31 and later publish images only there.
const DefaultHub = "docker.io/istio"

// WithDefault returns s, or a source of repository def when s is empty.
func (s ChartSource) WithDefault(def string) ChartSource {
	if s.Repository == "" {
		s.Repository = def
	}
	return s
}

// IsLocal reports whether s is a local directory rather than a repository.
func (s ChartSource) IsLocal() bool {
	return s.Repository != "" && !strings.Contains(s.Repository, "://")
}

// Validate reports the problems of s as the source of the charts named in
// charts (chart name to pinned version), with field paths under fld. For a
// local directory it checks that every chart is there, at its version.
func (s ChartSource) Validate(fld *field.Path, charts map[string]string) field.ErrorList {
	fld = fld.Child("repository")
	r := s.Repository
	if why := retired(r); why != "" {
		return field.ErrorList{field.Invalid(fld, r, why+"; use "+ChartRepository+" or "+OCIChartRepository+" for Istio's charts, or a mirror of your own")}
	}
	if !s.IsLocal() {
		u, err := url.Parse(r)
		if err != nil || (u.Scheme != "https" && u.Scheme != "oci" && u.Scheme != "http") || u.Host == "" {
			return field.ErrorList{field.Invalid(fld, r, `must be an "https://" chart repository, an "oci://" registry path or a local directory`)}
		}
		return nil
	}
	var errs field.ErrorList
	for _, name := range sortedKeys(charts) {
		if _, err := s.localChart(name, charts[name]); err != nil {
			errs = append(errs, field.Invalid(fld, r, err.Error()))
		}
	}
	return errs
}

// Warnings lists what synthesizes but deserves a second look.
func (s ChartSource) Warnings(fld *field.Path) []string {
	if strings.HasPrefix(s.Repository, "http://") {
		return []string{fld.Child("repository").String() + `: charts are fetched over plain HTTP, which anyone on the path can change; use https:// or oci://`}
	}
	return nil
}

// localChart returns the folder holding chart name at version in the local
// directory s: the mirror's folder <name>, or <name>-<version>.tgz unpacked
// into a folder of its own. The chart's Chart.yaml must carry version.
func (s ChartSource) localChart(name, version string) (string, error) {
	dir, err := filepath.Abs(s.Repository)
	if err != nil {
		return "", err
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("is not a directory (a local chart mirror is a directory holding %s/ or %s-%s.tgz)", name, name, version)
	}
	tgz := filepath.Join(dir, name+"-"+version+".tgz")
	folder := filepath.Join(dir, name)
	switch {
	case fileExists(tgz):
		return unpack(tgz, name, version)
	case fileExists(filepath.Join(folder, "Chart.yaml")):
		meta, err := chartutil.LoadChartfile(filepath.Join(folder, "Chart.yaml"))
		if err != nil {
			return "", fmt.Errorf("chart %s: %w", folder, err)
		}
		if meta.Name != name || meta.Version != version {
			return "", fmt.Errorf("holds chart %s version %s in %s/, but %s version %s is pinned; mirror the pinned version, or pin the mirrored one", meta.Name, meta.Version, name, name, version)
		}
		return folder, nil
	}
	return "", fmt.Errorf("holds neither %s/ nor %s-%s.tgz", name, name, version)
}

// unpack writes the chart archive tgz into a folder named after its
// content, once, and returns the chart's folder in it.
func unpack(tgz, name, version string) (string, error) {
	b, err := os.ReadFile(tgz)
	if err != nil {
		return "", err
	}
	ch, err := loader.LoadArchive(bytes.NewReader(b))
	if err != nil {
		return "", fmt.Errorf("chart archive %s: %w", tgz, err)
	}
	if ch.Name() != name || ch.Metadata.Version != version {
		return "", fmt.Errorf("%s holds chart %s version %s, not %s %s", tgz, ch.Name(), ch.Metadata.Version, name, version)
	}
	sum := sha256.Sum256(b)
	parent := filepath.Join(os.TempDir(), "bluegreen-charts", "mirror-"+hex.EncodeToString(sum[:])[:16])
	out := filepath.Join(parent, name)
	if fileExists(filepath.Join(out, "Chart.yaml")) {
		return out, nil
	}
	tmp := parent + ".tmp-" + fmt.Sprint(os.Getpid())
	os.RemoveAll(tmp)
	if err := chartutil.SaveDir(ch, tmp); err != nil {
		return "", fmt.Errorf("unpacking %s: %w", tgz, err)
	}
	if err := os.Rename(tmp, parent); err != nil && !fileExists(filepath.Join(out, "Chart.yaml")) {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("unpacking %s: %w", tgz, err)
	}
	return out, nil
}

// Chart returns where chart name at version comes from with s: the chart
// in s's repository, or, for a local directory, its folder there (which
// the release copies into the stack as an asset).
func (s ChartSource) Chart(name, version string) (addon.Chart, error) {
	if !s.IsLocal() {
		return addon.Chart{Name: name, Repository: s.Repository, Version: version}, nil
	}
	dir, err := s.localChart(name, version)
	if err != nil {
		return addon.Chart{}, fmt.Errorf("chart source %q: %w", s.Repository, err)
	}
	return addon.Chart{Dir: dir}, nil
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}
