package oauth2

import (
	"slices"
	"strings"
)

// Scopes the provider knows. Resource scopes come from registered resources.
const (
	ScopeOpenID        = "openid"
	ScopeOfflineAccess = "offline_access"
	ScopeProfile       = "profile"
	ScopeEmail         = "email"
	ScopePhone         = "phone"
	// ScopeRoles asks for the user's role names in the ID token and at
	// userinfo (a Logto scope; docs/design.md, Roles in tokens).
	ScopeRoles = "roles"
)

// OIDCScopes lists the standard scopes, in discovery order.
var OIDCScopes = []string{ScopeOpenID, ScopeOfflineAccess, ScopeProfile, ScopeEmail, ScopePhone, ScopeRoles}

// SplitScope splits a space-delimited scope string, dropping duplicates.
func SplitScope(s string) []string {
	var out []string
	for _, f := range strings.Fields(s) {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// JoinScope is SplitScope's inverse.
func JoinScope(s []string) string { return strings.Join(s, " ") }

// Has reports whether scopes contains s.
func Has(scopes []string, s string) bool { return slices.Contains(scopes, s) }

// IsOIDCScope reports whether s is a standard scope.
func IsOIDCScope(s string) bool { return slices.Contains(OIDCScopes, s) }
