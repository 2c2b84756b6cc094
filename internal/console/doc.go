// Package console serves the admin console at {endpoint}/console: server-
// rendered pages (html/template through internal/ui, no JS framework, the
// strict CSP unchanged) for managing apps and users.
//
// The console is an OIDC client of Sesame's own /oidc, client
// admin.ConsoleClientID. Signing in is an authorization code flow with
// PKCE, state and nonce that asks for the Management API resource
// ({endpoint}/api, scope "all"); the code is exchanged with x/oauth2
// against the server's own token endpoint served IN PROCESS (Handler.Server
// is the server's root handler, reached through a RoundTripper, so there
// is no network hairpin and no trust in Host), and the ID token is
// verified with go-oidc against the JWKS fetched through the same
// in-process client.
//
// The console session is an AES-GCM sealed, HttpOnly, SameSite=Lax cookie
// holding the tokens. Every request passes the access token to the same
// admin.Gate the Management API uses, so the console and the API cannot
// disagree about who is an administrator; an expired access token is
// refreshed with the refresh token. The console session cookie is not a
// credential for /api: the API only accepts bearer tokens.
//
// Every rule (what a valid redirect URI is, who may be suspended, …) lives
// in the domain packages (directory, admin); the console parses forms,
// calls them and shows their errors.
package console
