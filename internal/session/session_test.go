package session

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/sqlstore/sqlitetest"
)

func TestSecureCookiesAndRotation(t *testing.T) {
	ctx := context.Background()
	st := sqlitetest.Open(t)
	st.CreateUser(ctx, store.User{ID: "u1", Username: "u1", CreatedAt: time.Now(), UpdatedAt: time.Now()})
	m := &Manager{Store: st, Secure: true, TTL: time.Hour}
	rec := httptest.NewRecorder()
	if _, err := m.Start(ctx, rec, httptest.NewRequest(http.MethodPost, "/", nil), "u1", []string{"pwd"}); err != nil {
		t.Fatal(err)
	}
	c := rec.Result().Cookies()[0]
	if c.Name != "__Host-sesame_session" || !c.Secure || !c.HttpOnly || c.Path != "/" || c.Domain != "" || c.SameSite != http.SameSiteLaxMode {
		t.Fatalf("https session cookie %+v", c)
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(c)
	if _, u, ok, err := m.Current(ctx, req); !ok || err != nil || u.ID != "u1" {
		t.Fatalf("Current = %v %v", ok, err)
	}
	// Signing in again replaces the session: the old cookie stops working.
	rec = httptest.NewRecorder()
	m.Start(ctx, rec, req, "u1", []string{"pwd"})
	if _, _, ok, _ := m.Current(ctx, req); ok {
		t.Fatal("the pre-sign-in session id still works (session fixation)")
	}
	// The plain name is ignored on https (a subdomain could have set it).
	plain := httptest.NewRequest(http.MethodGet, "/", nil)
	plain.AddCookie(&http.Cookie{Name: "sesame_session", Value: rec.Result().Cookies()[0].Value})
	if _, _, ok, _ := m.Current(ctx, plain); ok {
		t.Fatal("unprefixed cookie accepted on https")
	}
	// Forged values mean no session.
	for _, v := range []string{"", "short", "x" + c.Value[1:], c.Value + c.Value} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(&http.Cookie{Name: "__Host-sesame_session", Value: v})
		if _, _, ok, err := m.Current(ctx, r); ok || err != nil {
			t.Errorf("forged %q: ok=%v err=%v", v, ok, err)
		}
	}
}

// TestIdleTimeoutAcrossVersions: a session row written by a replica of the
// previous version (no last_seen_at, so 0) counts as last seen at creation,
// so a rolling upgrade does not sign users out.
func TestIdleTimeoutAcrossVersions(t *testing.T) {
	ctx := context.Background()
	st := sqlitetest.Open(t)
	n := time.Now()
	st.CreateUser(ctx, store.User{ID: "u1", Username: "u1", CreatedAt: n, UpdatedAt: n})
	tok := "0123456789abcdef0123456789abcdef"
	st.CreateSession(ctx, store.Session{IDHash: opaque.Hash(tok), SID: "s", UserID: "u1", AuthTime: n.Add(-30 * time.Minute),
		CreatedAt: n.Add(-30 * time.Minute), ExpiresAt: n.Add(10 * time.Hour)}) // LastSeenAt zero
	clock := n
	m := &Manager{Store: st, TTL: 2 * time.Hour, IdleTimeout: time.Hour, Now: func() time.Time { return clock }}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(&http.Cookie{Name: "sesame_session", Value: tok})
	s, _, ok, err := m.Current(ctx, req)
	if !ok || err != nil {
		t.Fatalf("old-version session 30 min after sign-in: ok=%v err=%v", ok, err)
	}
	if !s.LastSeenAt.Equal(clock) {
		t.Errorf("LastSeenAt = %v, want the use just now (%v)", s.LastSeenAt, clock)
	}
	// The use was recorded: 59 minutes later it is still live, 61 not.
	clock = n.Add(59 * time.Minute)
	if _, _, ok, _ := m.Current(ctx, req); !ok {
		t.Error("session ended 59 min after its last use")
	}
	clock = clock.Add(61 * time.Minute)
	if _, _, ok, _ := m.Current(ctx, req); ok {
		t.Error("session live 61 min after its last use")
	}
}
