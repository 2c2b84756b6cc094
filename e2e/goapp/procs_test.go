//go:build e2e

// Package goapp is the guide's checkpoint for Sesame's Go SDK, end to end and
// as a user runs it: the sesame binary and the example app
// (examples/go-app) are built and started as separate processes, configured
// with the CLI, and driven with a real headless Chromium through chromedp.
//
// Run from the repository root:
//
//	go test -tags e2e -v ./e2e/goapp/
//
// Requirements: the Go toolchain, and Chromium at /usr/bin/chromium
// (apt-get install -y chromium) or its path in SESAME_E2E_CHROMIUM.
package goapp

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
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
)

// bins holds the paths of the binaries that TestMain builds once.
var bins struct {
	sesame, goApp string
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	flag.Parse()
	dir, err := os.MkdirTemp("", "sesame-goapp-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "goapp e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	root, err := repoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "goapp e2e:", err)
		return 1
	}
	bins.sesame = filepath.Join(dir, "sesame")
	bins.goApp = filepath.Join(dir, "go-app")
	start := time.Now()
	for _, b := range []struct{ out, pkg string }{{bins.sesame, "./cmd/sesame"}, {bins.goApp, "./examples/go-app"}} {
		cmd := exec.Command("go", "build", "-o", b.out, b.pkg)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "goapp e2e: go build -o %s %s: %v\n%s", b.out, b.pkg, err, out)
			return 1
		}
	}
	if testing.Verbose() {
		fmt.Printf("goapp e2e: built sesame and go-app in %s\n", time.Since(start).Round(time.Millisecond))
	}
	return m.Run()
}

// repoRoot is the directory of go.work, above this package's directory.
func repoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.work")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.work above %s", wd)
		}
	}
}

// syncBuffer is a goroutine-safe log sink, dumped when a test fails.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// freePort returns a TCP port that was free on 127.0.0.1 a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pick a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// process is a started command in its own process group.
type process struct {
	name string
	cmd  *exec.Cmd
	log  *syncBuffer
	done chan struct{} // closed when the process has exited
	err  error         // the exit error, once done is closed
}

// startProcess starts bin with args and extra environment in its own process
// group. t.Cleanup stops the group (SIGTERM, then SIGKILL after 5s) and, if
// the test failed, prints the process's output.
func startProcess(t testing.TB, name, bin string, env []string, args ...string) *process {
	t.Helper()
	p := &process{name: name, log: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout = p.log
	p.cmd.Stderr = p.log
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("---- %s log (%s %s) ----\n%s---- end of %s log ----", name, filepath.Base(bin), strings.Join(args, " "), p.log.String(), name)
		}
	})
	return p
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop ends the process group: SIGTERM, then SIGKILL if it has not exited
// within 5 seconds.
func (p *process) stop() {
	pgid := p.cmd.Process.Pid // Setpgid: the group id is the leader's pid
	if !p.exited() {
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			fmt.Fprintf(p.log, "[e2e] %s did not exit within 5s of SIGTERM; sending SIGKILL\n", p.name)
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-p.done
		}
	}
	// Children left in the group (there should be none) go too.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// waitHTTP polls url until it answers 200, the process exits or 20s pass.
func (p *process) waitHTTP(t testing.TB, url string) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(20 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		if p.exited() {
			t.Fatalf("%s exited before %s answered: %v", p.name, url, p.err)
		}
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: %s did not answer 200 within 20s (last: %s)", p.name, url, last)
}

// cli runs a sesame CLI command and returns its stdout.
func cli(t testing.TB, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bins.sesame, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("sesame %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.Bytes()
}

// env is one running Sesame with one registered app, one user and the
// example app, all as separate processes.
type env struct {
	SesameURL string // http://localhost:<p1>
	AppURL    string // http://localhost:<p2>
	AppID     string
	AppSecret string
	UserID    string
	Username  string
	Password  string
	sesame    *process
	app       *process
}

// startEnv runs the guide's setup with the binaries TestMain built:
// sesame serve, apps create, users create, then the go-app.
func startEnv(t testing.TB) *env {
	t.Helper()
	start := time.Now()
	data := t.TempDir()
	e := &env{Username: "alice", Password: "correct horse " + randomHex(t, 8)}

	// Sesame. A port picked by freePort can be taken before sesame binds it;
	// retry with another one if the process exits while starting.
	for attempt := 1; ; attempt++ {
		p1 := freePort(t)
		e.SesameURL = "http://localhost:" + strconv.Itoa(p1)
		e.sesame = startProcess(t, "sesame", bins.sesame, []string{"SESAME_LOG_LEVEL=debug"},
			"serve", "--addr", "127.0.0.1:"+strconv.Itoa(p1), "--endpoint", e.SesameURL, "--data", data)
		if attempt < 3 && waitOrExit(e.sesame, "http://127.0.0.1:"+strconv.Itoa(p1)+"/healthz") {
			continue
		}
		e.sesame.waitHTTP(t, "http://127.0.0.1:"+strconv.Itoa(p1)+"/healthz")
		break
	}
	tSesame := time.Since(start)

	// The app's port: picked now so that its URIs can be registered.
	p2 := freePort(t)
	e.AppURL = "http://localhost:" + strconv.Itoa(p2)

	var app struct {
		ID, Secret, Type string
		RedirectURIs     []string `json:"redirect_uris"`
	}
	out := cli(t, "apps", "create", "--name", "Go app", "--type", "traditional",
		"--redirect-uri", e.AppURL+"/callback", "--post-logout-redirect-uri", e.AppURL+"/", "--data", data, "--json")
	if err := json.Unmarshal(out, &app); err != nil || app.ID == "" || app.Secret == "" {
		t.Fatalf("apps create --json printed %q (%v), want an object with id and secret", out, err)
	}
	e.AppID, e.AppSecret = app.ID, app.Secret

	var user struct{ ID, Username string }
	out = cli(t, "users", "create", "--username", e.Username, "--password", e.Password, "--data", data, "--json")
	if err := json.Unmarshal(out, &user); err != nil || user.ID == "" {
		t.Fatalf("users create --json printed %q (%v), want an object with id", out, err)
	}
	e.UserID = user.ID
	tCLI := time.Since(start)

	appEnv := []string{
		"SESAME_ENDPOINT=" + e.SesameURL,
		"SESAME_APP_ID=" + e.AppID,
		"SESAME_APP_SECRET=" + e.AppSecret,
		"SESAME_BASE_URL=" + e.AppURL,
		"SESAME_COOKIE_SECRET=" + randomHex(t, 32),
	}
	e.app = startProcess(t, "go-app", bins.goApp, appEnv)
	e.app.waitHTTP(t, e.AppURL+"/")
	t.Logf("setup: sesame up in %s, apps/users created by %s, go-app up by %s (Sesame %s, app %s)",
		tSesame.Round(time.Millisecond), tCLI.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), e.SesameURL, e.AppURL)
	return e
}

// waitOrExit waits for url to answer or for p to exit, and reports whether p
// exited (typically: its port was taken). An exited process is not an error
// here; its log stays in the test log if the test fails.
func waitOrExit(p *process, url string) bool {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if p.exited() {
			return true
		}
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return false
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false // let waitHTTP report the timeout
}

// checkLogsClean fails the test if either process logged a warning or an
// error (the SDK logs failures it does not return, such as a failed refresh
// token revocation at sign-out).
func (e *env) checkLogsClean(t testing.TB) {
	t.Helper()
	for _, p := range []*process{e.sesame, e.app} {
		for _, line := range strings.Split(p.log.String(), "\n") {
			if strings.Contains(line, "WARN") || strings.Contains(line, "ERROR") {
				t.Errorf("%s logged: %s", p.name, line)
			}
		}
	}
}
