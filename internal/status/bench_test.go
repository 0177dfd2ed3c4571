package status_test

import (
	"context"
	"testing"
	"time"

	"github.com/bluegreen-mesh/bluegreen/internal/pipeline"
	"github.com/bluegreen-mesh/bluegreen/internal/status"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/cptest"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/wait"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/controlplane"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/meshinstall"
)

// BenchmarkStatusTenApps measures what `status ten` does after its
// environment (10 apps) is installed in a local control plane: render it
// offline (warm: Istio's charts from the render cache), connect, and read
// and compare everything. The target is under 2 s.
func BenchmarkStatusTenApps(b *testing.B) {
	cp := cptest.Start(b, controlplane.Options{})
	e, err := pipeline.Load(fixture, "ten")
	if err != nil {
		b.Fatal(err)
	}
	plan, err := e.InstallPlan()
	if err != nil {
		b.Fatal(err)
	}
	in, err := meshinstall.New(meshinstall.Options{Kubeconfig: cp.Kubeconfig, Config: cp.Config, Charts: meshinstall.Charts(), Variables: plan.RandomVariables()})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := in.Apply(wait.Context(b, 0), plan); err != nil {
		b.Fatal(err)
	}
	var rendering, reading time.Duration
	run := func() *status.Report {
		began := time.Now()
		r, err := e.Render(true)
		if err != nil {
			b.Fatal(err)
		}
		rendered := time.Now()
		defer func() { rendering, reading = rendering+rendered.Sub(began), reading+time.Since(rendered) }()
		c, err := status.Connect(context.Background(), e.Env, status.Target{Kubeconfig: cp.Kubeconfig})
		if err != nil {
			b.Fatal(err)
		}
		rep, err := status.Run(context.Background(), c, status.Options{Rendered: r})
		if err != nil {
			b.Fatal(err)
		}
		return rep
	}
	if rep := run(); len(rep.Apps) != 10 {
		b.Fatalf("got %d apps; want 10", len(rep.Apps))
	}
	rendering, reading = 0, 0
	n := 0
	for b.Loop() {
		run()
		n++
	}
	// The two parts: the offline render, and connecting, reading and
	// comparing against the API server.
	b.ReportMetric(rendering.Seconds()/float64(n), "render-s/op")
	b.ReportMetric(reading.Seconds()/float64(n), "cluster-s/op")
}
