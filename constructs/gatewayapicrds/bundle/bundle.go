// Package bundle compares the bundle version of a cluster's Gateway API
// CRDs with what an Istio release needs, in the words of the check
// gatewayapicrds.UseExisting writes into a stack. It imports no cdktf, so
// tools that check a cluster without Terraform (internal/verify/meshinstall) use
// it.
package bundle

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
)

// Annotation is the annotation on each Gateway API CRD that names the
// release (bundle) it comes from.
const Annotation = "gateway.networking.k8s.io/bundle-version"

// Local is the name of the Terraform local value in which
// gatewayapicrds.UseExisting records the Requirement (an object with
// "setting", "istio" and "bundle_version"), for tools that check the
// cluster without Terraform (internal/verify/meshinstall).
const Local = "gateway_api_crds_required"

// Requirement is what gatewayapicrds.UseExisting requires of the
// cluster's CRDs.
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

// Rank orders bundle versions as one number (v1.6.0 is 1006000), as the
// postcondition does in Terraform; ok is false for a value that is not a
// version.
func Rank(version string) (n int, ok bool) {
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
// meets r, in the words of the postcondition gatewayapicrds.UseExisting
// writes.
func (r Requirement) Check(crd string, installed bool, found string) error {
	if !installed {
		return errors.New(r.Message(crd, "is not installed"))
	}
	got, ok := Rank(found)
	need, _ := Rank(r.BundleVersion)
	if ok && got >= need {
		return nil
	}
	if found == "" {
		found = "(no " + Annotation + " annotation)"
	}
	return errors.New(r.Message(crd, "is of bundle "+found))
}

// Message is the error text for crd, whose state is what the cluster has
// ("is not installed", "is of bundle v1.4.1"; in Terraform, an
// expression that says so).
func (r Requirement) Message(crd, state string) string {
	return fmt.Sprintf("%s: the cluster's Gateway API CRD %s %s; Istio %s needs bundle %s or later (upgrade the cluster's Gateway API CRDs, or set gatewayAPI.crds to \"install\")",
		r.Setting, crd, state, r.Istio, r.BundleVersion)
}
