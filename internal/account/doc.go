// Package account serves the account pages at {endpoint}/account: a
// signed-in user's own profile name, password, second factors and
// sessions. The user is the one of the browser's SSO session
// (session.Manager.Current); without one the pages run the sign-in
// experience through the seeded first-party client "sesame-account" and
// come back (docs/design.md, "Account pages").
//
// Sensitive changes need a step-up: the user proves an EXISTING factor
// (password or TOTP code) again, recorded on the session server-side, and
// the change must follow within session.ReauthWindow (docs/security.md,
// UI-13). This package only parses forms and writes pages: the rules are
// package directory's (password policy, profile), mfa's and session's.
package account
