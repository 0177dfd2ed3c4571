package config

import (
	"net/url"
	"os"
	"time"

	"github.com/prometheus/common/model"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// PrometheusURLVariable names the environment variable that gives the
// Prometheus URL of the promotion gate when no --prometheus flag does; it
// wins over promotion.prometheus.url, so that a user with a port-forward
// needs no edit of the reviewed cdktf.json.
const PrometheusURLVariable = "BLUEGREEN_PROMETHEUS_URL"

// Defaults of the promotion gate.
const (
	DefaultGateWindow         = "5m"
	DefaultGateMinRequests    = 100
	DefaultGateMinSuccessRate = 99.0
	DefaultGateMaxP99Ms       = 500.0
)

// MinGateWindow is the shortest window allowed: rate() needs two samples
// of every series in it, and Istio's Prometheus scrapes every 15s.
const MinGateWindow = time.Minute

// Promotion configures `promote`: the evidence a colour must show before it
// becomes live. It is set per environment (promotion) and, field by field,
// per app (Override), so an app's block needs only what differs.
type Promotion struct {
	// Prometheus is where Istio's metrics are queried.
	Prometheus PrometheusSource `json:"prometheus"`
	// Gate holds the thresholds.
	Gate Gate `json:"gate"`
}

// PrometheusSource is a Prometheus server's HTTP API.
type PrometheusSource struct {
	// URL of the Prometheus server, such as
	// "http://prometheus.istio-system:9090"; the --prometheus flag and
	// $BLUEGREEN_PROMETHEUS_URL win over it. Default: "" (a gated promote
	// then refuses, naming the three ways to set it).
	URL string `json:"url"`
}

// Gate holds the thresholds a candidate colour must meet over the window.
type Gate struct {
	// Window is the range the figures are taken over, a Prometheus
	// duration of at least 1m such as "5m" or "1h". Default: "5m".
	Window string `json:"window"`
	// MinRequests is the fewest requests the candidate must have served
	// in the window: no traffic is no evidence. At least 1. Default: 100.
	MinRequests *int `json:"minRequests"`
	// MinSuccessRate is the lowest share of the candidate's requests, in
	// percent, answered with anything but a 5xx; above 0, at most 100.
	// Default: 99.
	MinSuccessRate *float64 `json:"minSuccessRate"`
	// MaxP99Ms is the highest 99th percentile of the candidate's request
	// duration, in milliseconds, as Istio measures it; above 0. Default:
	// 500.
	MaxP99Ms *float64 `json:"maxP99Ms"`
	// RequireHealthy gates every promote of the environment, as
	// --require-healthy does for one. Default: false.
	RequireHealthy *bool `json:"requireHealthy"`
}

// WithDefaults returns a copy of p with every unset field given its
// default. It never changes p.
func (p Promotion) WithDefaults() Promotion {
	g := p.Gate
	if g.Window == "" {
		g.Window = DefaultGateWindow
	}
	if g.MinRequests == nil {
		g.MinRequests = ptr(DefaultGateMinRequests)
	}
	if g.MinSuccessRate == nil {
		g.MinSuccessRate = ptr(DefaultGateMinSuccessRate)
	}
	if g.MaxP99Ms == nil {
		g.MaxP99Ms = ptr(DefaultGateMaxP99Ms)
	}
	if g.RequireHealthy == nil {
		g.RequireHealthy = ptr(false)
	}
	p.Gate = g
	return p
}

// Override returns p with every field that o sets taken from o: an app's
// promotion block over its environment's. It never changes p or o.
func (p Promotion) Override(o Promotion) Promotion {
	if o.Prometheus.URL != "" {
		p.Prometheus.URL = o.Prometheus.URL
	}
	if o.Gate.Window != "" {
		p.Gate.Window = o.Gate.Window
	}
	if o.Gate.MinRequests != nil {
		p.Gate.MinRequests = o.Gate.MinRequests
	}
	if o.Gate.MinSuccessRate != nil {
		p.Gate.MinSuccessRate = o.Gate.MinSuccessRate
	}
	if o.Gate.MaxP99Ms != nil {
		p.Gate.MaxP99Ms = o.Gate.MaxP99Ms
	}
	if o.Gate.RequireHealthy != nil {
		p.Gate.RequireHealthy = o.Gate.RequireHealthy
	}
	return p
}

// PromotionOf returns the promotion settings of one of e's apps, defaults
// applied: e's promotion block with the app's own (appOverride, the zero
// value for an app that sets none) over it.
func (e Environment) PromotionOf(appOverride Promotion) Promotion {
	return e.Promotion.Override(appOverride).WithDefaults()
}

// ResolvePrometheusURL returns the Prometheus URL a gated promote queries:
// flag when set, else $BLUEGREEN_PROMETHEUS_URL, else p.Prometheus.URL;
// and where it came from, for messages. It returns "" when none is set.
func (p Promotion) ResolvePrometheusURL(flag string) (u, from string) {
	if flag != "" {
		return flag, "--prometheus"
	}
	if v := os.Getenv(PrometheusURLVariable); v != "" {
		return v, "$" + PrometheusURLVariable
	}
	return p.Prometheus.URL, "promotion.prometheus.url"
}

// WindowDuration returns the parsed window of g (defaults applied).
func (g Gate) WindowDuration() (time.Duration, error) {
	d, err := model.ParseDuration(g.Window)
	return time.Duration(d), err
}

// ValidateAt reports every problem of p, with its defaults applied, under
// fld.
func (p Promotion) ValidateAt(fld *field.Path) field.ErrorList {
	p = p.WithDefaults()
	var errs field.ErrorList
	if p.Prometheus.URL != "" {
		errs = append(errs, ValidatePrometheusURL(fld.Child("prometheus", "url"), p.Prometheus.URL)...)
	}
	g, gp := p.Gate, fld.Child("gate")
	errs = append(errs, g.ValidateAt(gp)...)
	return errs
}

// ValidateAt reports every problem of g, defaults applied, under fld. The
// gate checks flags with it too.
func (g Gate) ValidateAt(fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if d, err := g.WindowDuration(); err != nil || d < MinGateWindow {
		errs = append(errs, field.Invalid(fld.Child("window"), g.Window, `must be a Prometheus duration of at least 1m, such as "5m" or "1h"`))
	}
	if *g.MinRequests < 1 {
		errs = append(errs, field.Invalid(fld.Child("minRequests"), *g.MinRequests, "must be 1 or more: a candidate that served no request has shown nothing"))
	}
	if r := *g.MinSuccessRate; !(r > 0 && r <= 100) {
		errs = append(errs, field.Invalid(fld.Child("minSuccessRate"), r, "must be a percentage above 0 and at most 100, such as 99 or 99.9"))
	}
	if m := *g.MaxP99Ms; !(m > 0) {
		errs = append(errs, field.Invalid(fld.Child("maxP99Ms"), m, "must be a duration in milliseconds above 0, such as 500"))
	}
	return errs
}

// ValidatePrometheusURL reports a u that is not an http(s) URL with a
// host, under fld.
func ValidatePrometheusURL(fld *field.Path, u string) field.ErrorList {
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return field.ErrorList{field.Invalid(fld, u, `must be the http(s) URL of a Prometheus server, such as "http://prometheus.istio-system:9090"`)}
	}
	return nil
}
