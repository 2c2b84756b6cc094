// Package passkey is Sesame's WebAuthn: registering passkeys, signing in
// with one (discoverable, no identifier) and using one as a second factor,
// on github.com/go-webauthn/webauthn. The relying party ID is the host of
// the configured endpoint and the only accepted origin is the endpoint's
// origin: both come from configuration, never from a request (docs/design.md).
// Each ceremony's challenge is kept server-side (store.Passkeys) under the
// hash of a random ticket the browser holds, lives five minutes and is
// consumed once. A sign count that does not grow is refused and logged
// (a cloned authenticator). Front ends (internal/experience, the account
// pages) parse the browser's JSON and call this package; internal/mfa
// sees passkeys as the WebAuthn factor through Service's FactorSource
// methods.
package passkey
