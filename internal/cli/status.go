package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/gate"
	"github.com/bluegreen-mesh/bluegreen/internal/pipeline"
	"github.com/bluegreen-mesh/bluegreen/internal/status"
)

// StatusTimeout bounds one status run: connecting, reading and comparing.
const StatusTimeout = 60 * time.Second

// ExitError is an error with the process exit code it asks for.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode is the exit code of the process.
func (e *ExitError) ExitCode() int { return e.Code }

// Status implements `status <env> [<app>]`: what is live in the
// environment's cluster and how it differs from what the environment
// deploys (package status). It writes nothing to the cluster: the drift
// comparison is a server-side apply dry run. Flags: --kubeconfig FILE and
// --context NAME override how the cluster is reached; --output json prints
// the report as JSON (docs/status.md); --exit-code exits 1 on drift and 2
// when the cluster cannot be reached; --prometheus URL (else
// $BLUEGREEN_PROMETHEUS_URL, else promotion.prometheus.url) adds the
// promotion gate's figures of each colour.
func Status(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var t status.Target
	fs.StringVar(&t.Kubeconfig, "kubeconfig", "", "kubeconfig file (overrides the environment's target)")
	fs.StringVar(&t.Context, "context", "", "kubeconfig context")
	output := fs.String("output", "table", "table or json")
	fs.StringVar(output, "o", "table", "table or json")
	exitCode := fs.Bool("exit-code", false, "exit 1 on drift, 2 when the cluster cannot be reached")
	prom := fs.String("prometheus", "", "Prometheus URL for the gate's figures")
	var positional []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			return fmt.Errorf("status: %w (flags: --kubeconfig FILE, --context NAME, --output table|json, --exit-code, --prometheus URL)", err)
		}
		if rest = fs.Args(); len(rest) == 0 {
			break
		}
		positional, rest = append(positional, rest[0]), rest[1:]
	}
	if len(positional) < 1 || len(positional) > 2 {
		return errors.New("usage: status <environment> [<app>] [--kubeconfig FILE] [--context NAME] [--output table|json] [--exit-code] [--prometheus URL]")
	}
	if *output != "table" && *output != "json" {
		return fmt.Errorf("status: --output %q: must be table or json", *output)
	}
	envName, app := positional[0], ""
	if len(positional) == 2 {
		app = positional[1]
	}
	e, err := pipeline.Load(ConfigPath(), envName)
	if err != nil {
		return err
	}
	rendered, err := e.Render(true)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), StatusTimeout)
	defer cancel()
	rep, err := statusOf(ctx, rendered, t, app)
	if err != nil {
		if *exitCode && errors.Is(err, status.ErrUnreachable) {
			return &ExitError{Code: 2, Err: err}
		}
		return err
	}
	addMetrics(ctx, rep, e.Env, *prom)
	if *output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if err := PrintStatus(stdout, rep); err != nil {
		return err
	}
	if *exitCode && len(rep.Drift) > 0 {
		return &ExitError{Code: 1, Err: fmt.Errorf("status %s: %d differences between what the environment deploys and the cluster", envName, len(rep.Drift))}
	}
	return nil
}

// statusOf connects to the environment's cluster and reads its report.
func statusOf(ctx context.Context, r *pipeline.Rendered, t status.Target, app string) (*status.Report, error) {
	c, err := status.Connect(ctx, r.Env.Env, t)
	if err != nil {
		return nil, err
	}
	return status.Run(ctx, c, status.Options{Rendered: r, App: app})
}

// addMetrics adds, when Prometheus is configured, the promotion gate's
// figures of each app's live colour and its other colour (package gate's
// queries); a failure is recorded on the app, not returned: status still
// answers.
func addMetrics(ctx context.Context, rep *status.Report, env config.Environment, flagURL string) {
	for i, ra := range rep.Apps {
		var app config.App
		for _, a := range env.Apps() {
			if a.Name == ra.Name {
				app = a
			}
		}
		p := env.PromotionOf(app.Promotion)
		url, from := p.ResolvePrometheusURL(flagURL)
		if url == "" {
			continue
		}
		live := app.Routing.Live
		other := ""
		for _, c := range bluegreen.Colours {
			if _, ok := app.App.Releases[c]; ok && c != live {
				other = c
			}
		}
		r := gateRequest(app, other, live, p.Gate)
		api, err := gate.Client(url)
		if err == nil {
			qctx, cancel := context.WithTimeout(ctx, GateTimeout)
			var ev gate.Evidence
			ev, err = gate.Evaluate(qctx, api, r, time.Now())
			cancel()
			if err == nil || gate.IsRefusal(err) {
				err = nil
				for _, f := range []gate.Figures{ev.Baseline, ev.Candidate} {
					if f.Colour == "" {
						continue
					}
					rep.Apps[i].Metrics = append(rep.Apps[i].Metrics, status.Figures{Colour: f.Colour, Workload: f.Workload, Window: r.Window,
						Requests: number(f.Requests), SuccessRate: number(f.SuccessRate), P99Ms: number(f.P99Ms)})
				}
			}
		}
		if err != nil {
			rep.Apps[i].MetricsError = fmt.Sprintf("Prometheus %s (from %s): %v", url, from, err)
		}
	}
}

func number(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// PrintStatus writes the report as status's tables.
func PrintStatus(w io.Writer, r *status.Report) error {
	fmt.Fprintf(w, "Environment %s (%s)\n\n", r.Environment, r.Cluster)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "APP\tNAMESPACE\tLIVE (cdktf.json)\tLIVE (cluster)\tROUTING\tDEFAULT ROUTE WEIGHTS")
	for _, a := range r.Apps {
		live, weights := a.Routing.Live, weightsText(a.Routing.Weights)
		if !a.Routing.Found {
			live, weights = "<missing>", "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s/%s\t%s\n", a.Name, a.Namespace, a.ConfiguredLive, live, a.Routing.Kind, a.Routing.Name, weights)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "APP\tCOLOUR\tDEPLOYMENT\tDESIRED\tUPDATED\tREADY")
	for _, a := range r.Apps {
		for _, c := range a.Colours {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Name, c.Colour, c.Namespace+"/"+c.Name, replicas(c))
		}
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "HELM RELEASE\tSTACK\tREVISION\tSTATUS\tCHART\tVERSION")
	for _, rel := range r.Releases {
		if !rel.Found {
			fmt.Fprintf(tw, "%s/%s\t%s\t-\t<missing>\t-\t-\n", rel.Namespace, rel.Name, rel.Stack)
			continue
		}
		fmt.Fprintf(tw, "%s/%s\t%s\t%d\t%s\t%s\t%s\n", rel.Namespace, rel.Name, rel.Stack, rel.Revision, rel.Status, rel.Chart, rel.ChartVersion)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "MESH DEPLOYMENT\tISTIO REVISION\tDESIRED\tUPDATED\tREADY")
	for _, m := range r.Mesh {
		rev := m.Revision
		if rev == "" {
			rev = "-"
		}
		fmt.Fprintf(tw, "%s/%s\t%s\t%s\n", m.Namespace, m.Name, rev, replicas(m))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, a := range r.Apps {
		if len(a.Metrics) == 0 && a.MetricsError == "" {
			continue
		}
		fmt.Fprintf(w, "\nIstio metrics of %s (promotion gate's queries):\n", a.Name)
		if a.MetricsError != "" {
			fmt.Fprintf(w, "  none: %s\n", a.MetricsError)
			continue
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  COLOUR\tWORKLOAD\tWINDOW\tREQUESTS\tSUCCESS %\tP99 MS")
		for _, f := range a.Metrics {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", f.Colour, f.Workload, f.Window, figure(f.Requests, "%.0f"), figure(f.SuccessRate, "%.2f"), figure(f.P99Ms, "%.1f"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	if len(r.Drift) == 0 {
		fmt.Fprintln(w, "No drift: every object and release the environment deploys is live as deployed.")
	} else {
		fmt.Fprintf(w, "Drift (%d):\n", len(r.Drift))
		for _, d := range r.Drift {
			fmt.Fprintln(w, "  "+d.String())
		}
	}
	for _, p := range r.Problems {
		fmt.Fprintln(w, "  "+p)
	}
	for _, n := range r.NotCompared {
		fmt.Fprintf(w, "Not compared: release %s: %s\n", n.Release, n.Reason)
	}
	return nil
}

func replicas(w status.Workload) string {
	if !w.Found {
		return "<missing>\t-\t-"
	}
	return fmt.Sprintf("%d\t%d\t%d", w.Desired, w.Updated, w.Ready)
}

func weightsText(ws []status.Weight) string {
	var parts []string
	for _, w := range ws {
		parts = append(parts, fmt.Sprintf("%s %d", w.Destination, w.Weight))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func figure(v *float64, format string) string {
	if v == nil {
		return "no data"
	}
	return fmt.Sprintf(format, *v)
}
