// Package verification issues and redeems the six-digit codes Sesame
// emails: to finish a registration, to reset a password, to sign in
// without one and to change an address. A code lives ten minutes, allows
// five wrong tries and is redeemed once, by one conditional write in the
// store; only an HMAC of it is stored, keyed by the master secret. Each
// code is bound to its purpose, its address and the flow that asked for it
// (an authorization request or a session), so it serves nothing else.
// Sending is not here: callers mail the code (package mail) and throttle
// the sends (package regulate).
package verification
