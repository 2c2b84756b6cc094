// Package keys manages the provider's signing key set: it generates keys,
// stores them encrypted in the database, publishes the public halves as the
// JWKS, signs JWTs with the active key and verifies our own JWTs (id_token
// hints, JWT access tokens).
//
// Rotation is safe across replicas: a new key is published for
// PublishDelay before any replica signs with it (every replica reloads the
// set at least every Refresh), and a retired key stays published for
// Retention after its successor activates, longer than any token it signed
// lives.
package keys
