package gatewayapicrds

import (
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"sigs.k8s.io/yaml"

	"github.com/bluegreen-mesh/bluegreen/charts"
	"github.com/bluegreen-mesh/bluegreen/constructs/addon"
	"github.com/bluegreen-mesh/bluegreen/constructs/gatewayapicrds/bundle"
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
)

// ChartPrefix starts the name of each local chart that holds the CRDs of
// one bundle version: "gatewayapi-crds-v1.6.0". `make crds` makes one per
// version of IstioRequires.
const ChartPrefix = "gatewayapi-crds-"

// ChartOf returns the local chart that holds the CRDs of bundle version.
func ChartOf(version string) string { return ChartPrefix + version }

// BundleVersionAnnotation is the annotation on each Gateway API CRD that
// names the release (bundle) it comes from.
const BundleVersionAnnotation = bundle.Annotation

// Versions returns the bundle versions IstioRequires names, sorted and
// without repeats: the charts `make crds` makes.
func Versions() []string {
	return slices.Compact(slices.Sorted(maps.Values(IstioRequires)))
}

// CRD is one embedded manifest: a CRD, or the ValidatingAdmissionPolicy
// that guards CRD upgrades.
type CRD struct {
	// File is the template's name in the chart.
	File string
	// Kind and Name are the object's.
	Kind, Name string
	// BundleVersion is the CRD's bundle-version annotation.
	BundleVersion string
	// ResourcePolicy is the object's helm.sh/resource-policy annotation
	// ("keep" on every manifest `make crds` writes).
	ResourcePolicy string
}

// Embedded returns the manifests of the chart of bundle version, sorted by
// file name. It fails when the chart is missing or has none: `make crds`
// makes the charts.
func Embedded(version string) ([]CRD, error) {
	name := ChartOf(version)
	chart, err := charts.FS(name)
	if err != nil {
		return nil, fmt.Errorf("%w: run `make crds` to make the charts of the Gateway API versions constructs/gatewayapicrds/pairing.go lists", err)
	}
	files, _ := fs.Glob(chart, "templates/*.yaml")
	if len(files) == 0 {
		return nil, fmt.Errorf("chart %s has no CRDs: run `make crds` to copy them from the sigs.k8s.io/gateway-api module at %s", name, version)
	}
	var out []CRD
	for _, f := range files {
		b, err := fs.ReadFile(chart, f)
		if err != nil {
			return nil, err
		}
		var head struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name        string            `json:"name"`
				Annotations map[string]string `json:"annotations"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(b, &head); err != nil {
			return nil, fmt.Errorf("chart %s: %s: %w", name, f, err)
		}
		out = append(out, CRD{File: path.Base(f), Kind: head.Kind, Name: head.Metadata.Name, BundleVersion: head.Metadata.Annotations[BundleVersionAnnotation], ResourcePolicy: head.Metadata.Annotations[KeepPolicy]})
	}
	return out, nil
}

var (
	checkedMu sync.Mutex
	checked   = map[string]error{}
)

// checkEmbedded reports whether the chart of bundle version holds CRDs of
// that version only (once per process and version).
func checkEmbedded(version string) error {
	checkedMu.Lock()
	defer checkedMu.Unlock()
	if err, ok := checked[version]; ok {
		return err
	}
	err := func() error {
		crds, err := Embedded(version)
		if err != nil {
			return err
		}
		var versions []string
		for _, c := range crds {
			if c.Kind == "CustomResourceDefinition" && !slices.Contains(versions, c.BundleVersion) {
				versions = append(versions, c.BundleVersion)
			}
		}
		if len(versions) != 1 || versions[0] != version {
			return fmt.Errorf("chart %s: the CRDs carry bundle versions %q; want %s only (run `make crds` again)", ChartOf(version), versions, version)
		}
		return nil
	}()
	checked[version] = err
	return err
}

// Required returns the Gateway API bundle version Istio release
// istioVersion (such as "1.31.0") requires, once it has checked that the
// program embeds that version's CRDs. For a release without a row in
// IstioRequires the error names it, says when Istio's support for it ends
// (constructs/istio SupportEnds) and lists the releases allowed.
func Required(istioVersion string) (string, error) {
	minor := istio.Minor(istioVersion)
	if minor == "" {
		return "", fmt.Errorf("%q is not an Istio release such as 1.31.0", istioVersion)
	}
	want, ok := IstioRequires[minor]
	if !ok {
		return "", fmt.Errorf("Istio %s has no known Gateway API pairing: the Gateway API version it requires is not recorded (constructs/gatewayapicrds/pairing.go)%s; allowed: %s",
			minor, supportOf(minor), known())
	}
	if err := checkEmbedded(want); err != nil {
		return "", fmt.Errorf("Istio %s requires the Gateway API %s CRDs: %w", minor, want, err)
	}
	return want, nil
}

// CheckPairing reports whether the program embeds the Gateway API CRDs
// Istio release istioVersion (such as "1.31.0") requires (see Required).
func CheckPairing(istioVersion string) error {
	_, err := Required(istioVersion)
	return err
}

// supportOf says when Istio's support for minor ends, as constructs/istio
// records it. The words do not depend on today's date (whether that day
// has passed), so the same input always gives the same message.
func supportOf(minor string) string {
	s, ok := istio.SupportEnds[minor]
	switch {
	case !ok:
		return ""
	case s.Ends.IsZero():
		return "; Istio supports it until " + s.Until
	}
	return "; end of Istio's support for it: " + s.Ends.Format(time.DateOnly) + " (constructs/istio SupportEnds)"
}

// known lists the releases of IstioRequires with their versions.
func known() string {
	var out []string
	for _, minor := range slices.SortedFunc(maps.Keys(IstioRequires), compareMinor) {
		out = append(out, "Istio "+minor+" ("+IstioRequires[minor]+")")
	}
	return strings.Join(out, ", ")
}

// compareMinor orders minor releases ("1.9" before "1.10").
func compareMinor(a, b string) int {
	var am, an, bm, bn int
	fmt.Sscanf(a, "%d.%d", &am, &an)
	fmt.Sscanf(b, "%d.%d", &bm, &bn)
	if c := am - bm; c != 0 {
		return c
	}
	return an - bn
}

// Release is the Helm release of the CRDs of bundle version, in namespace
// (the control plane's; the CRDs themselves are cluster-scoped), installed
// after what New is given to depend on, each Helm operation bounded by
// timeoutSeconds (the control plane's istio.timeoutSeconds; 0 leaves the
// helm provider's 300 s). Its name does not change with the version, so
// moving to another Istio release upgrades the one release to the other
// chart.
func Release(namespace, version string, timeoutSeconds int) addon.Release {
	flags := addon.Applied()
	flags.TimeoutSeconds = timeoutSeconds
	return addon.Release{
		ID: "gateway-api-crds", Name: "gateway-api-crds", Namespace: namespace,
		Chart: addon.Chart{Local: ChartOf(version)}, Values: map[string]any{}, Flags: flags,
		Order: addon.Order{After: []string{addon.Upstream}},
	}
}

// CRDs is the Gateway API CRDs of a mesh stack: installed (New) or the
// cluster's own, checked (UseExisting).
type CRDs struct {
	constructs.Construct
	release  cdktf.ITerraformDependable
	checks   []cdktf.ITerraformDependable
	version  string
	existing bool
}

// New installs the CRDs Istio release istioVersion requires under scope,
// as a release in namespace, after dependsOn (the control plane's releases,
// which create that namespace; istiod watches for the CRDs and starts its
// Gateway API controller when they appear), with the Helm timeout
// timeoutSeconds (pass the control plane's istio.timeoutSeconds, as every
// mesh release takes it). It fails, creating nothing, when the pairing
// does not hold.
func New(scope constructs.Construct, id, istioVersion, namespace string, timeoutSeconds int, dependsOn ...cdktf.ITerraformDependable) (*CRDs, error) {
	version, err := Required(istioVersion)
	if err != nil {
		return nil, fmt.Errorf("gateway API CRDs %q: %w", id, err)
	}
	c := &CRDs{Construct: constructs.NewConstruct(scope, jsii.String(id)), version: version}
	h, err := addon.NewInstaller(c.Construct, dependsOn...).Install(Release(namespace, version, timeoutSeconds))
	if err != nil {
		return nil, fmt.Errorf("gateway API CRDs %q: %w", id, err)
	}
	c.release = h
	return c, nil
}

// Version is the Gateway API bundle version of the CRDs installed, or,
// for the cluster's own CRDs (UseExisting), the oldest one accepted.
func (c *CRDs) Version() string { return c.version }

// Existing reports whether the CRDs are the cluster's own (UseExisting).
func (c *CRDs) Existing() bool { return c.existing }

// Dependable is, for resources that need the CRDs, the CRDs' Helm release;
// for the cluster's own CRDs, the check of the last CRD of Checked (every
// check is read when Terraform plans, before anything is applied).
func (c *CRDs) Dependable() cdktf.ITerraformDependable {
	if c.existing {
		return c.checks[len(c.checks)-1]
	}
	return c.release
}
