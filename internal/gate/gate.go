// Package gate decides, from Istio's standard metrics in Prometheus, whether
// a colour has earned the traffic a promotion gives it: requests served,
// success rate (non-5xx) and p99 latency over a window, for the candidate
// and, as a baseline, the live colour. The PromQL is written once here
// (Queries) and evaluated by Prometheus; Evaluate only compares its answers
// with the thresholds. It writes nothing.
package gate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// Istio's metric families and the labels the gate selects on, as Istio's
// sidecars report them (istio.io, "Istio Standard Metrics").
const (
	RequestsMetric = "istio_requests_total"
	DurationMetric = "istio_request_duration_milliseconds_bucket"
	// WorkloadLabel holds the Deployment's name: the colour, as
	// bluegreen names each colour's Deployment "<app>-<release>".
	WorkloadLabel = "destination_workload"
)

// Subject is one colour of an app, as Istio's metrics name it.
type Subject struct {
	// Colour is "blue" or "green".
	Colour string
	// Workload is the colour's Deployment name (destination_workload).
	Workload string
}

// Request says what to measure and what to require.
type Request struct {
	// Namespace is the app's namespace (destination_workload_namespace).
	Namespace string
	// Service is the app's Service name (destination_service_name).
	Service string
	// Candidate is the colour being promoted.
	Candidate Subject
	// Baseline is the live colour, measured for comparison only.
	Baseline Subject
	// Window is the range, a Prometheus duration such as "5m".
	Window string
	// Thresholds are what the candidate must meet.
	Thresholds Thresholds
	// Hint says how to send the candidate traffic, printed when it served
	// too few requests.
	Hint string
}

// Thresholds are the limits the candidate must meet.
type Thresholds struct {
	// MinRequests is the fewest requests served in the window.
	MinRequests int
	// MinSuccessRate is the lowest non-5xx share, in percent.
	MinSuccessRate float64
	// MaxP99Ms is the highest p99 duration in milliseconds.
	MaxP99Ms float64
}

// Queries are the PromQL expressions the gate sends, each answering one
// figure for both colours at once, one series per destination_workload.
type Queries struct {
	Requests, SuccessRate, P99 string
}

var labelValueRE = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)

// QueriesFor returns the queries for r. Every value it puts in a selector
// is a Kubernetes name or label value, checked here, so no quoting or
// regular-expression escaping can be needed.
func QueriesFor(r Request) (Queries, error) {
	for _, v := range []struct{ what, value string }{
		{"namespace", r.Namespace}, {"service", r.Service},
		{"candidate workload", r.Candidate.Workload}, {"baseline workload", r.Baseline.Workload},
	} {
		if v.value == "" && v.what == "baseline workload" {
			continue // no baseline: the live colour has no release
		}
		if !labelValueRE.MatchString(v.value) {
			return Queries{}, fmt.Errorf("gate: %s %q: must be a Kubernetes name", v.what, v.value)
		}
	}
	if _, err := model.ParseDuration(r.Window); err != nil {
		return Queries{}, fmt.Errorf("gate: window %q: %w", r.Window, err)
	}
	workloads := r.Candidate.Workload
	if r.Baseline.Workload != "" && r.Baseline.Workload != r.Candidate.Workload {
		workloads += "|" + r.Baseline.Workload
	}
	sel := fmt.Sprintf(`reporter="destination",destination_workload_namespace=%q,destination_service_name=%q,%s=~%q`,
		r.Namespace, r.Service, WorkloadLabel, workloads)
	by := "sum by (" + WorkloadLabel + ")"
	all := fmt.Sprintf("%s (rate(%s{%s}[%s]))", by, RequestsMetric, sel, r.Window)
	ok := fmt.Sprintf(`%s (rate(%s{%s,response_code!~"5.."}[%s]))`, by, RequestsMetric, sel, r.Window)
	return Queries{
		Requests: fmt.Sprintf("%s (increase(%s{%s}[%s]))", by, RequestsMetric, sel, r.Window),
		// A colour that answered only 5xx has no non-5xx series: "or" gives
		// it 0 rather than leaving it out.
		SuccessRate: fmt.Sprintf("100 * (%s or 0 * %s) / %s", ok, all, all),
		P99: fmt.Sprintf("histogram_quantile(0.99, sum by (%s, le) (rate(%s{%s}[%s])))",
			WorkloadLabel, DurationMetric, sel, r.Window),
	}, nil
}

// Figures are one colour's measurements. A figure Prometheus had no data
// for is NaN.
type Figures struct {
	Subject
	// Requests served in the window.
	Requests float64
	// SuccessRate is the non-5xx share in percent.
	SuccessRate float64
	// P99Ms is the 99th percentile duration in milliseconds.
	P99Ms float64
}

// Check is one threshold and whether the candidate met it.
type Check struct {
	// Name is the setting: minRequests, minSuccessRate or maxP99Ms.
	Name string
	// Threshold is the limit as printed, such as "≥ 99%".
	Threshold string
	// Measured is the candidate's figure as printed.
	Measured string
	// Pass is the verdict.
	Pass bool
}

// Evidence is what Evaluate measured and decided.
type Evidence struct {
	// Request is what was asked.
	Request Request
	// Queries are the PromQL sent.
	Queries Queries
	// At is the evaluation time given to Prometheus.
	At time.Time
	// Candidate and Baseline are the two colours' figures.
	Candidate, Baseline Figures
	// Checks are the candidate's verdicts, in the order minRequests,
	// minSuccessRate, maxP99Ms.
	Checks []Check
}

// Healthy reports whether every check passed. Evidence with no checks is
// not healthy.
func (e Evidence) Healthy() bool {
	if len(e.Checks) == 0 {
		return false
	}
	for _, c := range e.Checks {
		if !c.Pass {
			return false
		}
	}
	return true
}

// Refusal is the error of a candidate that failed its checks; Evidence
// holds the figures.
type Refusal struct {
	Evidence Evidence
}

func (r *Refusal) Error() string {
	var failed []string
	for _, c := range r.Evidence.Checks {
		if !c.Pass {
			failed = append(failed, fmt.Sprintf("%s %s (measured %s)", c.Name, c.Threshold, c.Measured))
		}
	}
	msg := fmt.Sprintf("%s is not healthy over the last %s: %s", r.Evidence.Candidate.Colour, r.Evidence.Request.Window, strings.Join(failed, "; "))
	if !r.Evidence.Checks[0].Pass && r.Evidence.Request.Hint != "" {
		msg += "; no traffic is no evidence: " + r.Evidence.Request.Hint
	}
	return msg
}

// Client returns a Prometheus HTTP API client for url.
func Client(url string) (promv1.API, error) {
	c, err := promapi.NewClient(promapi.Config{Address: url})
	if err != nil {
		return nil, fmt.Errorf("prometheus %s: %w", url, err)
	}
	return promv1.NewAPI(c), nil
}

// Evaluate sends r's queries to api, evaluated at now, and judges the
// candidate. It returns the evidence and, when Prometheus cannot be reached
// or answers an error, that error; when a check fails, a *Refusal. The
// candidate is healthy only when every query answered and every check
// passed: missing data fails.
func Evaluate(ctx context.Context, api promv1.API, r Request, now time.Time) (Evidence, error) {
	q, err := QueriesFor(r)
	if err != nil {
		return Evidence{}, err
	}
	ev := Evidence{Request: r, Queries: q, At: now}
	ev.Candidate = Figures{Subject: r.Candidate, Requests: math.NaN(), SuccessRate: math.NaN(), P99Ms: math.NaN()}
	ev.Baseline = Figures{Subject: r.Baseline, Requests: math.NaN(), SuccessRate: math.NaN(), P99Ms: math.NaN()}
	for _, f := range []struct {
		query string
		set   func(*Figures, float64)
	}{
		{q.Requests, func(x *Figures, v float64) { x.Requests = v }},
		// Rounded to 1e-9 %, so that a colour that failed no request is
		// 100 % (the division can leave 100.00000000000001) and meets a
		// minSuccessRate of 100.
		{q.SuccessRate, func(x *Figures, v float64) { x.SuccessRate = math.Round(v*1e9) / 1e9 }},
		{q.P99, func(x *Figures, v float64) { x.P99Ms = v }},
	} {
		byWorkload, err := query(ctx, api, f.query, now)
		if err != nil {
			return ev, err
		}
		for _, x := range []*Figures{&ev.Candidate, &ev.Baseline} {
			if v, ok := byWorkload[x.Workload]; ok && x.Workload != "" {
				f.set(x, v)
			}
		}
	}
	c, t := ev.Candidate, r.Thresholds
	// NaN compares false, so a figure without data fails its check.
	requests := c.Requests
	if math.IsNaN(requests) {
		requests = 0
	}
	ev.Checks = []Check{
		{"minRequests", fmt.Sprintf("≥ %d", t.MinRequests), formatCount(requests), requests >= float64(t.MinRequests)},
		{"minSuccessRate", fmt.Sprintf("≥ %s%%", formatFloat(t.MinSuccessRate)), formatPercent(c.SuccessRate), c.SuccessRate >= t.MinSuccessRate},
		{"maxP99Ms", fmt.Sprintf("≤ %s ms", formatFloat(t.MaxP99Ms)), formatMs(c.P99Ms), c.P99Ms <= t.MaxP99Ms},
	}
	if !ev.Healthy() {
		return ev, &Refusal{Evidence: ev}
	}
	return ev, nil
}

// query runs one instant query and returns its samples by workload.
func query(ctx context.Context, api promv1.API, q string, at time.Time) (map[string]float64, error) {
	v, _, err := api.Query(ctx, q, at)
	if err != nil {
		return nil, fmt.Errorf("prometheus: query %s: %w", q, err)
	}
	vec, ok := v.(model.Vector)
	if !ok {
		return nil, fmt.Errorf("prometheus: query %s: answered a %s, want a vector", q, v.Type())
	}
	out := map[string]float64{}
	for _, s := range vec {
		out[string(s.Metric[WorkloadLabel])] = float64(s.Value)
	}
	return out, nil
}

// IsRefusal reports whether err is a failed check rather than a failed
// query.
func IsRefusal(err error) bool {
	var r *Refusal
	return errors.As(err, &r)
}

func formatFloat(v float64) string { return fmt.Sprintf("%g", v) }

func formatCount(v float64) string {
	if math.IsNaN(v) {
		return "no data"
	}
	return fmt.Sprintf("%.0f", v)
}

func formatPercent(v float64) string {
	if math.IsNaN(v) {
		return "no data"
	}
	return fmt.Sprintf("%.2f%%", v)
}

func formatMs(v float64) string {
	if math.IsNaN(v) {
		return "no data"
	}
	return fmt.Sprintf("%.1f ms", v)
}

// rows are the table's rows: the candidate with its thresholds and
// verdicts, then the baseline, measured only.
func (e Evidence) rows() [][]string {
	verdict := "healthy"
	if !e.Healthy() {
		var failed []string
		for _, c := range e.Checks {
			if !c.Pass {
				failed = append(failed, c.Name)
			}
		}
		sort.Strings(failed)
		verdict = "refused: " + strings.Join(failed, ", ")
	}
	var th []string
	for _, c := range e.Checks {
		th = append(th, c.Threshold)
	}
	out := [][]string{{"colour", "role", "requests", "success %", "p99 ms", "threshold", "verdict"}}
	c := e.Candidate
	out = append(out, []string{c.Colour, "candidate", formatCount(c.Requests), formatPercent(c.SuccessRate), formatMs(c.P99Ms), strings.Join(th, ", "), verdict})
	if b := e.Baseline; b.Workload != "" {
		out = append(out, []string{b.Colour, "live (baseline)", formatCount(b.Requests), formatPercent(b.SuccessRate), formatMs(b.P99Ms), "-", "-"})
	}
	return out
}

// Table returns the evidence as an aligned text table.
func (e Evidence) Table() string {
	rows := e.rows()
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r {
			if i > 0 {
				b.WriteString("  ")
			}
			if i == len(r)-1 {
				b.WriteString(c)
				continue
			}
			b.WriteString(c + strings.Repeat(" ", widths[i]-len([]rune(c))))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Markdown returns the evidence as a Markdown section for a pull request:
// what was measured, the table and the queries.
func (e Evidence) Markdown() string {
	var b strings.Builder
	r := e.Request
	fmt.Fprintf(&b, "### Promotion evidence: %s/%s %s\n\n", r.Namespace, r.Service, r.Candidate.Colour)
	fmt.Fprintf(&b, "Istio's metrics over the %s before %s (reporter=\"destination\").\n\n", r.Window, e.At.UTC().Format(time.RFC3339))
	for i, row := range e.rows() {
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
		if i == 0 {
			b.WriteString("|" + strings.Repeat(" --- |", len(row)) + "\n")
		}
	}
	b.WriteString("\nQueries:\n\n```promql\n")
	b.WriteString(e.Queries.Requests + "\n" + e.Queries.SuccessRate + "\n" + e.Queries.P99 + "\n```\n")
	return b.String()
}
