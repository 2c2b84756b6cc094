package main

// What every server under test offers the scenarios.

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"
)

const (
	redirectURI = "http://127.0.0.1:9/cb"
	resourceURI = "https://api.bench"
)

type creds struct{ ID, Secret string }

// server is one server under test, prepared for one signing algorithm.
type server struct {
	name string // "sesame", "sesame-pg", "node-oidc-provider", "hydra"

	base       string // public base URL, no trailing slash
	discovery  string // full URLs
	jwks       string
	token      string
	authorize  string
	introspect string // empty: not measured
	// introspectAuth: the introspecting client authenticates (Sesame and
	// node-oidc-provider); Hydra's admin endpoint takes no credentials.
	introspectAuth bool
	audience       string // the form field naming the API: "resource" (RFC 8707) or Hydra's "audience"

	m2m, app creds
	flows    bool // measures the authorization-code flow
	cc       bool // measures client_credentials
	// flowsOnly: measured in the flow scenarios (and the cold start) only.
	flowsOnly bool

	// command returns a fresh command that serves the prepared state.
	command func() *execSpec
	// signIn gives jar-carrying client c an SSO session.
	signIn func(c *http.Client) error

	// dbCPU, on PostgreSQL, returns the CPU time of each database backend
	// serving this server (pid → time).
	dbCPU   func() map[int]time.Duration
	p       *proc
	cleanup func()
}

// execSpec is a command line with its directory and extra environment.
type execSpec struct {
	path string
	args []string
	dir  string
	env  []string
}

func (s *server) start() error {
	spec := s.command()
	p, err := startProc(spec.cmd())
	if err != nil {
		return err
	}
	s.p = p
	if _, err := waitDiscovery(s.discovery, p, 60*time.Second); err != nil {
		p.stop()
		return fmt.Errorf("%s: %v\n%s", s.name, err, p.tail())
	}
	return nil
}

func (s *server) stop() {
	if s.p != nil {
		s.p.stop()
		s.p = nil
	}
}

// waitDiscovery polls u every millisecond until it answers 200 and returns
// how long that took.
func waitDiscovery(u string, p *proc, limit time.Duration) (time.Duration, error) {
	c := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	start := time.Now()
	for time.Since(start) < limit {
		if p.exited() {
			return 0, fmt.Errorf("exited before serving")
		}
		resp, err := c.Get(u)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return time.Since(p.started()), nil
			}
		}
		time.Sleep(time.Millisecond)
	}
	return 0, fmt.Errorf("no 200 from %s in %s", u, limit)
}

// freePort returns a loopback port nothing listens on now.
func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// postForm posts form with HTTP basic client authentication when id is set.
func postForm(c *http.Client, u, id, secret string, form url.Values) (int, []byte, error) {
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func get(c *http.Client, u string) (int, []byte, error) {
	resp, err := c.Get(u)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// discard reads what is left of a response's body and closes it, as a
// browser does, so that the connection goes back to the pool. Closing an
// unread body makes net/http drop the connection: the flows then opened a
// TCP connection per authorization request, which the server paid for in
// accepts and fresh buffers (docs/benchmarks.md, "Flows reuse their
// connections; checkpoints and the writer").
func discard(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
}

func (e *execSpec) cmd() *exec.Cmd {
	c := exec.Command(e.path, e.args...)
	c.Dir = e.dir
	c.Env = append(os.Environ(), e.env...)
	return c
}
