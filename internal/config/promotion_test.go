package config_test

import (
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/config"
)

func TestPromotionDefaults(t *testing.T) {
	envs, err := config.Parse("cdktf.json", file(`{"dev":`+minimalEKS+`}`))
	if err != nil {
		t.Fatal(err)
	}
	p := envs[0].PromotionOf(config.Promotion{})
	g := p.Gate
	if g.Window != "5m" || *g.MinRequests != 100 || *g.MinSuccessRate != 99 || *g.MaxP99Ms != 500 || *g.RequireHealthy || p.Prometheus.URL != "" {
		t.Errorf("got window %q, minRequests %d, minSuccessRate %v, maxP99Ms %v, requireHealthy %v, url %q; want 5m, 100, 99, 500, false, none",
			g.Window, *g.MinRequests, *g.MinSuccessRate, *g.MaxP99Ms, *g.RequireHealthy, p.Prometheus.URL)
	}
	// Defaults are applied where asked, never stored on the environment.
	if envs[0].Promotion.Gate.MinRequests != nil {
		t.Errorf("the environment's own promotion block gained minRequests %d", *envs[0].Promotion.Gate.MinRequests)
	}
}

func TestPromotionFromTheFileAndAnAppOverride(t *testing.T) {
	envs, err := config.Parse("cdktf.json", file(`{"prod":{"region":"eu-west-1","cluster":{"endpoint":{"publicAccess":false}},
		"promotion":{"prometheus":{"url":"http://prometheus.istio-system:9090"},
		"gate":{"window":"10m","minRequests":500,"minSuccessRate":99.9,"requireHealthy":true}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	minimum := 20
	p := envs[0].PromotionOf(config.Promotion{Gate: config.Gate{MinRequests: &minimum}})
	g := p.Gate
	if g.Window != "10m" || *g.MinRequests != 20 || *g.MinSuccessRate != 99.9 || *g.MaxP99Ms != 500 || !*g.RequireHealthy {
		t.Errorf("got window %q, minRequests %d, minSuccessRate %v, maxP99Ms %v, requireHealthy %v; want 10m, 20 (the app's), 99.9, 500 (default), true",
			g.Window, *g.MinRequests, *g.MinSuccessRate, *g.MaxP99Ms, *g.RequireHealthy)
	}
	if d, err := g.WindowDuration(); err != nil || d.Minutes() != 10 {
		t.Errorf("window duration %v, %v; want 10m", d, err)
	}
	t.Setenv(config.PrometheusURLVariable, "")
	if u, from := p.ResolvePrometheusURL(""); u != "http://prometheus.istio-system:9090" || from != "promotion.prometheus.url" {
		t.Errorf("url %q from %s; want the file's", u, from)
	}
	t.Setenv(config.PrometheusURLVariable, "http://127.0.0.1:9091")
	if u, from := p.ResolvePrometheusURL(""); u != "http://127.0.0.1:9091" || from != "$BLUEGREEN_PROMETHEUS_URL" {
		t.Errorf("url %q from %s; want the variable's", u, from)
	}
	if u, from := p.ResolvePrometheusURL("http://127.0.0.1:9092"); u != "http://127.0.0.1:9092" || from != "--prometheus" {
		t.Errorf("url %q from %s; want the flag's", u, from)
	}
}

func TestPromotionBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, promotion, want string
	}{
		{"fails/window not a duration", `{"gate":{"window":"5 minutes"}}`,
			`context.environments[dev].promotion.gate.window: Invalid value: "5 minutes": must be a Prometheus duration of at least 1m`},
		{"fails/window too short", `{"gate":{"window":"30s"}}`,
			`context.environments[dev].promotion.gate.window: Invalid value: "30s"`},
		{"fails/no requests needed", `{"gate":{"minRequests":0}}`,
			`context.environments[dev].promotion.gate.minRequests: Invalid value: 0: must be 1 or more`},
		{"fails/success rate above 100", `{"gate":{"minSuccessRate":101}}`,
			`context.environments[dev].promotion.gate.minSuccessRate: Invalid value: 101: must be a percentage above 0 and at most 100`},
		{"fails/success rate 0", `{"gate":{"minSuccessRate":0}}`,
			`promotion.gate.minSuccessRate: Invalid value: 0:`},
		{"fails/negative p99", `{"gate":{"maxP99Ms":-1}}`,
			`context.environments[dev].promotion.gate.maxP99Ms: Invalid value: -1: must be a duration in milliseconds above 0`},
		{"fails/url without scheme", `{"prometheus":{"url":"prometheus:9090"}}`,
			`context.environments[dev].promotion.prometheus.url: Invalid value: "prometheus:9090": must be the http(s) URL of a Prometheus server`},
		{"fails/unknown field", `{"gate":{"maxP95Ms":300}}`,
			`context.environments[dev].promotion.gate.maxP95Ms: Invalid value: "maxP95Ms": unknown field (a typo?); allowed: maxP99Ms, minRequests, minSuccessRate, requireHealthy, window`},
		{"fails/requireHealthy a string", `{"gate":{"requireHealthy":"yes"}}`,
			`context.environments[dev].promotion.gate.requireHealthy`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse("cdktf.json", file(`{"dev":{"region":"eu-west-1","cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}},"promotion":`+tc.promotion+`}}`))
			if err == nil {
				t.Fatalf("promotion %s: no error; want %q", tc.promotion, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("promotion %s:\ngot  %v\nwant %q", tc.promotion, err, tc.want)
			}
		})
	}
}
