package sqlstore

import (
	"context"
	"database/sql"

	"github.com/sesameauth/sesame/internal/store"
)

// CreateFirstKey implements store.Keys: the check and the insert run in one
// transaction that holds the table lock (PostgreSQL) or the single writer
// (SQLite), so of several replicas starting on an empty database exactly one
// key is created.
func (s *Store) CreateFirstKey(ctx context.Context, k store.SigningKey) (bool, error) {
	created := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if s.d.name == "postgres" {
			if _, err := tx.ExecContext(ctx, `LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return err
			}
		}
		var n int64
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM signing_keys`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if _, err := s.txExec(ctx, tx, `INSERT INTO signing_keys (`+keyCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			k.ID, k.Alg, blob(k.PrivateKey), ns(k.CreatedAt), ns(k.ActivatesAt), ns(k.RetiredAt), ns(k.ExpiresAt)); err != nil {
			return err
		}
		created = true
		return nil
	})
	return created, err
}
