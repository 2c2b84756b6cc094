// Package routes is Sesame's one table of URL paths. Every Mount, the
// discovery document and every redirect or form action takes its path from
// here, so a route is renamed in one place. Paths are relative to the
// public endpoint (config.Endpoint), whose own path (Base) the server
// mounts them under; the issuer is the endpoint plus OIDC.
// It imports only the standard library.
package routes
