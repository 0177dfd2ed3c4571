package controlplane

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/bluegreen-mesh/bluegreen/internal/verify/ports"
)

// process is one program the control plane runs, in its own process group,
// its output in a log file.
type process struct {
	name, log string
	cmd       *exec.Cmd
	done      chan struct{}
	err       error
	scanned   int64 // how much of the log bindError has read
}

// start runs bin with args and env in dir, writing its output to log. The
// process gets its own process group (stop signals the whole group) and is
// killed by the kernel if the program that started it dies first, so a test
// binary killed by its timeout leaves nothing running.
func start(name, bin, dir, log string, args, env []string) (*process, error) {
	f, err := os.Create(log)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &process{name: name, log: log, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

// exited reports, without waiting, whether the process has ended and why.
func (p *process) exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// stop sends SIGTERM to the process group, then SIGKILL after grace, and
// waits for the process to end.
func (p *process) stop(grace time.Duration) {
	pgid := -p.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-p.done
	}
	// Anything left in the group (a child the program started) goes too.
	_ = syscall.Kill(pgid, syscall.SIGKILL)
}

// bindError returns the first line of the process's log that says an
// address was in use, or "". It reads only what was written since its
// last call.
func (p *process) bindError() string {
	f, err := os.Open(p.log)
	if err != nil {
		return ""
	}
	defer f.Close()
	// Back a little, so a line split across two reads is seen whole.
	from := max(0, p.scanned-512)
	b, err := io.ReadAll(io.NewSectionReader(f, from, 1<<40))
	if err != nil {
		return ""
	}
	p.scanned = from + int64(len(b))
	for _, line := range strings.Split(string(b), "\n") {
		if ports.BindFailed(errors.New(line)) {
			return strings.TrimSpace(line)
		}
	}
	return ""
}

// tail returns the last n lines of the process's log.
func (p *process) tail(n int) string { return tail(p.log, n) }

// tail returns the last n lines of the file at path.
func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitFor polls ready until it returns nil, the process exits, or ctx ends;
// the error then carries the end of the process's log. ready reads the
// process's readiness endpoint (/readyz, /healthz, /ready): polled, as a
// process announces its readiness only there. An exit ends the wait at
// once.
func (p *process) waitFor(ctx context.Context, what string, ready func() error) error {
	start := time.Now()
	var last error
	for {
		if last = ready(); last == nil {
			return nil
		}
		if done, err := p.exited(); done {
			return fmt.Errorf("%s exited (%v) before %s; end of %s:\n%s", p.name, err, what, p.log, p.tail(30))
		}
		// A program that logs a bind error and keeps running would never
		// be ready; its log ends the wait then. (etcd, the API server,
		// the controller manager and istiod exit on one; istiod binds its
		// gRPC ports only once its caches have synced.)
		if line := p.bindError(); line != "" {
			return fmt.Errorf("%s could not bind an address (%s) before %s; end of %s:\n%s", p.name, line, what, p.log, p.tail(30))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not %s after %s: %w (last: %v); end of %s:\n%s", p.name, what, time.Since(start).Round(time.Millisecond), ctx.Err(), last, p.log, p.tail(30))
		case <-p.done:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func loopback(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// command is a program to run: its binary, working folder, arguments and
// environment (added to this process's).
type command struct {
	bin, dir  string
	args, env []string
}

// beforeStart, when set (by this package's tests, which take a port there
// as a client's connection did under load), runs before each attempt's
// process starts, with the ports it was given.
var beforeStart func(name string, attempt int, ports []int)

// startOnPorts starts a process that listens on n ports (picked by
// ports.Pick; launch builds its command line from them) and waits until
// ready answers. A port can be taken between the pick and the process's
// bind; the process then exits with "address already in use", and it is
// started again on fresh ports (ports.Retry). A failed attempt's log is
// kept beside the log as <name>.attempt-<k>.log.
func (c *ControlPlane) startOnPorts(ctx context.Context, o Options, name string, n int, what string,
	launch func(ports []int) (command, error), ready func(ports []int) error) (*process, []int, error) {
	attempt := 0
	type started struct {
		p     *process
		ports []int
	}
	s, err := ports.Retry(n, func(ps []int) (started, error) {
		attempt++
		if beforeStart != nil {
			beforeStart(name, attempt, ps)
		}
		cmd, err := launch(ps)
		if err != nil {
			return started{}, err
		}
		p, err := c.start(name, cmd.bin, cmd.dir, cmd.args, cmd.env)
		if err != nil {
			return started{}, err
		}
		if err := c.wait(ctx, o, p, what, func() error { return ready(ps) }); err != nil {
			c.drop(p)
			p.stop(stopGrace)
			if ports.BindFailed(err) {
				kept := fmt.Sprintf("%s.attempt-%d.log", strings.TrimSuffix(p.log, ".log"), attempt)
				if os.Rename(p.log, kept) == nil {
					err = fmt.Errorf("%w\n(that log is kept as %s)", err, kept)
				}
			}
			return started{}, err
		}
		return started{p, ps}, nil
	})
	return s.p, s.ports, err
}

// drop removes p from the processes Stop stops.
func (c *ControlPlane) drop(p *process) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	running := slices.Contains(c.procs, p)
	c.procs = slices.DeleteFunc(c.procs, func(q *process) bool { return q == p })
	return running
}
