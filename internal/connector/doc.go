// Package connector signs people in through an upstream OpenID provider
// (a social or enterprise connector configured in the sign-in experience
// settings): discovery, the authorization request with state, nonce and
// PKCE, and the callback's code exchange and ID token verification, all
// with coreos/go-oidc and x/oauth2. What the browser must carry between
// the two legs is sealed with the master secret and bound to the pending
// authorization request; what to do with the upstream identity (sign in,
// create, link) is the hosted pages' (package experience).
package connector
