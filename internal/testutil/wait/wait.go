// Package wait is the suite's one deadline policy: every test and test
// harness that waits for an event (a process ready, an object stored,
// istiod having read an edit, the routes it pushes) waits through it.
//
// The policy: a wait ends as soon as its condition holds, so a generous
// deadline costs nothing on a fast machine. The deadline is Default (or
// the one a call gives), multiplied by $BLUEGREEN_TEST_TIMEOUT_SCALE (a
// positive number; default 1) for slow or loaded machines. On expiry the
// test fails with what was awaited, what was last seen, how long it
// waited, and the end of the log of the process that should have made the
// event happen.
//
// A wait ends at the event itself where something announces it: ForWatch
// watches Kubernetes API objects, UntilStream reads a stream (istiod's xDS
// pushes). For and Until evaluate a condition every 100 ms, for events
// nothing announces (a process's readiness endpoint, a file, istiod's
// debug endpoint); each such use says why in a comment.
//
// A wait never stands in for an event: there is no sleep here that a test
// could use to let "enough time" pass.
package wait

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ScaleVariable names the environment variable that multiplies every
// deadline (such as 2, or 0.5). Default: 1.
const ScaleVariable = "BLUEGREEN_TEST_TIMEOUT_SCALE"

// Default is the unscaled deadline of a wait. Every event the suite awaits
// takes seconds on an idle 2-core machine and under a minute with both
// cores busy (make stress); Default leaves room above that.
const Default = 3 * time.Minute

// interval is how often a condition is evaluated again while it does not
// hold.
const interval = 100 * time.Millisecond

var scale = sync.OnceValues(func() (float64, error) {
	v := os.Getenv(ScaleVariable)
	if v == "" {
		return 1, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f > 0) {
		return 1, fmt.Errorf("$%s=%q: want a positive number such as 2", ScaleVariable, v)
	}
	return f, nil
})

// Scale returns the factor of $BLUEGREEN_TEST_TIMEOUT_SCALE, or an error
// naming the variable and its value when it is not a positive number.
func Scale() (float64, error) { return scale() }

// Timeout returns d under the policy: d times the scale. A malformed scale
// counts as 1 here; Context and For fail the test on it.
func Timeout(d time.Duration) time.Duration {
	f, _ := scale()
	return time.Duration(float64(d) * f)
}

// Context returns a context that ends at the policy's deadline for d (0:
// Default), for code under test that takes a context (starting a process,
// a wait of its own); it is cancelled when the test ends.
func Context(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	if _, err := scale(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout(or(d)))
	t.Cleanup(cancel)
	return ctx
}

// Options tune one wait.
type Options struct {
	// Timeout is the unscaled deadline. Default: Default.
	Timeout time.Duration
	// Log names the process whose log can explain a missed event and
	// returns the end of that log, printed on expiry. Default: none.
	Log func() (name, tail string)
}

// Cond reports whether the awaited event has happened; seen describes what
// it found instead (printed on expiry) and err is a failure that waiting
// cannot cure (it ends the wait at once).
type Cond func() (done bool, seen string, err error)

// For evaluates cond until it reports done, and fails the test when cond
// returns an error or the deadline passes. what names the event, as in
// "istiod has read HTTPRoute qa/echo at generation 3".
func For(t testing.TB, what string, o Options, cond Cond) {
	t.Helper()
	if err := Until(context.Background(), what, o, cond); err != nil {
		t.Fatal(err)
	}
}

// Until is For for code that returns an error instead of failing a test:
// it evaluates cond until it reports done, cond fails, ctx ends or the
// policy's deadline passes; the error says what was awaited, what was
// last seen, how long it waited and, with o.Log, the end of the log.
func Until(ctx context.Context, what string, o Options, cond Cond) error {
	return UntilStream(ctx, what, o, func(ctx context.Context, seen func(string)) error {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			done, s, err := cond()
			seen(s)
			if err != nil || done {
				return err
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-tick.C:
			}
		}
	})
}

// Expired is the error of a wait that reached its deadline, for a wait
// that cannot be written as a Cond (such as one that reads a stream).
func Expired(what, seen string, waited, limit time.Duration, f float64, o Options) error {
	if seen == "" {
		seen = "nothing"
	}
	return fmt.Errorf("gave up waiting for %s after %s (deadline %s: %s scaled by $%s=%g); last seen: %s%s",
		what, waited.Round(time.Millisecond), limit, or(o.Timeout), ScaleVariable, f, seen, logOf(o))
}

func logOf(o Options) string {
	if o.Log == nil {
		return ""
	}
	name, tail := o.Log()
	if strings.TrimSpace(tail) == "" {
		return "; " + name + "'s log is empty"
	}
	return "\nend of " + name + "'s log:\n" + tail
}

func or(d time.Duration) time.Duration {
	if d <= 0 {
		return Default
	}
	return d
}

// UntilStream waits, under the policy, for an event a stream reports (an
// xDS push, say), for a wait that cannot be written as a Cond: run reads
// the stream with ctx, which ends at the policy's deadline, reports what
// it finds through seen, and returns nil once the event has come. When
// ctx ends first, the error is Until's (what was awaited, last seen, how
// long, the log); when run fails, the error wraps run's.
func UntilStream(ctx context.Context, what string, o Options, run func(ctx context.Context, seen func(string)) error) error {
	f, err := scale()
	if err != nil {
		return err
	}
	limit := time.Duration(float64(or(o.Timeout)) * f)
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	last := ""
	err = run(ctx, func(s string) {
		if s != "" {
			last = s
		}
	})
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return Expired(what, last, time.Since(start), limit, f, o)
	default:
		return fmt.Errorf("waiting for %s: %w%s", what, err, logOf(o))
	}
}
