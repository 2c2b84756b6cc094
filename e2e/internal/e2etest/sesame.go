//go:build e2e

package e2etest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Sesame is a running `sesame serve` process.
type Sesame struct {
	URL     string // the endpoint, http://localhost:<port> (no trailing slash)
	Port    int
	DataDir string
	Proc    *Process
	CLI     *CLI // runs commands on the same data directory
}

// StartSesame runs `sesame serve --addr 127.0.0.1:<port> --endpoint
// http://localhost:<port> --data <fresh dir> [args]` on a free port, with
// the environment CleanEnv() plus env, and waits for /healthz. If the
// process exits while starting (its port was taken meanwhile), it retries
// on another port, twice.
func StartSesame(t testing.TB, env []string, args ...string) *Sesame {
	t.Helper()
	bin := SesameBinary(t)
	s := &Sesame{DataDir: t.TempDir()}
	s.CLI = &CLI{Bin: bin, Dir: s.DataDir, Store: []string{"--data", s.DataDir}}
	for attempt := 1; ; attempt++ {
		s.Port = FreePort(t)
		s.URL = "http://localhost:" + strconv.Itoa(s.Port)
		addr := "127.0.0.1:" + strconv.Itoa(s.Port)
		cmd := Command(bin, env, append([]string{"serve", "--addr", addr, "--endpoint", s.URL, "--data", s.DataDir}, args...)...)
		cmd.Dir = s.DataDir
		s.Proc = Start(t, "sesame", cmd)
		health := "http://" + addr + "/healthz"
		if ok, _ := s.Proc.pollHTTP(health, 30*time.Second); ok {
			return s
		}
		if !s.Proc.Exited() || attempt == 3 {
			s.Proc.WaitHTTP(t, health, time.Second) // reports the failure
		}
	}
}

// CLI runs the sesame command-line tool.
type CLI struct {
	Bin   string
	Dir   string   // working directory; "" is the test's
	Env   []string // added to CleanEnv()
	Store []string // appended to every command: --data <dir> or --database-url <dsn>
}

// RunErr runs `sesame <args> <Store>` (with a 60 s timeout) and returns its
// stdout; the error holds stdout and stderr.
func (c *CLI) RunErr(args ...string) ([]byte, error) {
	args = append(args[:len(args):len(args)], c.Store...)
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Bin, args...)
	cmd.Dir = c.Dir
	cmd.Env = append(CleanEnv(), c.Env...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("sesame %s: %w\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.Bytes(), nil
}

// Run is RunErr that fails the test on an error.
func (c *CLI) Run(t testing.TB, args ...string) []byte {
	t.Helper()
	out, err := c.RunErr(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// JSON runs `sesame <args> --json` and decodes the one JSON value it
// prints into v.
func (c *CLI) JSON(t testing.TB, v any, args ...string) {
	t.Helper()
	args = append(args[:len(args):len(args)], "--json")
	out := c.Run(t, args...)
	dec := json.NewDecoder(bytes.NewReader(out))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("sesame %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		t.Fatalf("sesame %s: more than one JSON value on stdout:\n%s", strings.Join(args, " "), out)
	}
}

// App is a registered application.
type App struct {
	ID     string `json:"id"`
	Secret string `json:"secret"` // empty for public (spa, native) apps
}

// AppSpec describes an application for CreateApp.
type AppSpec struct {
	Name                   string
	Type                   string // traditional, spa, native or m2m
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
}

// CreateApp runs `sesame apps create --json` and returns the app's id and
// secret; it fails the test if a confidential app (traditional, m2m) has
// no secret.
func (c *CLI) CreateApp(t testing.TB, spec AppSpec) App {
	t.Helper()
	args := []string{"apps", "create", "--name", spec.Name, "--type", spec.Type}
	for _, u := range spec.RedirectURIs {
		args = append(args, "--redirect-uri", u)
	}
	for _, u := range spec.PostLogoutRedirectURIs {
		args = append(args, "--post-logout-redirect-uri", u)
	}
	var a App
	c.JSON(t, &a, args...)
	if a.ID == "" || (a.Secret == "" && (spec.Type == "traditional" || spec.Type == "m2m")) {
		t.Fatalf("apps create --json: %+v, want an id and (for %s) a secret", a, spec.Type)
	}
	return a
}

// CreateUser runs `sesame users create --json` and returns the user's id.
// An empty email is left out.
func (c *CLI) CreateUser(t testing.TB, username, password, email string) string {
	t.Helper()
	args := []string{"users", "create", "--username", username, "--password", password}
	if email != "" {
		args = append(args, "--email", email)
	}
	var u struct {
		ID string `json:"id"`
	}
	c.JSON(t, &u, args...)
	if u.ID == "" {
		t.Fatalf("users create --json printed no id")
	}
	return u.ID
}

// CreateResource runs `sesame resources create --json` for an API resource
// with the given indicator, name and scopes.
func (c *CLI) CreateResource(t testing.TB, indicator, name string, scopes ...string) {
	t.Helper()
	args := []string{"resources", "create", "--indicator", indicator, "--name", name}
	for _, s := range scopes {
		args = append(args, "--scope", s)
	}
	var v struct {
		ID        string `json:"id"`
		Indicator string `json:"indicator"`
	}
	c.JSON(t, &v, args...)
	if v.ID == "" || v.Indicator != indicator {
		t.Fatalf("resources create: id %q, indicator %q, want an id and %q", v.ID, v.Indicator, indicator)
	}
}
