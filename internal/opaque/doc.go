// Package opaque makes the random values Sesame hands out (opaque tokens,
// session cookies, identifiers) and the hash they are stored under. It
// imports only the standard library, so every layer may use it.
package opaque
