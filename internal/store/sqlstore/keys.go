package sqlstore

// Signing keys.

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

const keyCols = `id, alg, private_key, created_at, activates_at, retired_at, expires_at, purpose`

func scanKey(r rowScanner) (store.SigningKey, error) {
	var k store.SigningKey
	err := r.Scan(&k.ID, &k.Alg, bytesCol{&k.PrivateKey}, timeCol{&k.CreatedAt}, timeCol{&k.ActivatesAt},
		timeCol{&k.RetiredAt}, timeCol{&k.ExpiresAt}, &k.Purpose)
	return k, err
}

func (s *Store) CreateKey(ctx context.Context, k store.SigningKey) error {
	_, err := s.exec(ctx, `INSERT INTO signing_keys (`+keyCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, keyArgs(k)...)
	return err
}

func keyArgs(k store.SigningKey) []any {
	return []any{k.ID, k.Alg, blob(k.PrivateKey), ns(k.CreatedAt), ns(k.ActivatesAt), ns(k.RetiredAt), ns(k.ExpiresAt), k.Purpose}
}

func (s *Store) ListKeys(ctx context.Context) ([]store.SigningKey, error) {
	return getAll(ctx, s, s.rq, scanKey, `SELECT `+keyCols+` FROM signing_keys ORDER BY created_at, id`)
}

func (s *Store) RetireKeys(ctx context.Context, keep []string, now, expires time.Time) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		rows, err := getAll(ctx, s, tx, func(r rowScanner) (string, error) {
			var id string
			return id, r.Scan(&id)
		}, `SELECT id FROM signing_keys WHERE retired_at = 0`)
		if err != nil {
			return err
		}
		for _, id := range rows {
			if slices.Contains(keep, id) {
				continue
			}
			if _, err := s.txExec(ctx, tx, `UPDATE signing_keys SET retired_at = $1, expires_at = $2 WHERE id = $3`,
				ns(now), ns(expires), id); err != nil {
				return err
			}
		}
		return nil
	})
}
