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
	// IsDefault marks a user role given to every new user, in the same
	// transaction as CreateUser. Only user roles can be default.
	IsDefault   bool
	Permissions []Permission // sorted by resource, then scope
	CreatedAt   time.Time
}

// RoleStats is what a role list shows of a role's members: how many users
// and apps hold it, and the oldest FeaturedMembers of each. Featured users
// carry ID, Username, Email, Name and Picture; featured apps ID, Name and
// Type.
type RoleStats struct {
	UsersCount, ClientsCount int
	FeaturedUsers            []User
	FeaturedClients          []Client
}

// FeaturedMembers is how many users and apps RoleStats features, as
// Logto's role list.
const FeaturedMembers = 3

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
	// CreateRoleWithScopes stores r with its permissions and the scopes
	// with these ids in one transaction: a missing scope is ErrNotFound
	// and a name clash ErrAlreadyExists, with nothing written.
	CreateRoleWithScopes(ctx context.Context, r Role, scopeIDs []string) error
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

	// UpdateRole stores the name, description and IsDefault of r (by
	// r.ID; type and permissions do not change here) and returns the
	// stored role. A missing role is ErrNotFound, a name clash
	// ErrAlreadyExists. Whether IsDefault fits the type is the caller's
	// rule.
	UpdateRole(ctx context.Context, r Role) (Role, error)
	// ListRoleUsers and ListRoleClients are one page of the role's
	// members, oldest first, with the total (ListQuery's search works as
	// in ListUsersPage and ListClientsPage). A missing role is
	// ErrNotFound.
	ListRoleUsers(ctx context.Context, roleID string, q ListQuery) ([]User, int, error)
	ListRoleClients(ctx context.Context, roleID string, q ListQuery) ([]Client, int, error)
	// RoleStats returns the stats of each role in roleIDs (missing ones
	// are left out), in a fixed number of queries whatever the count.
	RoleStats(ctx context.Context, roleIDs []string) (map[string]RoleStats, error)
	// ListRoleScopes lists the scope rows the role holds, by resource,
	// then name. A missing role is ErrNotFound.
	ListRoleScopes(ctx context.Context, roleID string) ([]ResourceScope, error)
	// AddRoleScopes gives the role the scopes with these ids (those it
	// holds already are kept once) and revokes, as SetRolePermissions,
	// the client_credentials tokens of its apps. A missing role or scope
	// is ErrNotFound (nothing is written).
	AddRoleScopes(ctx context.Context, roleID string, scopeIDs []string, now time.Time) error
	// RemoveRoleScope takes one scope from the role, revoking as
	// SetRolePermissions. A missing role or scope, or one the role does
	// not hold, is ErrNotFound.
	RemoveRoleScope(ctx context.Context, roleID, scopeID string, now time.Time) error
}
