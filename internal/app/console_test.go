package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/console"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/secret"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/testkit"
)

// consoleMaster is the master secret of the console tests' servers: the
// tests derive the console's client secret and session key from it.
const consoleMaster = "console-test-master-secret-0123456789abcdef"

func withConsoleMaster(c *config.Config, _ *app.Options) { c.Secret = consoleMaster }

// seedConsole stores what admin.Ensure keeps for the console.
func (e *env) seedConsole(t testing.TB) {
	t.Helper()
	if err := testkit.SeedConsole(context.Background(), e.Store, e.URL, []byte(consoleMaster)); err != nil {
		t.Fatal(err)
	}
}

// administrator creates a user holding the administrator role.
func (e *env) administrator(t testing.TB, username, pw string) store.User {
	t.Helper()
	u := e.user(t, username, pw)
	if err := e.Store.AssignUserRole(context.Background(), u.ID, admin.AdminRoleID); err != nil {
		t.Fatal(err)
	}
	return u
}

// consoleEnv is a server with the console seeded and an administrator
// "root".
func consoleEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	e := newEnv(t, append([]envOption{withConsoleMaster}, opts...)...)
	e.seedConsole(t)
	e.administrator(t, "root", "root-password-1")
	return e
}

// consoleSignIn opens path in the console with b, signs in as user and
// returns the page the console lands on.
func (e *env) consoleSignIn(t testing.TB, b *browser, path, user, pw string) (*http.Response, string) {
	t.Helper()
	resp := b.get(t, e.URL+path)
	resp = b.login(t, resp, user, pw)
	body, _, _ := page(t, resp)
	return resp, body
}

func consoleCookie(t testing.TB, b *browser, e *env) *http.Cookie {
	t.Helper()
	u, _ := url.Parse(e.URL + "/console/")
	for _, c := range b.Client.Jar.Cookies(u) {
		if c.Name == "sesame_console" {
			return c
		}
	}
	t.Fatal("no console session cookie")
	return nil
}

// openConsoleCookie decrypts the console session cookie as the server does.
func openConsoleCookie(t testing.TB, c *http.Cookie) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		t.Fatal(err)
	}
	b, err := secret.NewBox([]byte(consoleMaster), "console-session").Open(raw)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestConsoleSignIn(t *testing.T) {
	e := consoleEnv(t)
	b := e.browser(t)
	resp, body := e.consoleSignIn(t, b, "/console/users?q=roo", "root", "root-password-1")
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/console/users" || resp.Request.URL.Query().Get("q") != "roo" {
		t.Fatalf("landed on %s (%d), want /console/users?q=roo", resp.Request.URL, resp.StatusCode)
	}
	if !strings.Contains(body, "User root") || !strings.Contains(body, `action="/console/sign-out"`) {
		t.Fatalf("users page lacks the admin or the sign-out form:\n%.2000s", body)
	}
	s := openConsoleCookie(t, consoleCookie(t, b, e))
	for _, k := range []string{"a", "r", "i"} {
		if s[k] == "" || s[k] == nil {
			t.Fatalf("session cookie lacks %q: %v", k, s)
		}
	}
	// The access token is the Management API's: the Gate accepts it.
	resp = b.get(t, e.URL+"/console/")
	if body, _, _ := page(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Get started") {
		t.Fatalf("home: %d %.500s", resp.StatusCode, body)
	}
}

func TestConsoleCookieAttributes(t *testing.T) {
	e := consoleEnv(t)
	b := e.browser(t)
	b.Client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp := b.get(t, e.URL+"/console/")
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want a redirect to sign in", resp.StatusCode)
	}
	auth, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || auth.Path != "/oidc/auth" {
		t.Fatalf("redirect to %q, want /oidc/auth", resp.Header.Get("Location"))
	}
	q := auth.Query()
	want := map[string]string{"client_id": admin.ConsoleClientID, "code_challenge_method": "S256", "response_type": "code",
		"scope": "openid profile offline_access all", "resource": e.URL + "/api", "redirect_uri": e.URL + "/console/callback"}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if len(q.Get(k)) < 20 {
			t.Errorf("%s = %q, want a random value", k, q.Get(k))
		}
	}
	var login *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "sesame_console_login" {
			login = c
		}
	}
	if login == nil || !login.HttpOnly || login.SameSite != http.SameSiteLaxMode || login.Path != "/console" {
		t.Fatalf("login cookie %+v, want HttpOnly, SameSite=Lax, Path=/console", login)
	}
	// A callback with another state is refused.
	resp = b.get(t, e.URL+"/console/callback?code=x&state=forged")
	if body, _, _ := page(t, resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "expired") {
		t.Fatalf("forged state: %d %.300s", resp.StatusCode, body)
	}
}

func TestConsoleNotAdmin(t *testing.T) {
	e := consoleEnv(t)
	e.user(t, "alice", "alice-password-1")
	b := e.browser(t)
	resp, body := e.consoleSignIn(t, b, "/console/apps", "alice", "alice-password-1")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "You are not an administrator of this Sesame") {
		t.Fatalf("non-admin got %d:\n%.1500s", resp.StatusCode, body)
	}
	if strings.Contains(body, "Applications</a>") || !strings.Contains(body, `action="/console/sign-out"`) {
		t.Fatalf("non-admin page shows the console or lacks sign-out:\n%.1500s", body)
	}
	// An administrator who loses the role loses the console on the next
	// request (another administrator remains, so Sesame stays set up).
	e2 := consoleEnv(t)
	e2.administrator(t, "backup", "backup-password-1")
	b2 := e2.browser(t)
	e2.consoleSignIn(t, b2, "/console/", "root", "root-password-1")
	root, err := e2.Store.GetUserByLogin(context.Background(), "root")
	if err != nil {
		t.Fatal(err)
	}
	if err := e2.Store.UnassignUserRole(context.Background(), root.ID, admin.AdminRoleID); err != nil {
		t.Fatal(err)
	}
	resp = b2.get(t, e2.URL+"/console/")
	if body, _, _ := page(t, resp); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "not an administrator") {
		t.Fatalf("after losing the role: %d %.500s", resp.StatusCode, body)
	}
}

func TestConsoleSignOut(t *testing.T) {
	e := consoleEnv(t)
	b := e.browser(t)
	_, body := e.consoleSignIn(t, b, "/console/", "root", "root-password-1")
	refresh, _ := openConsoleCookie(t, consoleCookie(t, b, e))["r"].(string)
	csrf := csrfOf(t, body)
	resp := b.post(t, "/console/sign-out", url.Values{"csrf_token": {csrf}})
	body, _, _ = page(t, resp)
	if resp.Request.URL.Path != "/console/signed-out" || !strings.Contains(body, "Sign in again") {
		t.Fatalf("sign-out ended at %s (%d):\n%.1000s", resp.Request.URL, resp.StatusCode, body)
	}
	// The refresh token is revoked.
	st, out, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}},
		admin.ConsoleClientID, console.ClientSecret([]byte(consoleMaster)))
	if st != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("refresh after sign-out: %d %v", st, out)
	}
	// The cookie is gone and the Sesame session ended: the console asks
	// for a password again.
	resp = b.get(t, e.URL+"/console/")
	if resp.Request.URL.Path != "/sign-in" {
		t.Fatalf("after sign-out, /console/ went to %s", resp.Request.URL)
	}
	resp.Body.Close()
}

func csrfOf(t testing.TB, body string) string {
	t.Helper()
	i := strings.Index(body, `name="csrf_token" value="`)
	if i < 0 {
		t.Fatalf("no CSRF token in:\n%.1000s", body)
	}
	rest := body[i+len(`name="csrf_token" value="`):]
	return rest[:strings.IndexByte(rest, '"')]
}

// TestConsoleCSRF posts every console form with a wrong token: each is
// refused and nothing changes.
func TestConsoleCSRF(t *testing.T) {
	e := consoleEnv(t, func(_ *config.Config, o *app.Options) { o.ConsoleSetup = &fakeSetup{done: true} })
	b := e.browser(t)
	e.consoleSignIn(t, b, "/console/", "root", "root-password-1")
	appID, _ := e.app(t, store.AppTraditional, []string{"https://app.example/cb"}, nil)
	victim := e.user(t, "victim", "victim-password-1")
	for _, path := range []string{"/console/apps", "/console/apps/" + appID + "/uris", "/console/apps/" + appID + "/cors",
		"/console/apps/" + appID + "/delete", "/console/apps/" + appID + "/settings", "/console/apps/" + appID + "/secrets",
		"/console/apps/" + appID + "/secrets/delete", "/console/apps/" + appID + "/secrets/rotate", "/console/users", "/console/users/" + victim.ID + "/password",
		"/console/users/" + victim.ID + "/suspend", "/console/users/" + victim.ID + "/sessions",
		"/console/users/" + victim.ID + "/delete", "/console/sign-out", "/console/setup"} {
		for _, tok := range []string{"", "forged"} {
			resp := b.post(t, path, url.Values{"csrf_token": {tok}, "name": {"Evil"}, "type": {"spa"}, "confirm": {"yes"},
				"suspend": {"true"}, "username": {"evil"}, "password": {"evil-password-1"}, "password_repeat": {"evil-password-1"},
				"redirect_uris": {"https://evil.example/cb"}, "cors_origins": {"https://evil.example"}})
			body, _, _ := page(t, resp)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "This form has expired") {
				t.Errorf("POST %s with token %q: %d, want 403\n%.300s", path, tok, resp.StatusCode, body)
			}
		}
	}
	// A cross-site POST is refused before the token is looked at.
	b.Origin = "https://evil.example"
	resp := b.post(t, "/console/users", url.Values{"username": {"evil"}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin POST: %d, want 403", resp.StatusCode)
	}
	ctx := context.Background()
	if c, err := e.Store.GetClient(ctx, appID); err != nil || c.RedirectURIs[0] != "https://app.example/cb" || len(c.CORSOrigins) != 0 {
		t.Errorf("app changed: %+v %v", c, err)
	}
	if u, err := e.Store.GetUser(ctx, victim.ID); err != nil || u.Suspended {
		t.Errorf("victim changed: %+v %v", u, err)
	}
	if _, err := e.Store.GetUserByLogin(ctx, "evil"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("evil user created: %v", err)
	}
	// The session survived the forged sign-out.
	resp = b.get(t, e.URL+"/console/")
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/console/" {
		t.Errorf("after forged sign-out: %s %d", resp.Request.URL, resp.StatusCode)
	}
	resp.Body.Close()
}

// TestConsoleCookieIsNotAPICredential: the console cookie does not
// authorize the Management API, and a tampered cookie means signing in
// again.
func TestConsoleCookieIsNotAPICredential(t *testing.T) {
	e := consoleEnv(t)
	b := e.browser(t)
	e.consoleSignIn(t, b, "/console/", "root", "root-password-1")
	c := consoleCookie(t, b, e)
	for _, path := range []string{"/api/applications", "/api/users"} {
		req, _ := http.NewRequest(http.MethodGet, e.URL+path, nil)
		req.AddCookie(c)
		resp, err := b.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Errorf("GET %s with the console cookie: %d", path, resp.StatusCode)
		}
		req.Header.Set("Authorization", "Bearer "+c.Value)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Errorf("GET %s with the console cookie as a bearer token: %d", path, resp.StatusCode)
		}
	}
	// Tampering: flip one byte of the sealed value.
	raw, _ := base64.RawURLEncoding.DecodeString(c.Value)
	raw[len(raw)/2] ^= 1
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, v := range []string{base64.RawURLEncoding.EncodeToString(raw), "garbage", ""} {
		req, _ := http.NewRequest(http.MethodGet, e.URL+"/console/users", nil)
		req.AddCookie(&http.Cookie{Name: "sesame_console", Value: v})
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), e.URL+"/oidc/auth?") {
			t.Errorf("cookie %.20q: %d to %q, want a redirect to sign in", v, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

// clock is a settable server clock.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// TestConsoleRefresh: an expired access token is renewed with the refresh
// token, without a trip to the sign-in page.
func TestConsoleRefresh(t *testing.T) {
	clk := &clock{}
	e := consoleEnv(t, func(_ *config.Config, o *app.Options) { o.Now = clk.now })
	b := e.browser(t)
	e.consoleSignIn(t, b, "/console/", "root", "root-password-1")
	before := openConsoleCookie(t, consoleCookie(t, b, e))
	clk.advance(2 * time.Hour)
	b.Client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp := b.get(t, e.URL+"/console/users")
	body, _, _ := page(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "User root") {
		t.Fatalf("after expiry: %d (Location %q)\n%.500s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	after := openConsoleCookie(t, consoleCookie(t, b, e))
	if after["a"] == before["a"] {
		t.Fatal("access token not refreshed")
	}
}

type fakeSetup struct {
	mu     sync.Mutex
	done   bool
	logins []string
}

func (f *fakeSetup) Needed(context.Context) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.done, nil
}

func (f *fakeSetup) Create(_ context.Context, token, login, pw string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if token != "good-token" {
		return admin.ErrUnauthorized // any *directory.Error: bad input
	}
	f.done = true
	f.logins = append(f.logins, login)
	return nil
}

func TestConsoleSetup(t *testing.T) {
	fs := &fakeSetup{}
	e := newEnv(t, withConsoleMaster, func(_ *config.Config, o *app.Options) { o.ConsoleSetup = fs })
	e.seedConsole(t)
	b := e.browser(t)
	for _, p := range []string{"/console/", "/console/apps", "/console/users/x"} {
		resp := b.get(t, e.URL+p)
		body, _, _ := page(t, resp)
		if !strings.Contains(body, "Sesame is not set up yet") || !strings.Contains(body, "sesame admins create") || strings.Contains(body, "Applications</a>") {
			t.Fatalf("%s before setup: %d\n%.800s", p, resp.StatusCode, body)
		}
	}
	resp := b.get(t, e.URL+"/console/setup?token=bad-token")
	body, action, csrf := page(t, resp)
	if action != "/console/setup" || csrf == "" {
		t.Fatalf("setup page: %d %.800s", resp.StatusCode, body)
	}
	form := url.Values{"csrf_token": {csrf}, "token": {"bad-token"}, "login": {"boss"}, "password": {"boss-password-1"}, "password_repeat": {"other"}}
	resp = b.post(t, action, form)
	if body, _, _ = page(t, resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "The two passwords differ") || !strings.Contains(body, `value="boss"`) {
		t.Fatalf("mismatched passwords: %d %.800s", resp.StatusCode, body)
	}
	form.Set("password_repeat", "boss-password-1")
	resp = b.post(t, action, form)
	if body, _, _ = page(t, resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "A valid bearer") {
		t.Fatalf("bad token: %d %.800s", resp.StatusCode, body)
	}
	form.Set("token", "good-token")
	resp = b.post(t, action, form)
	if body, _, _ = page(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Sesame is set up") {
		t.Fatalf("setup: %d %.800s", resp.StatusCode, body)
	}
	if len(fs.logins) != 1 || fs.logins[0] != "boss" {
		t.Fatalf("setup calls: %v", fs.logins)
	}
	// Set up: the console asks to sign in.
	resp = b.get(t, e.URL+"/console/")
	resp.Body.Close()
	if resp.Request.URL.Path != "/sign-in" {
		t.Fatalf("after setup, /console/ went to %s", resp.Request.URL)
	}
}

func withConsoleURIs(e **env) envOption {
	return func(_ *config.Config, o *app.Options) { o.ConsoleURIs = uriSaver{e} }
}

// uriSaver reaches the env's store once it exists.
type uriSaver struct{ e **env }

func (u uriSaver) SetURIs(ctx context.Context, c store.Client, r, l []string) error {
	return testkit.ClientURIs{Store: (*u.e).Store}.SetURIs(ctx, c, r, l)
}

const xssName = `<script>window.pwned=1</script>"><img src=x onerror="window.pwned=2">`

var secretRe = regexp.MustCompile(`id="app-secret">([A-Za-z0-9]+)<`)

func TestConsoleApps(t *testing.T) {
	var e *env
	e = consoleEnv(t, withConsoleURIs(&e))
	b := e.browser(t)
	_, body := e.consoleSignIn(t, b, "/console/apps/new", "root", "root-password-1")
	csrf := csrfOf(t, body)

	// A bad type or empty name is shown on the form, nothing created.
	resp := b.post(t, "/console/apps", url.Values{"csrf_token": {csrf}, "name": {" "}, "type": {"traditional"}})
	if body, _, _ = page(t, resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Name is required") {
		t.Fatalf("empty name: %d %.600s", resp.StatusCode, body)
	}
	resp = b.post(t, "/console/apps", url.Values{"csrf_token": {csrf}, "name": {xssName}, "type": {"traditional"}})
	body, _, _ = page(t, resp)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %.600s", resp.StatusCode, body)
	}
	if strings.Contains(body, "<script>window.pwned") || strings.Contains(body, `<img src=x`) {
		t.Fatalf("app name rendered unescaped:\n%s", body)
	}
	m := secretRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no secret on the page after creation:\n%.2000s", body)
	}
	sec := m[1]
	apps, err := e.Store.ListClients(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var c store.Client
	for _, a := range apps {
		if a.Name == xssName {
			c = a
		}
	}
	if c.ID != "" {
		c, err = e.Store.GetClient(context.Background(), c.ID) // lists leave Secrets empty
		if err != nil {
			t.Fatal(err)
		}
	}
	if c.ID == "" || len(c.Secrets) != 1 || !bytes.Equal(c.Secrets[0].Hash, provider.HashSecret(sec)) {
		t.Fatalf("created app %+v does not accept the shown secret", c)
	}
	// Never again.
	for _, p := range []string{"/console/apps/" + c.ID, "/console/apps/" + c.ID + "/guide", "/console/apps/" + c.ID + "/guide?framework=next", "/console/apps"} {
		resp = b.get(t, e.URL+p)
		body, _, _ = page(t, resp)
		if resp.StatusCode != http.StatusOK || strings.Contains(body, sec) || !strings.Contains(body, c.ID) {
			t.Fatalf("%s: %d, secret shown or App ID missing:\n%.1500s", p, resp.StatusCode, body)
		}
		if strings.Contains(body, "<script>window.pwned") {
			t.Fatalf("%s renders the name unescaped", p)
		}
	}
	// The guide: the real endpoint, App ID and a fresh 32-byte cookie secret.
	resp = b.get(t, e.URL+"/console/apps/"+c.ID+"/guide")
	body, _, _ = page(t, resp)
	if !strings.Contains(body, `Endpoint:     "`+e.URL+`"`) || !strings.Contains(body, `AppID:        "`+c.ID) ||
		!regexp.MustCompile(`CookieSecret: "[0-9a-f]{64}"`).MatchString(body) || !strings.Contains(body, "Checkpoint") {
		t.Fatalf("guide lacks the config:\n%.3000s", body)
	}
	// Redirect URIs from the guide: each field's error by the field.
	resp = b.post(t, "/console/apps/"+c.ID+"/uris", url.Values{"csrf_token": {csrf}, "from": {"guide"}, "framework": {"go"},
		"redirect_uris": {"not a url"}, "post_logout_redirect_uris": {"http://localhost:3000/"}})
	body, _, _ = page(t, resp)
	if resp.StatusCode != http.StatusBadRequest || strings.Count(body, `class="field-error"`) != 1 ||
		!strings.Contains(body, "not a url") || !strings.Contains(body, "Integrate") {
		t.Fatalf("bad redirect URI: %d\n%.3000s", resp.StatusCode, body)
	}
	resp = b.post(t, "/console/apps/"+c.ID+"/uris", url.Values{"csrf_token": {csrf}, "from": {"guide"}, "framework": {"next"},
		"redirect_uris": {"http://localhost:3000/callback\n\n"}, "post_logout_redirect_uris": {"http://localhost:3000/"}})
	body, _, _ = page(t, resp)
	if resp.Request.URL.Path != "/console/apps/"+c.ID+"/guide" || !strings.Contains(body, "Saved.") || !strings.Contains(body, "@logto/next") {
		t.Fatalf("save from guide ended at %s:\n%.1000s", resp.Request.URL, body)
	}
	c, err = e.Store.GetClient(context.Background(), c.ID)
	if err != nil || len(c.RedirectURIs) != 1 || c.RedirectURIs[0] != "http://localhost:3000/callback" || c.PostLogoutRedirectURIs[0] != "http://localhost:3000/" {
		t.Fatalf("saved %+v %v", c, err)
	}
	// CORS origins, validated by directory.
	resp = b.post(t, "/console/apps/"+c.ID+"/cors", url.Values{"csrf_token": {csrf}, "cors_origins": {"https://ok.example\nftp://bad"}})
	if body, _, _ = page(t, resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "ftp://bad") {
		t.Fatalf("bad origin: %d %.800s", resp.StatusCode, body)
	}
	// Delete needs the name typed.
	resp = b.post(t, "/console/apps/"+c.ID+"/delete", url.Values{"csrf_token": {csrf}, "confirm": {"nope"}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("delete without confirmation: %d", resp.StatusCode)
	}
	resp = b.post(t, "/console/apps/"+c.ID+"/delete", url.Values{"csrf_token": {csrf}, "confirm": {xssName}})
	resp.Body.Close()
	if resp.Request.URL.Path != "/console/apps" {
		t.Fatalf("delete ended at %s", resp.Request.URL)
	}
	if _, err := e.Store.GetClient(context.Background(), c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("app not deleted: %v", err)
	}
	// The console's own client is not an app of the console.
	resp = b.get(t, e.URL+"/console/apps/"+admin.ConsoleClientID)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("console client page: %d", resp.StatusCode)
	}
}

func TestConsoleUsers(t *testing.T) {
	e := consoleEnv(t)
	b := e.browser(t)
	_, body := e.consoleSignIn(t, b, "/console/users/new", "root", "root-password-1")
	csrf := csrfOf(t, body)
	form := url.Values{"csrf_token": {csrf}, "username": {"bob"}, "email": {"bob@example.com"}, "name": {xssName},
		"password": {"bob-password-1"}, "password_repeat": {"bob-password-2"}}
	resp := b.post(t, "/console/users", form)
	if body, _, _ = page(t, resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "differ") {
		t.Fatalf("mismatch: %d %.500s", resp.StatusCode, body)
	}
	form.Set("password_repeat", "bob-password-1")
	form.Set("username", "bad name!")
	resp = b.post(t, "/console/users", form)
	if body, _, _ = page(t, resp); resp.StatusCode != http.StatusBadRequest || strings.Contains(body, "--username") {
		t.Fatalf("bad username: %d %.800s", resp.StatusCode, body)
	}
	form.Set("username", "bob")
	resp = b.post(t, "/console/users", form)
	body, _, _ = page(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Request.URL.Path, "/console/users/") || strings.Contains(body, "<script>window.pwned") {
		t.Fatalf("create: %s %d %.800s", resp.Request.URL, resp.StatusCode, body)
	}
	id := strings.TrimPrefix(resp.Request.URL.Path, "/console/users/")
	// Search finds bob, not root.
	resp = b.get(t, e.URL+"/console/users?q=bob%40")
	if body, _, _ = page(t, resp); !strings.Contains(body, "bob@example.com") || strings.Contains(body, "User root") || strings.Contains(body, "<script>window.pwned") {
		t.Fatalf("search:\n%.2000s", body)
	}
	ctx := context.Background()
	resp = b.post(t, "/console/users/"+id+"/suspend", url.Values{"csrf_token": {csrf}, "suspend": {"true"}})
	if body, _, _ = page(t, resp); !strings.Contains(body, "is suspended") {
		t.Fatalf("suspend: %.500s", body)
	}
	if u, _ := e.Store.GetUser(ctx, id); !u.Suspended {
		t.Fatal("not suspended")
	}
	resp = b.post(t, "/console/users/"+id+"/suspend", url.Values{"csrf_token": {csrf}, "suspend": {"false"}})
	resp.Body.Close()
	if u, _ := e.Store.GetUser(ctx, id); u.Suspended {
		t.Fatal("still suspended")
	}
	resp = b.post(t, "/console/users/"+id+"/password", url.Values{"csrf_token": {csrf}, "password": {"x"}, "password_repeat": {"x"}})
	if body, _, _ = page(t, resp); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("short password: %d %.500s", resp.StatusCode, body)
	}
	resp = b.post(t, "/console/users/"+id+"/password", url.Values{"csrf_token": {csrf}, "password": {"new-bob-password-1"}, "password_repeat": {"new-bob-password-1"}})
	if body, _, _ = page(t, resp); !strings.Contains(body, "new password is set") {
		t.Fatalf("password: %.500s", body)
	}
	// bob signs in with the new password.
	rp, _ := e.app(t, store.AppTraditional, []string{"https://app.example/cb"}, nil)
	if code, _, _ := e.flow(t, e.browser(t), rp, "https://app.example/cb", true, "bob", "new-bob-password-1", nil); code == "" {
		t.Fatal("bob cannot sign in with the new password")
	}
	resp = b.post(t, "/console/users/"+id+"/sessions", url.Values{"csrf_token": {csrf}})
	if body, _, _ = page(t, resp); !strings.Contains(body, "Every session") {
		t.Fatalf("end sessions: %.500s", body)
	}
	resp = b.post(t, "/console/users/"+id+"/delete", url.Values{"csrf_token": {csrf}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("delete unconfirmed: %d", resp.StatusCode)
	}
	resp = b.post(t, "/console/users/"+id+"/delete", url.Values{"csrf_token": {csrf}, "confirm": {"yes"}})
	resp.Body.Close()
	if _, err := e.Store.GetUser(ctx, id); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("not deleted: %v", err)
	}
	resp = b.get(t, e.URL+"/console/users/"+id)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("deleted user page: %d", resp.StatusCode)
	}
}
