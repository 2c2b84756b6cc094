// Package token serves the token endpoint (POST /oidc/token) with the
// authorization_code (PKCE), refresh_token and client_credentials grants.
//
// A code exchange is one database transaction: the code is consumed by a
// conditional write and the tokens it yields are written with it. The ID
// token is signed after the commit so the signature never holds a lock.
package token
