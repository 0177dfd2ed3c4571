package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/stacks/stackstest"
)

// BenchmarkSynthApps measures `cdktf synth` of an environment of 1, 10 and
// 50 apps: a new process of the built program synthesizing it (the mesh
// stack and one stack per app), running the bluegreen checks and drawing
// the routing, with the peak memory of the Go process and of the jsii Node
// process, sampled while it runs. The target on 2 cores is under 10 s for
// 50 apps.
func BenchmarkSynthApps(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "bluegreen")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	for _, n := range []int{1, 10, 50} {
		b.Run(fmt.Sprintf("apps=%d", n), func(b *testing.B) {
			cfg := stackstest.AppsConfig(b, n)
			var goPeak, nodePeak float64
			for b.Loop() {
				outdir := filepath.Join(b.TempDir(), "cdktf.out")
				cmd := exec.Command(bin)
				cmd.Env = append(os.Environ(), "BLUEGREEN_CONFIG="+cfg, "CDKTF_OUTDIR="+outdir, "ENVIRONMENTS=")
				g, nm := runSampled(b, cmd)
				goPeak, nodePeak = max(goPeak, g), max(nodePeak, nm)
				b.StopTimer()
				entries, err := os.ReadDir(filepath.Join(outdir, "stacks"))
				if err != nil || len(entries) != n+1 {
					b.Fatalf("synthesized %d stacks (%v), want %d (the mesh stack and one per app)", len(entries), err, n+1)
				}
				b.StartTimer()
			}
			b.ReportMetric(goPeak, "go-peak-MiB")
			b.ReportMetric(nodePeak, "node-peak-MiB")
		})
	}
}
