// Package prometheus starts a real Prometheus server (Debian's package,
// unpacked by `make prometheus` into the cache) for a test: on a free
// loopback port, with a configuration the test gives, stopped by its PID
// when the test ends. Tests wait for what they need through it (readiness,
// samples) by asking Prometheus, never by sleeping.
package prometheus

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/bluegreen-mesh/bluegreen/internal/gate"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/wait"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/controlplane"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/ports"
)

// RequiredVariable names the environment variable that make test sets:
// with it, a missing binary fails the test instead of skipping it.
const RequiredVariable = "BLUEGREEN_PROMETHEUS_REQUIRED"

// Binary returns the prometheus binary `make prometheus` unpacked into the
// cache (the newest prometheus-<version> folder). When there is none the
// test fails under $BLUEGREEN_PROMETHEUS_REQUIRED and is skipped with the
// reason otherwise.
func Binary(t testing.TB) string {
	t.Helper()
	cache, err := controlplane.CacheDir()
	if err == nil {
		found, _ := filepath.Glob(filepath.Join(cache, "prometheus-*", "prometheus"))
		slices.Sort(found)
		for i := len(found) - 1; i >= 0; i-- {
			if _, err := exec.LookPath(found[i]); err == nil {
				return found[i]
			}
		}
		err = fmt.Errorf("no prometheus binary in %s: run `make prometheus` in the bluegreen checkout", filepath.Join(cache, "prometheus-<version>"))
	}
	if os.Getenv(RequiredVariable) != "" {
		t.Fatal(err)
	}
	t.Skipf("SKIPPED, no Prometheus: %v", err)
	return ""
}

// Server is a running Prometheus.
type Server struct {
	// URL is its HTTP API's address, such as http://127.0.0.1:41234.
	URL string
	// API is a client of it.
	API promv1.API

	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

// Start starts Prometheus scraping targets (host:port on loopback) every
// second, with a configuration written into a test folder, waits until it
// answers /-/ready, and stops it when the test ends.
func Start(t testing.TB, targets ...string) *Server {
	t.Helper()
	bin := Binary(t)
	dir := t.TempDir()
	quoted := make([]string, len(targets))
	for i, tg := range targets {
		quoted[i] = fmt.Sprintf("%q", tg)
	}
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: istio-standard-metrics
    scrape_interval: 1s
    scrape_timeout: 900ms
    static_configs:
      - targets: [%s]
`, strings.Join(quoted, ", "))
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	// A port can be taken between the pick and Prometheus's bind; it is
	// started again on another then (ports.Retry).
	attempt := 0
	srv, err := ports.Retry(1, func(ps []int) (*Server, error) {
		attempt++
		return launch(bin, dir, cfgPath, ps[0], attempt)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("end of the prometheus log:\n%s", srv.LogTail(20))
		}
		srv.Stop()
	})
	return srv
}

// launch starts Prometheus on port with its log in dir and waits until it
// answers /-/ready; on an error it has stopped it.
func launch(bin, dir, cfgPath string, port, attempt int) (*Server, error) {
	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), log: filepath.Join(dir, fmt.Sprintf("prometheus-%d.log", attempt)), done: make(chan struct{})}
	logf, err := os.Create(s.log)
	if err != nil {
		return nil, err
	}
	s.cmd = exec.Command(bin,
		"--config.file="+cfgPath,
		"--storage.tsdb.path="+filepath.Join(dir, fmt.Sprintf("data-%d", attempt)),
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port),
		"--web.console.templates="+filepath.Join(dir, "consoles"),
		"--web.console.libraries="+filepath.Join(dir, "console_libraries"),
	)
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	// Its own process group, killed with the test binary too.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	go func() { s.cmd.Wait(); logf.Close(); close(s.done) }()
	if s.API, err = gate.Client(s.URL); err != nil {
		s.Stop()
		return nil, err
	}
	err = wait.Until(context.Background(), "prometheus answers "+s.URL+"/-/ready", wait.Options{Log: s.logOf}, func() (bool, string, error) {
		select {
		case <-s.done:
			return false, "", fmt.Errorf("prometheus exited: %v", s.cmd.ProcessState)
		default:
		}
		resp, err := http.Get(s.URL + "/-/ready")
		if err != nil {
			return false, err.Error(), nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status, nil
	})
	if err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// Stop ends Prometheus (its process group, by PID) and waits for it to
// exit. Calling it again does nothing.
func (s *Server) Stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(wait.Timeout(10 * time.Second)):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
}

// LogTail returns the last n lines of Prometheus's log.
func (s *Server) LogTail(n int) string {
	b, _ := os.ReadFile(s.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func (s *Server) logOf() (string, string) { return "prometheus", s.LogTail(30) }

// WaitFor evaluates the instant query q in Prometheus until every series
// it names in want (by the value of label) is there with a value that ok
// accepts: an event Prometheus reports (the samples a test needs have been
// scraped), not a span of time.
func (s *Server) WaitFor(t testing.TB, what, q, label string, want []string, ok func(float64) bool) {
	t.Helper()
	wait.For(t, what, wait.Options{Log: s.logOf}, func() (bool, string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		v, _, err := s.API.Query(ctx, q, time.Now())
		if err != nil {
			return false, err.Error(), nil
		}
		vec, isVec := v.(model.Vector)
		if !isVec {
			return false, "", fmt.Errorf("query %s answered a %s", q, v.Type())
		}
		got := map[string]float64{}
		for _, smp := range vec {
			got[string(smp.Metric[model.LabelName(label)])] = float64(smp.Value)
		}
		for _, w := range want {
			if x, found := got[w]; !found || !ok(x) {
				return false, fmt.Sprintf("%s: %v", q, got), nil
			}
		}
		return true, "", nil
	})
}
