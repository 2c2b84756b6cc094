// Package introspection serves RFC 7662 token introspection
// (POST /oidc/token/introspection). Callers must authenticate, and a client
// learns only about its own tokens: anything else is {"active": false}.
package introspection
