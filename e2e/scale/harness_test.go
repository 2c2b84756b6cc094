//go:build e2e

// Package scale proves Sesame's "scale out" promise with real processes:
// several stateless replicas of the sesame binary on one PostgreSQL behind a
// round-robin proxy, key rotation under load, kill -9 crash safety (SQLite
// and PostgreSQL), database outages, and migrations.
//
// Run from the repository root (PostgreSQL on 127.0.0.1:5432, trust auth,
// Chromium at /usr/bin/chromium):
//
//	go test -tags e2e -v ./e2e/scale/
//
// SESAME_SCALE_PG overrides the admin DSN (default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable). Every test
// creates its own database sesame_scale_<random> and drops it afterwards.
package scale

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/sesameauth/sesame/e2e/internal/e2etest"
	"github.com/sesameauth/sesame/internal/testkit"
)

func TestMain(m *testing.M) { e2etest.Main(m) }

// testSecret is the shared SESAME_SECRET of every replica.
const testSecret = "scale-test-secret-0123456789abcdef-0123456789"

var randomHex = e2etest.RandomHex

// ---- PostgreSQL ----

func adminDSN() string {
	if s := os.Getenv("SESAME_SCALE_PG"); s != "" {
		return s
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// dsnFor returns the admin DSN with its database and host:port replaced.
func dsnFor(db, hostport string) string {
	u, _ := url.Parse(adminDSN())
	u.Path = "/" + db
	if hostport != "" {
		u.Host = hostport
	}
	return u.String()
}

func pgHostPort() string {
	u, _ := url.Parse(adminDSN())
	return u.Host
}

// newDatabase creates an empty database and returns its name and DSN; it
// is dropped when the test ends.
func newDatabase(t testing.TB) (name, dsn string) {
	t.Helper()
	return testkit.NewDatabase(t, adminDSN(), "sesame_scale_")
}

func openDB(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// ---- processes ----

// replica is one `sesame serve` on a fixed port; it can be killed and
// restarted on the same port.
type replica struct {
	t        testing.TB
	name     string
	port     int
	URL      string // http://127.0.0.1:<port>
	endpoint string
	store    []string // --database-url … or --data …
	env      []string
	extra    []string
	bin      string
	log      *testkit.LogBuffer
	mu       sync.Mutex
	proc     *e2etest.Process
}

func newReplica(t testing.TB, name, endpoint string, storeArgs, env []string, extra ...string) *replica {
	t.Helper()
	port := e2etest.FreePort(t)
	r := &replica{t: t, name: name, port: port, URL: "http://127.0.0.1:" + strconv.Itoa(port), endpoint: endpoint,
		store: storeArgs, env: env, extra: extra, bin: e2etest.SesameBinary(t), log: &testkit.LogBuffer{}}
	t.Cleanup(func() {
		r.stop()
		if t.Failed() || os.Getenv("SESAME_SCALE_LOGS") != "" {
			s := r.log.String()
			if len(s) > 20000 {
				s = "…" + s[len(s)-20000:]
			}
			t.Logf("---- %s log ----\n%s---- end of %s log ----", name, s, name)
		}
	})
	return r
}

// start launches the process (without waiting).
func (r *replica) start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	args := append([]string{"serve", "--addr", "127.0.0.1:" + strconv.Itoa(r.port), "--endpoint", r.endpoint,
		"--secret", testSecret, "--log-level", "warn"}, r.store...)
	args = append(args, r.extra...)
	fmt.Fprintf(r.log, "[scale] %s start\n", time.Now().Format("15:04:05.000"))
	r.proc = e2etest.StartWithLog(r.t, r.name, e2etest.Command(r.bin, r.env, args...), r.log)
}

func (r *replica) process() *e2etest.Process {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.proc
}

// waitReady polls /readyz until 200.
func (r *replica) waitReady(t testing.TB) {
	t.Helper()
	r.process().WaitHTTP(t, r.URL+"/readyz", 30*time.Second)
}

func (r *replica) kill() {
	if p := r.process(); p != nil {
		fmt.Fprintf(r.log, "[scale] %s SIGKILL\n", time.Now().Format("15:04:05.000"))
		p.Kill()
	}
}

func (r *replica) stop() {
	if p := r.process(); p != nil {
		p.Stop()
	}
}

// scaleCLI runs sesame commands with the replicas' shared secret on the
// store storeArgs.
func scaleCLI(t testing.TB, storeArgs []string) *e2etest.CLI {
	return &e2etest.CLI{Bin: e2etest.SesameBinary(t), Env: []string{"SESAME_SECRET=" + testSecret}, Store: storeArgs}
}

// sesameCLI runs a sesame command and returns stdout.
func sesameCLI(t testing.TB, args ...string) []byte {
	t.Helper()
	return scaleCLI(t, nil).Run(t, args...)
}

type appInfo = e2etest.App

// createApp registers an app "Scale <typ>"; each redirect URI <base>/callback
// comes with the post-logout redirect URI <base>/.
func createApp(t testing.TB, storeArgs []string, typ string, redirects ...string) appInfo {
	t.Helper()
	spec := e2etest.AppSpec{Name: "Scale " + typ, Type: typ, RedirectURIs: redirects}
	for _, r := range redirects {
		spec.PostLogoutRedirectURIs = append(spec.PostLogoutRedirectURIs, strings.TrimSuffix(r, "/callback")+"/")
	}
	return scaleCLI(t, storeArgs).CreateApp(t, spec)
}

func createUser(t testing.TB, storeArgs []string, username, pw string) string {
	t.Helper()
	return scaleCLI(t, storeArgs).CreateUser(t, username, pw, username+"@example.com")
}

func createResource(t testing.TB, storeArgs []string, indicator string) {
	t.Helper()
	scaleCLI(t, storeArgs).CreateResource(t, indicator, "API", "read")
}

// permit lets an M2M app get tokens for the resource, with its read scope.
func permit(t testing.TB, storeArgs []string, appID, indicator string) {
	t.Helper()
	scaleCLI(t, storeArgs).Run(t, "apps", "permit", appID, "--resource", indicator, "--scope", "read")
}

// ---- load balancer ----

// backendHeader pins a request to one backend (index) of the lb; the lb
// removes it before forwarding. Browsers never send it.
const backendHeader = "X-Scale-Backend"

// lb is a reverse proxy over the replicas. Unpinned requests go round-robin
// per request class (method + path shape), so consecutive requests of one
// flow step alternate replicas. A backend that refuses connections is
// skipped (the request is retried on the next one).
type lb struct {
	URL      string
	backends []*replica
	proxy    *httputil.ReverseProxy
	srv      *http.Server

	mu      sync.Mutex
	next    map[string]int
	served  map[string]map[int]int // class → backend → count
	skipped atomic.Int64           // connection failures skipped over
	log     []served               // non-static requests in order
}

type served struct {
	class   string
	backend int
}

// order returns the non-static requests since the last call.
func (l *lb) order() []served {
	l.mu.Lock()
	defer l.mu.Unlock()
	o := l.log
	l.log = nil
	return o
}

type backendKey struct{}

func newLB(t testing.TB, port int) *lb {
	t.Helper()
	l := &lb{next: map[string]int{}, served: map[string]map[int]int{}}
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	l.URL = "http://" + ln.Addr().String()
	l.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.Header.Del(backendHeader)
			pr.Out.URL.Scheme = "http"
			pr.Out.URL.Host = "backend.invalid" // chosen in RoundTrip
			pr.Out.Host = pr.In.Host
		},
		Transport: l,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, "lb: "+err.Error(), http.StatusBadGateway)
		},
	}
	// The pin header is read here, before Rewrite strips it.
	l.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.Header.Get(backendHeader); v != "" {
			if n, err := strconv.Atoi(v); err == nil {
				r = r.WithContext(context.WithValue(r.Context(), backendKey{}, n))
			}
		}
		l.proxy.ServeHTTP(w, r)
	})}
	go l.srv.Serve(ln)
	t.Cleanup(func() { l.srv.Close() })
	return l
}

var idSegment = regexp.MustCompile(`/[A-Za-z0-9_-]{16,}$`)

func requestClass(r *http.Request) string {
	return r.Method + " " + idSegment.ReplaceAllString(r.URL.Path, "/{id}")
}

var lbTransport = &http.Transport{MaxIdleConnsPerHost: 64, DialContext: (&net.Dialer{Timeout: 2 * time.Second}).DialContext}

// RoundTrip picks the backend and retries on connection failure.
func (l *lb) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	class := requestClass(req)
	pinned := -1
	if v, ok := req.Context().Value(backendKey{}).(int); ok {
		pinned = v
	}
	// One alternation for everything but static files, so each hop of a
	// redirect chain goes to the other replica than the hop before.
	counter := "main"
	if strings.HasPrefix(req.URL.Path, "/static/") || req.URL.Path == "/favicon.ico" {
		counter = "static"
	}
	l.mu.Lock()
	start := l.next[counter]
	l.next[counter] = start + 1
	l.mu.Unlock()
	var lastErr error
	for i := 0; i < len(l.backends); i++ {
		idx := (start + i) % len(l.backends)
		if pinned >= 0 {
			if i > 0 {
				break
			}
			idx = pinned
		}
		out := req.Clone(req.Context())
		u, _ := url.Parse(l.backends[idx].URL)
		out.URL.Host = u.Host
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.ContentLength = int64(len(body))
		resp, err := lbTransport.RoundTrip(out)
		if err != nil {
			lastErr = err
			var op *net.OpError
			if errors.As(err, &op) && op.Op == "dial" {
				l.skipped.Add(1)
				continue // nothing was sent: safe to try the next backend
			}
			return nil, err
		}
		l.mu.Lock()
		if l.served[class] == nil {
			l.served[class] = map[int]int{}
		}
		l.served[class][idx]++
		if counter == "main" {
			l.log = append(l.log, served{class, idx})
		}
		l.mu.Unlock()
		resp.Header.Set("X-Scale-Served-By", strconv.Itoa(idx))
		return resp, nil
	}
	return nil, lastErr
}

// snapshot returns a copy of the served counters and resets them.
func (l *lb) snapshot() map[string]map[int]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.served
	l.served = map[string]map[int]int{}
	return s
}

// ---- TCP proxy in front of PostgreSQL ----

// newTCPProxy starts the kit's proxy in front of PostgreSQL (Cut, Restore)
// for the test.
func newTCPProxy(t testing.TB, target string) *testkit.PGProxy {
	t.Helper()
	p, err := testkit.NewPGProxy(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// ---- HTTP clients ----

var apiClient = &http.Client{Timeout: 20 * time.Second}

type tokenResp struct {
	Status       int
	Error        string `json:"error"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
	RetryAfter   string
	ServedBy     string // lb backend index
}

// postToken calls {base}/oidc/token with Basic auth; pin ≥ 0 pins the lb.
func postToken(ctx context.Context, base string, pin int, id, secret string, form url.Values) (tokenResp, error) {
	return postJSON(ctx, base+"/oidc/token", pin, id, secret, form)
}

func postJSON(ctx context.Context, u string, pin int, id, secret string, form url.Values) (tokenResp, error) {
	if id != "" && secret == "" { // public client: client_id in the body
		form = cloneValues(form)
		form.Set("client_id", id)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" && secret != "" {
		req.SetBasicAuth(id, secret)
	}
	if pin >= 0 {
		req.Header.Set(backendHeader, strconv.Itoa(pin))
	}
	resp, err := apiClient.Do(req)
	if err != nil {
		return tokenResp{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return tokenResp{}, err
	}
	var tr tokenResp
	json.Unmarshal(b, &tr)
	tr.Status = resp.StatusCode
	tr.RetryAfter = resp.Header.Get("Retry-After")
	tr.ServedBy = resp.Header.Get("X-Scale-Served-By")
	return tr, nil
}

// introspect reports whether a token is active.
func introspect(ctx context.Context, base string, pin int, id, secret, token string) (bool, int, error) {
	form := url.Values{"token": {token}}
	if secret == "" {
		form.Set("client_id", id)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/oidc/token/introspection", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if secret != "" {
		req.SetBasicAuth(id, secret)
	}
	if pin >= 0 {
		req.Header.Set(backendHeader, strconv.Itoa(pin))
	}
	resp, err := apiClient.Do(req)
	if err != nil {
		return false, 0, err
	}
	defer resp.Body.Close()
	var v struct {
		Active bool `json:"active"`
	}
	json.NewDecoder(resp.Body).Decode(&v)
	return v.Active, resp.StatusCode, nil
}

func userinfoStatus(t testing.TB, base string, pin int, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/oidc/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if pin >= 0 {
		req.Header.Set(backendHeader, strconv.Itoa(pin))
	}
	resp, err := apiClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// browser is the kit's form client; every request it makes can be pinned
// to one lb backend with pin(n), and carry an X-Forwarded-For.
type browser struct {
	*testkit.Browser
	pinN atomic.Int64 // -1: round-robin
	xff  string
}

func newBrowser(base string) *browser {
	b := &browser{}
	b.pinN.Store(-1)
	b.Browser = testkit.NewBrowser(base, b)
	return b
}

var browserTransport = &http.Transport{MaxIdleConnsPerHost: 16}

func (b *browser) RoundTrip(r *http.Request) (*http.Response, error) {
	if n := b.pinN.Load(); n >= 0 {
		r.Header.Set(backendHeader, strconv.Itoa(int(n)))
	}
	if b.xff != "" {
		r.Header.Set("X-Forwarded-For", b.xff)
	}
	return browserTransport.RoundTrip(r)
}

func (b *browser) pin(n int) { b.pinN.Store(int64(n)) }

func (b *browser) get(u string) (*http.Response, error) { return b.Get(u) }

func (b *browser) post(action string, form url.Values) (*http.Response, error) {
	return b.Post(action, form)
}

var (
	regRe      = regexp.MustCompile(`href="(/register\?[^"]+)"`)
	readPage   = testkit.ReadPage
	redirectTo = testkit.RedirectTo
)

type authParams struct {
	clientID, redirect, verifier, state string
}

func authURL(base, clientID, redirect string, extra url.Values) (string, authParams) {
	verifier, challenge := testkit.PKCE()
	state := "st-" + randomHex(8)
	v := url.Values{"client_id": {clientID}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {"openid offline_access profile"}, "state": {state},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	for k, vs := range extra {
		v[k] = vs
	}
	return base + "/oidc/auth?" + v.Encode(), authParams{clientID, redirect, verifier, state}
}

// signIn runs authorize → sign-in → callback and returns the code.
func (b *browser) signIn(clientID, redirect, user, pw string, extra url.Values) (string, authParams, error) {
	u, ap := authURL(b.Base, clientID, redirect, extra)
	resp, err := b.get(u)
	if err != nil {
		return "", ap, err
	}
	if resp.Request.URL.Path == "/sign-in" {
		resp, err = b.SignIn(resp, user, pw)
		if err != nil {
			return "", ap, err
		}
	}
	cb, err := redirectTo(resp, redirect)
	if err != nil {
		return "", ap, err
	}
	if e := cb.Query().Get("error"); e != "" {
		return "", ap, fmt.Errorf("authorization error %s", e)
	}
	if cb.Query().Get("state") != ap.state {
		return "", ap, fmt.Errorf("state mismatch")
	}
	return cb.Query().Get("code"), ap, nil
}

// register creates an account on the hosted pages and returns the code.
func (b *browser) register(clientID, redirect, username, pw string) (string, authParams, error) {
	u, ap := authURL(b.Base, clientID, redirect, nil)
	resp, err := b.get(u)
	if err != nil {
		return "", ap, err
	}
	body, _, _ := readPage(resp)
	m := regRe.FindStringSubmatch(body)
	if m == nil {
		return "", ap, fmt.Errorf("no register link on %s", resp.Request.URL)
	}
	resp, err = b.get(b.Base + strings.ReplaceAll(m[1], "&amp;", "&"))
	if err != nil {
		return "", ap, err
	}
	_, action, csrf := readPage(resp)
	if action == "" || csrf == "" {
		return "", ap, fmt.Errorf("register page without form (status %d)", resp.StatusCode)
	}
	resp, err = b.post(action, url.Values{"username": {username}, "password": {pw}, "password_confirm": {pw}, "csrf_token": {csrf}})
	if err != nil {
		return "", ap, err
	}
	cb, err := redirectTo(resp, redirect)
	if err != nil {
		return "", ap, err
	}
	return cb.Query().Get("code"), ap, nil
}

func exchangeForm(code string, ap authParams) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {ap.verifier}, "redirect_uri": {ap.redirect}}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
