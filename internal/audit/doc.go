// Package audit is Sesame's audit log: sign-ins, registrations, token
// issuance by grant, and administrators' changes, each as one entry with
// who acted, on what, from where and when (docs/design.md, "Audit log").
//
// The hosted pages and the token endpoint call Record, which only queues
// the entry: one goroutine writes the queue in batches, so neither a
// sign-in nor a token request waits for, or fails on, the audit log. When
// the queue is full the entry is dropped and counted (Dropped, exported as
// sesame_audit_dropped_total). The Management API and the console call
// RecordNow after a successful change, which writes before it returns, and
// build their entries with AdminChange so both record the same thing.
// View is the JSON shape of an entry in Logto's /api/logs.
package audit
