// Package mfa is Sesame's second factor: TOTP authenticator apps
// (RFC 6238: SHA-1, 6 digits, 30 s steps, one step of skew either way),
// single-use backup codes, the list and removal of a user's factors, and
// the policy that decides whether a sign-in needs a second factor (the
// sign-in experience's "mfa" settings, Logto's shape). Front ends
// (internal/experience's gate and MFA pages, the account pages, the CLI's
// reset-mfa) call it; store.MFA keeps the rows. Every code is accepted
// once, by one conditional write in the store, so replays fail across
// replicas too (docs/security.md).
package mfa
