package pipeline_test

import (
	"context"
	"os"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/pipeline"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/analyze"
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
