// Package revocation serves RFC 7009 token revocation
// (POST /oidc/token/revocation). Revoking a refresh token revokes its whole
// grant. A client can only revoke its own tokens; for anything else the
// answer is the same 200 with an empty body (as Logto answers), so token
// existence is not disclosed. A store failure is a 503, never a 200.
package revocation
