package store

import (
	"context"
	"time"
)

// AuthRequest is a pending authorization request: what /oidc/auth validated,
// waiting for the user to sign in (and consent). It lives in the database so
// any replica can resume it.
type AuthRequest struct {
	ID          string
	ClientID    string
	RedirectURI string
	// Scopes are the requested OpenID Connect scopes (openid, profile,
	// offline_access, ...); Permissions the requested API scopes, each
	// paired with a requested resource that defines it.
	Scopes              []string
	Permissions         []Permission
	Resources           []string
	State               string
	Nonce               string
	CodeChallenge       string
	CodeChallengeMethod string
	ResponseMode        string
	Prompt              []string
	MaxAge              int // seconds; -1 when absent
	LoginHint           string
	UILocales           string
	// ForceLogin is set by prompt=login/max_age until the user signs in again
	// during this request.
	ForceLogin bool
	// ConsentDenied records that the user refused consent; the
	// authorization endpoint then answers the app with access_denied.
	ConsentDenied bool
	// Logto's sign-in parameters, validated by the authorization endpoint:
	// FirstScreen the page to open first (sign_in, register,
	// reset_password, identifier:sign_in, identifier:register,
	// single_sign_on; empty when absent), Identifiers the identifier kinds
	// the sign-in form offers (email, phone, username; empty = all the
	// settings allow), DirectSignIn "social:<id>" or "sso:<id>", ACRValues
	// the requested authentication context classes.
	FirstScreen  string
	Identifiers  []string
	DirectSignIn string
	ACRValues    []string
	// PendingUserID is the user whose first factor passed while a second
	// factor is still due; PendingAMR the factors used so far (RFC 8176).
	// Both are empty when no sign-in is half done.
	PendingUserID string
	PendingAMR    []string
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

type AuthRequests interface {
	CreateAuthRequest(ctx context.Context, a AuthRequest) error
	GetAuthRequest(ctx context.Context, id string) (AuthRequest, error) // expired → ErrNotFound
	UpdateAuthRequest(ctx context.Context, id string, fn func(AuthRequest) (AuthRequest, error)) (AuthRequest, error)
	DeleteAuthRequest(ctx context.Context, id string) error
}
