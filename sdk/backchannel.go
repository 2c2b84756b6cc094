package sesame

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// ErrInvalidLogoutToken wraps every reason a logout token is refused.
var ErrInvalidLogoutToken = errors.New("sesame: invalid logout token")

// backChannelLogoutEvent is the member of a logout token's events claim that
// makes it one (OpenID Connect Back-Channel Logout 1.0, section 2.4).
const backChannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"

// SessionOwner names whose session a server-side store keeps: the subject
// (user ID) and the Sesame session ID (the sid claim) of its ID token.
type SessionOwner struct {
	Subject string
	SID     string
}

// ServerStore is a [SessionStore] that keeps sessions on the server and can
// end them without the browser, which [Client.BackChannelLogoutHandler]
// needs. [MemoryStore] is one for a single instance of an app; an app with
// several instances implements it over its shared database or cache.
//
// A [CookieStore] cannot be one: the whole session is in the browser, so
// when Sesame says a session ended there is nothing on the server to
// delete, and the browser's copy keeps working until it expires.
type ServerStore interface {
	SessionStore
	// SaveOwned is Save for a session that belongs to owner. The SDK calls
	// it instead of Save once the session holds an ID token.
	SaveOwned(ctx context.Context, w http.ResponseWriter, r *http.Request, data []byte, owner SessionOwner) error
	// EndSessions deletes the sessions that owner names: when owner.SID is
	// not empty, those with that SID (and that Subject, when it is not
	// empty either); otherwise every session of owner.Subject. It reports
	// how many it deleted.
	EndSessions(ctx context.Context, owner SessionOwner) (int, error)
}

// LogoutToken is a verified logout token.
type LogoutToken struct {
	Subject  string // sub; may be empty when SID is set
	SID      string // sid; may be empty when Subject is set
	ID       string // jti
	IssuedAt time.Time
}

// BackChannelLogoutHandler returns the handler for the app's back-channel
// logout URI (OpenID Connect Back-Channel Logout 1.0); mount it for POST at
// the URI registered with the app, e.g.
// mux.Handle("POST /backchannel-logout", client.BackChannelLogoutHandler()).
// Sesame posts a logout token there when a session the app signed in with
// ends (the user signs out elsewhere, an administrator ends their sessions
// or suspends them); the handler verifies it and ends the matching local
// sessions. It answers 200 when it did, 400 with an OAuth error for a token
// it refuses, and 501 when Config.Store is not a [ServerStore].
//
// The request comes from Sesame, not a browser: it carries no cookie, and
// the mux must not put it behind RequireAuth or a CSRF check.
func (c *Client) BackChannelLogoutHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		store, ok := c.store.(ServerStore)
		if !ok {
			c.logger.ErrorContext(r.Context(), "sesame: back-channel logout needs a server-side session store (Config.Store implementing ServerStore)")
			logoutError(w, http.StatusNotImplemented, "server_error", "the session store cannot end sessions")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			logoutError(w, http.StatusBadRequest, "invalid_request", "unreadable form")
			return
		}
		tok, err := c.VerifyLogoutToken(r.Context(), r.PostForm.Get("logout_token"))
		if err != nil {
			c.logger.WarnContext(r.Context(), "sesame: logout token refused", "err", err)
			logoutError(w, http.StatusBadRequest, "invalid_request", "invalid logout token")
			return
		}
		n, err := store.EndSessions(r.Context(), SessionOwner{Subject: tok.Subject, SID: tok.SID})
		if err != nil {
			// Sesame retries a failed delivery.
			c.logger.ErrorContext(r.Context(), "sesame: ending sessions for a logout token", "err", err)
			logoutError(w, http.StatusInternalServerError, "server_error", "the sessions could not be ended")
			return
		}
		c.logger.InfoContext(r.Context(), "sesame: back-channel logout", "sub", tok.Subject, "sid", tok.SID, "sessions", n)
		w.WriteHeader(http.StatusOK)
	})
}

func logoutError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// VerifyLogoutToken verifies a logout token as section 2.6 of OpenID
// Connect Back-Channel Logout 1.0 asks: its signature by a key of the
// server's JWKS, its issuer, that this app is an audience, its expiry and
// issue time (with Config.ClockSkew), a "logout+jwt" type when it names
// one, a back-channel logout event, a sub or a sid, no nonce, and a token
// ID not seen before.
func (c *Client) VerifyLogoutToken(ctx context.Context, raw string) (LogoutToken, error) {
	if raw == "" {
		return LogoutToken{}, fmt.Errorf("%w: no logout_token", ErrInvalidLogoutToken)
	}
	d, err := c.discovery(ctx)
	if err != nil {
		return LogoutToken{}, err
	}
	// The header is part of what the signature covers, so once the token
	// verifies its typ is the server's.
	if typ, err := jwtType(raw); err != nil {
		return LogoutToken{}, fmt.Errorf("%w: %w", ErrInvalidLogoutToken, err)
	} else if typ != "" && !strings.EqualFold(typ, "logout+jwt") {
		return LogoutToken{}, fmt.Errorf("%w: typ %q", ErrInvalidLogoutToken, typ)
	}
	idt, err := d.verifier.Verify(c.clientCtx(ctx), raw)
	if err != nil {
		return LogoutToken{}, fmt.Errorf("%w: %w", ErrInvalidLogoutToken, err)
	}
	var claims struct {
		SID    string                     `json:"sid"`
		JTI    string                     `json:"jti"`
		Events map[string]json.RawMessage `json:"events"`
		Nonce  *json.RawMessage           `json:"nonce"`
	}
	if err := idt.Claims(&claims); err != nil {
		return LogoutToken{}, fmt.Errorf("%w: %w", ErrInvalidLogoutToken, err)
	}
	now := c.now()
	switch ev, ok := claims.Events[backChannelLogoutEvent]; {
	case !ok || len(ev) == 0 || ev[0] != '{':
		return LogoutToken{}, fmt.Errorf("%w: no back-channel logout event", ErrInvalidLogoutToken)
	case claims.Nonce != nil:
		return LogoutToken{}, fmt.Errorf("%w: has a nonce", ErrInvalidLogoutToken)
	case idt.Subject == "" && claims.SID == "":
		return LogoutToken{}, fmt.Errorf("%w: neither sub nor sid", ErrInvalidLogoutToken)
	case claims.JTI == "":
		return LogoutToken{}, fmt.Errorf("%w: no jti", ErrInvalidLogoutToken)
	case idt.IssuedAt.After(now.Add(c.cfg.ClockSkew)):
		return LogoutToken{}, fmt.Errorf("%w: issued in the future", ErrInvalidLogoutToken)
	}
	if !c.logoutJTIs.first(claims.JTI, idt.Expiry.Add(c.cfg.ClockSkew), now) {
		return LogoutToken{}, fmt.Errorf("%w: jti %q already used", ErrInvalidLogoutToken, claims.JTI)
	}
	return LogoutToken{Subject: idt.Subject, SID: claims.SID, ID: claims.JTI, IssuedAt: idt.IssuedAt}, nil
}

// jwtType returns the typ of a compact JWS's header.
func jwtType(raw string) (string, error) {
	head, _, ok := strings.Cut(raw, ".")
	if !ok {
		return "", errors.New("malformed JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return "", errors.New("malformed JWT header")
	}
	var h struct {
		Typ string `json:"typ"`
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return "", errors.New("malformed JWT header")
	}
	return h.Typ, nil
}

// maxLogoutJTIs bounds the logout token IDs remembered against replay; a
// token is remembered until it expires, a few minutes.
const maxLogoutJTIs = 100_000

// jtiSet remembers logout token IDs until they expire.
type jtiSet struct {
	mu   sync.Mutex
	seen map[string]time.Time // jti → until when it is remembered
}

// first records jti until until and reports whether it was new. When the
// set is full of live IDs it refuses (reports false): a flood of valid
// tokens can only come from the server, and refusing makes it retry.
func (s *jtiSet) first(jti string, until, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = make(map[string]time.Time)
	}
	if t, ok := s.seen[jti]; ok && now.Before(t) {
		return false
	}
	if len(s.seen) >= maxLogoutJTIs {
		for k, t := range s.seen {
			if !now.Before(t) {
				delete(s.seen, k)
			}
		}
		if len(s.seen) >= maxLogoutJTIs {
			return false
		}
	}
	s.seen[jti] = until
	return true
}
