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
