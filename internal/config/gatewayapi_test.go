package config_test

import (
	"errors"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
)

// gatewayAPIEnv is an environment that routes with the Gateway API, so
// that it needs the CRDs, with gatewayAPI set to settings (a JSON object).
func gatewayAPIEnv(settings string) string {
	return `{"dev": {` + testutil.ExistingCluster + `, "gatewayAPI": ` + settings + `,
		"routing": {"api": "gatewayAPI", "hosts": ["echo.example.com"]}}}`
}

// TestGatewayAPICRDs reads gatewayAPI.crds: "install" by default, the
// cluster's own with "existing", and the setting named in messages.
func TestGatewayAPICRDs(t *testing.T) {
	for _, tc := range []struct {
		settings          string
		install, existing bool
		setting           string
	}{
		{`{}`, true, false, `environment "dev": gatewayAPI.crds "install"`},
		{`{"crds": "install"}`, true, false, `environment "dev": gatewayAPI.crds "install"`},
		{`{"crds": "existing"}`, false, true, `environment "dev": gatewayAPI.crds "existing"`},
	} {
		t.Run(tc.settings, func(t *testing.T) {
			envs, err := config.Load(testutil.WriteConfig(t, gatewayAPIEnv(tc.settings)))
			if err != nil {
				t.Fatal(err)
			}
			e := envs[0]
			if e.InstallsGatewayAPICRDs() != tc.install || e.UsesExistingGatewayAPICRDs() != tc.existing {
				t.Errorf("installs, uses existing: got %v, %v; want %v, %v", e.InstallsGatewayAPICRDs(), e.UsesExistingGatewayAPICRDs(), tc.install, tc.existing)
			}
			if got := e.GatewayAPICRDsSetting(); got != tc.setting {
				t.Errorf("setting: got %s; want %s", got, tc.setting)
			}
		})
	}
	// Without a need for the CRDs (VirtualService routing, sidecars) the
	// setting changes nothing.
	envs, err := config.Load(testutil.WriteConfig(t, `{"dev": {`+testutil.ExistingCluster+`, "gatewayAPI": {"crds": "existing"}, "routing": {"hosts": ["echo.example.com"]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if envs[0].InstallsGatewayAPICRDs() || envs[0].UsesExistingGatewayAPICRDs() {
		t.Errorf("a VirtualService environment: installs %v, uses existing %v; want neither", envs[0].InstallsGatewayAPICRDs(), envs[0].UsesExistingGatewayAPICRDs())
	}
}

func TestGatewayAPICRDsInvalid(t *testing.T) {
	for _, tc := range []struct{ name, settings, field, detail string }{
		{"fails/unknown mode", `{"crds": "skip"}`, "context.environments[dev].gatewayAPI.crds", `Unsupported value: "skip": supported values: "install", "existing"`},
		{"fails/unknown field", `{"crd": "existing"}`, "context.environments[dev].gatewayAPI.crd", "unknown field (a typo?); allowed: crds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Load(testutil.WriteConfig(t, gatewayAPIEnv(tc.settings)))
			var cerr *config.Error
			if !errors.As(err, &cerr) {
				t.Fatalf("got %v; want a *config.Error", err)
			}
			testutil.AssertFieldError(t, cerr.Problems, tc.field, tc.detail)
		})
	}
}
