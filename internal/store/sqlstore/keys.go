package sqlstore

// Signing keys.

import (
	"context"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

const keyCols = `id, alg, private_key, created_at, activates_at, retired_at, expires_at`

func scanKey(r rowScanner) (store.SigningKey, error) {
	var k store.SigningKey
	err := r.Scan(&k.ID, &k.Alg, bytesCol{&k.PrivateKey}, timeCol{&k.CreatedAt}, timeCol{&k.ActivatesAt},
		timeCol{&k.RetiredAt}, timeCol{&k.ExpiresAt})
	return k, err
}

func (s *Store) CreateKey(ctx context.Context, k store.SigningKey) error {
	_, err := s.exec(ctx, `INSERT INTO signing_keys (`+keyCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		k.ID, k.Alg, blob(k.PrivateKey), ns(k.CreatedAt), ns(k.ActivatesAt), ns(k.RetiredAt), ns(k.ExpiresAt))
	return err
}

func (s *Store) ListKeys(ctx context.Context) ([]store.SigningKey, error) {
	return getAll(ctx, s, s.rq, scanKey, `SELECT `+keyCols+` FROM signing_keys ORDER BY created_at, id`)
}

func (s *Store) RetireKeys(ctx context.Context, keep string, now, expires time.Time) error {
	_, err := s.exec(ctx, `UPDATE signing_keys SET retired_at = $1, expires_at = $2
		WHERE retired_at = 0 AND id <> $3`, ns(now), ns(expires), keep)
	return err
}
