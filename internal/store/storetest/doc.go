// Package storetest is the conformance suite for store.Store. Every backend
// runs it from a small test file:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { ... fresh, empty store ... })
//	}
//
// newStore must return an empty store and arrange for it to be closed and
// removed in t.Cleanup. Each subtest gets its own store.
//
// Besides the contract in store.go, the suite pins these choices:
//   - Zero time.Time and nil/empty lists round-trip (nil and empty are equal).
//   - DeleteClient, DeleteUser, DeleteResource, RevokeGrant and
//     RevokeAccessToken on a missing row return store.ErrNotFound;
//     DeleteAuthRequest, DeleteSession, DeleteUserSessions and ResetAttempts
//     are idempotent.
//   - A code, refresh token or access token whose grant is missing, revoked
//     or expired is unusable (ErrNotFound). Grant and refresh-token
//     ExpiresAt zero means no expiry.
//   - A refresh token that loses a concurrent rotation is a replay: it gets
//     ErrReplayed and the grant is revoked.
package storetest
