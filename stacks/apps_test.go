package stacks_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
	"github.com/bluegreen-mesh/bluegreen/stacks"
	"github.com/bluegreen-mesh/bluegreen/stacks/stackstest"
)

// twoApps is the description of an environment on an existing cluster
// with the apps cart and shop, each in its own stack, built directly (the
// apps map of cdktf.json is not read yet).
func twoApps(t *testing.T) stacks.Environment {
	t.Helper()
	return stackstest.WithApps(stacks.FromConfig(environment(t, "qa", `{`+kubeconfig+`}`)), "cart", "shop")
}

// TestEveryAppGetsItsOwnStack builds an environment of two apps and checks
// that each app is in its own stack, <env>-app-<name>, deployed after the
// mesh stack, holding that app's releases and routing and no other's, and
// that the mesh stack is built once.
func TestEveryAppGetsItsOwnStack(t *testing.T) {
	d := twoApps(t)
	if got, want := d.AppStacks(), []string{"qa-app-cart", "qa-app-shop"}; !slices.Equal(got, want) {
		t.Fatalf("app stacks %v, want %v", got, want)
	}
	set, outdir := stackstest.Synth(t, d)
	if got, want := stackstest.AppStacks(set), []string{"qa-app-cart=cart", "qa-app-shop=shop"}; !slices.Equal(got, want) {
		t.Fatalf("apps %v, want %v", got, want)
	}
	for _, a := range set.Apps {
		if a.BlueGreen == nil || a.Routing == nil || a.BlueGreen.Props().Name != a.Name {
			t.Errorf("app %s: constructs %v, %v; want its own app and routing", a.Name, a.BlueGreen, a.Routing)
		}
	}

	// What Terraform deploys after what, as cdktf records it.
	var manifest struct {
		Stacks map[string]struct {
			Dependencies []string `json:"dependencies"`
		} `json:"stacks"`
	}
	b, err := os.ReadFile(filepath.Join(outdir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &manifest); err != nil {
		t.Fatal(err)
	}
	var got []string
	for name, s := range manifest.Stacks {
		got = append(got, name+"<-"+strings.Join(s.Dependencies, ","))
	}
	slices.Sort(got)
	if want := []string{"qa-app-cart<-qa-mesh", "qa-app-shop<-qa-mesh", "qa-mesh<-"}; !slices.Equal(got, want) {
		t.Errorf("stacks and their dependencies: got %v, want %v", got, want)
	}

	for _, name := range []string{"cart", "shop"} {
		doc := testutil.Load(t, testutil.StackPath(outdir, "qa-app-"+name))
		other := map[string]string{"cart": "shop", "shop": "cart"}[name]
		var releases []string
		for _, r := range doc.Block("resource", "helm_release") {
			releases = append(releases, r.(map[string]any)["name"].(string))
		}
		slices.Sort(releases)
		want := []string{name + "-blue", name + "-destinationrule", name + "-gateway", name + "-green", name + "-service", name + "-virtualservice"}
		if !slices.Equal(releases, want) {
			t.Errorf("qa-app-%s: releases %v, want %v (none of %s's)", name, releases, want, other)
		}
		testutil.AssertSubset(t, doc.Resource(t, "helm_release", "app/blue"), map[string]any{"namespace": "bluegreen"})
	}
	mesh := testutil.Load(t, testutil.StackPath(outdir, "qa-mesh"))
	if n := len(mesh.Block("resource", "helm_release")); n != 6 {
		t.Errorf("qa-mesh: %d helm releases, want 6 (istio 3, kiali 3), once for both apps", n)
	}
}

// TestDescriptionErrors checks that a description that cannot be built is
// refused before any stack is, naming the environment and what is wrong.
func TestDescriptionErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*stacks.Environment)
		want string
	}{
		{"fails/no apps", func(d *stacks.Environment) { d.Apps = nil }, `environment "qa": no apps: an environment has at least one`},
		{"fails/two apps in one stack", func(d *stacks.Environment) { d.Apps[1].Stack = "qa-app-cart" }, `environment "qa": app "shop": stack "qa-app-cart": two apps in one stack`},
		{"fails/unknown colour", func(d *stacks.Environment) { d.Apps[0].Routing.Live = "red" }, `environment "qa": app "cart": routing: `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := twoApps(t)
			tc.edit(&d)
			app := cdktf.NewApp(&cdktf.AppConfig{Outdir: jsii.String(t.TempDir())})
			set, err := stacks.New(app, d)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if set != nil || len(*app.Node().Children()) != 0 {
				t.Errorf("a refused description built %d stacks", len(*app.Node().Children()))
			}
		})
	}
}
