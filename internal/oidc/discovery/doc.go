// Package discovery serves the OpenID Provider metadata
// ({issuer}/.well-known/openid-configuration, also as RFC 8414
// oauth-authorization-server) and the JWKS (/oidc/jwks).
package discovery
