package authz

import (
	"context"
	"slices"

	"github.com/sesameauth/sesame/internal/oidc/oauth2"
	"github.com/sesameauth/sesame/internal/store"
)

// Requested pairs each requested scope with every requested resource that
// defines it. Scopes no resource defines are dropped (OpenID Connect Core
// section 3.1.2.1: unknown scopes are ignored), as are OpenID Connect
// scopes, which the caller keeps apart.
func Requested(scopes []string, resources []store.Resource, isOIDC func(string) bool) []store.Permission {
	var out []store.Permission
	for _, res := range resources {
		for _, s := range scopes {
			if isOIDC(s) || !slices.Contains(res.Scopes, s) {
				continue
			}
			p := store.Permission{Resource: res.Indicator, Scope: s}
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// Intersect returns the permissions of want that are also in have, in
// want's order.
func Intersect(want, have []store.Permission) []store.Permission {
	var out []store.Permission
	for _, p := range want {
		if slices.Contains(have, p) {
			out = append(out, p)
		}
	}
	return out
}

// Union returns a followed by the elements of b not in a: consent adds
// what was allowed now to what was allowed before (scopes, resources,
// permissions alike).
func Union[T comparable](a, b []T) []T {
	out := slices.Clone(a)
	for _, p := range b {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// Covers reports whether have contains every permission of want.
func Covers(have, want []store.Permission) bool {
	for _, p := range want {
		if !slices.Contains(have, p) {
			return false
		}
	}
	return true
}

// ScopesOf returns the scopes perms hold on resource that the resource
// still defines, in perms' order: a scope removed from the resource since
// it was granted is no longer issued.
func ScopesOf(perms []store.Permission, res store.Resource) []string {
	var out []string
	for _, p := range perms {
		if p.Resource == res.Indicator && slices.Contains(res.Scopes, p.Scope) && !slices.Contains(out, p.Scope) {
			out = append(out, p.Scope)
		}
	}
	return out
}

// HasResource reports whether perms hold any scope on the resource.
func HasResource(perms []store.Permission, indicator string) bool {
	return slices.ContainsFunc(perms, func(p store.Permission) bool { return p.Resource == indicator })
}

// UserRoles is what Grantable needs of the store.
type UserRoles interface {
	UserPermissions(ctx context.Context, userID string) ([]store.Permission, error)
}

// Grantable narrows want to what the user's roles grant now. It is called
// when a code is issued, when it is exchanged and at every refresh, so a
// role taken away shrinks the next token. An empty want costs no query.
func Grantable(ctx context.Context, st UserRoles, userID string, want []store.Permission) ([]store.Permission, error) {
	if len(want) == 0 {
		return nil, nil
	}
	have, err := st.UserPermissions(ctx, userID)
	if err != nil {
		return nil, err
	}
	return Intersect(want, have), nil
}

// Group arranges perms by resource, resources in first-seen order, for
// pages that show them per API.
func Group(perms []store.Permission) []ResourceScopes {
	var out []ResourceScopes
	for _, p := range perms {
		i := slices.IndexFunc(out, func(g ResourceScopes) bool { return g.Resource == p.Resource })
		if i < 0 {
			out = append(out, ResourceScopes{Resource: p.Resource})
			i = len(out) - 1
		}
		out[i].Scopes = append(out[i].Scopes, p.Scope)
	}
	return out
}

// ResourceScopes is one API's scopes.
type ResourceScopes struct {
	Resource string
	Scopes   []string
}

// RoleLister lists a user's roles.
type RoleLister interface {
	ListUserRoles(ctx context.Context, userID string) ([]store.Role, error)
}

// RoleNames returns the names of the user's user roles, by name, when
// scopes include "roles" (non-nil, so the claim is [] for a user without
// roles), and nil without a query otherwise. The ID token and userinfo
// call it each time they are built, so a role assigned after sign-in shows
// at the next refresh.
func RoleNames(ctx context.Context, st RoleLister, userID string, scopes []string) ([]string, error) {
	if !slices.Contains(scopes, oauth2.ScopeRoles) {
		return nil, nil
	}
	roles, err := st.ListUserRoles(ctx, userID)
	if err != nil {
		return nil, err
	}
	names := []string{}
	for _, r := range roles {
		if r.Type == store.RoleUser {
			names = append(names, r.Name)
		}
	}
	return names, nil
}
