// Package provider is the protocol core shared by the OpenID Connect
// endpoint packages (authorize, token, userinfo, …): the issuer and its
// endpoint URLs, lifetimes, client authentication, scope→claims mapping,
// opaque token generation and ID / access token minting.
package provider
