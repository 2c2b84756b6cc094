// Package sesame is the Go SDK for web applications that sign their users in
// with a Sesame (or Logto-compatible) OpenID Connect server. It is the Go
// counterpart of Logto's @logto/next SDK and follows the same four steps:
// configure a [Client], mount the sign-in, callback and sign-out handlers, and
// read the sign-in state of a request with [Client.GetContext].
//
// Import it as
//
//	import sesame "github.com/sesameauth/sesame/sdk"
//
// # Flow
//
//   - [Client.SignInHandler] (a POST route) stores PKCE and state in the session
//     and redirects to the authorization endpoint.
//   - [Client.CallbackHandler] (GET, at Config.RedirectURI) checks the state,
//     exchanges the code, verifies the ID token against the server's JWKS and
//     stores the tokens in the session.
//   - [Client.GetContext] tells whether the request is signed in and decodes the
//     ID token claims, without any network call. [Context.AccessToken] and
//     [Context.UserInfo] talk to the server on demand and refresh tokens shortly
//     before they expire.
//   - [Client.SignOutHandler] (a POST route) revokes the refresh token, clears the
//     session and redirects to the end-session endpoint.
//   - [Client.RequireAuth] protects pages and APIs.
//
// # Sessions
//
// By default the session lives in an AES-256-GCM encrypted, authenticated cookie
// named "sesame_<appID>" (split into numbered chunks when it grows past one
// cookie). A server-side store can be plugged in through [SessionStore].
//
// # Discovery
//
// [New] validates the configuration only; it makes no network call. The
// discovery document ({Endpoint}/oidc/.well-known/openid-configuration) is
// fetched on first use and cached for Config.DiscoveryTTL; the JWKS is cached
// with it and refetched whenever an ID token carries an unknown key ID. Call
// [Client.Discover] at start-up to fail fast when the server is unreachable.
//
// The protocol work is done by github.com/coreos/go-oidc/v3 (discovery, JWKS,
// ID token verification) and golang.org/x/oauth2 (authorization URL, PKCE,
// token requests).
package sesame
