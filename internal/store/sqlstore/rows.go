package sqlstore

// Row helpers shared by every aggregate file (clients.go, users.go, codes.go, ...).

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/sesameauth/sesame/internal/store"
)

// rowScanner is *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(dest ...any) error }

// qualified prefixes each column of cols, a comma-separated list, with
// alias, for a join of tables that share column names.
func qualified(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// getOne runs a single-row query and scans it with scan, mapping no rows to
// store.ErrNotFound.
func getOne[T any](ctx context.Context, s *Store, q querier, scan func(rowScanner) (T, error), query string, args ...any) (T, error) {
	q = s.txq(q)
	v, err := scan(q.QueryRowContext(s.pointRead(ctx, q), s.d.q(query), args...))
	if errors.Is(err, sql.ErrNoRows) {
		var zero T
		return zero, store.ErrNotFound
	}
	return v, s.d.mapErr(err)
}

// pointRead returns the context for a read of one row by key through q.
// On SQLite's reader pool that is ctx without its cancellation: for a
// cancellable context database/sql and the driver each start a goroutine
// per statement to watch it (with the channel and locks that go with
// them), a fifth of a point read, while such a read runs for microseconds
// and, in WAL mode, never waits for a writer; the busy timeout (5 s)
// still bounds the rare wait on another process's lock. Its deadline is
// dropped with it, so a request past its own deadline can finish one last
// point read; multi-row reads, counts and anything on PostgreSQL, where a
// query crosses the network, keep ctx.
func (s *Store) pointRead(ctx context.Context, q querier) context.Context {
	if s.d == sqliteDialect && q == s.rq {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// getAll runs a query and scans every row with scan.
func getAll[T any](ctx context.Context, s *Store, q querier, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := s.txq(q).QueryContext(ctx, s.d.q(query), args...)
	if err != nil {
		return nil, s.d.mapErr(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, s.d.mapErr(err)
		}
		out = append(out, v)
	}
	return out, s.d.mapErr(rows.Err())
}

// mustAffect turns "no row affected" into store.ErrNotFound.
func (s *Store) mustAffect(n int64, err error) error {
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}
