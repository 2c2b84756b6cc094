// Package sqlstore implements store.Store on database/sql for SQLite
// (modernc.org/sqlite, no cgo) and PostgreSQL (pgx through its stdlib
// adapter). One set of queries serves both. The few differences live in a
// small dialect value: placeholder spelling, SELECT ... FOR UPDATE, and
// error classification. Queries are written with $1, $2 placeholders, and
// SQLite gets the same numbering as ?1, ?2. Only sqlite.go and postgres.go
// import a driver.
//
// # Schema
//
// Migrations are numbered, embedded SQL files per dialect, run by goose:
// migrations/sqlite and migrations/postgres. The two schemas have the same
// tables, columns and indexes. Both dialects store times as BIGINT unix
// nanoseconds in UTC, with 0 for the zero time.Time, so the backends behave
// the same (no timestamptz microsecond rounding, no time zones). Lists are
// JSON text, hashes are BLOB/BYTEA, durations are nanoseconds. Users'
// username and email are unique through partial indexes that skip empty values,
// so many users may leave either empty. The only foreign keys are those of
// the role tables (00006): role permissions and role assignments go with
// their role, resource, user or client through ON DELETE CASCADE (SQLite
// connections enable PRAGMA foreign_keys). Other cascades are explicit
// transactions (DeleteClient, DeleteUser, DeleteSession), and a code or
// token is usable only while its grant exists, is unrevoked and is
// unexpired.
//
// Migrate is idempotent and holds a lock while it runs: goose's session
// advisory lock on PostgreSQL, so replicas that start together migrate
// once, and DIR/migrate.lock on SQLite, so a server and a `sesame migrate`
// (or several processes started together) on one data directory do not
// race to create the schema.
//
// # One-time artifacts
//
// Codes, rotated refresh tokens and throttle slots are taken by one
// conditional write whose RowsAffected decides the winner: UPDATE ... SET
// consumed_at = now WHERE ... AND consumed_at = 0. For throttle slots it is
// INSERT ... ON CONFLICT DO UPDATE ... WHERE count < limit RETURNING.
// Replays revoke the grant in the same transaction. See RedeemCode and
// UseRefreshToken for the exact order of checks.
//
// # Concurrency
//
// PostgreSQL uses one pool (MaxOpenConns, default 20) at READ COMMITTED.
// Conditional writes serialise racing transactions on the row lock, and
// compare-and-swap updates (UpdateUser, UpdateAuthRequest) read the row FOR
// UPDATE.
//
// SQLite uses two pools on one WAL file:
//   - A writer pool of exactly one connection carries every write and every
//     transaction. Transactions begin IMMEDIATE (_txlock=immediate).
//     Writers in this process queue in database/sql, which honours ctx,
//     instead of contending for SQLite's lock. So callers never see
//     SQLITE_BUSY, and a transaction never fails halfway on lock upgrade.
//     busy_timeout(5000) covers other processes, such as `sesame migrate`
//     against a running server.
//   - Transactions (inTx) of concurrent callers are committed together:
//     one goroutine runs every transaction waiting for the writer, each in
//     a savepoint of one transaction, commits once and then answers each
//     caller (groupcommit.go; docs/design.md, "Group commit"). Single
//     write statements join it too (Store.write).
//     Statements in a transaction reuse the writer pool's prepared
//     statements (txStatements in stmtcache.go); one the pool has not
//     prepared yet runs unprepared once and is prepared in the background
//     when the transaction has released the connection.
//   - The writer never checkpoints in a commit (wal_autocheckpoint 0): a
//     goroutine with a connection of its own runs PASSIVE checkpoints when
//     the WAL holds 1,000 frames not in the database file or a frame has
//     waited a second (checkpoint.go; docs/design.md, "Checkpoints off the
//     commit path").
//   - A reader pool of max(4, GOMAXPROCS) query_only connections serves
//     reads outside transactions. Under WAL, reads run concurrently with the
//     writer and see every committed write. A read of one row by key runs
//     without the caller's cancellation (pointRead in rows.go): watching
//     the context cost two goroutines per statement, a fifth of the read.
//
// Why not SetMaxOpenConns(1) for everything: the split keeps reads from
// queueing behind writes. It also lets a callback that runs inside a
// transaction (the fn of RedeemCode, UseRefreshToken and UpdateUser) read
// through the store without deadlocking on the one connection. The
// trade-off was measured with BenchmarkSQLiteMixedParallel (90% reads, 10%
// writes, parallel). Callbacks must still not write through the store.
// Doing so deadlocks on SQLite's single writer and may block on PostgreSQL
// row locks. They should also be quick, because on SQLite they run while
// holding the database write lock.
//
// Driver errors are mapped as follows. Unique violations become
// store.ErrAlreadyExists. Connection-level failures wrap
// store.ErrUnavailable: refused, reset or bad connections, pgconn connect
// errors including connect timeouts, PostgreSQL class 08/57P0x/53300, and
// SQLite BUSY/LOCKED/CANTOPEN/IOERR/FULL/READONLY/NOTADB. The caller's own
// context cancellation or deadline is returned as is.
package sqlstore
