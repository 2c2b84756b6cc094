// Package authz decides which API permissions a user or a
// machine-to-machine app may hold. Access to an API is denied by default: a
// token for a resource carries only the requested scopes that the resource
// defines and that the subject's roles grant (docs/security.md, items 8.1
// and 8.2). Scopes belong to their resource, so every rule here works on
// (resource, scope) pairs, never on bare scope names.
//
// The authorization endpoint, the consent page and the token endpoint all
// call this package, so the rule lives in one place.
package authz
