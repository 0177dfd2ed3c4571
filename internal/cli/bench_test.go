package cli_test

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/cli"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
)

// BenchmarkCommands measures `routes dev`, `graph dev`, `promote dev`
// (alternately to green and back) and `check dev` (Istio's analyzer
// included; its Istio charts from the cache after the first run) in
// process, on a copy of the frozen fixture testdata/cdktf.json, with
// the process's peak memory. The process start of the built binary (about
// 0.1 s) comes on top; docs/performance.md has both.
func BenchmarkCommands(b *testing.B) {
	useCopy(b, filepath.Join("..", "..", "testdata", "cdktf.json"))
	allow := filepath.Join("..", "..", "analyzer-allowlist.json")
	graphs := b.TempDir()
	colours := []string{"green", "blue"}
	for _, bc := range []struct {
		name string
		run  func(i int) error
	}{
		{"routes", func(int) error { return cli.Routes([]string{"dev"}, io.Discard, io.Discard) }},
		{"graph", func(int) error { return cli.Graph([]string{"dev", "-o", graphs}, io.Discard, io.Discard) }},
		{"promote", func(i int) error { return cli.Promote([]string{"dev", colours[i%2]}, io.Discard, io.Discard) }},
		// Last: the peak memory is the process's so far, and check's
		// (Istio's charts) is the highest.
		{"check", func(int) error { return cli.Check([]string{"dev", "--allowlist", allow}, io.Discard, io.Discard) }},
	} {
		b.Run(bc.name, func(b *testing.B) { loop(b, bc.run) })
	}
}

// loop runs run(i) for i = 0, 1, ... as long as b asks, and reports the
// process's peak memory so far.
func loop(b *testing.B, run func(i int) error) {
	i := 0
	for b.Loop() {
		if err := run(i); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(testutil.PeakRSSMiB(os.Getpid()), "peak-MiB")
}
