package sqlstore

// MFA: the TOTP factor and backup codes; replay protection is one
// conditional write each.

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// CreateTOTP implements store.MFA in one statement: the user must exist
// (else no row, ErrNotFound) and the primary key refuses a second TOTP.
func (s *Store) CreateTOTP(ctx context.Context, t store.TOTP) error {
	return s.mustAffect(s.exec(ctx, `INSERT INTO mfa_totp (user_id, secret, last_step, created_at)
		SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM users WHERE id = $1)`,
		t.UserID, blob(t.Secret), t.LastStep, ns(t.CreatedAt)))
}

// GetTOTP implements store.MFA.
func (s *Store) GetTOTP(ctx context.Context, userID string) (store.TOTP, error) {
	return getOne(ctx, s, s.rq, func(r rowScanner) (store.TOTP, error) {
		var t store.TOTP
		err := r.Scan(&t.UserID, bytesCol{&t.Secret}, &t.LastStep, timeCol{&t.CreatedAt})
		return t, err
	}, `SELECT user_id, secret, last_step, created_at FROM mfa_totp WHERE user_id = $1`, userID)
}

// AdvanceTOTPStep implements store.MFA. The UPDATE is the whole check; the
// SELECT after a miss only tells a replay from a missing TOTP.
func (s *Store) AdvanceTOTPStep(ctx context.Context, userID string, step int64) error {
	n, err := s.exec(ctx, `UPDATE mfa_totp SET last_step = $2 WHERE user_id = $1 AND last_step < $2`, userID, step)
	if err != nil {
		return err
	}
	if n == 1 {
		return nil
	}
	if err := s.mustExist(ctx, s.wq, `SELECT 1 FROM mfa_totp WHERE user_id = $1`, userID); err != nil {
		return err
	}
	return store.ErrReplayed
}

// DeleteTOTP implements store.MFA.
func (s *Store) DeleteTOTP(ctx context.Context, userID string) error {
	return s.mustAffect(s.exec(ctx, `DELETE FROM mfa_totp WHERE user_id = $1`, userID))
}

// ReplaceBackupCodes implements store.MFA in one transaction.
func (s *Store) ReplaceBackupCodes(ctx context.Context, userID string, hashes [][]byte, now time.Time) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.mustExist(ctx, tx, `SELECT 1 FROM users WHERE id = $1`+s.d.forUpdate, userID); err != nil {
			return err
		}
		if _, err := s.txExec(ctx, tx, `DELETE FROM mfa_backup_codes WHERE user_id = $1`, userID); err != nil {
			return err
		}
		for _, h := range hashes {
			if _, err := s.txExec(ctx, tx, `INSERT INTO mfa_backup_codes (user_id, hash, created_at, used_at)
				VALUES ($1, $2, $3, 0)`, userID, blob(h), ns(now)); err != nil {
				return err
			}
		}
		return nil
	})
}

// UseBackupCode implements store.MFA with one conditional write.
func (s *Store) UseBackupCode(ctx context.Context, userID string, hash []byte, now time.Time) error {
	return s.mustAffect(s.exec(ctx, `UPDATE mfa_backup_codes SET used_at = $3
		WHERE user_id = $1 AND hash = $2 AND used_at = 0`, userID, blob(hash), ns(now)))
}

// BackupCodesLeft implements store.MFA.
func (s *Store) BackupCodesLeft(ctx context.Context, userID string) (int, error) {
	var n int
	err := s.rq.QueryRowContext(ctx, s.d.q(`SELECT count(*) FROM mfa_backup_codes WHERE user_id = $1 AND used_at = 0`), userID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, s.d.mapErr(err)
}

// DeleteBackupCodes implements store.MFA.
func (s *Store) DeleteBackupCodes(ctx context.Context, userID string) error {
	_, err := s.exec(ctx, `DELETE FROM mfa_backup_codes WHERE user_id = $1`, userID)
	return err
}
