package moto_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/verify/moto"
)

// listBuckets returns moto's S3 ListBuckets answer. moto accepts unsigned
// requests, and takes one without an Authorization header to be S3.
func listBuckets(t *testing.T, s *moto.Server) string {
	t.Helper()
	resp, err := http.Get(s.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestStartResetStop(t *testing.T) {
	s := moto.Start(t)
	if got, want := s.URL(), "http://127.0.0.1:"; !strings.HasPrefix(got, want) {
		t.Errorf("URL: got %q, want it to start with %q", got, want)
	}

	req, err := http.NewRequest(http.MethodPut, s.URL()+"/probe-bucket", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("creating a bucket: got %s, want 200 OK", resp.Status)
	}
	if got := listBuckets(t, s); !strings.Contains(got, "<Name>probe-bucket</Name>") {
		t.Fatalf("after creating probe-bucket, ListBuckets: got %s, want it listed", got)
	}

	s.Reset(t)
	if got := listBuckets(t, s); strings.Contains(got, "probe-bucket") {
		t.Errorf("after Reset, ListBuckets: got %s, want no buckets", got)
	}

	pid := s.PID()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("after Stop, signal 0 to process group %d: got %v, want ESRCH (no process left)", pid, err)
	}
	if _, err := http.Get(s.URL() + "/moto-api/"); err == nil {
		t.Errorf("after Stop, %s still answers", s.URL())
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop: got %v, want nil", err)
	}
}

// TestMissingFailsWhenRequired runs this test binary again with an empty
// PATH, so moto_server cannot be found, once with and once without
// BLUEGREEN_MOTO_REQUIRED: Start must fail the test in the first case and
// skip it in the second, each time saying how to install moto.
func TestMissingFailsWhenRequired(t *testing.T) {
	if os.Getenv("MOTO_TEST_CHILD") != "" {
		moto.Start(t)
		t.Fatal("Start returned although moto_server cannot be on an empty PATH")
	}
	for _, tc := range []struct {
		name     string
		required string
		wantFail bool
		want     string
	}{
		{"required", "1", true, "--- FAIL: TestMissingFailsWhenRequired"},
		{"not-required", "", false, "--- SKIP: TestMissingFailsWhenRequired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run", "^TestMissingFailsWhenRequired$", "-test.v")
			cmd.Env = []string{"PATH=", "MOTO_TEST_CHILD=1", moto.RequiredVariable + "=" + tc.required, "HOME=" + t.TempDir()}
			out, err := cmd.CombinedOutput()
			if failed := err != nil; failed != tc.wantFail {
				t.Errorf("child failed: got %v (%v), want %v; output:\n%s", failed, err, tc.wantFail, out)
			}
			for _, want := range []string{tc.want, "pip install 'moto[server]'"} {
				if !strings.Contains(string(out), want) {
					t.Errorf("child output: got\n%s\nwant it to contain %q", out, want)
				}
			}
		})
	}
}

// TestSharedStartsOnceAndStops wants a Shared server started by the
// first Server call only, the same one (answering) for every later call,
// and gone, with its process group, after Stop.
func TestSharedStartsOnceAndStops(t *testing.T) {
	var sh moto.Shared
	first := sh.Server(t)
	t.Run("second-user", func(t *testing.T) {
		if got := sh.Server(t); got.PID() != first.PID() || got.URL() != first.URL() {
			t.Errorf("second Server: got pid %d at %s, want the first one's, pid %d at %s", got.PID(), got.URL(), first.PID(), first.URL())
		}
		if got := listBuckets(t, first); !strings.Contains(got, "ListAllMyBucketsResult") {
			t.Errorf("ListBuckets on the shared server: got %s, want an answer", got)
		}
	})
	if err := sh.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(-first.PID(), 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("after Stop, signal 0 to process group %d: got %v, want ESRCH (no process left)", first.PID(), err)
	}
	if err := sh.Stop(); err != nil {
		t.Errorf("second Stop: got %v, want nil", err)
	}
}

// TestStartsAgainWhenThePortIsTaken takes the port picked for moto_server
// after the pick and before moto binds it, as a client's connection or
// another test binary can under load. moto must fail to bind (it is
// started again only when its log says the address was in use) and serve
// on a second port.
func TestStartsAgainWhenThePortIsTaken(t *testing.T) {
	var given []int
	moto.SetBeforeStart(t, func(attempt, port int) {
		given = append(given, port)
		if attempt != 1 {
			return
		}
		l, err := net.Listen("tcp", net.JoinHostPort(moto.Host, strconv.Itoa(port)))
		if err != nil {
			t.Fatalf("taking port %d: %v", port, err)
		}
		t.Cleanup(func() { l.Close() })
	})
	s := moto.Start(t)
	if len(given) != 2 {
		t.Fatalf("moto_server started on ports %v; want a first start on the taken port and a second on another", given)
	}
	if s.Port() != given[1] {
		t.Errorf("the server listens on %d; want the second port %d", s.Port(), given[1])
	}
	if got := listBuckets(t, s); !strings.Contains(got, "ListAllMyBucketsResult") {
		t.Errorf("ListBuckets on the second port: got %s", got)
	}
}
