// Package httpx is Sesame's thin HTTP layer: the Mux interface every
// endpoint package mounts on, the middleware every response passes through
// (security headers, CSP nonces, size caps, request ids, logging, panic
// recovery), a slog handler that tags every record of a request with its
// id and client address, JSON responses, strict OAuth parameter parsing,
// CSRF tokens for first-party forms, and the client-IP rule.
package httpx
