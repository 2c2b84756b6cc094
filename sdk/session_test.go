package sesame

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestTamperedAndTruncatedCookieMeansSignedOut(t *testing.T) {
	a := newTestApp(t)
	a.signIn()
	good := a.cookies()
	if len(good) != 1 {
		t.Fatalf("cookies %v", good)
	}
	v := good[0].Value
	mutations := map[string]string{
		"flipped byte":  v[:len(v)/2] + string(rune('A'+(v[len(v)/2]-'A'+1)%26)) + v[len(v)/2+1:],
		"truncated":     v[:len(v)-10],
		"half":          v[:len(v)/2],
		"empty":         "",
		"not base64":    "!!!" + v,
		"other version": "Ag" + v[2:],
	}
	for name, mv := range mutations {
		t.Run(name, func(t *testing.T) {
			if mv == v {
				t.Fatal("mutation did not change the value")
			}
			a.setCookies([]*http.Cookie{{Name: good[0].Name, Value: mv}})
			resp, err := a.browser.Get(a.srv.URL + "/")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("status %d, want 200", resp.StatusCode)
			}
			if auth, _ := a.home(); auth {
				t.Error("tampered cookie still signed in")
			}
		})
	}
	// A cookie encrypted under another secret (or for another app) is no session.
	other, _ := NewCookieStore("sesame_app123", strings.Repeat("x", 32), false)
	w := httptest.NewRecorder()
	_ = other.Save(t.Context(), w, httptest.NewRequest("GET", "/", nil), []byte(`{"idToken":"a.b.c"}`))
	a.setCookies(w.Result().Cookies())
	if auth, _ := a.home(); auth {
		t.Error("cookie under a different secret accepted")
	}
	a.setCookies(good)
	if auth, _ := a.home(); !auth {
		t.Error("the original cookie no longer works")
	}
}

func TestLargeSessionIsChunked(t *testing.T) {
	a := newTestApp(t)
	orgs := make([]string, 400)
	for i := range orgs {
		orgs[i] = fmt.Sprintf("organization-%04d", i)
	}
	a.op.set(func(op *testOP) { op.extraClaims = map[string]any{"organizations": orgs} })

	resp := a.noRedirect("GET", a.authorize(a.startSignIn()).String(), nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("callback: %d", resp.StatusCode)
	}
	names := map[string]int{}
	for _, line := range resp.Header.Values("Set-Cookie") {
		if len(line) > 4096 {
			t.Errorf("Set-Cookie line of %d bytes", len(line))
		}
		c, _ := http.ParseSetCookie(line)
		names[c.Name] = c.MaxAge
	}
	if names["sesame_app123_0"] <= 0 || names["sesame_app123_1"] <= 0 {
		t.Fatalf("no chunks written: %v", names)
	}
	if ma, ok := names["sesame_app123"]; !ok || ma >= 0 {
		t.Errorf("the single cookie left by the sign-in was not deleted: %v", names)
	}
	total := 0
	for _, c := range a.cookies() {
		total += len(c.Value)
	}
	if total <= 4096 {
		t.Fatalf("session only %d bytes; test needs > 4 KB", total)
	}
	var v struct {
		Auth bool
		Sub  string
		Orgs int
	}
	a.getJSON("/", &v)
	if !v.Auth || v.Sub != "user-1" || v.Orgs != 400 {
		t.Fatalf("chunked session read back as %+v", v)
	}

	// A missing chunk means signed out.
	var partial []*http.Cookie
	for _, c := range a.cookies() {
		if c.Name != "sesame_app123_1" {
			partial = append(partial, c)
		}
	}
	full := a.cookies()
	a.setCookies(partial)
	if auth, _ := a.home(); auth {
		t.Error("signed in with a chunk missing")
	}
	a.setCookies(full)

	// Shrinking back to one cookie deletes the stale chunks.
	a.op.set(func(op *testOP) { op.extraClaims = nil })
	resp = a.noRedirect("POST", "/sign-in", nil)
	deleted := map[string]bool{}
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 {
			deleted[c.Name] = true
		}
	}
	for _, c := range full {
		if !deleted[c.Name] {
			t.Errorf("stale chunk %s not deleted", c.Name)
		}
	}
}

func TestCookieStoreRoundTripAndSecondSave(t *testing.T) {
	s, err := NewCookieStore("sesame_x", testCookieSecret, false)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	big := bytes.Repeat([]byte("0123456789"), 2000) // 20 KB: several chunks
	r := httptest.NewRequest("GET", "/", nil)
	w := httptest.NewRecorder()
	if err := s.Save(ctx, w, r, big); err != nil {
		t.Fatal(err)
	}
	// A second Save in the same request replaces the first one's cookies.
	if err := s.Save(ctx, w, r, []byte("small")); err != nil {
		t.Fatal(err)
	}
	set := w.Result().Cookies()
	live := map[string]string{}
	for _, c := range set {
		if c.MaxAge > 0 {
			live[c.Name] = c.Value
		}
	}
	if len(live) != 1 || live["sesame_x"] == "" {
		t.Fatalf("live cookies after second save: %v", live)
	}
	r2 := httptest.NewRequest("GET", "/", nil)
	r2.AddCookie(&http.Cookie{Name: "sesame_x", Value: live["sesame_x"]})
	got, _ := s.Load(ctx, r2)
	if string(got) != "small" {
		t.Fatalf("Load = %q", got)
	}

	// Round trip of the big value through chunks.
	w = httptest.NewRecorder()
	_ = s.Save(ctx, w, r, big)
	r3 := httptest.NewRequest("GET", "/", nil)
	for _, c := range w.Result().Cookies() {
		r3.AddCookie(c)
	}
	got, _ = s.Load(ctx, r3)
	if !bytes.Equal(got, big) {
		t.Fatal("chunked round trip failed")
	}
	// Too large for cookies.
	err = s.Save(ctx, httptest.NewRecorder(), r, bytes.Repeat([]byte{1}, 60000))
	if !errors.Is(err, ErrSessionTooLarge) {
		t.Fatalf("err = %v", err)
	}
}

func TestCookieName(t *testing.T) {
	for in, want := range map[string]string{"abc123": "sesame_abc123", "a.b c;d": "sesame_a_b_c_d", "é": "sesame___"} {
		if got := CookieName(in); got != want {
			t.Errorf("CookieName(%q) = %q, want %q", in, got, want)
		}
	}
}

// memoryStore is a server-side SessionStore: the cookie holds only an ID.
type memoryStore struct{ m map[string][]byte }

func (s *memoryStore) Load(_ context.Context, r *http.Request) ([]byte, error) {
	c, err := r.Cookie("sid")
	if err != nil {
		return nil, nil
	}
	return s.m[c.Value], nil
}

func (s *memoryStore) Save(_ context.Context, w http.ResponseWriter, r *http.Request, data []byte) error {
	id := randomString(16)
	if c, err := r.Cookie("sid"); err == nil {
		id = c.Value
	}
	s.m[id] = data
	http.SetCookie(w, &http.Cookie{Name: "sid", Value: id, Path: "/", HttpOnly: true})
	return nil
}

func (s *memoryStore) Delete(_ context.Context, w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie("sid"); err == nil {
		delete(s.m, c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: "sid", Path: "/", MaxAge: -1})
	return nil
}

func TestCustomSessionStore(t *testing.T) {
	store := &memoryStore{m: map[string][]byte{}}
	a := newTestApp(t, func(c *Config) { c.Store = store; c.CookieSecret = "" })
	a.signIn()
	if len(store.m) != 1 {
		t.Fatalf("store holds %d sessions", len(store.m))
	}
	for _, c := range a.cookies() {
		if c.Name != "sid" {
			t.Errorf("unexpected cookie %s", c.Name)
		}
	}
	a.noRedirect("POST", "/sign-out", nil)
	if len(store.m) != 0 {
		t.Error("sign-out left the session in the store")
	}
}

// homeClears fetches / without following redirects and reports whether it
// deleted the session cookie.
func (a *testApp) homeClears() (auth, cleared bool) {
	a.t.Helper()
	resp := a.noRedirect("GET", "/", nil)
	for _, c := range resp.Cookies() {
		cleared = cleared || (strings.HasPrefix(c.Name, "sesame_app123") && c.MaxAge < 0)
	}
	auth, _ = a.home()
	return auth, cleared
}

// The cookie session ends SessionLifetime after sign-in however active it is
// (docs/security.md, item 8.16).
func TestSessionAbsoluteLifetime(t *testing.T) {
	a := newTestApp(t)
	a.signIn()
	copied := a.cookies()
	for range 6 { // 12 days, used every 2 days
		a.clock.Advance(48 * time.Hour)
		if auth, _ := a.home(); !auth {
			t.Fatal("signed out of an active session before its lifetime")
		}
	}
	a.clock.Advance(48*time.Hour - time.Second) // 14 days minus a second
	if auth, _ := a.home(); !auth {
		t.Fatal("signed out a second before the lifetime")
	}
	a.clock.Advance(time.Second)
	if auth, cleared := a.homeClears(); auth || !cleared {
		t.Fatalf("after 14 days: signed in %v, cookie cleared %v", auth, cleared)
	}
	a.setCookies(copied)
	if auth, _ := a.home(); auth {
		t.Fatal("a copy of the sign-in cookie still works after 14 days")
	}
	// Signing out of the expired session still revokes its refresh token.
	a.setCookies(copied)
	a.noRedirect("POST", "/sign-out", nil)
	if len(a.op.revoked) != 1 || !strings.HasPrefix(a.op.revoked[0], "rt-") {
		t.Errorf("revoked %v at sign-out of an expired session", a.op.revoked)
	}
}

// The cookie session ends after SessionIdleTimeout without use, and a cookie
// copied earlier ends with it (docs/security.md, item 8.16).
func TestSessionIdleTimeout(t *testing.T) {
	a := newTestApp(t, func(c *Config) { c.SessionIdleTimeout = 2 * time.Hour })
	a.signIn()
	copied := a.cookies()
	a.clock.Advance(90 * time.Minute)
	if auth, _ := a.home(); !auth { // used: last seen is renewed
		t.Fatal("signed out before the idle timeout")
	}
	a.clock.Advance(90 * time.Minute)
	if auth, _ := a.home(); !auth {
		t.Fatal("an active session timed out")
	}
	// The copy made at sign-in has been idle for three hours.
	live := a.cookies()
	a.setCookies(copied)
	if auth, cleared := a.homeClears(); auth || !cleared {
		t.Fatalf("idle copy: signed in %v, cookie cleared %v", auth, cleared)
	}
	a.setCookies(live)
	a.clock.Advance(2 * time.Hour)
	if auth, cleared := a.homeClears(); auth || !cleared {
		t.Fatalf("after 2 idle hours: signed in %v, cookie cleared %v", auth, cleared)
	}
}

// The issue time is inside the authenticated encryption: flipping the
// ciphertext bits under it (AES-GCM is a stream cipher) does not move it, and
// a session written without one, or with one in the future, is refused
// (docs/security.md, item 8.16).
func TestSessionIssueTimeTampered(t *testing.T) {
	a := newTestApp(t)
	a.signIn()
	good := a.cookies()
	store, _ := NewCookieStore("sesame_app123", testCookieSecret, false)
	plain, _ := store.Load(t.Context(), a.request("GET", "/"))
	i := bytes.Index(plain, []byte(`"issuedAt":`))
	if i < 0 {
		t.Fatalf("no issuedAt in the session %s", plain)
	}
	i += len(`"issuedAt":`) + 2 // the third digit: moves the time by about 30 years
	raw, _ := base64.RawURLEncoding.DecodeString(good[0].Value)
	raw[1+cookieNonceBytes+i] ^= plain[i] ^ '9'
	if plain[i] == '9' {
		raw[1+cookieNonceBytes+i] ^= '9' ^ '8'
	}
	a.setCookies([]*http.Cookie{{Name: good[0].Name, Value: base64.RawURLEncoding.EncodeToString(raw)}})
	if auth, _ := a.home(); auth {
		t.Error("a cookie with a flipped issue time is accepted")
	}

	// Sealed with the right key (say, by an older SDK) but without valid times.
	var sess map[string]any
	_ = json.Unmarshal(plain, &sess)
	now := a.clock.Now()
	for name, edit := range map[string]func(m map[string]any){
		"no issue time":            func(m map[string]any) { delete(m, "issuedAt"); delete(m, "lastSeen") },
		"issued in the future":     func(m map[string]any) { m["issuedAt"] = now.Add(time.Hour).Unix() },
		"seen before issue":        func(m map[string]any) { m["lastSeen"] = now.Add(-time.Hour).Unix() },
		"seen in the future":       func(m map[string]any) { m["lastSeen"] = now.Add(time.Hour).Unix() },
		"issue time not a number":  func(m map[string]any) { m["issuedAt"] = "soon" },
		"issued before the epoch+": func(m map[string]any) { m["issuedAt"] = -1 },
	} {
		m := map[string]any{}
		for k, v := range sess {
			m[k] = v
		}
		edit(m)
		data, _ := json.Marshal(m)
		w := httptest.NewRecorder()
		_ = store.Save(t.Context(), w, httptest.NewRequest("GET", "/", nil), data)
		a.setCookies(w.Result().Cookies())
		if auth, _ := a.home(); auth {
			t.Errorf("%s: accepted", name)
		}
	}
	a.setCookies(good)
	if auth, _ := a.home(); !auth {
		t.Error("the untouched cookie no longer works")
	}
}

// An https BaseURL gets Secure cookies with the __Host- prefix (Path=/, no
// Domain); http (local development) keeps the plain name (docs/security.md,
// item 16).
func TestSessionCookieSecureOnHTTPS(t *testing.T) {
	a := newTestApp(t, func(c *Config) { c.BaseURL = "https://app.example.com" })
	w := httptest.NewRecorder()
	if err := a.client.SignIn(w, httptest.NewRequest("POST", "https://app.example.com/sign-in", nil), nil); err != nil {
		t.Fatal(err)
	}
	set := w.Result().Cookies()
	if len(set) != 1 || set[0].Name != "__Host-sesame_app123" || !set[0].Secure || set[0].Path != "/" ||
		set[0].Domain != "" || !set[0].HttpOnly {
		t.Fatalf("cookies on https: %+v", set)
	}
	// The whole sign-in works with it.
	loc, _ := w.Result().Location()
	cb := a.authorize(loc)
	r := httptest.NewRequest("GET", cb.String(), nil)
	r.AddCookie(set[0])
	w = httptest.NewRecorder()
	if _, err := a.client.HandleCallback(w, r); err != nil {
		t.Fatal(err)
	}
	r = httptest.NewRequest("GET", "https://app.example.com/", nil)
	for _, c := range w.Result().Cookies() {
		if c.Name != "__Host-sesame_app123" || !c.Secure {
			t.Errorf("callback cookie %+v", c)
		}
		r.AddCookie(c)
	}
	if x, _ := a.client.GetContext(nil, r); !x.IsAuthenticated {
		t.Error("not signed in with the __Host- cookie")
	}

	// http: the plain name and no Secure, so that http://localhost works.
	a = newTestApp(t)
	resp := a.noRedirect("POST", "/sign-in", nil)
	set = resp.Cookies()
	if len(set) != 1 || set[0].Name != "sesame_app123" || set[0].Secure {
		t.Fatalf("cookies on http: %+v", set)
	}
}
