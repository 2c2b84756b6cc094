package sesame

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// SessionStore persists the SDK's session for a browser. The SDK serialises
// the session itself; a store only keeps opaque bytes, which contain tokens
// and must be kept confidential. ctx is the request's context.
//
// The default store is a [CookieStore]. A server-side store typically keeps a
// random session ID in a cookie and the bytes in a database or cache; unlike
// cookies, it can end a session for every copy of that cookie. While a
// session is used, the SDK saves it again about once a minute to renew its
// idle timeout.
type SessionStore interface {
	// Load returns the session bytes for r, or nil and no error when there is
	// no (readable) session.
	Load(ctx context.Context, r *http.Request) ([]byte, error)
	// Save stores data for the browser that sent r, setting cookies on w. It
	// must be called before the response header is written.
	Save(ctx context.Context, w http.ResponseWriter, r *http.Request, data []byte) error
	// Delete removes the session of the browser that sent r.
	Delete(ctx context.Context, w http.ResponseWriter, r *http.Request) error
}

// Cookie store parameters.
const (
	// CookieMaxAge is the Max-Age of the cookies of a store made with
	// NewCookieStore (14 days, like Logto's SDKs). The Client's default store
	// uses Config.SessionLifetime instead.
	CookieMaxAge = 14 * 24 * time.Hour
	// cookieChunkSize is the largest value put in one cookie; the name and
	// attributes stay well under the 4096-byte browser limit.
	cookieChunkSize = 3800
	// cookieMaxChunks caps a session at about 38 KB of cookies.
	cookieMaxChunks  = 10
	cookieFormatV1   = 1
	cookieKDFInfo    = "sesame sdk session cookie v1"
	cookieNonceBytes = 12
)

// CookieName returns the default session cookie name for an app ID:
// "sesame_" followed by the app ID with every byte outside [A-Za-z0-9_-]
// replaced by "_".
func CookieName(appID string) string {
	b := []byte("sesame_" + appID)
	for i := len("sesame_"); i < len(b); i++ {
		if b[i] == '.' || !isCookieNameChar(rune(b[i])) {
			b[i] = '_'
		}
	}
	return string(b)
}

func isCookieNameChar(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

// CookieStore keeps the session in the browser: AES-256-GCM with a random
// nonce, keyed by HKDF-SHA256 from the secret, authenticated together with the
// cookie name. Values longer than about 3800 bytes are split over cookies
// name_0, name_1, ... and joined again on read; stale chunks are deleted. A
// cookie that is missing a chunk, truncated, tampered with or encrypted under
// another secret reads as no session. The cookies are HttpOnly, SameSite=Lax,
// Path=/, without Domain, and live for CookieMaxAge.
//
// A cookie store cannot revoke a session: the browser holds all of it, so a
// copy of the cookie taken before sign-out keeps working until the session
// expires (Config.SessionLifetime after sign-in, or Config.SessionIdleTimeout
// after its last use), although its refresh token is revoked at sign-out. A
// server-side [SessionStore] can: its Delete removes the session on the server
// and a copied session ID then finds nothing.
type CookieStore struct {
	name   string
	secure bool
	maxAge time.Duration
	aead   cipher.AEAD
	aad    []byte
}

// NewCookieStore returns a cookie store writing cookies called name (see
// [CookieName]). secret must have at least MinCookieSecretLength characters;
// secure sets the Secure cookie attribute, which names starting with "__Host-"
// or "__Secure-" always get.
func NewCookieStore(name, secret string, secure bool) (*CookieStore, error) {
	if len(secret) < MinCookieSecretLength {
		return nil, &ConfigError{Field: "CookieSecret", Reason: "must be at least 32 characters"}
	}
	if name == "" || strings.TrimFunc(name, isCookieNameChar) != "" {
		return nil, &ConfigError{Field: "cookie name", Reason: "must be non-empty and use only A-Z a-z 0-9 _ - ."}
	}
	key, err := hkdf.Key(sha256.New, []byte(secret), nil, cookieKDFInfo, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	secure = secure || strings.HasPrefix(name, "__Host-") || strings.HasPrefix(name, "__Secure-")
	return &CookieStore{name: name, secure: secure, maxAge: CookieMaxAge, aead: aead, aad: []byte(name + "\x00v1")}, nil
}

// Name returns the base cookie name.
func (s *CookieStore) Name() string { return s.name }

// Load implements [SessionStore]. It never returns an error: unreadable
// cookies mean no session.
func (s *CookieStore) Load(_ context.Context, r *http.Request) ([]byte, error) {
	if c, err := r.Cookie(s.name); err == nil {
		if data, ok := s.open(c.Value); ok {
			return data, nil
		}
	}
	c0, err := r.Cookie(s.name + "_0")
	if err != nil {
		return nil, nil
	}
	countStr, first, ok := strings.Cut(c0.Value, ".")
	n, err := strconv.Atoi(countStr)
	if !ok || err != nil || n < 1 || n > cookieMaxChunks {
		return nil, nil
	}
	var b strings.Builder
	b.WriteString(first)
	for i := 1; i < n; i++ {
		c, err := r.Cookie(s.name + "_" + strconv.Itoa(i))
		if err != nil {
			return nil, nil
		}
		b.WriteString(c.Value)
	}
	data, ok := s.open(b.String())
	if !ok {
		return nil, nil
	}
	return data, nil
}

// Save implements [SessionStore].
func (s *CookieStore) Save(_ context.Context, w http.ResponseWriter, r *http.Request, data []byte) error {
	value := s.seal(data)
	var parts []string
	if len(value) <= cookieChunkSize {
		parts = []string{value}
	} else {
		for v := value; v != ""; {
			n := min(len(v), cookieChunkSize)
			parts = append(parts, v[:n])
			v = v[n:]
		}
		if len(parts) > cookieMaxChunks {
			return ErrSessionTooLarge
		}
		parts[0] = strconv.Itoa(len(parts)) + "." + parts[0]
	}
	existing := s.takeExisting(w, r)
	written := map[string]bool{}
	for i, p := range parts {
		name := s.name
		if len(parts) > 1 {
			name = s.name + "_" + strconv.Itoa(i)
		}
		written[name] = true
		http.SetCookie(w, s.cookie(name, p, int(s.maxAge/time.Second)))
	}
	for _, name := range existing {
		if !written[name] {
			http.SetCookie(w, s.cookie(name, "", -1))
		}
	}
	return nil
}

// Delete implements [SessionStore].
func (s *CookieStore) Delete(_ context.Context, w http.ResponseWriter, r *http.Request) error {
	for _, name := range s.takeExisting(w, r) {
		http.SetCookie(w, s.cookie(name, "", -1))
	}
	return nil
}

func (s *CookieStore) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   s.secure,
		SameSite: http.SameSiteLaxMode,
	}
}

// isOurs reports whether a cookie name is the base name or one of its chunks.
func (s *CookieStore) isOurs(name string) bool {
	if name == s.name {
		return true
	}
	rest, ok := strings.CutPrefix(name, s.name+"_")
	if !ok || rest == "" {
		return false
	}
	for _, c := range rest {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// takeExisting returns the names of our cookies that the browser has (from
// the request) or is about to get (from Set-Cookie headers already on w, which
// it removes so that a second Save in one request replaces the first).
func (s *CookieStore) takeExisting(w http.ResponseWriter, r *http.Request) []string {
	var names []string
	seen := map[string]bool{}
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for _, c := range r.Cookies() {
		if s.isOurs(c.Name) {
			add(c.Name)
		}
	}
	h := w.Header()
	if sc := h.Values("Set-Cookie"); len(sc) > 0 {
		kept := sc[:0:0]
		for _, line := range sc {
			if c, err := http.ParseSetCookie(line); err == nil && s.isOurs(c.Name) {
				if c.MaxAge >= 0 {
					add(c.Name)
				}
				continue
			}
			kept = append(kept, line)
		}
		if len(kept) == 0 {
			h.Del("Set-Cookie")
		} else {
			h["Set-Cookie"] = kept
		}
	}
	return names
}

func (s *CookieStore) seal(plaintext []byte) string {
	buf := make([]byte, 1+cookieNonceBytes, 1+cookieNonceBytes+len(plaintext)+s.aead.Overhead())
	buf[0] = cookieFormatV1
	if _, err := rand.Read(buf[1:]); err != nil {
		panic("sesame: crypto/rand failed: " + err.Error()) // never happens since Go 1.24
	}
	buf = s.aead.Seal(buf, buf[1:1+cookieNonceBytes], plaintext, s.aad)
	return base64.RawURLEncoding.EncodeToString(buf)
}

func (s *CookieStore) open(value string) ([]byte, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(raw) < 1+cookieNonceBytes+s.aead.Overhead() || raw[0] != cookieFormatV1 {
		return nil, false
	}
	out, err := s.aead.Open(nil, raw[1:1+cookieNonceBytes], raw[1+cookieNonceBytes:], s.aad)
	if err != nil {
		return nil, false
	}
	return out, true
}

// sessionData is what the SDK keeps per browser. The JSON names follow
// Logto's JS SDK (idToken, refreshToken, accessToken, signInSession).
type sessionData struct {
	IDToken      string                 `json:"idToken,omitempty"`
	RefreshToken string                 `json:"refreshToken,omitempty"`
	AccessTokens map[string]storedToken `json:"accessToken,omitempty"`
	SignIn       *signInSession         `json:"signInSession,omitempty"`
	// IssuedAt (when the session was first written) and LastSeen (its last
	// write), in Unix seconds, bound its life (docs/security.md, item 8.16).
	IssuedAt int64 `json:"issuedAt,omitempty"`
	LastSeen int64 `json:"lastSeen,omitempty"`

	expired      bool   // loadSession dropped an expired or invalid session
	expiredToken string // and this was its refresh token, for SignOut to revoke
}

// storedToken is one cached access token. Keys in sessionData.AccessTokens
// are "@" + resource, plus "#" + organization ID for organization tokens.
type storedToken struct {
	Token     string `json:"token"`
	Scope     string `json:"scope"`
	ExpiresAt int64  `json:"expiresAt"` // Unix seconds
}

// signInSession is the state of a sign-in in progress.
type signInSession struct {
	RedirectURI     string `json:"redirectUri"`
	PostRedirectURI string `json:"postRedirectUri,omitempty"`
	CodeVerifier    string `json:"codeVerifier"`
	State           string `json:"state"`
}

func (s *sessionData) empty() bool {
	return s.IDToken == "" && s.RefreshToken == "" && len(s.AccessTokens) == 0 && s.SignIn == nil
}

// loadSession reads the session of r; unreadable data is an empty session,
// and so is an expired one (marked expired, so that GetContext deletes it).
func (c *Client) loadSession(ctx context.Context, r *http.Request) (*sessionData, error) {
	data, err := c.store.Load(ctx, r)
	if err != nil {
		return nil, err
	}
	s := &sessionData{}
	if len(data) > 0 && json.Unmarshal(data, s) != nil {
		s = &sessionData{}
	}
	if !s.empty() && !c.live(s) {
		return &sessionData{expired: true, expiredToken: s.RefreshToken}, nil
	}
	return s, nil
}

// live reports whether a session is within Config.SessionLifetime of its
// issue time and Config.SessionIdleTimeout of its last write. A session
// without these times (written by an SDK before they existed) or with times
// in the future is not.
func (c *Client) live(s *sessionData) bool {
	now := c.now()
	issued, seen := time.Unix(s.IssuedAt, 0), time.Unix(s.LastSeen, 0)
	switch {
	case s.IssuedAt <= 0 || s.LastSeen < s.IssuedAt || seen.After(now.Add(c.cfg.ClockSkew)):
		return false
	case now.Sub(issued) >= c.cfg.SessionLifetime:
		return false
	case c.cfg.SessionIdleTimeout > 0 && now.Sub(seen) >= c.cfg.SessionIdleTimeout:
		return false
	}
	return true
}

// touchInterval is how old a session's LastSeen may get before GetContext
// writes the session again to renew it; zero when there is no idle timeout.
func (c *Client) touchInterval() time.Duration {
	if c.cfg.SessionIdleTimeout <= 0 {
		return 0
	}
	return min(time.Minute, c.cfg.SessionIdleTimeout/10)
}

// saveSession writes s, or deletes the session when s is empty.
func (c *Client) saveSession(ctx context.Context, w http.ResponseWriter, r *http.Request, s *sessionData) error {
	if w == nil {
		return errors.New("sesame: cannot save the session without a ResponseWriter")
	}
	if s.empty() {
		return c.store.Delete(ctx, w, r)
	}
	now := c.now().Unix()
	if s.IssuedAt == 0 {
		s.IssuedAt = now
	}
	s.LastSeen = max(now, s.IssuedAt)
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if ss, ok := c.store.(ServerStore); ok && s.IDToken != "" {
		// The ID token was verified when it was stored.
		if claims, err := decodeJWTClaims(s.IDToken); err == nil {
			return ss.SaveOwned(ctx, w, r, data, SessionOwner{Subject: claims.Subject, SID: claims.SID})
		}
	}
	return c.store.Save(ctx, w, r, data)
}
