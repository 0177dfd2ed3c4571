package gatewayapicrds_test

import (
	"slices"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/constructs/gatewayapicrds"
)

// TestEmbeddedChartsAreTheStandardChannelOfEachVersion checks the chart
// `make crds` made for each version of the pairing table (it reads them
// from pairing.go): the files of config/crd/standard of
// sigs.k8s.io/gateway-api at that version.
func TestEmbeddedChartsAreTheStandardChannelOfEachVersion(t *testing.T) {
	if got, want := gatewayapicrds.Versions(), []string{"v1.4.1", "v1.5.1", "v1.6.0"}; !slices.Equal(got, want) {
		t.Fatalf("Versions: got %v; want %v", got, want)
	}
	for _, tc := range []struct {
		version string
		// files are the manifests of config/crd/standard at the version.
		files int
		// vap is whether the ValidatingAdmissionPolicy that guards CRD
		// upgrades is one of them (from v1.5.0).
		vap bool
	}{
		{"v1.4.1", 6, false},
		{"v1.5.1", 9, true},
		{"v1.6.0", 11, true},
	} {
		t.Run(tc.version, func(t *testing.T) {
			crds, err := gatewayapicrds.Embedded(tc.version)
			if err != nil {
				t.Fatal(err)
			}
			if len(crds) != tc.files {
				t.Fatalf("got %d manifests, want %d: %+v", len(crds), tc.files, crds)
			}
			byName := map[string]gatewayapicrds.CRD{}
			vap := false
			for _, c := range crds {
				byName[c.Name] = c
				// Helm leaves the cluster-wide objects in place when the
				// release is uninstalled.
				if c.ResourcePolicy != "keep" {
					t.Errorf("%s: helm.sh/resource-policy %q; want keep", c.File, c.ResourcePolicy)
				}
				if c.Kind == "ValidatingAdmissionPolicy" {
					vap = true
				} else if c.Kind != "CustomResourceDefinition" || c.BundleVersion != tc.version {
					t.Errorf("%s: got %+v; want a CustomResourceDefinition of bundle %s", c.File, c, tc.version)
				}
			}
			if vap != tc.vap {
				t.Errorf("ValidatingAdmissionPolicy among the manifests: got %v, want %v", vap, tc.vap)
			}
			for _, name := range []string{"gatewayclasses.gateway.networking.k8s.io", "gateways.gateway.networking.k8s.io", "httproutes.gateway.networking.k8s.io", "referencegrants.gateway.networking.k8s.io"} {
				if _, ok := byName[name]; !ok {
					t.Errorf("no CRD %s", name)
				}
			}
		})
	}
}

func TestRequired(t *testing.T) {
	for istio, want := range map[string]string{"1.28.10": "v1.4.1", "1.29.6": "v1.4.1", "1.30.3": "v1.5.1", "1.31.0": "v1.6.0"} {
		if got, err := gatewayapicrds.Required(istio); err != nil || got != want {
			t.Errorf("Required(%s): got %q, %v; want %s", istio, got, err, want)
		}
	}
	for _, tc := range []struct{ name, version, want string }{
		{"fails/an Istio release without a known pairing", "1.27.4", "Istio 1.27 has no known Gateway API pairing: the Gateway API version it requires is not recorded (constructs/gatewayapicrds/pairing.go); allowed: Istio 1.28 (v1.4.1), Istio 1.29 (v1.4.1), Istio 1.30 (v1.5.1), Istio 1.31 (v1.6.0)"},
		{"fails/not a release", "latest", `"latest" is not an Istio release such as 1.31.0`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gatewayapicrds.Required(tc.version)
			if err == nil || err.Error() != tc.want {
				t.Errorf("got %v; want %q", err, tc.want)
			}
		})
	}
}

// TestRequiredNamesTheEndOfSupport takes Istio 1.28's row out of the
// table, as it will go when constructs/istio stops allowing 1.28: the
// error then says when its support ends, in words that do not depend on
// today's date.
func TestRequiredNamesTheEndOfSupport(t *testing.T) {
	row := gatewayapicrds.IstioRequires["1.28"]
	delete(gatewayapicrds.IstioRequires, "1.28")
	t.Cleanup(func() { gatewayapicrds.IstioRequires["1.28"] = row })
	_, err := gatewayapicrds.Required("1.28.10")
	want := "Istio 1.28 has no known Gateway API pairing: the Gateway API version it requires is not recorded (constructs/gatewayapicrds/pairing.go); end of Istio's support for it: 2026-06-29 (constructs/istio SupportEnds); allowed: Istio 1.29 (v1.4.1), Istio 1.30 (v1.5.1), Istio 1.31 (v1.6.0)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v; want %q", err, want)
	}
}
