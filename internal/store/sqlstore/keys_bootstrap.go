package sqlstore

import (
	"context"
	"database/sql"

	"github.com/sesameauth/sesame/internal/store"
)

// CreateFirstKey implements store.Keys: of several replicas starting on an
// empty database exactly one key is created (createKeyUnless).
func (s *Store) CreateFirstKey(ctx context.Context, k store.SigningKey) (bool, error) {
	return s.createKeyUnless(ctx, k, `SELECT count(*) FROM signing_keys`)
}

// CreateKeyIfNone implements store.Keys under the same lock.
func (s *Store) CreateKeyIfNone(ctx context.Context, k store.SigningKey) (bool, error) {
	return s.createKeyUnless(ctx, k, `SELECT count(*) FROM signing_keys WHERE alg = $1 AND purpose = $2 AND retired_at = 0`, k.Alg, k.Purpose)
}

// createKeyUnless stores k unless count (with args) finds a key: the check
// and the insert run in one transaction that holds the table lock
// (PostgreSQL) or the single writer (SQLite), so concurrent callers agree.
func (s *Store) createKeyUnless(ctx context.Context, k store.SigningKey, count string, args ...any) (bool, error) {
	created := false
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if s.d.name == "postgres" {
			if _, err := tx.ExecContext(ctx, `LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return err
			}
		}
		var n int64
		if err := tx.QueryRowContext(ctx, s.d.q(count), args...).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if _, err := s.txExec(ctx, tx, `INSERT INTO signing_keys (`+keyCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			keyArgs(k)...); err != nil {
			return err
		}
		created = true
		return nil
	})
	return created, err
}
