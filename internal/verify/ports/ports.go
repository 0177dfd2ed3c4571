// Package ports picks the TCP ports on 127.0.0.1 that the processes the
// suite starts (etcd, kube-apiserver, the controller manager, istiod,
// moto_server, Prometheus) are told to listen on.
//
// A port has to be chosen before the process starts, as these programs take
// their addresses as flags, and it is free only until someone else binds
// it. The usual trick, listening on port 0 and closing the listener, picks
// from the kernel's ephemeral range, the range every outgoing connection
// takes its local port from; under load (many clients, several test
// binaries side by side) a connection took such a port before the process
// bound it, and istiod failed with "bind: address already in use". Pick
// therefore chooses at random from the ports below the ephemeral range,
// which the kernel never hands out by itself, so only another program
// binding that very port in the short window can take it; Retry starts a
// process again on new ports when that happened.
package ports

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Lowest is the lowest port Pick returns (below it are well-known and
// registered services).
const Lowest = 10000

// ephemeralRange is the Linux file that gives the kernel's ephemeral port
// range, "low high".
const ephemeralRange = "/proc/sys/net/ipv4/ip_local_port_range"

// defaultEphemeralLow is the start of the ephemeral range where the file
// cannot be read (Linux's and IANA's default start is 32768 and 49152).
const defaultEphemeralLow = 32768

var (
	mu     sync.Mutex
	handed = map[int]bool{} // ports this process has handed out
)

// Pick returns n distinct ports on 127.0.0.1, each free when Pick returns
// and chosen at random between Lowest and the start of the kernel's
// ephemeral range. A port Pick has returned once is never returned again
// by this process, so two parallel starts in one test binary never get the
// same port.
func Pick(n int) ([]int, error) {
	lo, hi := Lowest, ephemeralLow()
	if hi-lo < 1000 {
		return nil, fmt.Errorf("ports: the ephemeral range of %s starts at %d, leaving fewer than 1000 ports above %d", ephemeralRange, hi, lo)
	}
	mu.Lock()
	defer mu.Unlock()
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var out []int
	for tries := 0; len(out) < n; tries++ {
		if tries > 100*n {
			return nil, fmt.Errorf("ports: found %d free ports of %d in [%d, %d) after %d tries", len(out), n, lo, hi, tries)
		}
		p := lo + rand.IntN(hi-lo)
		if handed[p] {
			continue
		}
		// Held until every port is picked, so that the n are distinct
		// and free together.
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			continue
		}
		ls = append(ls, l)
		handed[p] = true
		out = append(out, p)
	}
	return out, nil
}

// ephemeralLow returns the first port of the kernel's ephemeral range.
func ephemeralLow() int {
	b, err := os.ReadFile(ephemeralRange)
	if err != nil {
		return defaultEphemeralLow
	}
	f := strings.Fields(string(b))
	if len(f) < 1 {
		return defaultEphemeralLow
	}
	lo, err := strconv.Atoi(f[0])
	if err != nil {
		return defaultEphemeralLow
	}
	return lo
}

// BindFailed reports whether err (which carries the end of the process's
// log, as the harnesses' start errors do) says that the process could not
// bind one of its addresses because something else held it.
func BindFailed(err error) bool {
	// Go and etcd print "address already in use", Python (moto_server)
	// "Address already in use".
	return err != nil && strings.Contains(strings.ToLower(err.Error()), "address already in use")
}

// Attempts is how often Retry starts a process.
const Attempts = 3

// Retry calls start with n fresh ports from Pick until it succeeds, fails
// for another reason than BindFailed, or has failed Attempts times; the
// error then holds every attempt's error.
func Retry[T any](n int, start func(ports []int) (T, error)) (T, error) {
	var zero T
	var errs []error
	for attempt := 1; attempt <= Attempts; attempt++ {
		ps, err := Pick(n)
		if err != nil {
			return zero, err
		}
		v, err := start(ps)
		if err == nil {
			return v, nil
		}
		errs = append(errs, fmt.Errorf("attempt %d on ports %v: %w", attempt, ps, err))
		if !BindFailed(err) {
			break
		}
	}
	if len(errs) == 1 {
		return zero, errors.Unwrap(errs[0])
	}
	return zero, errors.Join(errs...)
}
