package directory

// Roles (docs/security.md, items 8.1 and 8.2): access to an API is denied
// by default; a user or M2M app holds exactly the permissions, (resource,
// scope) pairs, of the roles assigned to it.

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/store"
)

// RoleStore is what the role operations use of the store.
type RoleStore interface {
	ResourceReader
	CreateRole(ctx context.Context, r store.Role) error
	GetRole(ctx context.Context, id string) (store.Role, error)
	GetRoleByName(ctx context.Context, name string) (store.Role, error)
	ListRoles(ctx context.Context) ([]store.Role, error)
	DeleteRole(ctx context.Context, id string, now time.Time) error
	SetRolePermissions(ctx context.Context, id string, perms []store.Permission, now time.Time) error
	AssignUserRole(ctx context.Context, userID, roleID string) error
	UnassignUserRole(ctx context.Context, userID, roleID string) error
	AssignClientRole(ctx context.Context, clientID, roleID string) error
	UnassignClientRole(ctx context.Context, clientID, roleID string, now time.Time) error
}

// Roles manages roles and their assignments.
type Roles struct {
	Store RoleStore
	Now   func() time.Time // default time.Now
}

func (d Roles) now() time.Time { return now(d.Now) }

// NewRole is what creating a role takes.
type NewRole struct {
	Name, Description string
	Type              store.RoleType
	Permissions       []store.Permission
}

// CheckNewRole validates r and normalises it: name trimmed, type
// lower-cased. Permissions are checked against the store by Create.
func CheckNewRole(r *NewRole) error {
	r.Name = strings.TrimSpace(r.Name)
	if err := checkRoleName(r.Name); err != nil {
		return err
	}
	r.Type = store.RoleType(strings.ToLower(string(r.Type)))
	if !r.Type.Valid() {
		return errf(ErrRoleInvalid.Code, "--type must be user or m2m")
	}
	if len(r.Description) > 1000 {
		return errf(ErrRoleInvalid.Code, "--description is too long")
	}
	return nil
}

// checkRoleName is the rule for role names: 1 to 128 printable characters.
func checkRoleName(name string) error {
	if n := utf8.RuneCountInString(name); n == 0 || n > 128 || !utf8.ValidString(name) {
		return errf(ErrRoleInvalid.Code, "--name must be 1 to 128 characters")
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return errf(ErrRoleInvalid.Code, "--name must be printable characters only")
		}
	}
	return nil
}

// Create validates and stores a role.
func (d Roles) Create(ctx context.Context, nr NewRole) (store.Role, error) {
	if err := CheckNewRole(&nr); err != nil {
		return store.Role{}, err
	}
	if err := CheckPermissions(ctx, d.Store, nr.Permissions); err != nil {
		return store.Role{}, err
	}
	r := store.Role{ID: opaque.NewID(), Name: nr.Name, Description: strings.TrimSpace(nr.Description), Type: nr.Type,
		Permissions: nr.Permissions, CreatedAt: d.now()}
	if err := d.Store.CreateRole(ctx, r); errors.Is(err, store.ErrAlreadyExists) {
		return store.Role{}, errf(ErrRoleExists.Code, "a role named %q already exists", nr.Name)
	} else if err != nil {
		return store.Role{}, err
	}
	return r, nil
}

// Find finds a role by id, then by name.
func (d Roles) Find(ctx context.Context, ref string) (store.Role, error) {
	r, err := d.Store.GetRole(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		r, err = d.Store.GetRoleByName(ctx, ref)
	}
	if errors.Is(err, store.ErrNotFound) {
		return store.Role{}, RoleNotFound(ref)
	}
	return r, err
}

// RoleNotFound is the error for an unknown role.
func RoleNotFound(ref string) error {
	return errf(ErrRoleNotFound.Code, "no role %q (see `sesame roles list`)", ref)
}

// List returns every role, by name.
func (d Roles) List(ctx context.Context) ([]store.Role, error) { return d.Store.ListRoles(ctx) }

// Delete removes a role and its assignments.
func (d Roles) Delete(ctx context.Context, r store.Role) error {
	if err := CheckRoleChange(r.ID); err != nil {
		return err
	}
	return d.Store.DeleteRole(ctx, r.ID, d.now())
}

// Permit adds permissions to a role and returns its new permissions.
func (d Roles) Permit(ctx context.Context, r store.Role, perms []store.Permission) ([]store.Permission, error) {
	if err := CheckPermissions(ctx, d.Store, perms); err != nil {
		return nil, err
	}
	next := UnionPermissions(r.Permissions, perms)
	return next, d.Store.SetRolePermissions(ctx, r.ID, next, d.now())
}

// Revoke takes permissions from a role and returns what it keeps; an empty
// Scope stands for every scope of the resource. Naming a permission the
// role does not hold is an error, so a typo does not pass silently.
func (d Roles) Revoke(ctx context.Context, r store.Role, perms []store.Permission) ([]store.Permission, error) {
	next := slices.Clone(r.Permissions)
	for _, p := range perms {
		n := len(next)
		next = slices.DeleteFunc(next, func(q store.Permission) bool {
			return q.Resource == p.Resource && (p.Scope == "" || q.Scope == p.Scope)
		})
		if len(next) == n {
			return nil, errf(ErrRoleNotHeld.Code, "role %q holds no permission %s", r.Name, strings.TrimSuffix(p.Resource+"="+p.Scope, "="))
		}
	}
	return next, d.Store.SetRolePermissions(ctx, r.ID, next, d.now())
}

// AssignUser gives a user role to a user (user roles go to users only).
func (d Roles) AssignUser(ctx context.Context, u store.User, r store.Role) error {
	if r.Type != store.RoleUser {
		return errf(ErrRoleMismatch.Code, "role %q is a %s role; users get user roles", r.Name, r.Type)
	}
	return d.Store.AssignUserRole(ctx, u.ID, r.ID)
}

// UnassignUser takes a role from a user; from their next token on they no
// longer hold its permissions.
func (d Roles) UnassignUser(ctx context.Context, u store.User, r store.Role) error {
	if err := d.Store.UnassignUserRole(ctx, u.ID, r.ID); errors.Is(err, store.ErrNotFound) {
		return errf(ErrRoleNotHeld.Code, "user %s does not hold role %q", u.ID, r.Name)
	} else if err != nil {
		return err
	}
	return nil
}

// AssignApp gives an m2m role to an m2m app.
func (d Roles) AssignApp(ctx context.Context, c store.Client, r store.Role) error {
	switch {
	case c.Type != store.AppM2M:
		return errf(ErrRoleMismatch.Code, "app %s is a %s app; roles are for m2m apps (users' apps get their users' permissions)", c.ID, c.Type)
	case r.Type != store.RoleM2M:
		return errf(ErrRoleMismatch.Code, "role %q is a %s role; m2m apps get m2m roles", r.Name, r.Type)
	}
	return d.Store.AssignClientRole(ctx, c.ID, r.ID)
}

// UnassignApp takes a role from an app, revoking its current tokens.
func (d Roles) UnassignApp(ctx context.Context, c store.Client, r store.Role) error {
	if err := d.Store.UnassignClientRole(ctx, c.ID, r.ID, d.now()); errors.Is(err, store.ErrNotFound) {
		return errf(ErrRoleNotHeld.Code, "app %s does not hold role %q", c.ID, r.Name)
	} else if err != nil {
		return err
	}
	return nil
}
