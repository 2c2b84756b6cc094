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
// cookie). When BaseURL is https the cookie is Secure and named
// "__Host-sesame_<appID>" (Path=/, no Domain), so that neither plain http nor
// another subdomain can set or read it; on http (local development) it keeps
// the plain name. A server-side store can be plugged in through [SessionStore].
//
// The session records when it was issued and when it was last written, under
// the encryption. It ends Config.SessionLifetime (default 14 days) after
// sign-in, however active, and after Config.SessionIdleTimeout (default 3
// days) without use; an expired session reads as signed out and
// [Client.GetContext] deletes it. GetContext renews the last-use time by
// writing the session again, at most once a minute (once every tenth of the
// idle timeout when that is under ten minutes).
//
// The ID token's own exp (an hour with Sesame) is checked when the token is
// received, at sign-in and at each refresh, but not on later reads: like
// Logto's SDKs, a session stays signed in past it, within the lifetimes
// above, and [Context.AccessToken] refreshes the tokens (checking that the new
// ID token names the same issuer and subject) when it needs them. An app that
// wants a stricter bound can compare Claims.Expiry itself.
//
// A cookie store cannot revoke a session. Sign-out deletes the cookie and
// revokes the refresh token, but a copy of the cookie taken earlier still
// reads as signed in (with its claims, though no longer able to refresh) until
// the lifetimes above end it. When that matters, use a server-side
// [SessionStore]: the cookie then holds only a random session ID, and Delete
// (at sign-out, or by an administrator) ends the session for every copy.
//
// # Back-channel logout
//
// An OpenID provider that implements Back-Channel Logout 1.0 (Logto does)
// posts a signed logout token to every app that a session signed in to and
// that registered a back-channel logout URI, when that session ends
// elsewhere. Mount [Client.BackChannelLogoutHandler] there and use a
// [ServerStore], such as [MemoryStore] for an app that runs as one process:
//
//	store, _ := sesame.NewMemoryStore(sesame.CookieName(appID), false, 0)
//	client, _ := sesame.New(sesame.Config{ /* ... */ Store: store})
//	mux.Handle("POST /backchannel-logout", client.BackChannelLogoutHandler())
//
// The handler verifies the token and ends the app's sessions with its sid,
// or every session of its subject. A cookie store cannot take part: the
// whole session is in the browser, so there is nothing on the server to
// end. Sesame itself does not send logout tokens yet (its issue 13).
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
//
// # Managing the server
//
// Package [github.com/sesameauth/sesame/sdk/management] is a client for the
// Management API ({Endpoint}/api, in Logto's shapes): applications, users,
// roles, API resources, the sign-in experience, the log and the signing
// keys, as a machine-to-machine app created with `sesame apps create --type
// m2m --management-api`. It works against Logto too.
package sesame
