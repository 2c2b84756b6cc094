package session

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/store"
)

const (
	cookieName      = "sesame_session"
	interactionName = "sesame_interaction"
)

// name prefixes cookie names with __Host- on https endpoints: the browser
// then refuses them unless Secure, host-only and Path=/, so no subdomain
// can set or overwrite them (session fixation, catalogue SS-07).
func (m *Manager) name(n string) string {
	if m.Secure {
		return "__Host-" + n
	}
	return n
}

// InteractionTTL is how long a pending authorization request, and this
// browser's binding to it, lives.
const InteractionTTL = time.Hour

// Store is what the session manager reads and writes: sessions, read with
// the user each belongs to.
type Store interface {
	store.Sessions
}

// Manager reads and writes the session cookie.
type Manager struct {
	Store  Store
	Secure bool // Secure cookies (https endpoint)
	// Path scopes the cookies to the public endpoint's path (such as
	// "/sesame"); "" is "/". With Secure the cookies are __Host- ones,
	// which the browser accepts only with Path=/, so Path is not used.
	Path string
	TTL  time.Duration // absolute lifetime from sign-in
	// IdleTimeout ends a session the browser has not used for this long;
	// 0 disables it. Use is recorded at most once per touchInterval, so
	// the timeout is exact to within that interval.
	IdleTimeout time.Duration
	Now         func() time.Time
}

// cookiePath is the Path of every cookie the manager sets.
func (m *Manager) cookiePath() string {
	if m.Secure || m.Path == "" {
		return "/"
	}
	return m.Path
}

// touchInterval bounds how often a session's last use is written: a write
// per SSO hop would make every authorize request a database write.
func (m *Manager) touchInterval() time.Duration {
	return min(time.Minute, m.IdleTimeout/10)
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// Current returns the browser's live session and its user. A missing,
// unknown, expired session or a suspended/deleted user all mean "no
// session" (ok=false, err=nil); err is only for database failures.
func (m *Manager) Current(ctx context.Context, r *http.Request) (store.Session, store.User, bool, error) {
	c, err := r.Cookie(m.name(cookieName))
	if err != nil || len(c.Value) < 32 || len(c.Value) > 64 {
		return store.Session{}, store.User{}, false, nil
	}
	s, u, err := m.Store.GetSessionUser(ctx, opaque.Hash(c.Value))
	if errors.Is(err, store.ErrNotFound) { // or its user is gone
		return store.Session{}, store.User{}, false, nil
	}
	if err != nil {
		return store.Session{}, store.User{}, false, err
	}
	now := m.now()
	// store.ClockSkew: a session made on a replica whose clock is behind
	// this one's lives its whole lifetime here too.
	if !s.ExpiresAt.Add(store.ClockSkew).After(now) {
		return store.Session{}, store.User{}, false, nil
	}
	if s.LastSeenAt.Before(s.CreatedAt) {
		// Written by a version without last_seen_at (a rolling upgrade runs
		// both): the column's default 0 means "not seen since sign-in".
		s.LastSeenAt = s.CreatedAt
	}
	if m.IdleTimeout > 0 && now.Sub(s.LastSeenAt) >= m.IdleTimeout+store.ClockSkew {
		return store.Session{}, store.User{}, false, nil
	}
	if u.Suspended {
		return store.Session{}, store.User{}, false, nil
	}
	if m.IdleTimeout > 0 && now.Sub(s.LastSeenAt) >= m.touchInterval() {
		if err := m.Store.TouchSession(ctx, s.IDHash, now); err != nil {
			return store.Session{}, store.User{}, false, err
		}
		s.LastSeenAt = now
	}
	return s, u, true, nil
}

// Start signs the browser in as userID with a brand-new session id (the old
// session, if any, is ended first: no session fixation). amr lists the
// authentication methods the sign-in used (RFC 8176 values); the session
// records them for every ID token issued from it.
func (m *Manager) Start(ctx context.Context, w http.ResponseWriter, r *http.Request, userID string, amr []string) (store.Session, error) {
	if c, err := r.Cookie(m.name(cookieName)); err == nil && len(c.Value) >= 32 && len(c.Value) <= 64 {
		if err := m.Store.DeleteSession(ctx, opaque.Hash(c.Value)); err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Session{}, err
		}
	}
	now := m.now()
	tok := opaque.NewToken()
	s := store.Session{IDHash: opaque.Hash(tok), SID: opaque.NewID(), UserID: userID,
		AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(m.TTL), LastSeenAt: now, AMR: slices.Clone(amr)}
	if err := m.Store.CreateSession(ctx, s); err != nil {
		return store.Session{}, err
	}
	http.SetCookie(w, &http.Cookie{Name: m.name(cookieName), Value: tok, Path: m.cookiePath(), HttpOnly: true, Secure: m.Secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(m.TTL.Seconds())})
	return s, nil
}

// End deletes the browser's session (revoking its non-offline grants) and
// clears the cookie. Ending an absent session is not an error. If the
// delete fails the cookie stays, so the user is not shown as signed out
// while the session and its tokens live on, and can try again.
func (m *Manager) End(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(m.name(cookieName)); err == nil && len(c.Value) >= 32 && len(c.Value) <= 64 {
		if err := m.Store.DeleteSession(ctx, opaque.Hash(c.Value)); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: m.name(cookieName), Value: "", Path: m.cookiePath(), HttpOnly: true, Secure: m.Secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	return nil
}

// interactionCookie names the cookie of one interaction. Each pending
// sign-in has its own cookie, so several tabs can sign in at once.
func (m *Manager) interactionCookie(id string) string {
	if len(id) > 16 {
		id = id[:16]
	}
	return m.name(interactionName + "_" + id)
}

// BindInteraction remembers in the browser that it started interaction id.
func (m *Manager) BindInteraction(w http.ResponseWriter, id string) {
	http.SetCookie(w, &http.Cookie{Name: m.interactionCookie(id), Value: id, Path: m.cookiePath(), HttpOnly: true, Secure: m.Secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(InteractionTTL.Seconds())})
}

// OwnsInteraction reports whether this browser started interaction id, so a
// pending request cannot be completed from another browser.
func (m *Manager) OwnsInteraction(r *http.Request, id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	c, err := r.Cookie(m.interactionCookie(id))
	return err == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(id)) == 1
}

// ClearInteraction forgets interaction id.
func (m *Manager) ClearInteraction(w http.ResponseWriter, id string) {
	http.SetCookie(w, &http.Cookie{Name: m.interactionCookie(id), Value: "", Path: m.cookiePath(), HttpOnly: true, Secure: m.Secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// ReauthWindow is how long a step-up (re-authentication with an existing
// factor) lets the user make sensitive changes (docs/security.md UI-13).
const ReauthWindow = 5 * time.Minute

// Reauthenticated reports whether s had a step-up within ReauthWindow.
func (m *Manager) Reauthenticated(s store.Session) bool {
	return !s.ReauthAt.IsZero() && m.now().Sub(s.ReauthAt) < ReauthWindow && !s.ReauthAt.After(m.now().Add(time.Minute))
}

// MarkReauthenticated records on s, server-side, that its user proved an
// existing factor again just now.
func (m *Manager) MarkReauthenticated(ctx context.Context, s store.Session) error {
	return m.Store.SetSessionReauth(ctx, s.IDHash, m.now())
}
