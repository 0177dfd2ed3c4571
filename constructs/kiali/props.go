package kiali

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
	"github.com/bluegreen-mesh/bluegreen/mesh/fielderr"
)

// Chart repositories and pinned chart versions: the versions Istio's own
// addons pin for the default Istio release (istio.DefaultVersion, 1.31.1),
// so Kiali, Prometheus and Grafana are the ones Istio tests against. Each
// is supported as long as Istio 1.31 (see istio.SupportEnds); move them
// with istio.DefaultVersion.
const (
	ChartRepository = "https://kiali.org/helm-charts"
	// DefaultChartVersion is the kiali-server chart of Kiali v2.31.0, the
	// Kiali addon of Istio 1.31.1 (its release notes, istio.io
	// news/releases/1.31.x/announcing-1.31.1: "Updated Kiali addon to
	// version v2.31.0").
	DefaultChartVersion  = "2.31.0"
	PrometheusRepository = "https://prometheus-community.github.io/helm-charts"
	// PrometheusVersion is the prometheus chart manifests/addons/gen.sh
	// pins at the 1.31.0 tag (istio.io/istio at eed52ebb66ad, the module
	// tools/go.mod pins) and on the release-1.31 branch at a8d7012
	// (2026-08-20). Istio 1.31.1's release notes change only the Kiali
	// addon; the 1.31.1 tag's own gen.sh could not be read here.
	PrometheusVersion = "28.13.0"
	GrafanaRepository = "https://grafana.github.io/helm-charts"
	// GrafanaVersion is the grafana chart of the same gen.sh
	// (GRAFANA_VERSION), with the same sources.
	GrafanaVersion = "9.2.2"
)

// Authentication strategies Kiali supports outside OpenShift. The
// username/passphrase "login" strategy was removed in Kiali v1.23.
const (
	StrategyToken     = "token"
	StrategyAnonymous = "anonymous"
	StrategyOpenID    = "openid"
	StrategyHeader    = "header"
)

// DefaultClientSecretVariable names the sensitive Terraform variable that
// holds the OpenID client secret; pass it at deploy time as
// TF_VAR_kiali_oidc_client_secret.
const DefaultClientSecretVariable = "kiali_oidc_client_secret"

var (
	strategies = []string{StrategyToken, StrategyAnonymous, StrategyOpenID, StrategyHeader}
	semverRE   = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)
	variableRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]{0,63}$`)
	durationRE = regexp.MustCompile(`^[0-9]+(s|m|h)$`)
)

// Props configure Kiali, and the Prometheus and Grafana it reads. The zero
// value of every optional field means its default.
type Props struct {
	// Production marks an installation that serves real users: the
	// "anonymous" strategy is an error, and Prometheus and Grafana are not
	// installed unless enabled. Default: false.
	Production bool `json:"-"`
	// ChartVersion is the kiali-server chart version. Default:
	// DefaultChartVersion.
	ChartVersion string `json:"chartVersion"`
	// Chart is where the kiali-server chart comes from. Default:
	// ChartRepository.
	Chart istio.ChartSource `json:"chart"`
	// Auth is how users log in to Kiali.
	Auth Auth `json:"auth"`
	// Prometheus is where Kiali reads metrics from; its graph is built
	// from them.
	Prometheus Prometheus `json:"prometheus"`
	// Grafana is the Grafana Kiali links to.
	Grafana Grafana `json:"grafana"`
	// TimeoutSeconds is how long each Helm release may take to become
	// ready. Default: 600.
	TimeoutSeconds int `json:"timeoutSeconds"`
	// ExtraValues are kiali-server chart values deep-merged last.
	// Default: none.
	ExtraValues map[string]any `json:"extraValues"`
}

// Auth is Kiali's authentication strategy.
type Auth struct {
	// Strategy is "token" (log in with a Kubernetes service account
	// token), "anonymous" (no login: for development only; an error in a
	// production environment), "openid" (an OpenID Connect provider) or
	// "header" (a reverse proxy injects the user's token). Default: "token".
	Strategy string `json:"strategy"`
	// OpenID configures the "openid" strategy.
	OpenID OpenID `json:"openid"`
}

// OpenID configures Kiali's OpenID Connect login.
type OpenID struct {
	// ClientID is the OAuth client id registered with the provider.
	// Required for the "openid" strategy.
	ClientID string `json:"clientId"`
	// IssuerURI is the provider's issuer, an https URL. Required for the
	// "openid" strategy.
	IssuerURI string `json:"issuerUri"`
	// Scopes are the OAuth scopes requested. Default: Kiali's ("openid",
	// "profile", "email").
	Scopes []string `json:"scopes"`
	// UsernameClaim is the token claim shown as the user name. Default:
	// Kiali's ("sub").
	UsernameClaim string `json:"usernameClaim"`
	// ClientSecretVariable names the sensitive Terraform variable holding
	// the client secret (set TF_VAR_<name> when deploying). Its value goes
	// into the Kubernetes secret "kiali", key "oidc-secret", and never into
	// the synthesized JSON. Default: "kiali_oidc_client_secret" with the
	// "openid" strategy.
	ClientSecretVariable string `json:"clientSecretVariable"`
}

// Prometheus is the metrics store Kiali reads.
type Prometheus struct {
	// Enabled installs a minimal Prometheus (the prometheus-community
	// chart: server only, no persistence, scraping the annotated Istio
	// pods) next to Kiali. Default: true outside production.
	Enabled *bool `json:"enabled"`
	// ChartVersion is the prometheus chart version. Default:
	// PrometheusVersion.
	ChartVersion string `json:"chartVersion"`
	// Chart is where the prometheus chart comes from. Default:
	// PrometheusRepository.
	Chart istio.ChartSource `json:"chart"`
	// URL is Prometheus's in-cluster URL, for Kiali. Default:
	// "http://prometheus.<istio namespace>:9090" when Enabled; required
	// otherwise (Kiali's graph needs metrics).
	URL string `json:"url"`
	// ScrapeInterval is how often the installed Prometheus scrapes, such as
	// "15s". Default: "15s".
	ScrapeInterval string `json:"scrapeInterval"`
	// ExtraValues are prometheus chart values deep-merged last.
	// Default: none.
	ExtraValues map[string]any `json:"extraValues"`
}

// Grafana is the dashboard server Kiali links to.
type Grafana struct {
	// Enabled installs Grafana (the grafana chart) with Prometheus as its
	// data source. Default: true outside production.
	Enabled *bool `json:"enabled"`
	// ChartVersion is the grafana chart version. Default: GrafanaVersion.
	ChartVersion string `json:"chartVersion"`
	// Chart is where the grafana chart comes from. Default:
	// GrafanaRepository.
	Chart istio.ChartSource `json:"chart"`
	// InternalURL is Grafana's in-cluster URL, for Kiali. Default:
	// "http://grafana.<istio namespace>:3000" when Enabled, else "" (no
	// Grafana links).
	InternalURL string `json:"internalUrl"`
	// ExternalURL is the URL browsers reach Grafana at, for Kiali's links.
	// Default: "http://localhost:3000" (kubectl port-forward svc/grafana
	// 3000:3000) when InternalURL is set.
	ExternalURL string `json:"externalUrl"`
	// AdminPasswordVariable names a sensitive Terraform variable holding
	// the admin password (set TF_VAR_<name> when deploying); it goes into
	// the Kubernetes secret "grafana-admin". Default: "" (the chart
	// generates a random password into the secret "grafana").
	AdminPasswordVariable string `json:"adminPasswordVariable"`
	// ExtraValues are grafana chart values deep-merged last.
	// Default: none.
	ExtraValues map[string]any `json:"extraValues"`
}

// WithDefaults returns a copy of p with every unset field given its
// default, for Kiali installed in istioNamespace, the Istio control plane's
// namespace. It never changes p.
func (p Props) WithDefaults(istioNamespace string) Props {
	if p.ChartVersion == "" {
		p.ChartVersion = DefaultChartVersion
	}
	p.Chart = p.Chart.WithDefault(ChartRepository)
	if p.Auth.Strategy == "" {
		p.Auth.Strategy = StrategyToken
	}
	if p.Auth.Strategy == StrategyOpenID && p.Auth.OpenID.ClientSecretVariable == "" {
		p.Auth.OpenID.ClientSecretVariable = DefaultClientSecretVariable
	}
	p.Auth.OpenID.Scopes = slices.Clone(p.Auth.OpenID.Scopes)
	if p.TimeoutSeconds == 0 {
		p.TimeoutSeconds = 600
	}
	pr := p.Prometheus
	if pr.Enabled == nil {
		pr.Enabled = ptr(!p.Production)
	}
	if *pr.Enabled {
		if pr.ChartVersion == "" {
			pr.ChartVersion = PrometheusVersion
		}
		pr.Chart = pr.Chart.WithDefault(PrometheusRepository)
		if pr.URL == "" {
			pr.URL = "http://prometheus." + istioNamespace + ":9090"
		}
		if pr.ScrapeInterval == "" {
			pr.ScrapeInterval = "15s"
		}
	}
	p.Prometheus = pr
	g := p.Grafana
	if g.Enabled == nil {
		g.Enabled = ptr(!p.Production)
	}
	if *g.Enabled {
		if g.ChartVersion == "" {
			g.ChartVersion = GrafanaVersion
		}
		g.Chart = g.Chart.WithDefault(GrafanaRepository)
		if g.InternalURL == "" {
			g.InternalURL = "http://grafana." + istioNamespace + ":3000"
		}
	}
	if g.InternalURL != "" && g.ExternalURL == "" {
		g.ExternalURL = "http://localhost:3000"
	}
	p.Grafana = g
	return p
}

// Validate reports every problem in p (after defaults) as one error.
func (p Props) Validate() error { return fielderr.Join(p.ValidateAt(nil)) }

// ValidateAt reports every problem in p, which should have its defaults
// applied, with field paths under fld.
func (p Props) ValidateAt(fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if !semverRE.MatchString(p.ChartVersion) {
		errs = append(errs, field.Invalid(fld.Child("chartVersion"), p.ChartVersion, `must be a chart version such as "`+DefaultChartVersion+`"`))
	} else {
		errs = append(errs, p.Chart.Validate(fld.Child("chart"), map[string]string{"kiali-server": p.ChartVersion})...)
	}
	ap := fld.Child("auth")
	switch s := p.Auth.Strategy; {
	case s == StrategyAnonymous && p.Production:
		errs = append(errs, field.Invalid(ap.Child("strategy"), s,
			`"anonymous" lets anyone who reaches Kiali see and change the mesh without logging in, which a production environment must not allow; use "token" (a service account token) or "openid" (your identity provider), or "header" behind an authenticating proxy`))
	case s == "login":
		errs = append(errs, field.Invalid(ap.Child("strategy"), s, `the username/passphrase "login" strategy was removed in Kiali v1.23; use "token" or "openid"`))
	case !slices.Contains(strategies, s):
		errs = append(errs, field.NotSupported(ap.Child("strategy"), s, strategies))
	}
	op := ap.Child("openid")
	o := p.Auth.OpenID
	if p.Auth.Strategy == StrategyOpenID {
		if o.ClientID == "" {
			errs = append(errs, field.Required(op.Child("clientId"), "the OAuth client id registered with the OpenID provider"))
		}
		if u, err := url.Parse(o.IssuerURI); o.IssuerURI == "" || err != nil || u.Scheme != "https" || u.Host == "" {
			errs = append(errs, field.Invalid(op.Child("issuerUri"), o.IssuerURI, `must be the OpenID provider's https issuer URL, such as "https://accounts.example.com"`))
		}
		if !variableRE.MatchString(o.ClientSecretVariable) {
			errs = append(errs, field.Invalid(op.Child("clientSecretVariable"), o.ClientSecretVariable, "must be a Terraform variable name: letters, digits and '_', starting with a letter or '_'"))
		}
	} else if o.ClientID != "" || o.IssuerURI != "" || o.Scopes != nil || o.UsernameClaim != "" || o.ClientSecretVariable != "" {
		errs = append(errs, field.Forbidden(op, `only for auth.strategy "openid"`))
	}
	pp := fld.Child("prometheus")
	if *p.Prometheus.Enabled {
		if !semverRE.MatchString(p.Prometheus.ChartVersion) {
			errs = append(errs, field.Invalid(pp.Child("chartVersion"), p.Prometheus.ChartVersion, `must be a chart version such as "`+PrometheusVersion+`"`))
		} else {
			errs = append(errs, p.Prometheus.Chart.Validate(pp.Child("chart"), map[string]string{"prometheus": p.Prometheus.ChartVersion})...)
		}
		if !durationRE.MatchString(p.Prometheus.ScrapeInterval) {
			errs = append(errs, field.Invalid(pp.Child("scrapeInterval"), p.Prometheus.ScrapeInterval, `must be a Prometheus duration such as "15s" or "1m"`))
		}
	} else {
		if p.Prometheus.URL == "" {
			errs = append(errs, field.Required(pp.Child("url"), "Kiali's graph needs metrics: set the URL of your Prometheus, or turn prometheus.enabled on"))
		}
		for _, f := range []struct {
			name string
			set  bool
		}{{"chartVersion", p.Prometheus.ChartVersion != ""}, {"chart", p.Prometheus.Chart != istio.ChartSource{}}, {"scrapeInterval", p.Prometheus.ScrapeInterval != ""}, {"extraValues", p.Prometheus.ExtraValues != nil}} {
			if f.set {
				errs = append(errs, field.Forbidden(pp.Child(f.name), "only when prometheus.enabled is true"))
			}
		}
	}
	errs = append(errs, httpURL(pp.Child("url"), p.Prometheus.URL)...)
	gp := fld.Child("grafana")
	g := p.Grafana
	if *g.Enabled {
		if !semverRE.MatchString(g.ChartVersion) {
			errs = append(errs, field.Invalid(gp.Child("chartVersion"), g.ChartVersion, `must be a chart version such as "`+GrafanaVersion+`"`))
		} else {
			errs = append(errs, g.Chart.Validate(gp.Child("chart"), map[string]string{"grafana": g.ChartVersion})...)
		}
		if g.AdminPasswordVariable != "" && !variableRE.MatchString(g.AdminPasswordVariable) {
			errs = append(errs, field.Invalid(gp.Child("adminPasswordVariable"), g.AdminPasswordVariable, "must be a Terraform variable name: letters, digits and '_', starting with a letter or '_'"))
		}
		if g.AdminPasswordVariable != "" && g.AdminPasswordVariable == o.ClientSecretVariable {
			errs = append(errs, field.Duplicate(gp.Child("adminPasswordVariable"), g.AdminPasswordVariable))
		}
	} else {
		for _, f := range []struct {
			name string
			set  bool
		}{{"chartVersion", g.ChartVersion != ""}, {"chart", g.Chart != istio.ChartSource{}}, {"adminPasswordVariable", g.AdminPasswordVariable != ""}, {"extraValues", g.ExtraValues != nil}} {
			if f.set {
				errs = append(errs, field.Forbidden(gp.Child(f.name), "only when grafana.enabled is true"))
			}
		}
	}
	errs = append(errs, httpURL(gp.Child("internalUrl"), g.InternalURL)...)
	errs = append(errs, httpURL(gp.Child("externalUrl"), g.ExternalURL)...)
	if p.TimeoutSeconds < 60 || p.TimeoutSeconds > 3600 {
		errs = append(errs, field.Invalid(fld.Child("timeoutSeconds"), p.TimeoutSeconds, "must be between 60 and 3600"))
	}
	return errs
}

// Warnings lists settings that synthesize but deserve a second look, with
// field paths under fld.
func (p Props) Warnings(fld *field.Path) []string {
	out := p.Chart.Warnings(fld.Child("chart"))
	if *p.Prometheus.Enabled {
		out = append(out, p.Prometheus.Chart.Warnings(fld.Child("prometheus", "chart"))...)
	}
	if *p.Grafana.Enabled {
		out = append(out, p.Grafana.Chart.Warnings(fld.Child("grafana", "chart"))...)
	}
	return out
}

func httpURL(fld *field.Path, v string) field.ErrorList {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return field.ErrorList{field.Invalid(fld, v, fmt.Sprintf(`must be an http(s) URL such as "http://service.namespace:%d"`, 9090))}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }
