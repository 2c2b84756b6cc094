//go:build e2e

package e2etest

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/testkit"
)

// Process is a started command in its own process group.
type Process struct {
	Name string
	Cmd  *exec.Cmd
	Log  *testkit.LogBuffer // the command's stdout and stderr

	done    chan struct{} // closed when the process has exited
	err     error         // the exit error, once done is closed
	stopped atomic.Bool   // Stop or Kill has ended the group
}

// Command is exec.Command(bin, args...) with the environment CleanEnv()
// plus env.
func Command(bin string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(CleanEnv(), env...)
	return cmd
}

// Start starts cmd in a new process group, its output going to p.Log (and
// to stderr too if SESAME_E2E_STREAM is set). A cleanup stops the group
// (see Stop) and, if the test failed, prints the output.
func Start(t testing.TB, name string, cmd *exec.Cmd) *Process {
	t.Helper()
	p := start(t, name, cmd, &testkit.LogBuffer{})
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("---- output of %s (%s) ----\n%s\n---- end of %s ----", name, strings.Join(cmd.Args, " "), p.Log.String(), name)
		}
	})
	return p
}

// StartWithLog is Start with the output appended to log, which the caller
// reports (e.g. one log across restarts); the cleanup only stops the group.
func StartWithLog(t testing.TB, name string, cmd *exec.Cmd, log *testkit.LogBuffer) *Process {
	t.Helper()
	p := start(t, name, cmd, log)
	t.Cleanup(p.Stop)
	return p
}

func start(t testing.TB, name string, cmd *exec.Cmd, log *testkit.LogBuffer) *Process {
	t.Helper()
	p := &Process{Name: name, Cmd: cmd, Log: log, done: make(chan struct{})}
	if os.Getenv("SESAME_E2E_STREAM") != "" {
		cmd.Stdout = io.MultiWriter(log, os.Stderr)
	} else {
		cmd.Stdout = log
	}
	cmd.Stderr = cmd.Stdout
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p
}

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Err is the exit error once the process has exited.
func (p *Process) Err() error {
	if !p.Exited() {
		return nil
	}
	return p.err
}

// Stop ends the process group: SIGTERM, then SIGKILL to whatever is left
// in the group after 5 seconds (or at once if the leader has exited, e.g.
// npx's node children).
// A stopped or killed process is not signalled again (its pid may be
// reused).
func (p *Process) Stop() {
	if p.stopped.Swap(true) {
		return
	}
	pgid := p.Cmd.Process.Pid // Setpgid: the group id is the leader's pid
	if !p.Exited() {
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			fmt.Fprintf(p.Log, "[e2e] %s did not exit within 5s of SIGTERM; sending SIGKILL\n", p.Name)
		}
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
}

// Kill sends SIGKILL to the process group and waits for the exit.
func (p *Process) Kill() {
	if !p.Exited() && !p.stopped.Swap(true) {
		_ = syscall.Kill(-p.Cmd.Process.Pid, syscall.SIGKILL)
	}
	<-p.done
}

// WaitHTTP polls url until it answers 200 (redirects are not followed). It
// fails the test if the process exits first or timeout passes.
func (p *Process) WaitHTTP(t testing.TB, url string, timeout time.Duration) {
	t.Helper()
	if ok, last := p.pollHTTP(url, timeout); !ok {
		if p.Exited() {
			t.Fatalf("%s exited before %s answered: %v", p.Name, url, p.err)
		}
		t.Fatalf("%s: %s did not answer 200 within %s (last: %s)", p.Name, url, timeout, last)
	}
}

// pollHTTP reports whether url answered 200 before the process exited and
// timeout passed; last describes the last answer.
func (p *Process) pollHTTP(url string, timeout time.Duration) (ok bool, last string) {
	client := &http.Client{
		Timeout:       2 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if p.Exited() {
			return false, "exited"
		}
		resp, err := client.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true, resp.Status
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false, last
}
