// Package configcache keeps the configuration the request path reads on
// every request (apps and their secrets, API resources, an app's
// permissions, the sign-in experience settings) in memory, and never
// serves a value older than the request that asks for it.
//
// Strictness comes from the store's configuration version, a counter that
// database triggers move forward in every transaction that changes one of
// these tables, whichever process writes (docs/design.md, "Caches and
// invalidation"). Before it answers from memory, a lookup obtains a
// version read after its request began (Fresh); the cache holds the
// values of one version, and a newer version drops them all. Concurrent
// callers share one counter read, so under load there is about one read
// in flight, and WithRequest lets every lookup of one request share the
// first one's.
package configcache
