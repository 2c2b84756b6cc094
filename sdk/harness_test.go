package sesame

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

const testCookieSecret = "0123456789abcdef0123456789abcdef-test"

// testApp is an app using the SDK, a browser with a cookie jar, and a
// provider, all in-process.
type testApp struct {
	t       testing.TB
	clock   *testClock
	op      *testOP
	client  *Client
	srv     *httptest.Server
	jar     *cookiejar.Jar
	browser *http.Client
}

const testResource = "https://api.example.com"

func newTestApp(t testing.TB, opts ...func(*Config)) *testApp {
	t.Helper()
	a := &testApp{t: t, clock: newTestClock()}
	a.op = newTestOP(t, a.clock)
	mux := http.NewServeMux()
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	cfg := Config{
		Endpoint:     a.op.srv.URL,
		AppID:        a.op.clientID,
		AppSecret:    a.op.clientSecret,
		BaseURL:      a.srv.URL,
		CookieSecret: testCookieSecret,
		Scopes:       []string{"email"},
		Resources:    []string{testResource},
		HTTPClient:   a.op.srv.Client(),
		Logger:       discardLogger(),
	}
	for _, o := range opts {
		o(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.now = a.clock.Now
	a.client = c

	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		x, err := c.GetContext(w, r)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		writeJSON(w, 200, map[string]any{"auth": x.IsAuthenticated, "sub": x.Claims.Subject,
			"orgs": len(x.Claims.Organizations), "email": x.Claims.Email})
	})
	mux.Handle("POST /sign-in", c.SignInHandler())
	mux.Handle("GET /callback", c.CallbackHandler())
	mux.Handle("POST /sign-out", c.SignOutHandler())
	mux.Handle("GET /api/token", c.RequireAuth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, err := FromContext(r.Context()).AccessToken(r.Context(), r.URL.Query().Get("resource"))
		if err != nil {
			writeJSON(w, 500, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, 200, map[string]string{"token": tok})
	})))
	mux.Handle("GET /api/userinfo", c.RequireAuth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ui, err := FromContext(r.Context()).UserInfo(r.Context())
		if err != nil {
			writeJSON(w, 500, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, 200, map[string]any{"sub": ui.Subject, "email": ui.Email, "plan": ui.CustomData["plan"]})
	})))
	mux.Handle("/private", c.RequireAuth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "private page for "+FromContext(r.Context()).Claims.Subject)
	})))

	a.jar, _ = cookiejar.New(nil)
	a.browser = &http.Client{Jar: a.jar, Timeout: 10 * time.Second}
	return a
}

// home fetches / and decodes the app's view of the session.
func (a *testApp) home() (auth bool, sub string) {
	a.t.Helper()
	var v struct {
		Auth bool
		Sub  string
	}
	a.getJSON("/", &v)
	return v.Auth, v.Sub
}

func (a *testApp) getJSON(path string, v any) int {
	a.t.Helper()
	resp, err := a.browser.Get(a.srv.URL + path)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			a.t.Fatalf("GET %s: %d %s: %v", path, resp.StatusCode, body, err)
		}
	}
	return resp.StatusCode
}

// signIn runs the whole browser dance and fails the test unless it ends
// signed in on the home page.
func (a *testApp) signIn() {
	a.t.Helper()
	resp, err := a.browser.PostForm(a.srv.URL+"/sign-in", nil)
	if err != nil {
		a.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/" {
		a.t.Fatalf("sign-in ended at %s with %d: %s", resp.Request.URL, resp.StatusCode, body)
	}
	if auth, _ := a.home(); !auth {
		a.t.Fatal("not signed in after the callback")
	}
}

// startSignIn posts /sign-in without following redirects and returns the
// authorization URL.
func (a *testApp) startSignIn() *url.URL {
	a.t.Helper()
	resp := a.noRedirect(http.MethodPost, "/sign-in", nil)
	if resp.StatusCode != http.StatusSeeOther {
		a.t.Fatalf("sign-in: status %d", resp.StatusCode)
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		a.t.Fatal(err)
	}
	return u
}

// authorize follows an authorization URL at the provider and returns the
// callback URL it redirects to.
func (a *testApp) authorize(authURL *url.URL) *url.URL {
	a.t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authURL.String())
	if err != nil {
		a.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		a.t.Fatalf("authorize: status %d", resp.StatusCode)
	}
	u, _ := url.Parse(resp.Header.Get("Location"))
	return u
}

// noRedirect sends a request with the browser's cookies and returns the
// first response; Set-Cookie headers are stored in the jar.
func (a *testApp) noRedirect(method, path string, hdr http.Header) *http.Response {
	a.t.Helper()
	target := path
	if strings.HasPrefix(path, "/") {
		target = a.srv.URL + path
	}
	req, _ := http.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header[k] = v
	}
	c := &http.Client{Jar: a.jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// cookies returns the browser's cookies for the app.
func (a *testApp) cookies() []*http.Cookie {
	u, _ := url.Parse(a.srv.URL)
	return a.jar.Cookies(u)
}

func (a *testApp) setCookies(cs []*http.Cookie) {
	u, _ := url.Parse(a.srv.URL)
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(u, cs)
	a.jar = jar
	a.browser.Jar = jar
}

// request builds a request to the app carrying the browser's cookies, for
// calling Client methods directly.
func (a *testApp) request(method, target string) *http.Request {
	r := httptest.NewRequest(method, a.srv.URL+target, nil)
	for _, c := range a.cookies() {
		r.AddCookie(c)
	}
	return r
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}
