package store

import (
	"context"
	"time"
)

// Permission is one scope of one API resource: the unit that roles grant,
// that grants and consents record, and that a resource token carries
// (docs/security.md, items 8.1 and 8.2). Scopes belong to their resource:
// "admin" on one API says nothing about "admin" on another.
type Permission struct {
	Resource string `json:"resource"` // the resource's indicator
	Scope    string `json:"scope"`
}

// RoleType says who a role can be assigned to.
type RoleType string

const (
	RoleUser RoleType = "user" // assigned to users; governs their resource tokens
	RoleM2M  RoleType = "m2m"  // assigned to machine-to-machine apps; governs client_credentials
)

// Valid reports whether t is a known role type.
func (t RoleType) Valid() bool { return t == RoleUser || t == RoleM2M }

// Role is a named set of permissions. Access to an API is denied by
// default: a user or M2M app holds exactly the permissions of its roles.
type Role struct {
	ID          string
	Name        string // unique
	Description string
	Type        RoleType
	Permissions []Permission // sorted by resource, then scope
	CreatedAt   time.Time
}

// Roles holds roles, their permissions and their assignments. Changes that
// narrow what a machine-to-machine app may hold (SetRolePermissions,
// DeleteRole, UnassignClientRole) revoke, in the same transaction, the
// client_credentials access tokens of every app that held the role, so
// introspection sees the change at once. A user's change takes effect at
// the next code exchange or refresh.
type Roles interface {
	// CreateRole stores r with its permissions. A name clash is
	// ErrAlreadyExists; a permission on an unregistered resource is
	// ErrNotFound (nothing is written).
	CreateRole(ctx context.Context, r Role) error
	GetRole(ctx context.Context, id string) (Role, error)
	GetRoleByName(ctx context.Context, name string) (Role, error)
	ListRoles(ctx context.Context) ([]Role, error) // by name
	// DeleteRole removes the role and its assignments.
	DeleteRole(ctx context.Context, id string, now time.Time) error
	// SetRolePermissions replaces the role's permissions. A permission on
	// an unregistered resource is ErrNotFound (nothing is written).
	SetRolePermissions(ctx context.Context, id string, perms []Permission, now time.Time) error
	// AssignUserRole and AssignClientRole are idempotent; a missing user,
	// client or role is ErrNotFound. Whether the role's type fits is the
	// caller's rule, not the store's.
	AssignUserRole(ctx context.Context, userID, roleID string) error
	UnassignUserRole(ctx context.Context, userID, roleID string) error // not assigned → ErrNotFound
	AssignClientRole(ctx context.Context, clientID, roleID string) error
	// PutClientRole creates role r, or replaces the permissions of the
	// role with r.ID (revoking, as SetRolePermissions does, the
	// client_credentials tokens of every app that holds it), and assigns
	// it to the client, in one transaction. A missing client is
	// ErrNotFound, as is a permission on an unregistered resource; a name
	// clash with another role is ErrAlreadyExists. Nothing is written on
	// failure.
	PutClientRole(ctx context.Context, clientID string, r Role, now time.Time) error
	UnassignClientRole(ctx context.Context, clientID, roleID string, now time.Time) error // not assigned → ErrNotFound
	ListUserRoles(ctx context.Context, userID string) ([]Role, error)                     // by name
	ListClientRoles(ctx context.Context, clientID string) ([]Role, error)                 // by name
	// UserPermissions and ClientPermissions are the union of the
	// permissions of every role assigned, without duplicates, sorted; the
	// token endpoints call them once per token, so each is one query.
	UserPermissions(ctx context.Context, userID string) ([]Permission, error)
	ClientPermissions(ctx context.Context, clientID string) ([]Permission, error)
}
