package twoapps_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/examples/twoapps"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
)

// TestTwoAppsStack synthesizes the example as its team would and checks,
// against literals, that the two apps share one Gateway: the shared
// Gateway and the root VirtualService of shop.example.com, delegating
// /cart to cart and the rest to web, each app with its DestinationRule and
// delegate VirtualService and no Gateway of its own.
func TestTwoAppsStack(t *testing.T) {
	outdir := t.TempDir()
	app := cdktf.NewApp(&cdktf.AppConfig{Outdir: jsii.String(outdir)})
	if _, err := twoapps.NewStack(app, "shop", twoapps.Props{KubeconfigPath: "~/.kube/config", KubeconfigContext: "shop", CartLive: "green"}); err != nil {
		t.Fatal(err)
	}
	app.Synth()
	d := testutil.Load(t, testutil.StackPath(outdir, "shop"))
	var names []string
	for _, r := range d.Resources("helm_release") {
		r := r.(map[string]any)
		if r["namespace"] == twoapps.Namespace {
			names = append(names, r["name"].(string))
		}
	}
	slices.Sort(names)
	want := []string{
		"cart-blue", "cart-destinationrule", "cart-green", "cart-service", "cart-virtualservice",
		"shop-ingress", "shop-ingress-shop.example.com",
		"web-blue", "web-destinationrule", "web-green", "web-service", "web-virtualservice",
	}
	if !slices.Equal(names, want) {
		t.Errorf("releases in %s: got %v, want %v", twoapps.Namespace, names, want)
	}
	root := testutil.Values(t, d.Resource(t, "helm_release", "ingress/root-shop-ingress-shop.example.com"))
	var delegates []string
	for _, r := range root["spec"].(map[string]any)["http"].([]any) {
		delegates = append(delegates, r.(map[string]any)["delegate"].(map[string]any)["name"].(string))
	}
	if want := []string{"cart", "web"}; !slices.Equal(delegates, want) {
		t.Errorf("root delegates to %v, want %v", delegates, want)
	}
	cart := testutil.Values(t, d.Resource(t, "helm_release", "cart-routing/virtualservice"))["spec"].(map[string]any)
	if _, ok := cart["hosts"]; ok {
		t.Errorf("cart's VirtualService has hosts %v; want a delegate", cart["hosts"])
	}
	// cart's default route, its last, sends its traffic to green, the live
	// colour.
	routes := cart["http"].([]any)
	last := routes[len(routes)-1].(map[string]any)
	dest := last["route"].([]any)[0].(map[string]any)["destination"].(map[string]any)
	if last["name"] != "default" || dest["subset"] != "green" {
		t.Errorf("cart's last route %v goes to subset %v, want default to green", last["name"], dest["subset"])
	}
}

// TestTwoAppsCheck checks that the cross-app checks are the team's too:
// cart at / beside web at / is BG014, named for both apps, and NewStack
// refuses it without creating a stack.
func TestTwoAppsCheck(t *testing.T) {
	if got := twoapps.Check(twoapps.Props{}); len(got) != 0 {
		t.Errorf("the example's own apps: findings %v, want none", got)
	}
	bad := twoapps.Props{KubeconfigPath: "~/.kube/config", KubeconfigContext: "shop", CartPathPrefix: "/"}
	got := twoapps.Check(bad)
	if len(got) != 1 || got[0].Code != "BG014" || !strings.Contains(got[0].Message, "cart") || !strings.Contains(got[0].Message, "web") {
		t.Fatalf("cart and web both at /: findings %v, want one BG014 naming both", got)
	}
	app := cdktf.NewApp(&cdktf.AppConfig{Outdir: jsii.String(t.TempDir())})
	if _, err := twoapps.NewStack(app, "shop", bad); err == nil || !strings.Contains(err.Error(), "BG014") {
		t.Errorf("NewStack: got %v, want the BG014 error", err)
	}
	if n := len(*app.Node().Children()); n != 0 {
		t.Errorf("a refused composition built %d stacks", n)
	}
}
