package sqlstore

// The sign-in experience settings row.

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// GetSignInExperience implements store.SignInExperiences.
func (s *Store) GetSignInExperience(ctx context.Context) (store.SignInExperience, error) {
	var (
		doc     string
		version int64
		updated int64
	)
	err := s.rq.QueryRowContext(ctx, `SELECT doc, version, updated_at FROM sign_in_experience WHERE id = 1`).Scan(&doc, &version, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return store.SignInExperience{}, store.ErrNotFound
	}
	if err != nil {
		return store.SignInExperience{}, s.d.mapErr(err)
	}
	return store.SignInExperience{Doc: []byte(doc), Version: version, UpdatedAt: fromNS(updated)}, nil
}

// PutSignInExperience implements store.SignInExperiences with one
// conditional write: an INSERT that a row already there makes a no-op for
// version 0, an UPDATE guarded by the version otherwise.
func (s *Store) PutSignInExperience(ctx context.Context, doc []byte, version int64, now time.Time) (int64, error) {
	var res sql.Result
	var err error
	if version == 0 {
		res, err = s.wq.ExecContext(ctx, s.d.q(`INSERT INTO sign_in_experience (id, doc, version, updated_at)
			VALUES (1, $1, 1, $2) ON CONFLICT (id) DO NOTHING`), string(doc), ns(now))
	} else {
		res, err = s.wq.ExecContext(ctx, s.d.q(`UPDATE sign_in_experience SET doc = $1, version = version + 1, updated_at = $2
			WHERE id = 1 AND version = $3`), string(doc), ns(now), version)
	}
	if err != nil {
		return 0, s.d.mapErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.d.mapErr(err)
	}
	if n != 1 {
		return 0, store.ErrConflict
	}
	return version + 1, nil
}
