package sesame

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
