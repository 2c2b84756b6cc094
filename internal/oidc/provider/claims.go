package provider

import (
	"github.com/sesameauth/sesame/internal/oidc/oauth2"
	"github.com/sesameauth/sesame/internal/store"
)

// UserClaims maps granted scopes to claims the way Logto does
// (logto-compat §8.1): scope claims go into the ID token as well as
// userinfo; name, picture and username are null when unset; the
// *_verified flags are always booleans, true only for addresses someone
// vouched for (store.User.EmailVerified); created_at and updated_at are epoch
// milliseconds (a Logto quirk kept for compatibility). roles is the
// user's role names (authz.RoleNames), claimed with the roles scope.
func UserClaims(u store.User, scopes []string, roles []string) map[string]any {
	c := map[string]any{"sub": u.ID}
	if oauth2.Has(scopes, oauth2.ScopeProfile) {
		c["name"] = nullable(u.Name)
		c["picture"] = nullable(u.Picture)
		c["username"] = nullable(u.Username)
		if u.Username != "" {
			c["preferred_username"] = u.Username
		}
		c["created_at"] = u.CreatedAt.UnixMilli()
		c["updated_at"] = u.UpdatedAt.UnixMilli()
	}
	if oauth2.Has(scopes, oauth2.ScopeEmail) {
		c["email"] = nullable(u.Email)
		c["email_verified"] = u.Email != "" && u.EmailVerified
	}
	if oauth2.Has(scopes, oauth2.ScopePhone) {
		c["phone_number"] = nullable(u.Phone)
		c["phone_number_verified"] = u.Phone != "" && u.PhoneVerified
	}
	if oauth2.Has(scopes, oauth2.ScopeRoles) {
		if roles == nil {
			roles = []string{}
		}
		c["roles"] = roles
	}
	return c
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// ClaimsSupported is advertised in discovery.
var ClaimsSupported = []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "sid", "amr", "acr",
	"name", "picture", "username", "preferred_username", "created_at", "updated_at",
	"email", "email_verified", "phone_number", "phone_number_verified", "roles"}
