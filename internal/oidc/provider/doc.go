// Package provider is the protocol core shared by the OpenID Connect
// endpoint packages (authorize, token, userinfo, …): the issuer and its
// public endpoint, lifetimes, client authentication and per-app CORS,
// scope→claims mapping, and ID / access token minting. Wire-level pieces
// that need no issuer state (scopes, PKCE, resource indicators, the
// authorization response, token lookup) are in package oauth2; random
// values and their hash in internal/opaque.
package provider
