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
	CreateRoleWithScopes(ctx context.Context, r store.Role, scopeIDs []string) error
	GetRole(ctx context.Context, id string) (store.Role, error)
	GetRoleByName(ctx context.Context, name string) (store.Role, error)
	ListRoles(ctx context.Context) ([]store.Role, error)
	DeleteRole(ctx context.Context, id string, now time.Time) error
	SetRolePermissions(ctx context.Context, id string, perms []store.Permission, now time.Time) error
	AssignUserRole(ctx context.Context, userID, roleID string) error
	UnassignUserRole(ctx context.Context, userID, roleID string) error
	AssignClientRole(ctx context.Context, clientID, roleID string) error
	UnassignClientRole(ctx context.Context, clientID, roleID string, now time.Time) error
	UpdateRole(ctx context.Context, r store.Role) (store.Role, error)
	ListRoleUsers(ctx context.Context, roleID string, q store.ListQuery) ([]store.User, int, error)
	ListRoleClients(ctx context.Context, roleID string, q store.ListQuery) ([]store.Client, int, error)
	RoleStats(ctx context.Context, roleIDs []string) (map[string]store.RoleStats, error)
	ListRoleScopes(ctx context.Context, roleID string) ([]store.ResourceScope, error)
	AddRoleScopes(ctx context.Context, roleID string, scopeIDs []string, now time.Time) error
	RemoveRoleScope(ctx context.Context, roleID, scopeID string, now time.Time) error
	GetResourceScope(ctx context.Context, id string) (store.ResourceScope, error)
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
	// IsDefault makes a user role a default role: every user created from
	// then on gets it.
	IsDefault bool
	// ScopeIDs are resource scopes (by id) the role holds besides
	// Permissions, given in the same transaction: an unknown id creates
	// nothing (the Management API's POST /api/roles scopeIds).
	ScopeIDs []string
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
	if err := checkRoleDescription(r.Description); err != nil {
		return err
	}
	return checkDefault(r.Type, r.IsDefault)
}

func checkRoleDescription(d string) error {
	if len(d) > 1000 {
		return errf(ErrRoleInvalid.Code, "--description is too long")
	}
	return nil
}

// checkDefault: only user roles can be default roles (apps are never
// created with roles).
func checkDefault(t store.RoleType, isDefault bool) error {
	if isDefault && t != store.RoleUser {
		return errf(ErrRoleMismatch.Code, "only user roles can be default roles")
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
	if len(nr.ScopeIDs) > maxScopeIDs {
		return store.Role{}, errf(ErrRoleInvalid.Code, "scopeIds must name at most %d scopes", maxScopeIDs)
	}
	r := store.Role{ID: opaque.NewID(), Name: nr.Name, Description: strings.TrimSpace(nr.Description), Type: nr.Type,
		Permissions: nr.Permissions, IsDefault: nr.IsDefault, CreatedAt: d.now()}
	var err error
	if len(nr.ScopeIDs) == 0 {
		err = d.Store.CreateRole(ctx, r)
	} else {
		err = d.Store.CreateRoleWithScopes(ctx, r, nr.ScopeIDs)
	}
	switch {
	case errors.Is(err, store.ErrAlreadyExists):
		return store.Role{}, errf(ErrRoleExists.Code, "a role named %q already exists", nr.Name)
	case errors.Is(err, store.ErrNotFound) && len(nr.ScopeIDs) > 0:
		for _, id := range nr.ScopeIDs {
			if _, err := d.Store.GetResourceScope(ctx, id); errors.Is(err, store.ErrNotFound) {
				return store.Role{}, ScopeNotFound(id)
			}
		}
		return store.Role{}, err
	case err != nil:
		return store.Role{}, err
	}
	if len(nr.ScopeIDs) > 0 {
		return d.Store.GetRole(ctx, r.ID) // the permissions the scopes gave
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
	if err := CheckRolePermissionChange(r.ID); err != nil {
		return nil, err
	}
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
	if err := CheckScopeRemoval("", r.ID); err != nil {
		return nil, err
	}
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
	if err := CheckUserRole(r); err != nil {
		return err
	}
	return d.Store.AssignUserRole(ctx, u.ID, r.ID)
}

// CheckUserRole is AssignUser's rule: users get user roles. A caller that
// assigns several checks them all before writing any.
func CheckUserRole(r store.Role) error {
	if r.Type != store.RoleUser {
		return errf(ErrRoleMismatch.Code, "role %q is a %s role; users get user roles", r.Name, r.Type)
	}
	return nil
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
	if err := CheckAppRole(c, r); err != nil {
		return err
	}
	return d.Store.AssignClientRole(ctx, c.ID, r.ID)
}

// CheckAppRole is AssignApp's rule: m2m roles, for m2m apps only. A caller
// that assigns several checks them all before writing any.
func CheckAppRole(c store.Client, r store.Role) error {
	switch {
	case c.Type != store.AppM2M:
		return errf(ErrRoleMismatch.Code, "app %s is a %s app; roles are for m2m apps (users' apps get their users' permissions)", c.ID, c.Type)
	case r.Type != store.RoleM2M:
		return errf(ErrRoleMismatch.Code, "role %q is a %s role; m2m apps get m2m roles", r.Name, r.Type)
	}
	return nil
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

// Get finds a role by id only (the Management API's :id).
func (d Roles) Get(ctx context.Context, id string) (store.Role, error) {
	r, err := d.Store.GetRole(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Role{}, RoleNotFound(id)
	}
	return r, err
}

// RoleUpdate is a partial update of a role: nil fields are kept.
type RoleUpdate struct {
	Name, Description *string
	IsDefault         *bool
}

// Update validates and applies u to r and returns the stored role. Making
// a role default gives it only to users created afterwards.
func (d Roles) Update(ctx context.Context, r store.Role, u RoleUpdate) (store.Role, error) {
	if u.Name != nil {
		if err := CheckRoleChange(r.ID); err != nil {
			return store.Role{}, err
		}
	}
	if u.Name != nil {
		r.Name = strings.TrimSpace(*u.Name)
		if err := checkRoleName(r.Name); err != nil {
			return store.Role{}, err
		}
	}
	if u.Description != nil {
		r.Description = strings.TrimSpace(*u.Description)
		if err := checkRoleDescription(r.Description); err != nil {
			return store.Role{}, err
		}
	}
	if u.IsDefault != nil {
		if err := CheckRoleDefault(r.ID, *u.IsDefault); err != nil {
			return store.Role{}, err
		}
		if err := checkDefault(r.Type, *u.IsDefault); err != nil {
			return store.Role{}, err
		}
		r.IsDefault = *u.IsDefault
	}
	out, err := d.Store.UpdateRole(ctx, r)
	switch {
	case errors.Is(err, store.ErrAlreadyExists):
		return store.Role{}, errf(ErrRoleExists.Code, "a role named %q already exists", r.Name)
	case errors.Is(err, store.ErrNotFound):
		return store.Role{}, RoleNotFound(r.ID)
	}
	return out, err
}

// checkListQuery turns a search on a field the list lacks into bad input
// (the store would fail).
func checkListQuery(q store.ListQuery, allowed []store.SearchField) error {
	if _, err := q.SearchFields(allowed); err != nil {
		return errf(ErrListQuery.Code, "cannot search on %v", q.Fields)
	}
	return nil
}

// Users is one page of the users who hold r, oldest first, with the total.
func (d Roles) Users(ctx context.Context, r store.Role, q store.ListQuery) ([]store.User, int, error) {
	if err := checkListQuery(q, store.UserSearchFields); err != nil {
		return nil, 0, err
	}
	l, n, err := d.Store.ListRoleUsers(ctx, r.ID, q)
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, RoleNotFound(r.ID)
	}
	return l, n, err
}

// Apps is one page of the apps that hold r, oldest first, with the total.
func (d Roles) Apps(ctx context.Context, r store.Role, q store.ListQuery) ([]store.Client, int, error) {
	if err := checkListQuery(q, store.ClientSearchFields); err != nil {
		return nil, 0, err
	}
	l, n, err := d.Store.ListRoleClients(ctx, r.ID, q)
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, RoleNotFound(r.ID)
	}
	return l, n, err
}

// Stats returns the member counts and featured members of each role, in
// a fixed number of queries (a whole list page at once). A role missing
// from the store gets zero stats.
func (d Roles) Stats(ctx context.Context, roles []store.Role) (map[string]store.RoleStats, error) {
	ids := make([]string, len(roles))
	for i, r := range roles {
		ids[i] = r.ID
	}
	return d.Store.RoleStats(ctx, ids)
}

// Scopes lists the scopes r holds, as rows with ids.
func (d Roles) Scopes(ctx context.Context, r store.Role) ([]store.ResourceScope, error) {
	l, err := d.Store.ListRoleScopes(ctx, r.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, RoleNotFound(r.ID)
	}
	return l, err
}

// maxScopeIDs bounds one AddScopes call.
const maxScopeIDs = 100

// AddScopes gives r the scopes with these ids (held ones are kept once).
// An unknown id is ErrScopeNotFound and nothing is written.
func (d Roles) AddScopes(ctx context.Context, r store.Role, scopeIDs []string) error {
	if len(scopeIDs) == 0 || len(scopeIDs) > maxScopeIDs {
		return errf(ErrRoleInvalid.Code, "scopeIds must name 1 to %d scopes", maxScopeIDs)
	}
	if err := d.Store.AddRoleScopes(ctx, r.ID, scopeIDs, d.now()); errors.Is(err, store.ErrNotFound) {
		// The role was found by the caller: name the missing scope.
		for _, id := range scopeIDs {
			if _, err := d.Store.GetResourceScope(ctx, id); errors.Is(err, store.ErrNotFound) {
				return ScopeNotFound(id)
			}
		}
		return RoleNotFound(r.ID)
	} else if err != nil {
		return err
	}
	return nil
}

// RemoveScope takes one scope from r; a scope r does not hold is
// ErrRoleNotHeld.
func (d Roles) RemoveScope(ctx context.Context, r store.Role, scopeID string) error {
	if err := CheckScopeRemoval("", r.ID); err != nil {
		return err
	}
	if err := d.Store.RemoveRoleScope(ctx, r.ID, scopeID, d.now()); errors.Is(err, store.ErrNotFound) {
		return errf(ErrRoleNotHeld.Code, "role %q does not hold scope %q", r.Name, scopeID)
	} else if err != nil {
		return err
	}
	return nil
}
