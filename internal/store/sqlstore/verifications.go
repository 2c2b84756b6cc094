package sqlstore

// Verifications: emailed one-time codes, each redeemed by one conditional
// write.

import (
	"context"
	"database/sql"

	"time"

	"github.com/sesameauth/sesame/internal/store"
)

const verificationCols = `id, purpose, target, binding, code_hash, payload, attempts, created_at, expires_at, consumed_at`

func scanVerification(r rowScanner) (store.Verification, error) {
	var v store.Verification
	err := r.Scan(&v.ID, &v.Purpose, &v.Target, &v.Binding, bytesCol{&v.CodeHash}, bytesCol{&v.Payload}, &v.Attempts,
		timeCol{&v.CreatedAt}, timeCol{&v.ExpiresAt}, timeCol{&v.ConsumedAt})
	return v, err
}

// CreateVerification implements store.Verifications in one transaction.
func (s *Store) CreateVerification(ctx context.Context, v store.Verification) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := s.txExec(ctx, tx, `DELETE FROM verifications
			WHERE purpose = $1 AND target = $2 AND binding = $3 AND consumed_at = 0`, v.Purpose, v.Target, v.Binding); err != nil {
			return err
		}
		payload := v.Payload
		if payload == nil {
			payload = []byte{}
		}
		_, err := s.txExec(ctx, tx, `INSERT INTO verifications (`+verificationCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			v.ID, v.Purpose, v.Target, v.Binding, blob(v.CodeHash), blob(payload), v.Attempts,
			ns(v.CreatedAt), ns(v.ExpiresAt), ns(v.ConsumedAt))
		return err
	})
}

// GetVerification implements store.Verifications.
func (s *Store) GetVerification(ctx context.Context, id string) (store.Verification, error) {
	return getOne(ctx, s, s.rq, scanVerification, `SELECT `+verificationCols+` FROM verifications WHERE id = $1`, id)
}

// ConsumeVerification implements store.Verifications. The first UPDATE
// is the whole check (the hash is an HMAC the caller computed, so the
// database comparing it is no timing oracle for the code); a miss then
// counts a wrong attempt only on a record that is still live.
func (s *Store) ConsumeVerification(ctx context.Context, id string, codeHash []byte, maxAttempts int, now time.Time) (store.Verification, error) {
	n, err := s.exec(ctx, `UPDATE verifications SET consumed_at = $3
		WHERE id = $1 AND code_hash = $2 AND consumed_at = 0 AND expires_at > $3 AND attempts < $4`,
		id, blob(codeHash), ns(now), maxAttempts)
	if err != nil {
		return store.Verification{}, err
	}
	if n == 1 {
		// Read from the primary: the row was just written.
		return getOne(ctx, s, s.wq, scanVerification, `SELECT `+verificationCols+` FROM verifications WHERE id = $1`, id)
	}
	n, err = s.exec(ctx, `UPDATE verifications SET attempts = attempts + 1
		WHERE id = $1 AND consumed_at = 0 AND expires_at > $2 AND attempts < $3`, id, ns(now), maxAttempts)
	if err != nil {
		return store.Verification{}, err
	}
	if n == 1 {
		return store.Verification{}, store.ErrWrongCode
	}
	return store.Verification{}, store.ErrNotFound
}
