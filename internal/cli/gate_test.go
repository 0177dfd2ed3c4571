package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/cli"
	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/prometheus"
)

// gatedFixture copies testdata/gated.cdktf.json (environments "gated",
// whose promotion block gates every promote with its own thresholds, and
// "plain", with none) into a test folder and returns the copy's path.
func gatedFixture(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "gated.cdktf.json"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cdktf.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func liveOf(t *testing.T, cfg, env string) string {
	t.Helper()
	envs, err := config.Load(cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	return envs[0].Routing.Live
}

func TestGatedPromoteWithRealPrometheus(t *testing.T) {
	prom := prometheus.StartEcho(t)
	for _, tc := range []struct {
		name string
		env  string
		args []string
		// variable is $BLUEGREEN_PROMETHEUS_URL.
		variable string
		// promoted says whether cdktf.json must change; want are strings
		// the output (and error) must hold.
		promoted bool
		want     []string
	}{
		{"fails/8 percent 5xx against the default 99", "plain", []string{"--require-healthy", "--prometheus", prom.URL}, "", false,
			[]string{"92.00%", "minSuccessRate ≥ 99% (measured 92.00%)", "refused: minSuccessRate", "nothing written"}},
		{"thresholds from cdktf.json promote it", "gated", nil, prom.URL, true,
			[]string{"≥ 100, ≥ 90%, ≤ 300 ms", "healthy", "last 2m", "$BLUEGREEN_PROMETHEUS_URL", `"live": "green"`}},
		{"fails/a flag over cdktf.json", "gated", []string{"--min-success-rate", "95", "--prometheus", prom.URL}, "", false,
			[]string{"minSuccessRate ≥ 95% (measured 92.00%)", "nothing written"}},
		{"fails/too little traffic says how to send some", "plain", []string{"--require-healthy", "--min-requests", "1000000", "--min-success-rate", "90", "--prometheus", prom.URL}, "", false,
			[]string{"minRequests ≥ 1000000", "no traffic is no evidence: send requests with the cookie x-version=v2, to the path /v2/, or give green a canary weight (routing.candidateWeight, then deploy)"}},
		{"fails/prometheus unreachable", "plain", []string{"--require-healthy", "--prometheus", "http://127.0.0.1:1"}, "", false,
			[]string{"cannot judge green, so it is not promoted", "connection refused", "nothing written"}},
		{"fails/no prometheus configured", "gated", nil, "", false,
			[]string{"pass --prometheus URL, set $BLUEGREEN_PROMETHEUS_URL, or set context.environments[gated].promotion.prometheus.url"}},
		{"fails/bad window flag", "gated", []string{"--window", "5x", "--prometheus", prom.URL}, "", false,
			[]string{`context.environments[gated].promotion.gate.window: Invalid value: "5x"`}},
		{"fails/gate flags without a gate", "plain", []string{"--prometheus", prom.URL}, "", false,
			[]string{"add --require-healthy"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(config.PrometheusURLVariable, tc.variable)
			cfg := gatedFixture(t)
			before, _ := os.ReadFile(cfg)
			out, err := promote(t, cfg, append([]string{tc.env, "green"}, tc.args...)...)
			after, _ := os.ReadFile(cfg)
			text := out
			if err != nil {
				text += "\nerror: " + err.Error()
			}
			if tc.promoted != (err == nil) {
				t.Fatalf("promoted %v (err %v); want %v\n%s", err == nil, err, tc.promoted, out)
			}
			if got := liveOf(t, cfg, tc.env); tc.promoted != (got == "green") {
				t.Errorf("live is %s after the promote; want green only when promoted", got)
			}
			if !tc.promoted && !bytes.Equal(before, after) {
				t.Errorf("a refused promote changed cdktf.json")
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, text)
				}
			}
		})
	}

	t.Run("explain and evidence", func(t *testing.T) {
		cfg := gatedFixture(t)
		evidence := filepath.Join(t.TempDir(), "evidence.md")
		out, err := promote(t, cfg, "plain", "green", "--require-healthy", "--prometheus", prom.URL, "--min-success-rate", "90", "--explain", "--evidence", evidence)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		sel := `reporter="destination",destination_workload_namespace="bluegreen",destination_service_name="echo",destination_workload=~"echo-green|echo-blue"`
		for _, w := range []string{"Gate queries", "increase(istio_requests_total{" + sel + "}[5m])", `response_code!~"5.."`, "histogram_quantile(0.99", "istio_request_duration_milliseconds_bucket{" + sel + "}[5m]"} {
			if !strings.Contains(out, w) {
				t.Errorf("--explain output lacks %q:\n%s", w, out)
			}
		}
		md, err := os.ReadFile(evidence)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{"| colour | role | requests | success % | p99 ms | threshold | verdict |", "| green | candidate |", "92.00%", "| healthy |", "| blue | live (baseline) |", "```promql"} {
			if !strings.Contains(string(md), w) {
				t.Errorf("evidence lacks %q:\n%s", w, md)
			}
		}
		if liveOf(t, cfg, "plain") != "green" {
			t.Error("the gated promote passed but did not write live green")
		}
	})
}

// BenchmarkGatedPromote measures promote of a colour with and without the
// gate, Prometheus answering on loopback: the difference is the time the
// gate adds (docs/workflow.md, "Promotion gated by evidence").
func BenchmarkGatedPromote(b *testing.B) {
	prom := prometheus.StartEcho(b)
	for _, bc := range []struct {
		name string
		args []string
	}{
		{"ungated", nil},
		{"gated", []string{"--require-healthy", "--prometheus", prom.URL, "--min-success-rate", "90"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			data, err := os.ReadFile(filepath.Join("testdata", "gated.cdktf.json"))
			if err != nil {
				b.Fatal(err)
			}
			cfg := filepath.Join(b.TempDir(), "cdktf.json")
			b.Setenv("BLUEGREEN_CONFIG", cfg)
			for b.Loop() {
				b.StopTimer()
				if err := os.WriteFile(cfg, data, 0o644); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				var out, errs bytes.Buffer
				if err := cli.Promote(append([]string{"plain", "green"}, bc.args...), &out, &errs); err != nil {
					b.Fatalf("%v\n%s", err, out.String())
				}
			}
		})
	}
}
