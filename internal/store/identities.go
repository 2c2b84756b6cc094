package store

import (
	"context"
	"time"
)

// Identity links an account at an upstream OpenID provider (a social or
// enterprise connector) to a Sesame user: the upstream's sub, per
// connector, is the key.
type Identity struct {
	ConnectorID string
	Subject     string
	UserID      string
	Email       string // the upstream's email claim when linked (informational)
	CreatedAt   time.Time
}

type Identities interface {
	// GetIdentity returns the link of (connectorID, subject); ErrNotFound
	// when there is none.
	GetIdentity(ctx context.Context, connectorID, subject string) (Identity, error)
	// CreateIdentity links i; an existing link of the same (connector,
	// subject) is ErrAlreadyExists, a missing user ErrNotFound.
	CreateIdentity(ctx context.Context, i Identity) error
	// CreateUserWithIdentity creates u and links i to it in one
	// transaction (a user signing up through a connector): a clash of
	// either is ErrAlreadyExists and nothing is written.
	CreateUserWithIdentity(ctx context.Context, u User, i Identity) error
	// ListUserIdentities returns the user's links, oldest first.
	ListUserIdentities(ctx context.Context, userID string) ([]Identity, error)
}
