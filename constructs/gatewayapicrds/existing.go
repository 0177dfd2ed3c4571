package gatewayapicrds

import (
	"fmt"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/datakubernetesresources"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/constructs/gatewayapicrds/bundle"
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
// UseExisting records the requirement (bundle.Local).
const RequirementLocal = bundle.Local

// Requirement is what UseExisting requires of the cluster's CRDs
// (package bundle, which imports no cdktf, for tools that check a cluster
// without Terraform).
type Requirement = bundle.Requirement

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
	need, _ := bundle.Rank(version)
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
		message := req.Message(crd, state)
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
