package config

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/constructs/gatewayapicrds"
)

// GatewayAPI holds the environment's settings of the Kubernetes Gateway
// API's cluster-wide parts.
type GatewayAPI struct {
	// CRDs says where the Gateway API CRDs come from when the environment
	// needs them (routing.api "gatewayAPI", or the ambient data plane):
	// "install" installs them in <env>-mesh as the release
	// gateway-api-crds, whose objects Helm keeps on uninstall, so a
	// destroy leaves them (and every Gateway API object in the cluster) in
	// place; "existing" installs none and uses the cluster's own (an EKS
	// add-on, a platform team's), checked when Terraform plans: each of
	// gatewayapicrds.Checked must be there, of the bundle version the Istio
	// release needs or later. Without a need for the CRDs it has no
	// effect. Default: "install".
	CRDs string `json:"crds"`
}

// WithDefaults returns g with every unset field given its default. It
// never changes g.
func (g GatewayAPI) WithDefaults() GatewayAPI {
	if g.CRDs == "" {
		g.CRDs = gatewayapicrds.Install
	}
	return g
}

// validateAt reports the problems of g, which has its defaults, under p.
func (g GatewayAPI) validateAt(p *field.Path) field.ErrorList {
	if !slices.Contains(gatewayapicrds.Modes, g.CRDs) {
		return field.ErrorList{field.NotSupported(p.Child("crds"), g.CRDs, gatewayapicrds.Modes)}
	}
	return nil
}

// InstallsGatewayAPICRDs reports whether the environment's mesh stack
// installs the Gateway API CRDs: it needs them (NeedsGatewayAPICRDs) and
// gatewayAPI.crds is "install".
func (e Environment) InstallsGatewayAPICRDs() bool {
	return e.NeedsGatewayAPICRDs() && e.GatewayAPI.CRDs != gatewayapicrds.Existing
}

// UsesExistingGatewayAPICRDs reports whether the environment's mesh stack
// needs the Gateway API CRDs and uses the cluster's own
// (gatewayAPI.crds "existing").
func (e Environment) UsesExistingGatewayAPICRDs() bool {
	return e.NeedsGatewayAPICRDs() && e.GatewayAPI.CRDs == gatewayapicrds.Existing
}

// GatewayAPICRDsSetting names the setting in the messages of a check of the
// cluster's CRDs (gatewayapicrds.Requirement.Setting), such as
// `environment "dev": gatewayAPI.crds "existing"`.
func (e Environment) GatewayAPICRDsSetting() string {
	return fmt.Sprintf("environment %q: gatewayAPI.crds %q", e.Name, e.GatewayAPI.CRDs)
}
