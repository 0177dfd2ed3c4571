package ports_test

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/verify/ports"
)

func TestPickReturnsDistinctFreePortsBelowTheEphemeralRange(t *testing.T) {
	seen := map[int]bool{}
	for range 20 {
		ps, err := ports.Pick(6)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 6 {
			t.Fatalf("Pick(6) returned %d ports: %v", len(ps), ps)
		}
		for _, p := range ps {
			if p < ports.Lowest || p >= 32768 {
				t.Errorf("port %d: want one in [%d, 32768), below the ephemeral range", p, ports.Lowest)
			}
			if seen[p] {
				t.Errorf("port %d returned twice", p)
			}
			seen[p] = true
			// Free: this process can bind it now.
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
			if err != nil {
				t.Errorf("port %d is not free: %v", p, err)
				continue
			}
			l.Close()
		}
	}
}

// TestRetryStartsAgainWhenThePortWasTaken takes the port before the first
// start binds it, as another program did under load: the start fails with
// the kernel's own error and Retry starts again on new ports.
func TestRetryStartsAgainWhenThePortWasTaken(t *testing.T) {
	var tried [][]int
	l, err := ports.Retry(1, func(ps []int) (net.Listener, error) {
		tried = append(tried, ps)
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ps[0]))
		if len(tried) == 1 {
			thief, err := net.Listen("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer thief.Close()
		}
		return net.Listen("tcp", addr)
	})
	if err != nil {
		t.Fatalf("Retry: %v", err)
	}
	defer l.Close()
	if len(tried) != 2 {
		t.Fatalf("start called %d times (ports %v), want 2", len(tried), tried)
	}
	if tried[0][0] == tried[1][0] {
		t.Errorf("second attempt on the same port %d", tried[0][0])
	}
}

func TestRetryStopsOnOtherErrors(t *testing.T) {
	calls := 0
	_, err := ports.Retry(1, func([]int) (int, error) {
		calls++
		return 0, errors.New("etcd exited: no such file")
	})
	if calls != 1 {
		t.Errorf("start called %d times, want 1", calls)
	}
	if err == nil || err.Error() != "etcd exited: no such file" {
		t.Errorf("got %v; want the start's own error", err)
	}
}

func TestRetryGivesUpAfterAttemptsWithEveryError(t *testing.T) {
	calls := 0
	_, err := ports.Retry(2, func(ps []int) (int, error) {
		calls++
		return 0, errors.New("listen tcp 127.0.0.1:" + strconv.Itoa(ps[0]) + ": bind: address already in use")
	})
	if calls != ports.Attempts {
		t.Errorf("start called %d times, want %d", calls, ports.Attempts)
	}
	if err == nil {
		t.Fatal("no error")
	}
	for i := 1; i <= ports.Attempts; i++ {
		if !strings.Contains(err.Error(), "attempt "+strconv.Itoa(i)+" on ports") {
			t.Errorf("error lacks attempt %d: %v", i, err)
		}
	}
}
