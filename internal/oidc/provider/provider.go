package provider

import (
	"log/slog"
	"time"

	"github.com/sesameauth/sesame/internal/oidc/keys"
	"github.com/sesameauth/sesame/internal/session"
	"github.com/sesameauth/sesame/internal/store"
)

// Lifetimes follow Logto's defaults (logto-compat §8.2).
const (
	CodeTTL         = 60 * time.Second
	AuthRequestTTL  = session.InteractionTTL
	AccessTokenTTL  = time.Hour
	IDTokenTTL      = time.Hour
	RefreshTokenTTL = 14 * 24 * time.Hour
	SessionTTL      = 14 * 24 * time.Hour
	GrantTTL        = 180 * 24 * time.Hour
	// MaxRefreshLifetime: no rotation (and no new lifetime) past one year.
	MaxRefreshLifetime = 365 * 24 * time.Hour
)

// IDTokenTTLOf is how long c's ID tokens last (its own setting, else
// IDTokenTTL).
func IDTokenTTLOf(c store.Client) time.Duration {
	if c.IDTokenTTL > 0 {
		return c.IDTokenTTL
	}
	return IDTokenTTL
}

// RefreshTokenTTLOf is how long c's refresh tokens last (its own setting,
// else RefreshTokenTTL).
func RefreshTokenTTLOf(c store.Client) time.Duration {
	if c.RefreshTokenTTL > 0 {
		return c.RefreshTokenTTL
	}
	return RefreshTokenTTL
}

// Provider carries what every endpoint needs.
type Provider struct {
	Issuer   string        // {endpoint}/oidc, exactly
	Endpoint string        // public base URL, no trailing slash
	Clients  store.Clients // client authentication and CORS
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
