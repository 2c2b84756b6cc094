package store

import (
	"context"
	"time"
)

// Consent records what a user allowed a third-party client.
// Consent to an API scope is per (resource, scope) pair: consenting to
// "admin" on one API is no consent to "admin" on another.
type Consent struct {
	UserID      string
	ClientID    string
	Scopes      []string     // OpenID Connect scopes
	Permissions []Permission // API scopes
	Resources   []string
	CreatedAt   time.Time
}

type Consents interface {
	GetConsent(ctx context.Context, userID, clientID string) (Consent, error)
	PutConsent(ctx context.Context, c Consent) error
}
