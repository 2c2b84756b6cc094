// Package backchannel delivers OpenID Connect Back-Channel Logout 1.0
// logout tokens: when a session ends, every app that signed in through it
// and registered a back-channel logout URI is told so by a signed token
// posted to that URI, so that it can end its own session of the user.
//
// The store queues the deliveries in the transaction that ends the
// session (store.Sessions.DeleteSession and the calls like it), so none
// is lost to a crash; a Worker on every replica leases the due ones,
// signs and posts each token, and deletes the delivery or schedules a
// retry with exponential backoff. The queue is bounded in size and age.
// docs/design.md, "Back-channel logout", has the design.
package backchannel
