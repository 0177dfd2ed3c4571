package gatewayapicrds_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	helmprovider "github.com/cdktf/cdktf-provider-helm-go/helm/v10/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/constructs/gatewayapicrds"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/stacktest"
)

// TestNewInstallsTheChartIstioRequires synthesizes the construct for Istio
// 1.30 and finds, behind its helm_release, the chart of the v1.5.1 CRDs
// written into the stack as an asset; for a release without a pairing it
// creates nothing and says why.
func TestNewInstallsTheChartIstioRequires(t *testing.T) {
	stack := stacktest.NewStack(t)
	helmprovider.NewHelmProvider(stack, jsii.String("helm"), &helmprovider.HelmProviderConfig{})
	crds, err := gatewayapicrds.New(stack, "gateway-api-crds", "1.30.3", "istio-system", 900)
	if err != nil {
		t.Fatal(err)
	}
	if got := crds.Version(); got != "v1.5.1" {
		t.Errorf("Version: got %s, want v1.5.1", got)
	}
	if _, err := gatewayapicrds.New(stack, "older", "1.27.4", "istio-system", 900); err == nil || !strings.HasPrefix(err.Error(), `gateway API CRDs "older": Istio 1.27 has no known Gateway API pairing`) {
		t.Errorf("Istio 1.27.4: got %v; want the error that it has no known pairing", err)
	}
	outdir := *cdktf.Testing_FullSynth(stack)
	doc := testutil.Load(t, testutil.StackPath(outdir, "test"))
	if n := doc.Count("helm_release"); n != 1 {
		t.Fatalf("got %d helm_release resources; want 1", n)
	}
	rel := doc.Resource(t, "helm_release", "gateway-api-crds/gateway-api-crds")
	// The timeout New is given, not the helm provider's 300 s.
	testutil.AssertSubset(t, rel, map[string]any{"name": "gateway-api-crds", "namespace": "istio-system", "timeout": float64(900)})
	chart, _ := rel["chart"].(string)
	dir := filepath.Join(outdir, "stacks", "test", chart)
	b, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "name: gatewayapi-crds-v1.5.1\n") || !strings.Contains(string(b), `appVersion: "v1.5.1"`) {
		t.Errorf("the asset's Chart.yaml is not the v1.5.1 chart's:\n%s", b)
	}
	templates, _ := filepath.Glob(filepath.Join(dir, "templates", "*.yaml"))
	if len(templates) != 9 {
		t.Errorf("the asset has %d templates; want the 9 files of v1.5.1", len(templates))
	}
}
