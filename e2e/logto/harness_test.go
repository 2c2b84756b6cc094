//go:build e2e

// Package logto proves that Logto's own JavaScript SDKs (@logto/next,
// @logto/node, @logto/express) work unchanged against Sesame.
//
// Run from the repository root:
//
//	go test -tags e2e -v -timeout 30m ./e2e/logto/
//
// SESAME_E2E_BIN=<path> uses a prebuilt sesame binary instead of building
// ./cmd/sesame; SESAME_E2E_STREAM=1 streams child process output to stderr.
//
// Requirements: Node >= 20.9 with npm on PATH, Chromium at /usr/bin/chromium
// (or SESAME_E2E_CHROMIUM), the npm registry for `npm ci`, and the TCP port
// 3000 free for the Next.js app (or SESAME_E2E_NEXT_PORT together with apps
// registered for that port; the tests register them themselves).
package logto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// repoRoot is the root of the Sesame module (this package is e2e/logto).
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root %s has no go.mod: %v", root, err)
	}
	return root
}

var (
	buildOnce sync.Once
	buildDir  string
	buildBin  string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// sesameBinary builds ./cmd/sesame once per test binary run, or uses the
// prebuilt binary named by SESAME_E2E_BIN.
func sesameBinary(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv("SESAME_E2E_BIN"); bin != "" {
		return bin
	}
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "sesame-e2e-bin-")
		if buildErr != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "sesame")
		cmd := exec.Command("go", "build", "-o", buildBin, "./cmd/sesame")
		cmd.Dir = repoRoot(t)
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/sesame: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

// freePort asks the kernel for a free TCP port on 127.0.0.1.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// portFree reports whether nothing listens on the port (v4 or v6 loopback).
func portFree(port int) bool {
	for _, addr := range []string{fmt.Sprintf("127.0.0.1:%d", port), fmt.Sprintf("[::1]:%d", port)} {
		c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
		if err == nil {
			c.Close()
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------------------
// Processes

// syncBuffer is a bytes.Buffer safe for concurrent writers.
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

// process is a child process in its own process group whose output is kept
// and shown in the test log when the test fails.
type process struct {
	name   string
	cmd    *exec.Cmd
	output *syncBuffer
	done   chan struct{}
	err    error // valid after done is closed
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// startProcess starts cmd in a new process group. A cleanup stops the whole
// group (SIGTERM, then SIGKILL) and logs the output if the test failed.
func startProcess(t testing.TB, name string, cmd *exec.Cmd) *process {
	t.Helper()
	p := &process{name: name, cmd: cmd, output: &syncBuffer{}, done: make(chan struct{})}
	if os.Getenv("SESAME_E2E_STREAM") != "" {
		cmd.Stdout = io.MultiWriter(p.output, os.Stderr)
	} else {
		cmd.Stdout = p.output
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
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("---- output of %s (%s) ----\n%s\n---- end of %s ----", name, strings.Join(cmd.Args, " "), p.output.String(), name)
		}
	})
	return p
}

func (p *process) stop() {
	pgid := p.cmd.Process.Pid
	if !p.exited() {
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
		}
	}
	// Kill anything left in the group (npx → node children).
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
}

// waitHTTP polls url until it answers with a status accepted by ok, the
// process exits, or the timeout passes.
func waitHTTP(t testing.TB, p *process, url string, timeout time.Duration, ok func(int) bool) {
	t.Helper()
	client := &http.Client{
		Timeout:       2 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		if p.exited() {
			t.Fatalf("%s exited before %s was ready: %v\n%s", p.name, url, p.err, p.output.String())
		}
		resp, err := client.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if ok(resp.StatusCode) {
				return
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s: %s not ready after %s (last: %s)\n%s", p.name, url, timeout, last, p.output.String())
}

// run runs a command to completion and returns its stdout; stderr and stdout
// go to the failure message. env is added to the test's environment.
func run(t testing.TB, dir string, env []string, name string, args ...string) string {
	t.Helper()
	return runEnv(t, dir, append(os.Environ(), env...), name, args...)
}

// runEnv is run with exactly the environment env.
func runEnv(t testing.TB, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s (in %s): %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), dir, err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// ---------------------------------------------------------------------------
// Sesame

type sesame struct {
	bin      string
	dataDir  string
	port     int
	endpoint string // http://localhost:<port>, no trailing slash
	proc     *process
}

// startSesame builds and starts a Sesame server on a free port with a fresh
// data directory, and waits for /healthz. extraArgs go to `sesame serve`.
func startSesame(t testing.TB, extraArgs ...string) *sesame {
	t.Helper()
	s := &sesame{bin: sesameBinary(t), dataDir: t.TempDir(), port: freePort(t)}
	s.endpoint = fmt.Sprintf("http://localhost:%d", s.port)
	args := append([]string{"serve",
		"--addr", fmt.Sprintf("127.0.0.1:%d", s.port),
		"--endpoint", s.endpoint,
		"--data", s.dataDir}, extraArgs...)
	cmd := exec.Command(s.bin, args...)
	cmd.Dir = s.dataDir
	cmd.Env = sesameEnv()
	s.proc = startProcess(t, "sesame serve", cmd)
	waitHTTP(t, s.proc, s.endpoint+"/healthz", 30*time.Second, func(code int) bool { return code == http.StatusOK })
	return s
}

// sesameEnv is the test's environment without SESAME_* settings (other than
// SESAME_E2E_*), so that e.g. SESAME_DATABASE_URL or SESAME_SECRET in the
// developer's shell cannot point the server at another database.
func sesameEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "SESAME_") && !strings.HasPrefix(kv, "SESAME_E2E_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// requests counts the server's access-log lines for method, path and status
// (Sesame logs "msg=http method=… path=… status=…").
func (s *sesame) requests(method, path string, status int) int {
	needle := fmt.Sprintf("msg=http method=%s path=%s status=%d ", method, path, status)
	return strings.Count(s.proc.output.String(), needle)
}

// issuer is the OIDC issuer Logto uses: <endpoint>/oidc.
func (s *sesame) issuer() string { return s.endpoint + "/oidc" }

// cli runs `sesame <args> --data <dir> --json` and decodes the one JSON
// object it prints.
func (s *sesame) cli(t testing.TB, args ...string) map[string]any {
	t.Helper()
	args = append(args, "--data", s.dataDir, "--json")
	out := runEnv(t, s.dataDir, sesameEnv(), s.bin, args...)
	var v map[string]any
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("sesame %s: output is not a JSON object: %v\n%s", strings.Join(args, " "), err, out)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		t.Fatalf("sesame %s: more than one JSON value on stdout:\n%s", strings.Join(args, " "), out)
	}
	return v
}

func str(t testing.TB, v map[string]any, key string) string {
	t.Helper()
	s, ok := v[key].(string)
	if !ok || s == "" {
		t.Fatalf("CLI output has no string %q: %v", key, v)
	}
	return s
}

type app struct{ ID, Secret string }

func (s *sesame) createApp(t testing.TB, name string, redirectURI, postLogoutURI string) app {
	t.Helper()
	v := s.cli(t, "apps", "create", "--name", name, "--type", "traditional",
		"--redirect-uri", redirectURI, "--post-logout-redirect-uri", postLogoutURI)
	return app{ID: str(t, v, "id"), Secret: str(t, v, "secret")}
}

func (s *sesame) createUser(t testing.TB, username, password string) string {
	t.Helper()
	return str(t, s.cli(t, "users", "create", "--username", username, "--password", password), "id")
}

func (s *sesame) createResource(t testing.TB, indicator, name string) {
	t.Helper()
	v := s.cli(t, "resources", "create", "--indicator", indicator, "--name", name)
	str(t, v, "id")
	if got, _ := v["indicator"].(string); got != indicator {
		t.Fatalf("resources create: indicator = %q, want %q (%v)", got, indicator, v)
	}
}

// ---------------------------------------------------------------------------
// npm

func examplesDir(t testing.TB, name string) string {
	return filepath.Join(repoRoot(t), "examples", name)
}

var npmMu sync.Mutex

// npmCI runs `npm ci` in dir unless node_modules matches package-lock.json
// already (npm's hidden lockfile node_modules/.package-lock.json is newer
// than package-lock.json and package.json).
func npmCI(t testing.TB, dir string) {
	t.Helper()
	npmMu.Lock()
	defer npmMu.Unlock()
	if !nodeModulesFresh(dir) {
		t.Logf("npm ci in %s", dir)
		start := time.Now()
		run(t, dir, nil, "npm", "ci", "--no-audit", "--no-fund")
		t.Logf("npm ci took %s", time.Since(start).Round(time.Second))
	}
}

func nodeModulesFresh(dir string) bool {
	hidden, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json"))
	if err != nil {
		return false
	}
	for _, f := range []string{"package-lock.json", "package.json"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.ModTime().After(hidden.ModTime()) {
			return false
		}
	}
	return true
}

// env appends KEY=VALUE pairs.
func envList(kv ...string) []string {
	var out []string
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, kv[i]+"="+kv[i+1])
	}
	return out
}
