// Package moto runs moto_server, the AWS API emulator, for the length of a
// test: on a free port of 127.0.0.1, with AWS managed IAM policies loaded,
// and stopped (with every process it started) when the test ends, failed or
// not.
package moto

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bluegreen-mesh/bluegreen/internal/testutil/wait"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/ports"
)

// Binary is the name of the emulator's command, looked up on the PATH.
const Binary = "moto_server"

// Host is the only address the server listens on.
const Host = "127.0.0.1"

// startTimeout bounds how long Start waits for the server to answer, before
// the suite's scale (package wait) multiplies it: the policy's default, as
// for every other process. moto is ready in under a second on an idle
// machine and in about 15 s at a load of 30, but Python's import of moto
// took over 60 s while the stress run's packages were compiling (the
// shorter deadline was hidden until then by a start retried on any error).
const startTimeout = wait.Default

// stopTimeout is how long Stop waits after SIGTERM before it sends SIGKILL.
const stopTimeout = 10 * time.Second

// RequiredVariable names the environment variable that make test sets:
// with it, a missing moto_server, terraform or provider mirror fails the
// test instead of skipping it (as the control plane tests do with
// BLUEGREEN_CONTROLPLANE_REQUIRED).
const RequiredVariable = "BLUEGREEN_MOTO_REQUIRED"

// Missing reports that a tool the cycle on moto needs is absent: it fails
// t when $BLUEGREEN_MOTO_REQUIRED is set, and skips it otherwise. The
// message says what is missing and how to install it.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv(RequiredVariable) != "" {
		t.Fatalf("%s (required: %s is set, as make test sets it)", msg, RequiredVariable)
	}
	t.Skipf("SKIPPED: %s", msg)
}

// Server is a running moto_server.
type Server struct {
	port    int
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
	// waitErr is cmd.Wait's result, readable once exited is closed.
	waitErr  error
	stopOnce sync.Once
}

// Start runs moto_server on a free port of 127.0.0.1 with
// MOTO_IAM_LOAD_MANAGED_POLICIES=true, waits until it answers on /moto-api/,
// and stops it when t ends. It skips t when moto_server is not on the PATH,
// and fails t when the server does not come up.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath(Binary)
	if err != nil {
		Missing(t, "%s is not on the PATH (%v); install it with pip install 'moto[server]'", Binary, err)
	}
	s, err := startRetrying(bin, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.logOnFailure(t)
		if err := s.Stop(); err != nil {
			t.Errorf("stopping moto_server: %v", err)
		}
	})
	return s
}

// Shared is one moto_server for the tests of a package that run side by
// side (t.Parallel): the first call of Server starts it, and Stop, called
// by the package's TestMain after m.Run, ends it. Its tests keep apart by
// what they create (each an environment name of its own, whose name and
// tags mark everything it makes), never by a Reset, which would wipe the
// others' resources. The zero value is ready to use.
type Shared struct {
	mu  sync.Mutex
	s   *Server
	err error
	dir string
}

// Server returns the shared server, starting it on the first call. It
// skips or fails t as Start does; on t's failure it logs the end of the
// server's log.
func (sh *Shared) Server(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath(Binary)
	if err != nil {
		Missing(t, "%s is not on the PATH (%v); install it with pip install 'moto[server]'", Binary, err)
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.s == nil && sh.err == nil {
		if sh.dir, sh.err = os.MkdirTemp("", "bluegreen-moto-"); sh.err == nil {
			sh.s, sh.err = startRetrying(bin, sh.dir)
		}
	}
	if sh.err != nil {
		t.Fatal(sh.err)
	}
	s := sh.s
	t.Cleanup(func() { s.logOnFailure(t) })
	return s
}

// Stop stops the server if Server started it, and removes its log. It is
// safe to call more than once.
func (sh *Shared) Stop() error {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	var err error
	if sh.s != nil {
		err = sh.s.Stop()
	}
	if sh.dir != "" {
		os.RemoveAll(sh.dir)
	}
	return err
}

// beforeStart, when set (by this package's tests, which take the port
// there as a client's connection can under load), runs before each
// attempt's server starts, with the port it was given.
var beforeStart func(attempt, port int)

// startRetrying starts the server with its log in logDir, on a port from
// ports.Pick; when the port was taken before moto bound it, it starts
// again on another (ports.Retry).
func startRetrying(bin, logDir string) (*Server, error) {
	attempt := 0
	s, err := ports.Retry(1, func(ps []int) (*Server, error) {
		attempt++
		if beforeStart != nil {
			beforeStart(attempt, ps[0])
		}
		return start(bin, ps[0], filepath.Join(logDir, fmt.Sprintf("moto-%d.log", attempt)))
	})
	if err != nil {
		return nil, fmt.Errorf("moto_server did not start: %w", err)
	}
	return s, nil
}

// logOnFailure logs the end of the server's log when t has failed.
func (s *Server) logOnFailure(t testing.TB) {
	if t.Failed() {
		t.Logf("moto_server log (%s), last lines:\n%s", s.logPath, s.logTail(40))
	}
}

func start(bin string, port int, logPath string) (*Server, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child keeps its own descriptor
	cmd := exec.Command(bin, "-H", Host, "-p", strconv.Itoa(port))
	cmd.Env = append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group: moto_server is often a shim (pyenv) that starts
	// Python, and Stop must end them all.
	// The kernel kills it if the test binary dies first (killed by its
	// -timeout, before a TestMain could stop a Shared server).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	s := &Server{port: port, cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(); err != nil {
		s.Stop()
		return nil, fmt.Errorf("port %d: %w", port, err)
	}
	return s, nil
}

// waitReady waits, under the suite's deadline policy (package wait), until
// the server answers, and gives up at once when it exits.
func (s *Server) waitReady() error {
	client := &http.Client{Timeout: 2 * time.Second}
	return wait.Until(context.Background(), "moto_server to answer GET /moto-api/", wait.Options{
		Timeout: startTimeout,
		Log:     func() (string, string) { return "moto_server", s.logTail(20) },
	}, func() (bool, string, error) {
		select {
		case <-s.exited:
			return false, "", fmt.Errorf("moto_server exited before it answered: %v", s.waitErr)
		default:
		}
		resp, err := client.Get(s.URL() + "/moto-api/")
		if err != nil {
			return false, err.Error(), nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, "GET /moto-api/: " + resp.Status, nil
	})
}

// URL is the server's base URL, such as "http://127.0.0.1:41234".
func (s *Server) URL() string {
	return "http://" + net.JoinHostPort(Host, strconv.Itoa(s.port))
}

// Port is the TCP port the server listens on.
func (s *Server) Port() int { return s.port }

// PID is the process ID of moto_server (the leader of its process group).
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Reset wipes every resource the server holds (POST /moto-api/reset), so
// the next test starts from an empty account. It fails t on an error.
func (s *Server) Reset(t testing.TB) {
	t.Helper()
	resp, err := http.Post(s.URL()+"/moto-api/reset", "application/json", nil)
	if err != nil {
		t.Fatalf("resetting moto: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		t.Fatalf("resetting moto: got %s, want 200 OK: %s", resp.Status, body)
	}
}

// Stop ends moto_server and every process of its group: SIGTERM, then
// SIGKILL if the group leader has not exited after a while. It is safe to
// call more than once; Start's cleanup calls it.
func (s *Server) Stop() error {
	var err error
	s.stopOnce.Do(func() {
		pgid := s.cmd.Process.Pid
		if e := syscall.Kill(-pgid, syscall.SIGTERM); e != nil && !errors.Is(e, syscall.ESRCH) {
			err = fmt.Errorf("SIGTERM to process group %d: %w", pgid, e)
		}
		select {
		case <-s.exited:
		case <-time.After(stopTimeout):
			if e := syscall.Kill(-pgid, syscall.SIGKILL); e != nil && !errors.Is(e, syscall.ESRCH) {
				err = fmt.Errorf("SIGKILL to process group %d: %w", pgid, e)
			}
			<-s.exited
		}
		// Python may leave a child behind in the group; make sure none stays.
		if e := syscall.Kill(-pgid, syscall.SIGKILL); e != nil && !errors.Is(e, syscall.ESRCH) && err == nil {
			err = fmt.Errorf("SIGKILL to process group %d: %w", pgid, e)
		}
	})
	return err
}

// logTail returns the last n lines of the server's log.
func (s *Server) logTail(n int) string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.TrimSpace(string(bytes.Join(lines, []byte("\n"))))
}
