// Package istiocharts loads Istio's own Helm charts (base, istiod and
// gateway, and the ambient data plane's cni and ztunnel) from the istio.io/istio module that tools/go.mod pins, the source
// istioctl is built from, so that tests and `check` render exactly the
// charts a helm_release of that Istio release installs, offline.
//
// The module holds the charts as Istio's repository keeps them: chart
// version 1.0.0 and a testing image hub. Load sets what Istio's release
// process sets when it publishes them: the chart version and appVersion
// become the release version, and istiod's default hub and tag become the
// release's hub (docker.io/istio) and the version.
package istiocharts

import (
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"

	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/repo"
)

// ModulePath is the module that holds Istio's charts, pinned in
// tools/go.mod.
const ModulePath = "istio.io/istio"

// Release is the Istio release of the module version tools/go.mod pins:
// v0.0.0-20260827124520-eed52ebb66ad is commit eed52ebb66ad, the 1.31.0
// tag (the module's VERSION file says 1.31). It is the newest 1.31 patch
// whose exact source the Go module proxy serves (1.31.1's is not served),
// so the analyzer and the tests' istiod stay at it while the mesh defaults
// to a later 1.31 patch (istio.DefaultVersion); its charts stand in for
// every release of its minor (see ForRelease). Istio 1.31 is supported
// until six weeks after 1.33 is released. Change it together with
// tools/go.mod; TestPinnedModuleIsRelease fails when they disagree.
const Release = "1.31.0"

// PinnedCommit is the short commit of Release that tools/go.mod must pin.
const PinnedCommit = "eed52ebb66ad"

// Hub is the image hub Istio publishes 1.31 and later releases to, which
// its release process writes into the published istiod chart.
const Hub = "docker.io/istio"

// testingHub and testingTag are the image hub and tag of the charts'
// values.yaml in the source (under global, and at the top level in the
// ztunnel chart), replaced by Hub and Release on publication.
const (
	testingHub = "registry.istio.io/testing"
	testingTag = "latest"
)

// Chart names, as a helm_release names them.
const (
	Base    = "base"
	Istiod  = "istiod"
	CNI     = "cni"
	Ztunnel = "ztunnel"
	Gateway = "gateway"
)

// Names are the charts the package loads, in install order (cni and
// ztunnel only with the ambient data plane).
var Names = []string{Base, Istiod, CNI, Ztunnel, Gateway}

// dirs maps a chart name to its folder in the module.
var dirs = map[string]string{
	Base:    "manifests/charts/base",
	Istiod:  "manifests/charts/istio-control/istio-discovery",
	CNI:     "manifests/charts/istio-cni",
	Ztunnel: "manifests/charts/ztunnel",
	Gateway: "manifests/charts/gateway",
}

var moduleDir struct {
	sync.Mutex
	dir string
}

// ModuleDir returns the folder of the istio.io/istio module pinned in
// tools/go.mod, downloading it into Go's module cache if it is not there
// yet (`make test` and `make istioctl` download it to build istioctl).
func ModuleDir() (string, error) {
	moduleDir.Lock()
	defer moduleDir.Unlock()
	if moduleDir.dir != "" {
		return moduleDir.dir, nil
	}
	tools, err := repo.ToolsDir()
	if err != nil {
		return "", fmt.Errorf("istio's charts: %w", err)
	}
	mod, err := repo.DownloadModule(tools, ModulePath)
	if err != nil {
		return "", fmt.Errorf("istio's charts: %w", err)
	}
	if !strings.HasSuffix(mod.Version, "-"+PinnedCommit) {
		return "", fmt.Errorf("istio's charts: tools/go.mod pins %s %s, but this package renders Istio %s (commit %s); change Release and PinnedCommit with the pin", ModulePath, mod.Version, Release, PinnedCommit)
	}
	moduleDir.dir = mod.Dir
	return mod.Dir, nil
}

// Load loads chart name (one of Names) of Istio Release from the pinned
// module with Helm's loader, as Istio publishes it: chart version and
// appVersion Release, and image hub Hub and tag Release where the source
// has the testing ones.
func Load(name string) (*chart.Chart, error) {
	return load(name, Release)
}

// load loads chart name of the pinned module stamped as Istio's release
// process stamps version: chart version, appVersion and image tag.
func load(name, version string) (*chart.Chart, error) {
	rel, ok := dirs[name]
	if !ok {
		return nil, fmt.Errorf("chart %q is not one of Istio's charts %q", name, Names)
	}
	mod, err := ModuleDir()
	if err != nil {
		return nil, err
	}
	c, err := loader.Load(filepath.Join(mod, filepath.FromSlash(rel)))
	if err != nil {
		return nil, fmt.Errorf("istio chart %s: %w", name, err)
	}
	if c.Name() != name {
		return nil, fmt.Errorf("istio chart folder %s holds chart %q, not %q", rel, c.Name(), name)
	}
	c.Metadata.Version = version
	c.Metadata.AppVersion = version
	for _, keys := range [][]string{{defaultsKey, "global"}, {defaultsKey}} {
		if g, ok := dig(c.Values, keys...); ok {
			if g["hub"] == testingHub {
				g["hub"] = Hub
			}
			if g["tag"] == testingTag {
				g["tag"] = version
			}
		}
	}
	return c, nil
}

// dig returns the map at keys under m.
func dig(m map[string]any, keys ...string) (map[string]any, bool) {
	for _, k := range keys {
		next, ok := m[k].(map[string]any)
		if !ok {
			return nil, false
		}
		m = next
	}
	return m, true
}

// ChartName returns the name of the chart a helm_release installs from a
// repository: the chart attribute's last path element, so that
// "oci://ghcr.io/istio/release/charts/istiod" is "istiod" too.
func ChartName(r render.Release) string {
	return path.Base(strings.TrimSuffix(r.Chart, "/"))
}

// IsIstio reports whether r installs one of Istio's charts from a
// repository.
func IsIstio(r render.Release) bool {
	_, ok := dirs[ChartName(r)]
	return !r.Local() && ok
}

// VersionError says that a release installs an Istio release of another
// minor release than the one whose charts are available offline.
type VersionError struct {
	// Chart and Version are the release's.
	Chart, Version string
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("chart %s version %q: only Istio %s's charts are available offline (%s pinned in tools/go.mod), and they stand in for Istio %s releases only", e.Chart, e.Version, Release, ModulePath, minor(Release))
}

// ForRelease returns the chart a helm_release of one of Istio's charts
// installs (see IsIstio): Release's chart, stamped with the release's
// version. A patch release of Release's minor release is rendered from
// Release's templates, as the nearest source the module proxy serves
// (patch releases keep a minor release's values and templates, bar fixes),
// with its own version as chart version and image tag. A release of
// another minor release gets a *VersionError: rendering charts that far
// from those it installs would prove nothing.
func ForRelease(r render.Release) (*chart.Chart, error) {
	if !IsIstio(r) {
		return nil, fmt.Errorf("%s: helm_release.%s: chart %q is not one of Istio's charts %q from a repository", r.Stack, r.ID, r.Chart, Names)
	}
	name := ChartName(r)
	v := strings.TrimPrefix(r.Version, "v")
	if !patchRE.MatchString(v) || minor(v) != minor(Release) {
		return nil, &VersionError{Chart: name, Version: r.Version}
	}
	return load(name, v)
}

// patchRE matches an Istio release version such as "1.31.1".
var patchRE = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)

// minor returns the minor release ("1.31") of a version ("1.31.1").
func minor(v string) string {
	if i := strings.LastIndex(v, "."); i > 0 {
		return v[:i]
	}
	return v
}
