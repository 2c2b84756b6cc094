package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/store"
)

// auditEntries flushes the server's audit log and returns every entry,
// oldest first.
func (e *env) auditEntries(t testing.TB, q audit.Query) []audit.Entry {
	t.Helper()
	l := e.Server.Audit()
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	q.PageSize = store.MaxPageSize
	es, _, err := l.List(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i]
	}
	return es
}

// TestAuditSignInAndTokens: failed and successful sign-ins and the token
// requests that follow are recorded with who, which app, which session,
// from where and the outcome; nothing secret is.
func TestAuditSignInAndTokens(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, nil)
	alice := e.user(t, "alice", "password-alice")
	mallory := e.user(t, "mallory", "password-mallory")
	if _, err := e.Store.SuspendUser(context.Background(), mallory.ID, true, time.Now()); err != nil {
		t.Fatal(err)
	}
	b := e.browser(t)
	b.Client.Transport = userAgent{"audit-test/1.0 (" + strings.Repeat("x", 600) + ")"}

	verifier, challenge := pkce()
	resp := b.get(t, e.authURL(id, r, url.Values{"code_challenge": {challenge}, "code_challenge_method": {"S256"}}))
	for _, try := range [][2]string{{"nobody", "whatever-secret-1"}, {"alice", "wrong-secret-2"}, {"mallory", "password-mallory"}} {
		resp = b.login(t, resp, try[0], try[1])
		if resp.StatusCode < 400 {
			t.Fatalf("sign-in as %s: status %d", try[0], resp.StatusCode)
		}
	}
	cb := callback(t, b.login(t, resp, "alice", "password-alice"), r)
	code := cb.Query().Get("code")
	st, body := e.exchange(t, id, secret, code, verifier, r)
	if st != 200 {
		t.Fatalf("exchange: %d %v", st, body)
	}
	sid, _ := unsafeClaims(t, body["id_token"].(string), jose.ES384)["sid"].(string)
	if sid == "" {
		t.Fatal("no sid in the ID token")
	}
	rt := body["refresh_token"].(string)
	if st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, id, secret); st != 200 {
		t.Fatalf("refresh: %d %v", st, body)
	}
	if st, _ := e.exchange(t, id, secret, code, verifier, r); st != 400 { // replay
		t.Fatalf("replayed code: %d", st)
	}
	if st, _, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, id, "not-the-secret"); st != 401 {
		t.Fatalf("refresh with a bad secret: %d", st)
	}
	m2m, m2mSecret := e.app(t, store.AppM2M, nil, nil)
	e.resource(t, "https://api.example.com", "read", "write")
	e.permit(t, m2m, map[string][]string{"https://api.example.com": {"read"}})
	cc := url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.example.com"}, "scope": {"read"}}
	if st, body, _ := e.postForm(t, "/oidc/token", cc, m2m, m2mSecret); st != 200 {
		t.Fatalf("client_credentials: %d %v", st, body)
	}
	cc.Set("scope", "write")
	if st, _, _ := e.postForm(t, "/oidc/token", cc, m2m, m2mSecret); st != 400 {
		t.Fatalf("client_credentials beyond the role: %d", st)
	}
	// Not recorded: a grant type Sesame does not serve.
	e.postForm(t, "/oidc/token", url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"password-alice"}}, id, secret)

	type row struct{ key, result, reason, user, app, sid string }
	want := []row{
		{audit.KeySignIn, "Error", "unknown_user", "", id, ""},
		{audit.KeySignIn, "Error", "wrong_password", alice.ID, id, ""},
		{audit.KeySignIn, "Error", "suspended", mallory.ID, id, ""},
		{audit.KeySignIn, "Success", "", alice.ID, id, sid},
		{audit.KeyTokenAuthorizationCode, "Success", "", alice.ID, id, sid},
		{audit.KeyTokenRefreshToken, "Success", "", alice.ID, id, sid},
		{audit.KeyTokenAuthorizationCode, "Error", "invalid_grant", "", id, ""},
		{audit.KeyTokenRefreshToken, "Error", "invalid_client", "", "", ""},
		{audit.KeyTokenClientCredentials, "Success", "", "", m2m, ""},
		{audit.KeyTokenClientCredentials, "Error", "invalid_scope", "", m2m, ""},
	}
	es := e.auditEntries(t, audit.Query{})
	if len(es) != len(want) {
		for _, x := range es {
			t.Logf("%s %s %s user=%s app=%s", x.Key, x.Result, x.Error, x.UserID, x.ApplicationID)
		}
		t.Fatalf("%d entries, want %d", len(es), len(want))
	}
	for i, w := range want {
		x := es[i]
		if got := (row{x.Key, x.Result, x.Error, x.UserID, x.ApplicationID, x.SessionID}); got != w {
			t.Errorf("entry %d = %+v, want %+v", i, got, w)
		}
		if x.IP != "127.0.0.1" || x.CreatedAt.IsZero() || x.ID == "" || x.Actor != "" {
			t.Errorf("entry %d: ip %q, created %v, id %q, actor %q", i, x.IP, x.CreatedAt, x.ID, x.Actor)
		}
	}
	// The browser's user agent, cut to 512 bytes; Go's for the back channel.
	if ua := es[0].UserAgent; len(ua) != audit.MaxUserAgent || !strings.HasPrefix(ua, "audit-test/1.0 (") {
		t.Errorf("sign-in user agent %d bytes: %.40q", len(ua), ua)
	}
	if ua := es[4].UserAgent; !strings.HasPrefix(ua, "Go-http-client/") {
		t.Errorf("token request user agent %q", ua)
	}

	// Nothing secret reaches the log: passwords tried, the code, tokens,
	// client secrets, the session cookie.
	all, _ := json.Marshal(audit.Views(es))
	u, _ := url.Parse(e.URL)
	secrets := []string{"whatever-secret-1", "wrong-secret-2", "password-alice", "password-mallory", code, rt, secret, m2mSecret,
		body["access_token"].(string), "nobody"}
	for _, c := range b.Client.Jar.Cookies(u) {
		secrets = append(secrets, c.Value)
	}
	for _, s := range secrets {
		if strings.Contains(string(all), s) {
			t.Errorf("the audit log contains %.20q", s)
		}
	}

	// Filters: by user, by app, by key.
	if got := e.auditEntries(t, audit.Query{UserID: alice.ID}); len(got) != 4 {
		t.Errorf("alice's entries: %d, want 4", len(got))
	}
	if got := e.auditEntries(t, audit.Query{ApplicationID: m2m}); len(got) != 2 {
		t.Errorf("the M2M app's entries: %d, want 2", len(got))
	}
	if got := e.auditEntries(t, audit.Query{Key: audit.KeySignIn}); len(got) != 4 {
		t.Errorf("sign-in entries: %d, want 4", len(got))
	}
}

// TestAuditRegisterAndThrottle: registrations and throttled sign-ins are
// recorded; the drop counter is among the metrics.
func TestAuditRegisterAndThrottle(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppSPA, []string{r}, nil)
	e.user(t, "taken", "password-taken")
	b := e.browser(t)
	_, challenge := pkce()
	resp := b.get(t, e.authURL(id, r, url.Values{"code_challenge": {challenge}, "code_challenge_method": {"S256"}}))
	_, _, _ = page(t, resp)
	reg := strings.Replace(resp.Request.URL.String(), "/sign-in", "/register", 1)
	register := func(username string) *http.Response {
		_, action, csrf := page(t, b.get(t, reg))
		return b.post(t, action, url.Values{"username": {username}, "password": {"password-new-1"},
			"password_confirm": {"password-new-1"}, "csrf_token": {csrf}})
	}
	if resp := register("taken"); resp.StatusCode != 400 {
		t.Fatalf("registering a taken username: %d", resp.StatusCode)
	}
	callback(t, register("newcomer"), r)
	newcomer, err := e.Store.GetUserByLogin(context.Background(), "newcomer")
	if err != nil {
		t.Fatal(err)
	}
	es := e.auditEntries(t, audit.Query{Key: audit.KeyRegister})
	if len(es) != 2 || es[0].Result != "Error" || es[0].Error != "identifier_taken" || es[0].UserID != "" ||
		es[1].Result != "Success" || es[1].UserID != newcomer.ID || es[1].SessionID == "" || es[1].ApplicationID != id {
		t.Errorf("register entries %+v", es)
	}

	// Five wrong passwords use up the account's budget; the sixth attempt
	// is throttled before any password is checked.
	resp = b.get(t, e.authURL(id, r, url.Values{"code_challenge": {challenge}, "code_challenge_method": {"S256"}, "prompt": {"login"}}))
	for range 6 {
		resp = b.login(t, resp, "taken", "wrong-password")
	}
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("sixth attempt: %d", resp.StatusCode)
	}
	es = e.auditEntries(t, audit.Query{Key: audit.KeySignIn})
	if n := len(es); n != 6 || es[5].Error != "throttled" || es[5].UserID == "" || es[4].Error != "wrong_password" {
		t.Errorf("sign-in entries: %d, last %+v", n, es[n-1])
	}

	rec := httptest.NewRecorder()
	e.Server.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	metrics, _ := io.ReadAll(rec.Body)
	if !strings.Contains(string(metrics), "sesame_audit_dropped_total 0") {
		t.Errorf("metrics lack sesame_audit_dropped_total 0")
	}
}

// userAgent sets the User-Agent of every request.
type userAgent struct{ ua string }

func (u userAgent) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", u.ua)
	return http.DefaultTransport.RoundTrip(r)
}
