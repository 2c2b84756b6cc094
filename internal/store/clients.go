package store

import (
	"context"
	"encoding/json"
	"time"
)

// AppType mirrors Logto's application types.
type AppType string

const (
	AppTraditional AppType = "traditional" // server-side web app, confidential
	AppSPA         AppType = "spa"         // browser app, public
	AppNative      AppType = "native"      // mobile/desktop app, public
	AppM2M         AppType = "m2m"         // machine-to-machine, confidential, client_credentials only
)

// Confidential reports whether the app authenticates with a secret.
func (t AppType) Confidential() bool { return t == AppTraditional || t == AppM2M }

// Valid reports whether t is a known app type.
func (t AppType) Valid() bool {
	switch t {
	case AppTraditional, AppSPA, AppNative, AppM2M:
		return true
	}
	return false
}

// Client is a registered application (an OAuth client).
type Client struct {
	ID   string
	Name string
	Type AppType
	// Description is free text for people (Logto's description).
	Description string
	// Secrets are the app's named secrets (confidential apps only; a
	// secret is shown once at creation and only its hash stored).
	// CreateClient stores them; GetClient loads them, hashes included, in
	// the same query as the app, so client authentication is one read;
	// ListClients and ListClientsPage leave them nil.
	Secrets                []ClientSecret
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	// ThirdParty apps get a consent screen; first-party apps never do.
	ThirdParty bool
	// CORSOrigins are origins (scheme://host[:port]) a browser app may call
	// the token, userinfo and revocation endpoints from, besides those of
	// its redirect and post-logout redirect URIs.
	CORSOrigins []string
	// IDTokenTTL is how long ID tokens last; 0 means the server default.
	IDTokenTTL time.Duration
	// RefreshTokenTTL is how long refresh tokens last; 0 means the server
	// default. Whole days (Logto's refreshTokenTtlInDays).
	RefreshTokenTTL time.Duration
	// NoRefreshRotation is Logto's rotateRefreshToken = false: a refresh
	// token is reused until it expires rather than replaced on use. The
	// zero value keeps rotation on.
	NoRefreshRotation bool
	// RefreshReuseInterval: for this long after a refresh token is
	// rotated, presenting it again returns the same successor instead of
	// revoking the grant, so that a browser app refreshing from two tabs
	// at once keeps its session (docs/design.md, "Refresh tokens in
	// several tabs"). Whole seconds, 0 to MaxRefreshReuseInterval; 0 (the
	// default, as Logto) makes every reuse a replay.
	RefreshReuseInterval time.Duration
	// IDTokenAlg is the app's id_token_signed_response_alg: its ID tokens
	// are signed with a key of that algorithm (ES384, ES256 or RS256); ""
	// signs them with the server's default key.
	IDTokenAlg string
	// BackChannelLogoutURI is where Sesame posts a signed logout token
	// when a session this app signed in through ends (OpenID Connect
	// Back-Channel Logout 1.0; docs/design.md, "Back-channel logout");
	// "" sends none. An absolute http(s) URL without a fragment.
	BackChannelLogoutURI string
	// BackChannelLogoutSessionRequired: the app needs the session id
	// (sid) in every logout token (backchannel_logout_session_required).
	// Sesame always sends it when the session has one.
	BackChannelLogoutSessionRequired bool
	// AlwaysIssueRefreshToken issues a refresh token for an authorization
	// code even without the offline_access scope.
	AlwaysIssueRefreshToken bool
	// CustomData is a JSON object for the app owner's use; nil reads as {}.
	CustomData json.RawMessage
	CreatedAt  time.Time
	// TokensRevokedBefore: every access token of the app issued before it
	// is revoked (set when a role or scope the app held is taken away;
	// docs/design.md, "Access tokens"). Zero: none.
	TokensRevokedBefore time.Time
}

// MaxRefreshReuseInterval bounds Client.RefreshReuseInterval.
const MaxRefreshReuseInterval = time.Hour

// SecretDefault is the name of the secret made with the app and replaced by
// rotation; SecretPrevious names the one a rotation keeps for its grace
// period.
const (
	SecretDefault  = "default"
	SecretPrevious = "previous"
)

// ClientSecret is one named secret of an app.
type ClientSecret struct {
	Name      string // unique per app, 1–256 characters
	Hash      []byte // nil in ListClientSecrets
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never
}

// Live reports whether the secret may authenticate at now.
func (s ClientSecret) Live(now time.Time) bool {
	return s.ExpiresAt.IsZero() || now.Before(s.ExpiresAt)
}

type Clients interface {
	CreateClient(ctx context.Context, c Client) error
	// CreateClientWithRole stores c, creates role r with its permissions
	// and assigns r to c, all in one transaction: on any failure nothing
	// is written. A clash on the client id or the role name is
	// ErrAlreadyExists; a permission on an unregistered resource is
	// ErrNotFound.
	CreateClientWithRole(ctx context.Context, c Client, r Role) error
	GetClient(ctx context.Context, id string) (Client, error)
	ListClients(ctx context.Context) ([]Client, error)
	ListClientsPage(ctx context.Context, q ListQuery) (page []Client, total int, err error) // see ListQuery
	// DeleteClient removes the client and revokes every grant and token
	// issued to it.
	DeleteClient(ctx context.Context, id string) error
	// DeleteClientWithRole is DeleteClient that also deletes the role
	// roleID (the app's own, made by CreateClientWithRole or PutClientRole)
	// as DeleteRole does, in the same transaction; a missing role is not an
	// error, a missing client is ErrNotFound and deletes nothing.
	DeleteClientWithRole(ctx context.Context, id, roleID string, now time.Time) error
	// RotateClientSecret makes s (named SecretDefault) the client's
	// default secret, in one transaction: the current default, if any,
	// becomes SecretPrevious, valid until previousExpiresAt at the latest,
	// and an earlier previous secret is dropped, so two rotations never
	// revive an older secret. Other named secrets are untouched. A missing
	// client is ErrNotFound.
	RotateClientSecret(ctx context.Context, id string, s ClientSecret, previousExpiresAt time.Time) error
	// UpdateClient reads the client, applies fn and writes the result back,
	// in one transaction holding the row, so concurrent updates do not
	// lose each other's changes. fn's error aborts and is returned as is.
	// The id, type, creation time and secrets are not changed. A missing
	// client is ErrNotFound.
	UpdateClient(ctx context.Context, id string, fn func(Client) (Client, error)) (Client, error)
	// AddClientSecret adds a named secret to the client. A name the app
	// already uses is ErrAlreadyExists; a missing client ErrNotFound.
	AddClientSecret(ctx context.Context, clientID string, s ClientSecret) error
	// ListClientSecrets lists the client's secrets by creation time, name,
	// without their hashes. A missing client is ErrNotFound.
	ListClientSecrets(ctx context.Context, clientID string) ([]ClientSecret, error)
	// DeleteClientSecret deletes the named secret; a missing one (or
	// client) is ErrNotFound.
	DeleteClientSecret(ctx context.Context, clientID, name string) error
	// SetClientCORSOrigins replaces the client's CORSOrigins. A missing
	// client is ErrNotFound.
	SetClientCORSOrigins(ctx context.Context, id string, origins []string) error
}
