package pipeline_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/pipeline"
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/check"
	"github.com/bluegreen-mesh/bluegreen/stacks"
	"github.com/bluegreen-mesh/bluegreen/stacks/stackstest"
)

// appsFixture has the environment dev: web (/) and cart (/cart) sharing
// shop.example.com, and search alone on search.example.com.
const appsFixture = "../../testdata/apps.cdktf.json"

// TestSharedHostOffline follows the fixture's dev through the pipeline:
// its mesh stack holds the shared Gateway and the root VirtualService,
// bluegreen's checks find no error (no second Gateway or VirtualService
// for shop.example.com), each request of every app reaches that app
// through the whole gateway (/cartoon reaches web, not cart), and the
// install plan equals the one read from the synthesized stacks.
func TestSharedHostOffline(t *testing.T) {
	t.Setenv(pipeline.EnvNoCache, "1")
	envs, err := config.Load(appsFixture, "dev")
	if err != nil {
		t.Fatal(err)
	}
	env := envs[0]
	env.Name = "shared" // not the frozen dev of fixturePlans
	e, err := pipeline.New(env)
	if err != nil {
		t.Fatal(err)
	}
	var shared []string
	for _, s := range e.Specs {
		if s.Stack == "shared-mesh" && strings.HasPrefix(s.Construct, stacks.SharedGatewayName) {
			shared = append(shared, s.Path()+"="+s.Release.Name)
		}
	}
	if want := []string{"shared-mesh/shared-ingress/gateway=shared-ingress", "shared-mesh/shared-ingress/root-shared-ingress-shop.example.com=shared-ingress-shop.example.com"}; !slices.Equal(shared, want) {
		t.Errorf("shared releases %v, want %v", shared, want)
	}
	r, err := e.Render(false)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Findings {
		if f.Severity == check.Error {
			t.Errorf("finding %s", f)
		}
	}
	apps := e.Apps()
	if got := len(apps); got != 3 {
		t.Fatalf("%d apps, want 3", got)
	}
	cases := mesh.AppCases(apps)
	for _, a := range apps {
		answers, err := mesh.Answers(r.Model, apps, cases[a.Name])
		if err != nil {
			t.Fatal(err)
		}
		if len(answers) < 3 {
			t.Fatalf("app %s: %d standard requests, want at least 3", a.Name, len(answers))
		}
		for i, ans := range answers {
			want := a.Name
			if c := cases[a.Name][i]; strings.Contains(c.Name, "cartoon") || (a.Name == "cart" && !mesh.SegmentNested("/cart", pathOnly(c.Request.Path))) {
				want = "web" // a near miss of cart's prefix is web's
			}
			if ans.App != want || len(ans.Destinations) == 0 {
				t.Errorf("%s: app %q, destinations %v (notes %v); want app %s", cases[a.Name][i].Name, ans.App, ans.Destinations, ans.Notes, want)
			}
		}
	}
	// A near miss spelled out: a string prefix /cart would take it.
	o, err := r.Model.Evaluate(mesh.Request{Host: "shop.example.com", Path: "/cartoon"})
	if err != nil {
		t.Fatal(err)
	}
	if got := mesh.AnswerOf(o, apps, mesh.Request{Host: "shop.example.com", Path: "/cartoon"}).App; got != "web" {
		t.Errorf("GET shop.example.com/cartoon reached %q, want web", got)
	}

	_, outdir := stackstest.Synth(t, stacks.FromConfig(e.Env))
	var dirs []string
	for _, st := range e.Stacks {
		dirs = append(dirs, filepath.Join(outdir, "stacks", st.Name))
	}
	planEqualsSynthesized(t, e, dirs)
}

func pathOnly(p string) string {
	p, _, _ = strings.Cut(p, "?")
	return p
}
