package config_test

import (
	"testing"

	"github.com/bluegreen-mesh/bluegreen/constructs/eks"
	"github.com/bluegreen-mesh/bluegreen/internal/config"
)

// TestLocalEmulatorProfile checks that aws.localEndpoint turns EKS add-ons
// off and sets authenticationMode CONFIG_MAP where the cluster leaves them
// unset, keeps what the user set, and changes nothing without the endpoint.
func TestLocalEmulatorProfile(t *testing.T) {
	on, off := true, false
	for _, tc := range []struct {
		name       string
		endpoint   string
		cluster    eks.Props
		wantAddons bool
		wantMode   string
	}{
		{"applied", "http://127.0.0.1:5000", eks.Props{}, false, "CONFIG_MAP"},
		{"user-keeps-addons", "http://127.0.0.1:5000", eks.Props{Addons: eks.Addons{Enabled: &on}}, true, "CONFIG_MAP"},
		{"user-keeps-mode", "http://127.0.0.1:5000", eks.Props{AuthenticationMode: "API"}, false, "API"},
		{"user-disables-addons", "http://127.0.0.1:5000", eks.Props{Addons: eks.Addons{Enabled: &off}}, false, "CONFIG_MAP"},
		{"real-aws", "", eks.Props{}, true, "API_AND_CONFIG_MAP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := config.Environment{Name: "dev", Region: "eu-west-1", Cluster: tc.cluster}
			env.AWS.LocalEndpoint = tc.endpoint
			got := env.WithDefaults().Cluster
			if got.Addons.Enabled == nil || *got.Addons.Enabled != tc.wantAddons {
				t.Errorf("addons.enabled: got %v, want %v", got.Addons.Enabled, tc.wantAddons)
			}
			if got.AuthenticationMode != tc.wantMode {
				t.Errorf("authenticationMode: got %q, want %q", got.AuthenticationMode, tc.wantMode)
			}
		})
	}
}
