package provider

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/oidc/keys"
	"github.com/sesameauth/sesame/internal/store"
)

// Lifetimes follow Logto's defaults (logto-compat §8.2).
const (
	CodeTTL         = 60 * time.Second
	AuthRequestTTL  = time.Hour
	AccessTokenTTL  = time.Hour
	IDTokenTTL      = time.Hour
	RefreshTokenTTL = 14 * 24 * time.Hour
	SessionTTL      = 14 * 24 * time.Hour
	GrantTTL        = 180 * 24 * time.Hour
	// MaxRefreshLifetime: no rotation (and no new lifetime) past one year.
	MaxRefreshLifetime = 365 * 24 * time.Hour
)

// Scopes the provider knows. Resource scopes come from registered resources.
const (
	ScopeOpenID        = "openid"
	ScopeOfflineAccess = "offline_access"
	ScopeProfile       = "profile"
	ScopeEmail         = "email"
	ScopePhone         = "phone"
)

// OIDCScopes lists the standard scopes, in discovery order.
var OIDCScopes = []string{ScopeOpenID, ScopeOfflineAccess, ScopeProfile, ScopeEmail, ScopePhone}

// Provider carries what every endpoint needs.
type Provider struct {
	Issuer   string // {endpoint}/oidc, exactly
	Endpoint string // public base URL, no trailing slash
	Store    store.Store
	Keys     *keys.Manager
	Log      *slog.Logger
	Now      func() time.Time

	origins originCache // every app's origins, for CORS preflights
}

// URL returns an absolute URL under the public endpoint.
func (p *Provider) URL(path string) string { return p.Endpoint + path }

// Time returns the current time, truncated to the second like JWT times.
func (p *Provider) Time() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// NewToken returns a 256-bit random opaque token (43 characters of
// base64url, the same shape as Logto's).
func NewToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewID returns a 128-bit random identifier (lower-case alphanumerics).
func NewID() string {
	return strings.ToLower(rand.Text())
}

// Hash is how tokens are keyed in the store: a database leak yields no
// usable token.
func Hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// SplitScope splits a space-delimited scope string, dropping duplicates.
func SplitScope(s string) []string {
	var out []string
	for _, f := range strings.Fields(s) {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// JoinScope is SplitScope's inverse.
func JoinScope(s []string) string { return strings.Join(s, " ") }

// Has reports whether scopes contains s.
func Has(scopes []string, s string) bool { return slices.Contains(scopes, s) }

// IsOIDCScope reports whether s is a standard scope.
func IsOIDCScope(s string) bool { return slices.Contains(OIDCScopes, s) }
