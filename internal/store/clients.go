package store

import (
	"context"
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
	// SecretHash is the SHA-256 of the client secret; the secret itself is
	// shown once at creation and never stored. Empty for public clients.
	SecretHash []byte
	// PreviousSecretHash is the secret replaced by the last rotation; it
	// keeps working until PreviousSecretExpiresAt, so apps can be
	// redeployed with the new secret without an outage.
	PreviousSecretHash      []byte
	PreviousSecretExpiresAt time.Time
	RedirectURIs            []string
	PostLogoutRedirectURIs  []string
	// ThirdParty apps get a consent screen; first-party apps never do.
	ThirdParty bool
	// CORSOrigins are origins (scheme://host[:port]) a browser app may call
	// the token, userinfo and revocation endpoints from, besides those of
	// its redirect and post-logout redirect URIs.
	CORSOrigins []string
	CreatedAt   time.Time
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
	// RotateClientSecret makes newHash the client's secret and keeps the
	// current one valid until previousExpiresAt (a previous secret older
	// than that is dropped). A missing client is ErrNotFound.
	RotateClientSecret(ctx context.Context, id string, newHash []byte, previousExpiresAt time.Time) error
	// SetClientCORSOrigins replaces the client's CORSOrigins. A missing
	// client is ErrNotFound.
	SetClientCORSOrigins(ctx context.Context, id string, origins []string) error
}
