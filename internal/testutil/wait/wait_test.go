package wait_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/bluegreen-mesh/bluegreen/internal/testutil/wait"
)

// TestUntilSaysWhatItAwaited lets a wait expire and wants its error to
// name the event, what was last seen, the deadline and the scale, and the
// end of the log it was given.
func TestUntilSaysWhatItAwaited(t *testing.T) {
	n := 0
	err := wait.Until(context.Background(), "the answer", wait.Options{
		Timeout: time.Millisecond,
		Log:     func() (string, string) { return "oracle", "line 1\nline 2" },
	}, func() (bool, string, error) {
		n++
		return false, "attempt " + string(rune('0'+min(n, 9))), nil
	})
	if err == nil {
		t.Fatal("no error from a condition that never holds")
	}
	for _, want := range []string{"gave up waiting for the answer after", "deadline 1ms", "$" + wait.ScaleVariable + "=1", "last seen: attempt", "end of oracle's log:\nline 1\nline 2"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

// TestUntilEndsAtTheEvent wants a wait to return as soon as its condition
// holds, and at once with a condition's error.
func TestUntilEndsAtTheEvent(t *testing.T) {
	n := 0
	if err := wait.Until(context.Background(), "the third call", wait.Options{}, func() (bool, string, error) {
		n++
		return n == 3, "", nil
	}); err != nil || n != 3 {
		t.Errorf("got %v after %d calls; want nil after 3", err, n)
	}
	broken := errors.New("broken")
	err := wait.Until(context.Background(), "nothing", wait.Options{}, func() (bool, string, error) { return false, "", broken })
	if !errors.Is(err, broken) || !strings.Contains(err.Error(), "waiting for nothing: broken") {
		t.Errorf("got %v; want the condition's error, named", err)
	}
}

// TestTimeoutScales runs this test binary again with the scale set (it is
// read once per process) and wants Timeout multiplied, and a malformed
// scale refused with the variable named.
func TestTimeoutScales(t *testing.T) {
	if os.Getenv("WAIT_TEST_CHILD") != "" {
		f, err := wait.Scale()
		fmt.Printf("scale=%v timeout=%s err=%v\n", f, wait.Timeout(time.Minute), err)
		return
	}
	for _, tc := range []struct{ value, want string }{
		{"", "scale=1 timeout=1m0s err=<nil>"},
		{"2.5", "scale=2.5 timeout=2m30s err=<nil>"},
		{"-1", "scale=1 timeout=1m0s err=$" + wait.ScaleVariable + `="-1": want a positive number such as 2`},
		{"slow", "scale=1 timeout=1m0s err=$" + wait.ScaleVariable + `="slow": want a positive number such as 2`},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestTimeoutScales$")
		cmd.Env = append(os.Environ(), "WAIT_TEST_CHILD=1", wait.ScaleVariable+"="+tc.value)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s=%q: %v\n%s", wait.ScaleVariable, tc.value, err, out)
		}
		if !strings.Contains(string(out), tc.want+"\n") {
			t.Errorf("%s=%q: got %q; want %q", wait.ScaleVariable, tc.value, out, tc.want)
		}
	}
}

// TestUntilWatchEndsAtTheEvent watches a stream of events (apimachinery's
// watch.FakeWatcher behind a ListWatch) and wants the wait to end at the
// event that makes its condition hold, and to expire, saying what it saw
// last, when no such event comes.
func TestUntilWatchEndsAtTheEvent(t *testing.T) {
	lw := func(w *watch.FakeWatcher, initial ...corev1.Namespace) cache.ListerWatcher {
		return listOnly{&cache.ListWatch{
			ListWithContextFunc: func(context.Context, metav1.ListOptions) (runtime.Object, error) {
				return &corev1.NamespaceList{ListMeta: metav1.ListMeta{ResourceVersion: "1"}, Items: initial}, nil
			},
			WatchFuncWithContext: func(context.Context, metav1.ListOptions) (watch.Interface, error) { return w, nil },
		}}
	}
	ns := func(name, rv string) *corev1.Namespace {
		return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, ResourceVersion: rv}}
	}
	gone := func(objs []*corev1.Namespace) (bool, string, error) {
		return len(objs) == 0, fmt.Sprintf("%d namespaces", len(objs)), nil
	}

	w := watch.NewFake()
	go w.Delete(ns("doomed", "2"))
	if err := wait.UntilWatch(context.Background(), "doomed gone", wait.Options{}, lw(w, *ns("doomed", "1")), gone); err != nil {
		t.Errorf("got %v; want the wait to end at the deletion", err)
	}

	err := wait.UntilWatch(context.Background(), "doomed gone", wait.Options{Timeout: time.Second},
		lw(watch.NewFake(), *ns("doomed", "1")), gone)
	if err == nil || !strings.Contains(err.Error(), "gave up waiting for doomed gone") || !strings.Contains(err.Error(), "last seen: 1 namespaces") {
		t.Errorf("got %v; want an expired wait that last saw 1 namespace", err)
	}
}

// listOnly is a ListWatch whose list is a plain list: the fake watch sends
// no initial events (client-go's reflector otherwise lists through the
// watch, as the API server allows).
type listOnly struct{ *cache.ListWatch }

func (listOnly) IsWatchListSemanticsUnSupported() bool { return true }

// TestUntilStreamSaysWhatItSawLast lets a stream reader run past its
// deadline and wants the expiry to name what it reported last; a reader
// that finds the event ends the wait with no error, and one that fails
// has its error wrapped.
func TestUntilStreamSaysWhatItSawLast(t *testing.T) {
	err := wait.UntilStream(context.Background(), "a push", wait.Options{Timeout: 10 * time.Millisecond}, func(ctx context.Context, seen func(string)) error {
		seen("version 1")
		<-ctx.Done()
		return ctx.Err()
	})
	if err == nil || !strings.Contains(err.Error(), "gave up waiting for a push") || !strings.Contains(err.Error(), "last seen: version 1") {
		t.Errorf("got %v; want an expiry that last saw version 1", err)
	}
	if err := wait.UntilStream(context.Background(), "a push", wait.Options{}, func(context.Context, func(string)) error { return nil }); err != nil {
		t.Errorf("got %v; want nil once the reader found the event", err)
	}
	broken := errors.New("stream reset")
	if err := wait.UntilStream(context.Background(), "a push", wait.Options{}, func(context.Context, func(string)) error { return broken }); !errors.Is(err, broken) {
		t.Errorf("got %v; want the reader's error", err)
	}
}
