package gatewayapicrds_test

import (
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/constructs/gatewayapicrds"
)

func TestEmbeddedCRDsAreTheStandardChannelOfV160(t *testing.T) {
	crds, err := gatewayapicrds.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	// config/crd/standard of sigs.k8s.io/gateway-api v1.6.0: ten CRDs and
	// the ValidatingAdmissionPolicy that guards their upgrades.
	if len(crds) != 11 {
		t.Fatalf("got %d manifests, want 11: %+v", len(crds), crds)
	}
	byName := map[string]gatewayapicrds.CRD{}
	for _, c := range crds {
		byName[c.Name] = c
	}
	for _, name := range []string{"gatewayclasses.gateway.networking.k8s.io", "gateways.gateway.networking.k8s.io", "httproutes.gateway.networking.k8s.io", "referencegrants.gateway.networking.k8s.io"} {
		if c := byName[name]; c.Kind != "CustomResourceDefinition" || c.BundleVersion != "v1.6.0" {
			t.Errorf("%s: got %+v; want a CustomResourceDefinition of bundle v1.6.0", name, c)
		}
	}
	if v, err := gatewayapicrds.BundleVersion(); err != nil || v != "v1.6.0" {
		t.Errorf("BundleVersion: got %q, %v; want v1.6.0", v, err)
	}
}

func TestCheckPairing(t *testing.T) {
	if err := gatewayapicrds.CheckPairing("1.31.0"); err != nil {
		t.Errorf("Istio 1.31.0: %v; want the v1.6.0 CRDs accepted", err)
	}
	for _, tc := range []struct{ name, version, want string }{
		{"fails/an Istio release without a known pairing", "1.30.2", "the Gateway API version Istio 1.30 requires is not known here (known: Istio 1.31: v1.6.0); bluegreen embeds the v1.6.0 CRDs"},
		{"fails/not a release", "latest", `"latest" is not an Istio release such as 1.31.0`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := gatewayapicrds.CheckPairing(tc.version)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v; want an error containing %q", err, tc.want)
			}
		})
	}
}
