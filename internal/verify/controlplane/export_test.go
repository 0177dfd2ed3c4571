package controlplane

import "testing"

// SetBeforeStart makes f run before each process the control plane
// starts, with the attempt (from 1) and the ports it was given, until t
// ends. Only for tests that are not parallel.
func SetBeforeStart(t testing.TB, f func(name string, attempt int, ports []int)) {
	beforeStart = f
	t.Cleanup(func() { beforeStart = nil })
}
