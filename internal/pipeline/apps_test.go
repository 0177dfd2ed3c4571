package pipeline_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/pipeline"
	"github.com/bluegreen-mesh/bluegreen/stacks"
	"github.com/bluegreen-mesh/bluegreen/stacks/stackstest"
)

// TestSeveralAppsOffline describes the fixture's dev environment, renamed
// "many", with the apps cart and shop instead of its one app (built
// directly: the apps map of cdktf.json is not read yet), and checks that
// the pipeline lists the same app stacks as stacks.New builds, with each
// app's releases in its own stack, and that its install plan equals the
// one read from the synthesized stacks.
func TestSeveralAppsOffline(t *testing.T) {
	t.Setenv(pipeline.EnvNoCache, "1")
	envs, err := config.Load(fixture, "dev")
	if err != nil {
		t.Fatal(err)
	}
	env := envs[0]
	env.Name = "many"
	d := stackstest.WithApps(stacks.FromConfig(env), "cart", "shop")
	e, err := pipeline.Of(env, d)
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, st := range e.Stacks {
		app := ""
		if st.App != nil {
			app = st.App.Name
		}
		listed = append(listed, st.Name+"="+app)
	}
	if want := []string{"many-mesh=", "many-app-cart=cart", "many-app-shop=shop"}; !slices.Equal(listed, want) {
		t.Fatalf("pipeline stacks %v, want %v", listed, want)
	}
	var paths []string
	for _, s := range e.Specs {
		if s.Stack != "many-mesh" {
			paths = append(paths, s.Path()+"="+s.Release.Name)
		}
	}
	want := []string{
		"many-app-cart/app/blue=cart-blue", "many-app-cart/app/green=cart-green", "many-app-cart/app/service=cart-service",
		"many-app-cart/routing/destinationrule=cart-destinationrule", "many-app-cart/routing/gateway=cart-gateway", "many-app-cart/routing/virtualservice=cart-virtualservice",
		"many-app-shop/app/blue=shop-blue", "many-app-shop/app/green=shop-green", "many-app-shop/app/service=shop-service",
		"many-app-shop/routing/destinationrule=shop-destinationrule", "many-app-shop/routing/gateway=shop-gateway", "many-app-shop/routing/virtualservice=shop-virtualservice",
	}
	if !slices.Equal(paths, want) {
		t.Errorf("app releases: got %v, want %v", paths, want)
	}

	set, outdir := stackstest.Synth(t, d)
	if built, want := stackstest.AppStacks(set), listed[1:]; !slices.Equal(built, want) {
		t.Errorf("stacks.New built the app stacks %v, the pipeline lists %v", built, want)
	}
	var dirs []string
	for _, st := range e.Stacks {
		dirs = append(dirs, filepath.Join(outdir, "stacks", st.Name))
	}
	planEqualsSynthesized(t, e, dirs)
}
