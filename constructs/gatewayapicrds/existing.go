package gatewayapicrds

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/datakubernetesresources"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
)

// Who provides an environment's Gateway API CRDs.
const (
	// Install installs them as the release gateway-api-crds (Release),
	// whose objects carry helm.sh/resource-policy: keep: a destroy (Helm's
	// uninstall) leaves the CRDs, and every Gateway API object in the
	// cluster, in place.
	Install = "install"
	// Existing uses the CRDs the cluster already has (an EKS add-on, a
	// platform team's baseline): no release; UseExisting checks at plan
	// time that they are there, of the bundle version Istio needs or later.
	Existing = "existing"
)

// Modes are the values allowed for who provides the CRDs.
var Modes = []string{Install, Existing}

// KeepPolicy is the annotation that, with the value "keep", makes Helm
// leave an object in place when it uninstalls the release: `make crds`
// puts it on every manifest of the charts.
const KeepPolicy = "helm.sh/resource-policy"

// Checked are the CRDs UseExisting requires of the cluster: those of the
// kinds the environment's objects are (Gateway and HTTPRoute; the ambient
// waypoint is a Gateway) and GatewayClass, which istiod creates.
var Checked = []string{
	"gatewayclasses.gateway.networking.k8s.io",
	"gateways.gateway.networking.k8s.io",
	"httproutes.gateway.networking.k8s.io",
}

// RequirementLocal is the name of the Terraform local value in which
// UseExisting records the requirement (an object with "setting",
// "istio" and "bundle_version"), for tools that check the cluster without
// Terraform (internal/meshinstall) and read the same requirement.
const RequirementLocal = "gateway_api_crds_required"

// Requirement is what UseExisting requires of the cluster's CRDs.
type Requirement struct {
	// Setting names the setting for messages, such as
	// `environment "dev": gatewayAPI.crds "existing"`.
	Setting string `json:"setting"`
	// Istio is the Istio minor release, such as "1.31".
	Istio string `json:"istio"`
	// BundleVersion is the oldest bundle version Istio accepts, such as
	// "v1.6.0".
	BundleVersion string `json:"bundle_version"`
}

// versionRE reads major, minor and patch of a bundle version such as
// "v1.6.0" (or "v1.6.0-rc.1").
var versionRE = regexp.MustCompile(`^v([0-9]+)\.([0-9]+)\.([0-9]+)`)

// rank orders bundle versions as one number (v1.6.0 is 1006000), as the
// postcondition does in Terraform; ok is false for a value that is not a
// version.
func rank(version string) (n int, ok bool) {
	m := versionRE.FindStringSubmatch(version)
	if m == nil {
		return 0, false
	}
	for _, part := range m[1:] {
		d, _ := strconv.Atoi(part)
		n = n*1000 + d
	}
	return n, true
}

// Check reports whether the cluster's CRD crd, of bundle version found
// ("" when the CRD is not installed; installed reports whether it is),
// meets r, in the words of the postcondition UseExisting writes.
func (r Requirement) Check(crd string, installed bool, found string) error {
	if !installed {
		return fmt.Errorf("%s", r.message(crd, "is not installed"))
	}
	got, ok := rank(found)
	need, _ := rank(r.BundleVersion)
	if ok && got >= need {
		return nil
	}
	if found == "" {
		found = "(no " + BundleVersionAnnotation + " annotation)"
	}
	return fmt.Errorf("%s", r.message(crd, "is of bundle "+found))
}

// message is the error text for crd, whose state is what the cluster
// has.
func (r Requirement) message(crd, state string) string {
	return fmt.Sprintf("%s: the cluster's Gateway API CRD %s %s; Istio %s needs bundle %s or later (upgrade the cluster's Gateway API CRDs, or set gatewayAPI.crds to %q)",
		r.Setting, crd, state, r.Istio, r.BundleVersion, Install)
}

// UseExisting uses the Gateway API CRDs the cluster already has, for
// Istio release istioVersion: it installs nothing, and reads each CRD of
// Checked with a kubernetes_resources data source whose postcondition
// fails the plan, naming setting (see Requirement.Setting), the CRD, the
// bundle version found and the version needed, when the CRD is missing or
// of an older bundle. The data sources depend on nothing, so Terraform
// reads them when it plans, before it changes anything. It fails, creating
// nothing, when the pairing does not hold (Required).
func UseExisting(scope constructs.Construct, id, istioVersion, setting string) (*CRDs, error) {
	version, err := Required(istioVersion)
	if err != nil {
		return nil, fmt.Errorf("gateway API CRDs %q: %w", id, err)
	}
	req := Requirement{Setting: setting, Istio: istio.Minor(istioVersion), BundleVersion: version}
	c := &CRDs{Construct: constructs.NewConstruct(scope, jsii.String(id)), version: version, existing: true}
	need, _ := rank(version)
	local := cdktf.NewTerraformLocal(c.Construct, jsii.String("requirement"), map[string]any{
		"setting": req.Setting, "istio": req.Istio, "bundle_version": req.BundleVersion,
	})
	local.OverrideLogicalId(jsii.String(RequirementLocal))
	found := `try(self.objects[0].metadata.annotations["` + BundleVersionAnnotation + `"], "")`
	for _, crd := range Checked {
		// The postcondition's condition and message are Terraform
		// expressions; the message is Requirement.message's, with the
		// state read from the data source.
		condition := fmt.Sprintf(`${length(self.objects) == 1 && try(sum([for i, n in regex("^v([0-9]+)\\.([0-9]+)\\.([0-9]+)", %s) : tonumber(n) * pow(1000, 2 - i)]) >= %d, false)}`, found, need)
		state := fmt.Sprintf(`${length(self.objects) == 0 ? "is not installed" : "is of bundle ${%s == "" ? "(no %s annotation)" : %s}"}`, found, BundleVersionAnnotation, found)
		message := strings.ReplaceAll(req.message(crd, "@STATE@"), "@STATE@", state)
		ds := datakubernetesresources.NewDataKubernetesResources(c.Construct, jsii.String(strings.SplitN(crd, ".", 2)[0]), &datakubernetesresources.DataKubernetesResourcesConfig{
			ApiVersion:    jsii.String("apiextensions.k8s.io/v1"),
			Kind:          jsii.String("CustomResourceDefinition"),
			FieldSelector: jsii.String("metadata.name=" + crd),
			Lifecycle: &cdktf.TerraformResourceLifecycle{
				Postcondition: &[]*cdktf.Postcondition{{Condition: condition, ErrorMessage: jsii.String(message)}},
			},
		})
		c.checks = append(c.checks, ds)
	}
	return c, nil
}
