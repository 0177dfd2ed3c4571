package moto

import "testing"

// SetBeforeStart makes f run before each moto_server start, with the
// attempt (from 1) and the port it was given, until t ends. Only for
// tests that are not parallel.
func SetBeforeStart(t testing.TB, f func(attempt, port int)) {
	beforeStart = f
	t.Cleanup(func() { beforeStart = nil })
}
