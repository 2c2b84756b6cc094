package store

import (
	"context"
	"errors"
	"time"
)

// Errors of the Admins operations.
var (
	// ErrRoleHeld: SetupFirstAdmin found the role already held.
	ErrRoleHeld = errors.New("store: role already held")
	// ErrLastHolder: UnassignUserRoleUnlessLast would leave the role with no
	// unsuspended holder.
	ErrLastHolder = errors.New("store: last holder of the role")
)

// Admins holds what bootstrapping the management plane needs: one-time
// setup tokens, users created together with a role, and the seeded
// objects' endpoint-dependent fields.
type Admins interface {
	// CreateSetupToken stores the hash of a one-time setup token (never
	// the token) valid until expiresAt.
	CreateSetupToken(ctx context.Context, hash []byte, createdAt, expiresAt time.Time) error
	// SetupFirstAdmin, in one transaction, consumes the setup token hash
	// (one conditional write: unused and unexpired at now, else
	// ErrNotFound), checks that no user holds roleID (else ErrRoleHeld,
	// and the token stays unused) and creates u holding roleID (a
	// username or email clash is ErrAlreadyExists). Nothing is written
	// on failure.
	SetupFirstAdmin(ctx context.Context, hash []byte, now time.Time, u User, roleID string) error
	// CreateUserWithRole creates u and assigns it roleID in one
	// transaction; a clash is ErrAlreadyExists, a missing role ErrNotFound.
	CreateUserWithRole(ctx context.Context, u User, roleID string) error
	// AllRoleUsers lists every user holding roleID, by creation (unpaged:
	// administrators are few).
	AllRoleUsers(ctx context.Context, roleID string) ([]User, error)
	// UnassignUserRoleUnlessLast unassigns roleID from the user unless no
	// other unsuspended user would hold it (ErrLastHolder); not assigned
	// is ErrNotFound. Concurrent calls cannot both pass the check.
	UnassignUserRoleUnlessLast(ctx context.Context, userID, roleID string) error
	// SetResourceIndicator and SetClientRedirectURIs follow a change of
	// endpoint; a missing row is ErrNotFound.
	SetResourceIndicator(ctx context.Context, id, indicator string) error
	SetClientRedirectURIs(ctx context.Context, id string, redirectURIs, postLogoutRedirectURIs []string) error
}
