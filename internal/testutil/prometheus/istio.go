package prometheus

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// IstioBuckets are the bucket bounds, in milliseconds, of Istio's
// istio_request_duration_milliseconds histogram (its telemetry defaults).
var IstioBuckets = []float64{0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000}

// Traffic is what one colour's workload serves per scrape: Requests
// requests, of which Errors answer 503 and the rest 200, each taking
// LatencyMs.
type Traffic struct {
	Requests, Errors int
	LatencyMs        float64
}

// Workload is one colour of an app as Istio's destination sidecar labels
// its metrics.
type Workload struct {
	// Namespace, Service, Deployment and Colour give
	// destination_workload_namespace, destination_service_name (and
	// destination_service, its cluster-local host), destination_workload
	// and destination_canonical_revision; App gives
	// destination_canonical_service and destination_app.
	Namespace, Service, Deployment, Colour, App string
	// Traffic is served on every scrape.
	Traffic Traffic
}

// IstioTarget is an HTTP server on loopback that stands in for the
// sidecars: it serves Istio's standard metric families istio_requests_total
// and istio_request_duration_milliseconds, exposed by client_golang, and
// advances them by each workload's Traffic on every scrape, so the counters
// and buckets grow as Prometheus scrapes them.
type IstioTarget struct {
	// Addr is host:port, for a scrape configuration.
	Addr string

	mu        sync.Mutex
	workloads []Workload
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
}

var istioLabels = []string{
	"reporter", "source_workload", "source_workload_namespace", "source_canonical_service",
	"destination_workload", "destination_workload_namespace", "destination_service", "destination_service_name",
	"destination_service_namespace", "destination_canonical_service", "destination_canonical_revision", "destination_app",
	"destination_version", "request_protocol", "response_code", "response_flags", "connection_security_policy",
}

// StartIstioTarget starts the target for workloads; it stops when the test
// ends.
func StartIstioTarget(t testing.TB, workloads ...Workload) *IstioTarget {
	t.Helper()
	reg := prometheus.NewRegistry()
	it := &IstioTarget{
		workloads: workloads,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "istio_requests_total", Help: "Total number of requests handled by the proxy.",
		}, istioLabels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "istio_request_duration_milliseconds", Help: "Request duration in milliseconds.", Buckets: IstioBuckets,
		}, istioLabels),
	}
	reg.MustRegister(it.requests, it.duration)
	// Every series starts at zero before the first scrape, so Prometheus
	// sees each counter from its beginning.
	for _, w := range workloads {
		for _, code := range []int{200, 503} {
			it.requests.With(it.labels(w, code))
			it.duration.With(it.labels(w, code))
		}
	}
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	it.Addr = l.Addr().String()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		it.advance()
		metrics.ServeHTTP(w, r)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return it
}

// SetTraffic changes what the workload with Deployment deployment serves
// from the next scrape on.
func (it *IstioTarget) SetTraffic(deployment string, tr Traffic) {
	it.mu.Lock()
	defer it.mu.Unlock()
	for i := range it.workloads {
		if it.workloads[i].Deployment == deployment {
			it.workloads[i].Traffic = tr
		}
	}
}

func (it *IstioTarget) advance() {
	it.mu.Lock()
	defer it.mu.Unlock()
	for _, w := range it.workloads {
		tr := w.Traffic
		for i := 0; i < tr.Requests; i++ {
			code := 200
			if i < tr.Errors {
				code = 503
			}
			l := it.labels(w, code)
			it.requests.With(l).Inc()
			it.duration.With(l).Observe(tr.LatencyMs)
		}
	}
}

// labels are the labels Istio's destination sidecar puts on a request to
// w answered with code, from the ingress gateway.
func (it *IstioTarget) labels(w Workload, code int) prometheus.Labels {
	flags := "-"
	return prometheus.Labels{
		"reporter":                       "destination",
		"source_workload":                "istio-ingressgateway",
		"source_workload_namespace":      "istio-system",
		"source_canonical_service":       "istio-ingressgateway",
		"destination_workload":           w.Deployment,
		"destination_workload_namespace": w.Namespace,
		"destination_service":            w.Service + "." + w.Namespace + ".svc.cluster.local",
		"destination_service_name":       w.Service,
		"destination_service_namespace":  w.Namespace,
		"destination_canonical_service":  w.App,
		"destination_canonical_revision": w.Colour,
		"destination_app":                w.App,
		"destination_version":            w.Colour,
		"request_protocol":               "http",
		"response_code":                  strconv.Itoa(code),
		"response_flags":                 flags,
		"connection_security_policy":     "mutual_tls",
	}
}

// StartEcho starts Prometheus scraping a stand-in for the sidecars of the
// tests' app echo in namespace bluegreen: blue healthy, green answering 8
// of every 100 requests with 503, both in 20 ms; it returns once
// Prometheus holds 200 of green's requests.
func StartEcho(t testing.TB) *Server {
	t.Helper()
	target := StartIstioTarget(t,
		Workload{Namespace: "bluegreen", Service: "echo", App: "echo", Deployment: "echo-blue", Colour: "blue",
			Traffic: Traffic{Requests: 50, LatencyMs: 20}},
		Workload{Namespace: "bluegreen", Service: "echo", App: "echo", Deployment: "echo-green", Colour: "green",
			Traffic: Traffic{Requests: 100, Errors: 8, LatencyMs: 20}})
	prom := Start(t, target.Addr)
	prom.WaitFor(t, "Prometheus has scraped 200 requests of echo-green and some of echo-blue",
		`sum by (destination_workload) (increase(istio_requests_total{reporter="destination"}[1m]))`,
		"destination_workload", []string{"echo-green", "echo-blue"}, func(v float64) bool { return v >= 200 })
	return prom
}
