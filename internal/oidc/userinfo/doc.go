// Package userinfo serves the UserInfo endpoint (GET and POST /oidc/me):
// the claims of the granted scopes for an opaque access token. Tokens with
// an audience (JWTs for an API resource) are refused, as Logto does.
package userinfo
