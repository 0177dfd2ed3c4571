package gatewayapicrds

import (
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"sigs.k8s.io/yaml"

	"github.com/bluegreen-mesh/bluegreen/charts"
	"github.com/bluegreen-mesh/bluegreen/constructs/addon"
)

// Chart is the local chart that holds the CRDs.
const Chart = "gatewayapi-crds"

// BundleVersionAnnotation is the annotation on each Gateway API CRD that
// names the release (bundle) it comes from.
const BundleVersionAnnotation = "gateway.networking.k8s.io/bundle-version"

// IstioRequires maps an Istio minor release to the Gateway API bundle
// version it requires, standard channel. Source: istio.io/istio's go.mod at
// the release's tag (1.31.0: sigs.k8s.io/gateway-api v1.6.0, the commit
// tools/go.mod pins), which is also the version Istio's tests install and
// IST0176 compares against. Add a row when DefaultVersion (package
// constructs/istio) moves; a release without a row cannot use api
// "gatewayAPI" until its version is looked up.
var IstioRequires = map[string]string{
	"1.31": "v1.6.0",
}

var minorRE = regexp.MustCompile(`^(\d+\.\d+)\.\d+`)

// CRD is one embedded manifest: a CRD, or the ValidatingAdmissionPolicy
// that guards CRD upgrades.
type CRD struct {
	// File is the template's name in the chart.
	File string
	// Kind and Name are the object's.
	Kind, Name string
	// BundleVersion is the CRD's bundle-version annotation.
	BundleVersion string
}

// Embedded returns the manifests of the chart, sorted by file name. It
// fails when the chart has none: the templates are copied by `make crds`.
func Embedded() ([]CRD, error) {
	chart, err := charts.FS(Chart)
	if err != nil {
		return nil, err
	}
	files, _ := fs.Glob(chart, "templates/*.yaml")
	if len(files) == 0 {
		return nil, fmt.Errorf("chart %s has no CRDs: run `make crds` to copy them from the sigs.k8s.io/gateway-api module go.mod pins", Chart)
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
			return nil, fmt.Errorf("chart %s: %s: %w", Chart, f, err)
		}
		out = append(out, CRD{File: path.Base(f), Kind: head.Kind, Name: head.Metadata.Name, BundleVersion: head.Metadata.Annotations[BundleVersionAnnotation]})
	}
	return out, nil
}

// BundleVersion returns the one bundle version of the embedded CRDs.
func BundleVersion() (string, error) {
	crds, err := Embedded()
	if err != nil {
		return "", err
	}
	var versions []string
	for _, c := range crds {
		if c.Kind == "CustomResourceDefinition" && !slices.Contains(versions, c.BundleVersion) {
			versions = append(versions, c.BundleVersion)
		}
	}
	if len(versions) != 1 || versions[0] == "" {
		return "", fmt.Errorf("chart %s: the CRDs carry bundle versions %q; want one (run `make crds` again)", Chart, versions)
	}
	return versions[0], nil
}

// CheckPairing reports whether Istio release istioVersion (such as
// "1.31.0") requires the Gateway API version the embedded CRDs are. The
// error says what is required and what is embedded.
func CheckPairing(istioVersion string) error {
	have, err := BundleVersion()
	if err != nil {
		return err
	}
	m := minorRE.FindStringSubmatch(istioVersion)
	if m == nil {
		return fmt.Errorf("%q is not an Istio release such as 1.31.0", istioVersion)
	}
	want, ok := IstioRequires[m[1]]
	if !ok {
		return fmt.Errorf("the Gateway API version Istio %s requires is not known here (known: %s); bluegreen embeds the %s CRDs", m[1], known(), have)
	}
	if want != have {
		return fmt.Errorf("Istio %s requires the Gateway API %s CRDs, bluegreen embeds %s (sigs.k8s.io/gateway-api in go.mod)", m[1], want, have)
	}
	return nil
}

func known() string {
	var out []string
	for _, minor := range slices.Sorted(maps.Keys(IstioRequires)) {
		out = append(out, "Istio "+minor+": "+IstioRequires[minor])
	}
	return strings.Join(out, ", ")
}

// Release is the Helm release of the CRDs, in namespace (the control
// plane's; the CRDs themselves are cluster-scoped), installed after what
// New is given to depend on.
func Release(namespace string) addon.Release {
	return addon.Release{
		ID: "gateway-api-crds", Name: "gateway-api-crds", Namespace: namespace,
		Chart: addon.Chart{Local: Chart}, Values: map[string]any{}, Flags: addon.Applied(),
		Order: addon.Order{After: []string{addon.Upstream}},
	}
}

// CRDs is the installed Gateway API CRDs.
type CRDs struct {
	constructs.Construct
	release cdktf.ITerraformDependable
}

// New installs the CRDs under scope for Istio release istioVersion, as a
// release in namespace, after dependsOn (the control plane's releases,
// which create that namespace; istiod watches for the CRDs and starts its
// Gateway API controller when they appear). It fails, creating nothing,
// when the pairing does not hold.
func New(scope constructs.Construct, id, istioVersion, namespace string, dependsOn ...cdktf.ITerraformDependable) (*CRDs, error) {
	if err := CheckPairing(istioVersion); err != nil {
		return nil, fmt.Errorf("gateway API CRDs %q: %w", id, err)
	}
	c := &CRDs{Construct: constructs.NewConstruct(scope, jsii.String(id))}
	h, err := addon.NewInstaller(c.Construct, dependsOn...).Install(Release(namespace))
	if err != nil {
		return nil, fmt.Errorf("gateway API CRDs %q: %w", id, err)
	}
	c.release = h
	return c, nil
}

// Dependable is the CRDs' Helm release, for resources that need the CRDs.
func (c *CRDs) Dependable() cdktf.ITerraformDependable { return c.release }
