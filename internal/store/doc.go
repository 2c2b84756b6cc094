// Package store defines Sesame's persistence contract: plain value types,
// one small interface per aggregate, and the sentinel errors every backend
// returns. Backends (sqlstore for SQLite and PostgreSQL) implement Store and
// prove it by passing the conformance suite in storetest.
//
// One-time artifacts (authorization codes, refresh tokens, throttle slots)
// are consumed by a single atomic conditional write inside the backend, never
// by read-then-write in callers.
package store
