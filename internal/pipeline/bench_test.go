package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/pipeline"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/analyze"
	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/stacks/stackstest"
)

// BenchmarkStages measures each stage of the pipeline for the dev
// environment of the frozen fixture: the configuration and the release
// specs, rendering the local charts (routes, graph, promote), rendering
// Istio's charts too (check), and Istio's analyzer on the result.
func BenchmarkStages(b *testing.B) {
	load := func(b *testing.B) *pipeline.Environment {
		e, err := pipeline.Load(fixture, "dev")
		if err != nil {
			b.Fatal(err)
		}
		return e
	}
	b.Run("load", func(b *testing.B) {
		for b.Loop() {
			load(b)
		}
	})
	b.Run("render-local", func(b *testing.B) {
		e := load(b)
		for b.Loop() {
			if _, err := e.Render(false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("render-istio", func(b *testing.B) {
		e := load(b)
		for b.Loop() {
			if _, err := e.Render(true); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("analyze", func(b *testing.B) {
		r, err := load(b).Render(true)
		if err != nil {
			b.Fatal(err)
		}
		objs, err := r.Objects()
		if err != nil {
			b.Fatal(err)
		}
		allow, err := analyze.ReadAllowlist("../../" + analyze.AllowlistFile)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := analyze.CheckObjects(context.Background(), objs, analyze.Options{Allowlist: allow}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(testutil.PeakRSSMiB(os.Getpid()), "peak-MiB")
}

// BenchmarkApps measures the offline commands' stages for an environment
// of 1, 10 and 50 apps (stackstest.AppsConfig): loading it (config and
// the description), rendering the local charts and answering every app's
// standard requests through the whole gateway (routes, graph, promote),
// and rendering Istio's charts too (check, before the analyzer).
func BenchmarkApps(b *testing.B) {
	for _, n := range []int{1, 10, 50} {
		cfg := stackstest.AppsConfig(b, n)
		load := func(b *testing.B) *pipeline.Environment {
			e, err := pipeline.Load(cfg, "many")
			if err != nil {
				b.Fatal(err)
			}
			return e
		}
		b.Run(fmt.Sprintf("apps=%d/load", n), func(b *testing.B) {
			for b.Loop() {
				load(b)
			}
		})
		b.Run(fmt.Sprintf("apps=%d/routes", n), func(b *testing.B) {
			e := load(b)
			apps := e.Apps()
			cases := mesh.AppCases(apps)
			for b.Loop() {
				r, err := e.Render(false)
				if err != nil {
					b.Fatal(err)
				}
				for _, a := range apps {
					if _, err := mesh.Answers(r.Model, apps, cases[a.Name]); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
		b.Run(fmt.Sprintf("apps=%d/render-istio", n), func(b *testing.B) {
			e := load(b)
			for b.Loop() {
				if _, err := e.Render(true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.ReportMetric(testutil.PeakRSSMiB(os.Getpid()), "peak-MiB")
}
