package console

import (
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// The documents the console records as an audit entry's before and after:
// the fields an administrator sees, in the Management API's JSON names,
// never a secret or a password hash.

func appDoc(c store.Client) map[string]any {
	return map[string]any{"id": c.ID, "name": c.Name, "type": string(c.Type), "redirectUris": c.RedirectURIs,
		"postLogoutRedirectUris": c.PostLogoutRedirectURIs, "corsAllowedOrigins": c.CORSOrigins}
}

func userDoc(u store.User) map[string]any {
	return map[string]any{"id": u.ID, "username": u.Username, "primaryEmail": u.Email, "name": u.Name, "isSuspended": u.Suspended}
}

func resourceDoc(x store.Resource) map[string]any {
	return map[string]any{"id": x.ID, "indicator": x.Indicator, "name": x.Name, "accessTokenTtl": int64(x.AccessTokenTTL / time.Second)}
}

func scopeDoc(sc store.ResourceScope) map[string]any {
	return map[string]any{"id": sc.ID, "resourceId": sc.ResourceID, "name": sc.Name, "description": sc.Description}
}

func roleDoc(r store.Role) map[string]any {
	return map[string]any{"id": r.ID, "name": r.Name, "description": r.Description, "type": string(r.Type), "isDefault": r.IsDefault}
}
