package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/gate"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// GateTimeout bounds the gate's queries to Prometheus together.
const GateTimeout = 10 * time.Second

// gateOptions are promote's flags for the promotion gate.
type gateOptions struct {
	requireHealthy bool
	prometheus     string
	explain        bool
	evidence       string
	// gate holds the threshold flags that were given, over the
	// environment's promotion.gate.
	gate config.Gate
}

// parseGateFlags takes promote's gate flags out of args, wherever they
// stand, and returns the other (positional) arguments.
func parseGateFlags(args []string) ([]string, gateOptions, error) {
	var o gateOptions
	fs := flag.NewFlagSet("promote", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&o.requireHealthy, "require-healthy", false, "query Prometheus and refuse unless the colour is healthy")
	fs.StringVar(&o.prometheus, "prometheus", "", "Prometheus URL")
	fs.BoolVar(&o.explain, "explain", false, "print the PromQL the gate sends")
	fs.StringVar(&o.evidence, "evidence", "", "write the evidence table as Markdown to this file")
	window := fs.String("window", "", "promotion.gate.window")
	minRequests := fs.Int("min-requests", 0, "promotion.gate.minRequests")
	minSuccess := fs.Float64("min-success-rate", 0, "promotion.gate.minSuccessRate")
	maxP99 := fs.Float64("max-p99-ms", 0, "promotion.gate.maxP99Ms")
	var positional []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			return nil, o, fmt.Errorf("promote: %w (gate flags: --require-healthy, --prometheus URL, --explain, --evidence FILE, --window, --min-requests, --min-success-rate, --max-p99-ms)", err)
		}
		if rest = fs.Args(); len(rest) == 0 {
			break
		}
		positional, rest = append(positional, rest[0]), rest[1:]
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "window":
			o.gate.Window = *window
		case "min-requests":
			o.gate.MinRequests = minRequests
		case "min-success-rate":
			o.gate.MinSuccessRate = minSuccess
		case "max-p99-ms":
			o.gate.MaxP99Ms = maxP99
		}
	})
	return positional, o, nil
}

// thresholdFlagsGiven reports whether any threshold flag was given.
func (o gateOptions) thresholdFlagsGiven() bool {
	g := o.gate
	return g.Window != "" || g.MinRequests != nil || g.MinSuccessRate != nil || g.MaxP99Ms != nil
}

// check is the promotion gate: when the promote is gated (--require-healthy
// or promotion.gate.requireHealthy), it queries Prometheus for colour (the
// candidate) and live (the baseline) of app, prints the evidence table, and
// returns an error unless the candidate is healthy. It writes nothing but
// the --evidence file.
func (o gateOptions) check(stdout io.Writer, env config.Environment, app config.App, colour, live string) error {
	// The app's own promotion block, field by field over the
	// environment's, then the flags over both.
	p := env.PromotionOf(app.Promotion).Override(config.Promotion{Gate: o.gate})
	gated := o.requireHealthy || *p.Gate.RequireHealthy
	if !gated {
		if o.prometheus != "" || o.evidence != "" || o.explain || o.thresholdFlagsGiven() {
			return fmt.Errorf("promote %s: --prometheus, --explain, --evidence and the threshold flags belong to a gated promotion: add --require-healthy (or set context.environments[%s].promotion.gate.requireHealthy); nothing written", env.Name, env.Name)
		}
		return nil
	}
	fld := field.NewPath("context", "environments").Key(env.Name).Child("promotion", "gate")
	if errs := p.Gate.ValidateAt(fld); len(errs) > 0 {
		return fmt.Errorf("promote %s: the gate's thresholds (flags over %s): %w; nothing written", env.Name, fld, errs.ToAggregate())
	}
	url, from := p.ResolvePrometheusURL(o.prometheus)
	if url == "" {
		return fmt.Errorf("promote %s: a gated promotion needs Prometheus and none is set: pass --prometheus URL, set $%s, or set context.environments[%s].promotion.prometheus.url; nothing written", env.Name, config.PrometheusURLVariable, env.Name)
	}
	if errs := config.ValidatePrometheusURL(field.NewPath(from), url); len(errs) > 0 {
		return fmt.Errorf("promote %s: %w; nothing written", env.Name, errs.ToAggregate())
	}
	r := gateRequest(app, colour, live, p.Gate)
	q, err := gate.QueriesFor(r)
	if err != nil {
		return fmt.Errorf("promote %s: %w; nothing written", env.Name, err)
	}
	if o.explain {
		fmt.Fprintf(stdout, "Gate queries (Prometheus %s, from %s), evaluated now over the last %s:\n  requests:     %s\n  success %%:    %s\n  p99 ms:       %s\n\n",
			url, from, r.Window, q.Requests, q.SuccessRate, q.P99)
	}
	api, err := gate.Client(url)
	if err != nil {
		return fmt.Errorf("promote %s: %w; nothing written", env.Name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), GateTimeout)
	defer cancel()
	ev, err := gate.Evaluate(ctx, api, r, time.Now())
	if err != nil && !gate.IsRefusal(err) {
		return fmt.Errorf("promote %s: cannot judge %s, so it is not promoted: %w (Prometheus from %s); nothing written", env.Name, colour, err, from)
	}
	fmt.Fprintf(stdout, "Evidence for %s in %s (%s/%s, last %s, Prometheus %s from %s):\n%s\n", colour, env.Name, r.Namespace, r.Service, r.Window, url, from, ev.Table())
	if o.evidence != "" {
		if werr := writeAtomically(o.evidence, []byte(ev.Markdown())); werr != nil {
			return fmt.Errorf("promote %s: --evidence %s: %w; nothing written", env.Name, o.evidence, werr)
		}
		fmt.Fprintf(stdout, "Evidence written to %s.\n", o.evidence)
	}
	if err != nil {
		return fmt.Errorf("promote %s: %w; nothing written", env.Name, err)
	}
	return nil
}

// gateRequest is what the gate measures for app: its namespace and
// Service, colour's Deployment ("<app>-<release>") as the candidate and
// live's as the baseline.
func gateRequest(app config.App, colour, live string, g config.Gate) gate.Request {
	a := app.App
	workload := func(c string) string {
		if r, ok := a.Releases[c]; ok {
			return a.Name + "-" + r.Name
		}
		return ""
	}
	return gate.Request{
		Namespace:  a.Namespace,
		Service:    a.Name,
		Candidate:  gate.Subject{Colour: colour, Workload: workload(colour)},
		Baseline:   gate.Subject{Colour: live, Workload: workload(live)},
		Window:     g.Window,
		Thresholds: gate.Thresholds{MinRequests: *g.MinRequests, MinSuccessRate: *g.MinSuccessRate, MaxP99Ms: *g.MaxP99Ms},
		Hint:       trafficHint(app, colour),
	}
}

// trafficHint says how to send colour some traffic before it is live:
// the app's cookie or version path when it has them, or a canary weight.
func trafficHint(app config.App, colour string) string {
	r := app.Routing
	var ways []string
	if v, ok := r.Cookie.Values[colour]; ok && r.Cookie.Name != "" {
		ways = append(ways, fmt.Sprintf("send requests with the cookie %s=%s", r.Cookie.Name, v))
	}
	if v, ok := r.Header.Values[colour]; ok && r.Header.Name != "" {
		ways = append(ways, fmt.Sprintf("with the header %s: %s", r.Header.Name, v))
	}
	if p, ok := r.VersionPaths[colour]; ok {
		ways = append(ways, fmt.Sprintf("to the path %s/", p))
	}
	ways = append(ways, fmt.Sprintf("or give %s a canary weight (%s.candidateWeight, then deploy)", colour, app.RoutingField))
	return strings.Join(ways, ", ")
}

// writeAtomically writes data to path through a temporary file in the same
// folder, renamed over it, so path holds the old content or the new.
func writeAtomically(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	werr = errors.Join(werr, tmp.Sync(), tmp.Chmod(0o644), tmp.Close())
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
	}
	return werr
}
