package admin

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/store"
)

// Well-known objects that Ensure keeps in the store.
const (
	Scope            = "all"                           // the one Management API permission
	LogtoAudience    = "https://default.logto.app/api" // Logto OSS's indicator, accepted so Logto tooling works unchanged
	APIResourceID    = directory.ManagementResourceID
	LogtoResourceID  = directory.ManagementLogtoResourceID
	M2MRoleID        = directory.ManagementM2MRoleID
	M2MRoleName      = "Management API access"
	AdminRoleID      = directory.AdminRoleID
	AdminRoleName    = "Sesame administrator"
	ConsoleClientID  = directory.ConsoleClientID
	ConsoleClientApp = "Sesame console"
)

// APIIndicator is the Management API's resource indicator for endpoint.
func APIIndicator(endpoint string) string { return strings.TrimSuffix(endpoint, "/") + routes.API }

// Errors of Authorize, as errors.Is targets; their codes are Logto's.
var (
	ErrUnauthorized = &directory.Error{Code: "auth.unauthorized", Message: "a valid bearer access token for the Management API is required"}
	ErrForbidden    = &directory.Error{Code: "auth.forbidden", Message: "the access token does not grant the Management API permission \"all\""}
)

// TokenFinder finds a live access token by its presented value
// (oauth2.Tokens.Access).
type TokenFinder interface {
	Access(ctx context.Context, tok string, now time.Time) (store.AccessToken, []byte, error)
}

// GateStore is what the live permission check reads.
type GateStore interface {
	GetUser(ctx context.Context, id string) (store.User, error)
	UserPermissions(ctx context.Context, userID string) ([]store.Permission, error)
	ClientPermissions(ctx context.Context, clientID string) ([]store.Permission, error)
}

// Gate authorizes Management API callers.
type Gate struct {
	Tokens   TokenFinder
	Store    GateStore
	Endpoint string           // the public endpoint; the API's indicator is derived from it
	Now      func() time.Time // default time.Now
}

// Principal is who a request acts for: an administrator (UserID set,
// ClientID the app they signed in with, the console's for console
// sessions) or a machine-to-machine app (UserID empty).
type Principal struct {
	UserID   string
	ClientID string
}

// Actor names the principal in the audit log: "user:<id>" or "app:<id>".
func (p Principal) Actor() string {
	if p.UserID != "" {
		return "user:" + p.UserID
	}
	return "app:" + p.ClientID
}

// Audiences are the indicators a Management API token may be issued for.
func (g *Gate) Audiences() []string { return []string{APIIndicator(g.Endpoint), LogtoAudience} }

// Authorize checks token (the bearer value, without "Bearer ") and returns
// who it acts for. A missing, unknown, expired, revoked or wrong-audience
// token is ErrUnauthorized; a valid token without the scope "all", or whose
// holder no longer holds that permission (or is suspended), is
// ErrForbidden. Any other error is a failure (store.ErrUnavailable, …).
func (g *Gate) Authorize(ctx context.Context, token string) (Principal, error) {
	if token == "" {
		return Principal{}, ErrUnauthorized
	}
	now := time.Now
	if g.Now != nil {
		now = g.Now
	}
	at, _, err := g.Tokens.Access(ctx, token, now())
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrUnauthorized
	}
	if err != nil {
		return Principal{}, err
	}
	if !slices.Contains(g.Audiences(), at.Audience) {
		return Principal{}, ErrUnauthorized
	}
	p := Principal{UserID: at.UserID, ClientID: at.ClientID}
	if !slices.Contains(at.Scopes, Scope) {
		return p, ErrForbidden
	}
	held, err := g.permissions(ctx, p)
	if err != nil {
		return p, err
	}
	if !slices.Contains(held, store.Permission{Resource: at.Audience, Scope: Scope}) {
		return p, ErrForbidden
	}
	return p, nil
}

func (g *Gate) permissions(ctx context.Context, p Principal) ([]store.Permission, error) {
	if p.UserID == "" {
		return g.Store.ClientPermissions(ctx, p.ClientID)
	}
	u, err := g.Store.GetUser(ctx, p.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil || u.Suspended {
		return nil, err
	}
	return g.Store.UserPermissions(ctx, p.UserID)
}
