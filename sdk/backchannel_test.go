package sesame

import (
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"
)

// newLogoutApp is a test app with a memory store, the back-channel logout
// handler mounted, and ID tokens that carry the sid the OP is set to.
func newLogoutApp(t *testing.T) (*testApp, *MemoryStore) {
	t.Helper()
	store, err := NewMemoryStore("sess", false, 0)
	if err != nil {
		t.Fatal(err)
	}
	a := newTestApp(t, func(c *Config) { c.Store = store })
	store.now = a.clock.Now
	a.op.set(func(op *testOP) { op.extraClaims = map[string]any{"sid": "sid-A"} })
	mux := a.srv.Config.Handler.(*http.ServeMux)
	mux.Handle("/backchannel-logout", a.client.BackChannelLogoutHandler())
	return a, store
}

// newBrowser gives the app a fresh browser (cookie jar) and returns the
// previous one, to switch back with useBrowser.
func (a *testApp) newBrowser() *http.Client {
	old := a.browser
	a.jar, _ = cookiejar.New(nil)
	a.browser = &http.Client{Jar: a.jar, Timeout: 10 * time.Second}
	return old
}

func (a *testApp) useBrowser(b *http.Client) {
	a.browser = b
	a.jar = b.Jar.(*cookiejar.Jar)
}

// logoutToken signs a logout token for the app; mutate edits its claims.
func (a *testApp) logoutToken(mutate func(map[string]any)) string {
	now := a.clock.Now()
	claims := map[string]any{
		"iss": a.op.issuer, "aud": a.op.clientID, "iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(),
		"jti": rand.Text(), "sub": "user-1", "sid": "sid-A",
		"events": map[string]any{backChannelLogoutEvent: map[string]any{}},
	}
	if mutate != nil {
		mutate(claims)
	}
	return a.op.sign(claims, "logout+jwt")
}

// postLogout posts a logout token the way Sesame does and returns the status
// and the OAuth error code, if any.
func (a *testApp) postLogout(token string) (int, string) {
	a.t.Helper()
	resp, err := http.PostForm(a.srv.URL+"/backchannel-logout", url.Values{"logout_token": {token}})
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct{ Error string }
	_ = json.NewDecoder(resp.Body).Decode(&e)
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		a.t.Errorf("Cache-Control %q, want no-store", cc)
	}
	return resp.StatusCode, e.Error
}

// TestBackChannelLogoutEndsTheSession: a logout token naming a sid ends the
// sessions signed in with that sid and no other; one naming only the
// subject ends all of the user's.
func TestBackChannelLogoutEndsTheSession(t *testing.T) {
	a, store := newLogoutApp(t)
	a.signIn() // browser 1, sid-A
	b1 := a.newBrowser()
	a.op.set(func(op *testOP) { op.extraClaims = map[string]any{"sid": "sid-B"} })
	a.signIn() // browser 2, sid-B
	b2 := a.browser
	if store.Len() != 2 {
		t.Fatalf("store holds %d sessions, want 2", store.Len())
	}

	// The sid of one user's session with another subject ends nothing.
	if st, code := a.postLogout(a.logoutToken(func(c map[string]any) { c["sub"] = "someone-else"; c["sid"] = "sid-A" })); st != 200 {
		t.Fatalf("logout token for sid-A of another user: %d %s", st, code)
	}
	if store.Len() != 2 {
		t.Fatalf("a logout of another user's sid ended a session (%d left)", store.Len())
	}
	if st, code := a.postLogout(a.logoutToken(func(c map[string]any) { c["sub"] = "user-1"; c["sid"] = "sid-A" })); st != 200 {
		t.Fatalf("logout token for sid-A: %d %s", st, code)
	}
	a.useBrowser(b1)
	if auth, _ := a.home(); auth {
		t.Error("browser 1 (sid-A) is still signed in after its back-channel logout")
	}
	a.useBrowser(b2)
	if auth, _ := a.home(); !auth {
		t.Error("browser 2 (sid-B) was signed out by sid-A's logout")
	}

	if st, code := a.postLogout(a.logoutToken(func(c map[string]any) { c["sub"] = "user-1"; delete(c, "sid") })); st != 200 {
		t.Fatalf("logout token for the subject: %d %s", st, code)
	}
	if auth, _ := a.home(); auth {
		t.Error("browser 2 is still signed in after a logout of every session of its user")
	}
	if store.Len() != 0 {
		t.Errorf("store holds %d sessions after both logouts", store.Len())
	}
}

// TestBackChannelLogoutRefusals: every token that section 2.6 of the
// specification says to refuse gets a 400 and ends nothing.
func TestBackChannelLogoutRefusals(t *testing.T) {
	a, store := newLogoutApp(t)
	a.signIn()
	valid := func(c map[string]any) { c["sub"] = "ada" }
	cases := map[string]string{
		"no token":  "",
		"not a JWT": "abc",
		"ID token type": a.op.sign(map[string]any{"iss": a.op.issuer, "aud": a.op.clientID, "sub": "ada", "sid": "sid-A", "jti": "x1",
			"iat": a.clock.Now().Unix(), "exp": a.clock.Now().Add(time.Minute).Unix(),
			"events": map[string]any{backChannelLogoutEvent: map[string]any{}}}, "JWT"),
		"no event":    a.logoutToken(func(c map[string]any) { valid(c); delete(c, "events") }),
		"other event": a.logoutToken(func(c map[string]any) { valid(c); c["events"] = map[string]any{"urn:other": map[string]any{}} }),
		"event not an object": a.logoutToken(func(c map[string]any) {
			valid(c)
			c["events"] = map[string]any{backChannelLogoutEvent: "yes"}
		}),
		"nonce":          a.logoutToken(func(c map[string]any) { valid(c); c["nonce"] = "n" }),
		"no sub, no sid": a.logoutToken(func(c map[string]any) { delete(c, "sub"); delete(c, "sid") }),
		"no jti":         a.logoutToken(func(c map[string]any) { valid(c); delete(c, "jti") }),
		"other audience": a.logoutToken(func(c map[string]any) { valid(c); c["aud"] = "another-app" }),
		"other issuer":   a.logoutToken(func(c map[string]any) { valid(c); c["iss"] = "https://evil.example/oidc" }),
		"expired": a.logoutToken(func(c map[string]any) {
			valid(c)
			c["exp"] = a.clock.Now().Add(-5 * time.Minute).Unix()
		}),
		"issued in the future": a.logoutToken(func(c map[string]any) {
			valid(c)
			c["iat"] = a.clock.Now().Add(time.Hour).Unix()
			c["exp"] = a.clock.Now().Add(2 * time.Hour).Unix()
		}),
	}
	tampered := a.logoutToken(valid)
	parts := strings.Split(tampered, ".")
	claims := strings.Replace(parts[1], parts[1][:4], "eyJa", 1)
	cases["tampered"] = parts[0] + "." + claims + "." + parts[2]
	for name, tok := range cases {
		if st, code := a.postLogout(tok); st != http.StatusBadRequest || code != "invalid_request" {
			t.Errorf("%s: %d %q, want 400 invalid_request", name, st, code)
		}
	}
	if auth, _ := a.home(); !auth || store.Len() != 1 {
		t.Fatalf("a refused token ended the session (signed in %v, %d sessions)", auth, store.Len())
	}

	// A replayed token is refused the second time.
	tok := a.logoutToken(func(c map[string]any) { valid(c); c["sid"] = "sid-none" })
	if st, _ := a.postLogout(tok); st != 200 {
		t.Fatalf("first delivery: %d", st)
	}
	if st, code := a.postLogout(tok); st != http.StatusBadRequest || code != "invalid_request" {
		t.Errorf("replayed jti: %d %q, want 400", st, code)
	}

	resp, err := http.Get(a.srv.URL + "/backchannel-logout")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET: %d Allow %q, want 405 POST", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

// TestBackChannelLogoutNeedsAServerStore: with the cookie store the handler
// answers 501 and ends nothing, since it has nothing to end.
func TestBackChannelLogoutNeedsAServerStore(t *testing.T) {
	a := newTestApp(t)
	mux := a.srv.Config.Handler.(*http.ServeMux)
	mux.Handle("/backchannel-logout", a.client.BackChannelLogoutHandler())
	a.signIn()
	if st, code := a.postLogout(a.logoutToken(nil)); st != http.StatusNotImplemented || code != "server_error" {
		t.Errorf("cookie store: %d %q, want 501 server_error", st, code)
	}
	if auth, _ := a.home(); !auth {
		t.Error("the session ended")
	}
}

// TestMemoryStore: the session ID changes when the owner does (no
// fixation), Delete and a copied cookie, sessions expire, and the cookie's
// attributes.
func TestMemoryStore(t *testing.T) {
	a, store := newLogoutApp(t)
	start := a.startSignIn() // saves an ownerless sign-in session
	before := a.jar.Cookies(mustURL(t, a.srv.URL))
	if len(before) != 1 || before[0].Name != "sess" {
		t.Fatalf("cookies before sign-in: %v", before)
	}
	cb := a.authorize(start)
	if resp, err := a.browser.Get(cb.String()); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	after := a.jar.Cookies(mustURL(t, a.srv.URL))
	if len(after) != 1 || after[0].Value == before[0].Value {
		t.Fatalf("session ID kept across sign-in: before %v after %v", before, after)
	}
	if auth, _ := a.home(); !auth {
		t.Fatal("not signed in")
	}
	// The pre-sign-in ID names nothing now.
	r, _ := http.NewRequest("GET", a.srv.URL, nil)
	r.AddCookie(&http.Cookie{Name: "sess", Value: before[0].Value})
	if data, _ := store.Load(t.Context(), r); data != nil {
		t.Error("the session ID from before sign-in still loads a session")
	}

	// Expiry: after maxAge without a save the session is gone (well within
	// the SDK's own session lifetime).
	store.mu.Lock()
	store.maxAge = time.Hour
	store.mu.Unlock()
	a.home()
	a.clock.Advance(2 * time.Minute)
	a.home() // saved again: lives an hour from now
	a.clock.Advance(59 * time.Minute)
	if auth, _ := a.home(); !auth {
		t.Fatal("session ended before the store's max age")
	}
	a.clock.Advance(61 * time.Minute)
	if auth, _ := a.home(); auth {
		t.Error("session outlived the store's max age")
	}

	if _, err := NewMemoryStore("bad name;", false, 0); err == nil {
		t.Error("a cookie name with ';' was accepted")
	}
	s, _ := NewMemoryStore("__Host-x", false, 0)
	if ck := s.cookie("v", 1); !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
		t.Errorf("cookie attributes %+v", ck)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
