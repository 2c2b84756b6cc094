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
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/e2e/internal/e2etest"
)

func TestMain(m *testing.M) { e2etest.Main(m) }

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
	sesame    *e2etest.Process
	app       *e2etest.Process
}

// startEnv runs the guide's setup: sesame serve, apps create, users
// create, then the go-app (the binaries are built once per test run).
func startEnv(t testing.TB) *env {
	t.Helper()
	start := time.Now()
	e := &env{Username: "alice", Password: "correct horse " + e2etest.RandomHex(8)}

	s := e2etest.StartSesame(t, []string{"SESAME_LOG_LEVEL=debug"})
	e.SesameURL, e.sesame = s.URL, s.Proc
	tSesame := time.Since(start)

	// The app's port: picked now so that its URIs can be registered.
	p2 := e2etest.FreePort(t)
	e.AppURL = "http://localhost:" + strconv.Itoa(p2)

	app := s.CLI.CreateApp(t, e2etest.AppSpec{Name: "Go app", Type: "traditional",
		RedirectURIs: []string{e.AppURL + "/callback"}, PostLogoutRedirectURIs: []string{e.AppURL + "/"}})
	e.AppID, e.AppSecret = app.ID, app.Secret
	e.UserID = s.CLI.CreateUser(t, e.Username, e.Password, "")
	tCLI := time.Since(start)

	appEnv := []string{
		"SESAME_ENDPOINT=" + e.SesameURL,
		"SESAME_APP_ID=" + e.AppID,
		"SESAME_APP_SECRET=" + e.AppSecret,
		"SESAME_BASE_URL=" + e.AppURL,
		"SESAME_COOKIE_SECRET=" + e2etest.RandomHex(32),
	}
	e.app = e2etest.Start(t, "go-app", e2etest.Command(e2etest.Binary(t, "./examples/go-app"), appEnv))
	e.app.WaitHTTP(t, e.AppURL+"/", 20*time.Second)
	t.Logf("setup: sesame up in %s, apps/users created by %s, go-app up by %s (Sesame %s, app %s)",
		tSesame.Round(time.Millisecond), tCLI.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), e.SesameURL, e.AppURL)
	return e
}

// checkLogsClean fails the test if either process logged a warning or an
// error (the SDK logs failures it does not return, such as a failed refresh
// token revocation at sign-out).
func (e *env) checkLogsClean(t testing.TB) {
	t.Helper()
	for _, p := range []*e2etest.Process{e.sesame, e.app} {
		for _, line := range strings.Split(p.Log.String(), "\n") {
			if strings.Contains(line, "WARN") || strings.Contains(line, "ERROR") {
				t.Errorf("%s logged: %s", p.Name, line)
			}
		}
	}
}
