package sqlstore

// Row helpers shared by every aggregate file (clients.go, users.go, codes.go, ...).

import (
	"context"
	"database/sql"
	"errors"

	"github.com/sesameauth/sesame/internal/store"
)

// rowScanner is *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(dest ...any) error }

// getOne runs a single-row query and scans it with scan, mapping no rows to
// store.ErrNotFound.
func getOne[T any](ctx context.Context, s *Store, q querier, scan func(rowScanner) (T, error), query string, args ...any) (T, error) {
	v, err := scan(q.QueryRowContext(ctx, s.d.q(query), args...))
	if errors.Is(err, sql.ErrNoRows) {
		var zero T
		return zero, store.ErrNotFound
	}
	return v, s.d.mapErr(err)
}

// getAll runs a query and scans every row with scan.
func getAll[T any](ctx context.Context, s *Store, q querier, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, s.d.q(query), args...)
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
