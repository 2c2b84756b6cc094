// Package testkit holds what Sesame's tests and benchmarks share: a form
// client that signs in on the hosted pages like a browser without
// JavaScript (Browser), a fresh PostgreSQL database or schema per test
// (NewDatabase, NewSchema), a proxy in front of PostgreSQL that counts
// round trips and can cut the connection (PGProxy), and a log sink safe for
// concurrent writers (LogBuffer).
//
// It is for tests, e2e packages and bench/ only: no production package may
// import it.
package testkit
