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
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesameauth/sesame/e2e/internal/e2etest"
)

func TestMain(m *testing.M) { e2etest.Main(m) }

// run runs a command to completion and returns its stdout; stderr and stdout
// go to the failure message. env is added to the test's environment.
func run(t testing.TB, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
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

// sesame is a Sesame server on a free port with a fresh data directory.
type sesame struct{ *e2etest.Sesame }

// startSesame starts Sesame and waits for /healthz. extraArgs go to
// `sesame serve`.
func startSesame(t testing.TB, extraArgs ...string) *sesame {
	t.Helper()
	return &sesame{e2etest.StartSesame(t, nil, extraArgs...)}
}

// requests counts the server's access-log lines for method, path and status
// (Sesame logs "msg=http method=… path=… status=…").
func (s *sesame) requests(method, path string, status int) int {
	needle := fmt.Sprintf("msg=http method=%s path=%s status=%d ", method, path, status)
	return strings.Count(s.Proc.Log.String(), needle)
}

// issuer is the OIDC issuer Logto uses: <endpoint>/oidc.
func (s *sesame) issuer() string { return s.URL + "/oidc" }

type app = e2etest.App

func (s *sesame) createApp(t testing.TB, name string, redirectURI, postLogoutURI string) app {
	t.Helper()
	return s.CLI.CreateApp(t, e2etest.AppSpec{Name: name, Type: "traditional",
		RedirectURIs: []string{redirectURI}, PostLogoutRedirectURIs: []string{postLogoutURI}})
}

func (s *sesame) createUser(t testing.TB, username, password string) string {
	t.Helper()
	return s.CLI.CreateUser(t, username, password, "")
}

func (s *sesame) createResource(t testing.TB, indicator, name string) {
	t.Helper()
	s.CLI.CreateResource(t, indicator, name)
}

// ---------------------------------------------------------------------------
// npm

func examplesDir(t testing.TB, name string) string {
	return filepath.Join(e2etest.RepoRoot(t), "examples", name)
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
