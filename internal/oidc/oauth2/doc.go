// Package oauth2 holds the OAuth 2.0 / OpenID Connect pieces that several
// endpoint packages share, so that no endpoint package imports another:
// scopes, PKCE (RFC 7636), resource indicators (RFC 8707), the
// authorization response sent back to an app's redirect URI with the
// hosted error page shown when it cannot be, and the one lookup of a
// presented refresh or access token (introspection, revocation,
// userinfo). Errors stay in oauth2err, below it.
package oauth2
