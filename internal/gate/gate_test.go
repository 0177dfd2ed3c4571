package gate_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/bluegreen-mesh/bluegreen/internal/gate"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/prometheus"
)

// scenario is one app whose green candidate serves some traffic, with blue
// live and healthy.
type scenario struct {
	service string
	green   prometheus.Traffic
}

var healthyBlue = prometheus.Traffic{Requests: 50, LatencyMs: 20}

var scenarios = []scenario{
	{"healthy", prometheus.Traffic{Requests: 100, LatencyMs: 20}},
	{"errors", prometheus.Traffic{Requests: 100, Errors: 8, LatencyMs: 20}},
	{"slow", prometheus.Traffic{Requests: 100, LatencyMs: 800}},
	{"quiet", prometheus.Traffic{Requests: 1, LatencyMs: 20}},
}

func workloads() []prometheus.Workload {
	var out []prometheus.Workload
	for _, s := range scenarios {
		out = append(out,
			prometheus.Workload{Namespace: "shop", Service: s.service, App: s.service, Deployment: s.service + "-blue", Colour: "blue", Traffic: healthyBlue},
			prometheus.Workload{Namespace: "shop", Service: s.service, App: s.service, Deployment: s.service + "-green", Colour: "green", Traffic: s.green})
	}
	return out
}

func request(service string) gate.Request {
	return gate.Request{
		Namespace: "shop", Service: service,
		Candidate:  gate.Subject{Colour: "green", Workload: service + "-green"},
		Baseline:   gate.Subject{Colour: "blue", Workload: service + "-blue"},
		Window:     "1m",
		Thresholds: gate.Thresholds{MinRequests: 100, MinSuccessRate: 99, MaxP99Ms: 500},
		Hint:       `send requests with the cookie "x-version=v2"`,
	}
}

// startWithSamples starts Prometheus scraping the stand-in sidecars and
// waits until it holds enough samples: at least 200 requests of every
// busy green and 3 samples of the quiet one.
func startWithSamples(t *testing.T) *prometheus.Server {
	target := prometheus.StartIstioTarget(t, workloads()...)
	prom := prometheus.Start(t, target.Addr)
	prom.WaitFor(t, "Prometheus has scraped 200 requests of each busy green",
		`sum by (destination_workload) (increase(istio_requests_total{reporter="destination",destination_workload=~"healthy-green|errors-green|slow-green"}[1m]))`,
		"destination_workload", []string{"healthy-green", "errors-green", "slow-green"}, func(v float64) bool { return v >= 200 })
	prom.WaitFor(t, "Prometheus has 3 samples of the quiet green",
		`count_over_time(istio_requests_total{destination_workload="quiet-green",response_code="200"}[1m])`,
		"destination_workload", []string{"quiet-green"}, func(v float64) bool { return v >= 3 })
	return prom
}

func TestGateWithRealPrometheus(t *testing.T) {
	prom := startWithSamples(t)
	ctx := context.Background()

	t.Run("healthy candidate passes", func(t *testing.T) {
		ev, err := gate.Evaluate(ctx, prom.API, request("healthy"), time.Now())
		if err != nil {
			t.Fatalf("%v\n%s", err, ev.Table())
		}
		if !ev.Healthy() || ev.Candidate.SuccessRate != 100 || ev.Candidate.Requests < 100 || !(ev.Candidate.P99Ms > 10 && ev.Candidate.P99Ms <= 25) {
			t.Errorf("got %+v; want healthy, 100%% success, ≥ 100 requests, p99 in the (10, 25] ms bucket", ev.Candidate)
		}
		// The baseline is measured too, from its own series.
		if ev.Baseline.SuccessRate != 100 || !(ev.Baseline.Requests > 0) || ev.Baseline.Requests >= ev.Candidate.Requests {
			t.Errorf("baseline %+v; want 100%% and about half the candidate's requests", ev.Baseline)
		}
	})

	t.Run("healthy candidate meets a minSuccessRate of 100", func(t *testing.T) {
		r := request("healthy")
		r.Thresholds.MinSuccessRate = 100
		if ev, err := gate.Evaluate(ctx, prom.API, r, time.Now()); err != nil {
			t.Fatalf("%v\n%s", err, ev.Table())
		}
	})

	t.Run("fails/8 percent 5xx", func(t *testing.T) {
		ev, err := gate.Evaluate(ctx, prom.API, request("errors"), time.Now())
		if !gate.IsRefusal(err) {
			t.Fatalf("err %v; want a refusal", err)
		}
		if math.Abs(ev.Candidate.SuccessRate-92) > 0.01 {
			t.Errorf("success rate %v; want 92 (8 of every 100 answered 503)", ev.Candidate.SuccessRate)
		}
		for _, want := range []string{"minSuccessRate ≥ 99% (measured 92.00%)"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
		}
		if tab := ev.Table(); !strings.Contains(tab, "92.00%") || !strings.Contains(tab, "refused: minSuccessRate") {
			t.Errorf("table lacks the measured rate or the verdict:\n%s", tab)
		}
	})

	t.Run("fails/slow p99", func(t *testing.T) {
		ev, err := gate.Evaluate(ctx, prom.API, request("slow"), time.Now())
		if !gate.IsRefusal(err) || !strings.Contains(err.Error(), "maxP99Ms ≤ 500 ms") {
			t.Fatalf("err %v; want a maxP99Ms refusal", err)
		}
		// 800 ms falls in Istio's (500, 1000] bucket.
		if !(ev.Candidate.P99Ms > 500 && ev.Candidate.P99Ms <= 1000) || ev.Candidate.SuccessRate != 100 {
			t.Errorf("got %+v; want p99 in (500, 1000] ms and 100%% success", ev.Candidate)
		}
	})

	t.Run("fails/too little traffic", func(t *testing.T) {
		ev, err := gate.Evaluate(ctx, prom.API, request("quiet"), time.Now())
		if !gate.IsRefusal(err) {
			t.Fatalf("err %v; want a refusal", err)
		}
		if ev.Checks[0].Pass || !ev.Checks[1].Pass || !ev.Checks[2].Pass {
			t.Errorf("checks %+v; want only minRequests failed", ev.Checks)
		}
		if !strings.Contains(err.Error(), `no traffic is no evidence: send requests with the cookie "x-version=v2"`) {
			t.Errorf("error %q does not say how to send traffic", err)
		}
	})

	t.Run("fails/unknown workload has no data", func(t *testing.T) {
		r := request("healthy")
		r.Candidate.Workload = "healthy-purple"
		ev, err := gate.Evaluate(ctx, prom.API, r, time.Now())
		if !gate.IsRefusal(err) || ev.Healthy() {
			t.Fatalf("err %v; want a refusal: no data is not healthy", err)
		}
		if !strings.Contains(ev.Table(), "no data") {
			t.Errorf("table does not say no data:\n%s", ev.Table())
		}
	})

	t.Run("fails/query error", func(t *testing.T) {
		r := request("healthy")
		r.Window = "0s"
		_, err := gate.Evaluate(ctx, prom.API, r, time.Now())
		if err == nil || gate.IsRefusal(err) || !strings.Contains(err.Error(), "prometheus: query") {
			t.Fatalf("err %v; want Prometheus's error for a zero range", err)
		}
	})

	t.Run("fails/prometheus stopped", func(t *testing.T) {
		prom.Stop()
		_, err := gate.Evaluate(ctx, prom.API, request("healthy"), time.Now())
		if err == nil || gate.IsRefusal(err) || !strings.Contains(err.Error(), "connection refused") {
			t.Fatalf("err %v; want the connection error", err)
		}
	})
}

func TestQueriesSelectIstioLabels(t *testing.T) {
	q, err := gate.QueriesFor(request("cart"))
	if err != nil {
		t.Fatal(err)
	}
	sel := `reporter="destination",destination_workload_namespace="shop",destination_service_name="cart",destination_workload=~"cart-green|cart-blue"`
	for name, got := range map[string]string{"requests": q.Requests, "success": q.SuccessRate, "p99": q.P99} {
		if !strings.Contains(got, sel) {
			t.Errorf("%s query %s lacks the selector %s", name, got, sel)
		}
	}
	// Without a baseline the queries select the candidate alone.
	r := request("cart")
	r.Baseline = gate.Subject{}
	if q, err := gate.QueriesFor(r); err != nil || !strings.Contains(q.Requests, `destination_workload=~"cart-green"}`) {
		t.Errorf("without a baseline: %v, %q; want the candidate's workload alone", err, q.Requests)
	}
	if _, err := gate.QueriesFor(gate.Request{Namespace: "shop", Service: `cart"}`, Candidate: gate.Subject{Workload: "a"}, Window: "5m"}); err == nil {
		t.Error("a service name with a quote was put in a query")
	}
}

// BenchmarkGateEvaluate measures the gate's own cost: its three queries to
// a Prometheus answering on loopback, and the verdict.
func BenchmarkGateEvaluate(b *testing.B) {
	target := prometheus.StartIstioTarget(b, workloads()...)
	prom := prometheus.Start(b, target.Addr)
	prom.WaitFor(b, "Prometheus has scraped 200 requests of healthy-green",
		`sum by (destination_workload) (increase(istio_requests_total{destination_workload="healthy-green"}[1m]))`,
		"destination_workload", []string{"healthy-green"}, func(v float64) bool { return v >= 200 })
	ctx := context.Background()
	for b.Loop() {
		if _, err := gate.Evaluate(ctx, prom.API, request("healthy"), time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}
