package sqlstore

// Passkeys: WebAuthn credentials and ceremony state. The sign count and
// the ceremony are each guarded by one conditional statement.

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

const (
	pkBackupEligible = 1
	pkBackupState    = 2
	pkUserVerified   = 4
)

const passkeyCols = `id, user_id, public_key, attestation_type, transports, aaguid, sign_count, flags, name, created_at, last_used_at`

func passkeyFlags(p store.Passkey) int64 {
	var f int64
	if p.BackupEligible {
		f |= pkBackupEligible
	}
	if p.BackupState {
		f |= pkBackupState
	}
	if p.UserVerified {
		f |= pkUserVerified
	}
	return f
}

func scanPasskey(r rowScanner) (store.Passkey, error) {
	var p store.Passkey
	var count, flags int64
	err := r.Scan(bytesCol{&p.ID}, &p.UserID, bytesCol{&p.PublicKey}, &p.AttestationType, listCol{&p.Transports},
		bytesCol{&p.AAGUID}, &count, &flags, &p.Name, timeCol{&p.CreatedAt}, timeCol{&p.LastUsedAt})
	p.SignCount = uint32(count)
	p.BackupEligible = flags&pkBackupEligible != 0
	p.BackupState = flags&pkBackupState != 0
	p.UserVerified = flags&pkUserVerified != 0
	return p, err
}

// CreatePasskey implements store.Passkeys in one statement: the user must
// exist (else no row, ErrNotFound); the primary key refuses a known ID.
func (s *Store) CreatePasskey(ctx context.Context, p store.Passkey) error {
	return s.mustAffect(s.exec(ctx, `INSERT INTO passkeys (`+passkeyCols+`)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 WHERE EXISTS (SELECT 1 FROM users WHERE id = $2)`,
		blob(p.ID), p.UserID, blob(p.PublicKey), p.AttestationType, encList(p.Transports), blob(p.AAGUID),
		int64(p.SignCount), passkeyFlags(p), p.Name, ns(p.CreatedAt), ns(p.LastUsedAt)))
}

// GetPasskey implements store.Passkeys.
func (s *Store) GetPasskey(ctx context.Context, id []byte) (store.Passkey, error) {
	return getOne(ctx, s, s.rq, scanPasskey, `SELECT `+passkeyCols+` FROM passkeys WHERE id = $1`, blob(id))
}

// ListPasskeys implements store.Passkeys.
func (s *Store) ListPasskeys(ctx context.Context, userID string) ([]store.Passkey, error) {
	return getAll(ctx, s, s.rq, scanPasskey, `SELECT `+passkeyCols+` FROM passkeys WHERE user_id = $1 ORDER BY created_at, id`, userID)
}

// CountPasskeys implements store.Passkeys.
func (s *Store) CountPasskeys(ctx context.Context, userID string) (int, error) {
	var n int
	err := s.rq.QueryRowContext(ctx, s.d.q(`SELECT count(*) FROM passkeys WHERE user_id = $1`), userID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, s.d.mapErr(err)
}

// RenamePasskey implements store.Passkeys.
func (s *Store) RenamePasskey(ctx context.Context, userID string, id []byte, name string) error {
	return s.mustAffect(s.exec(ctx, `UPDATE passkeys SET name = $3 WHERE user_id = $1 AND id = $2`, userID, blob(id), name))
}

// DeletePasskey implements store.Passkeys.
func (s *Store) DeletePasskey(ctx context.Context, userID string, id []byte) error {
	return s.mustAffect(s.exec(ctx, `DELETE FROM passkeys WHERE user_id = $1 AND id = $2`, userID, blob(id)))
}

// UsePasskey implements store.Passkeys. The UPDATE is the whole check; the
// SELECT after a miss only tells a regression from a missing credential.
func (s *Store) UsePasskey(ctx context.Context, id []byte, signCount uint32, backupState bool, now time.Time) error {
	var bs int64
	if backupState {
		bs = pkBackupState
	}
	n, err := s.exec(ctx, `UPDATE passkeys SET sign_count = $2, last_used_at = $3,
		flags = flags - (flags & $4) + $5
		WHERE id = $1 AND (sign_count < $2 OR (sign_count = 0 AND $2 = 0))`,
		blob(id), int64(signCount), ns(now), int64(pkBackupState), bs)
	if err != nil {
		return err
	}
	if n == 1 {
		return nil
	}
	if err := s.mustExist(ctx, s.wq, `SELECT 1 FROM passkeys WHERE id = $1`, blob(id)); err != nil {
		return err
	}
	return store.ErrReplayed
}

// CreatePasskeyCeremony implements store.Passkeys.
func (s *Store) CreatePasskeyCeremony(ctx context.Context, c store.PasskeyCeremony) error {
	_, err := s.exec(ctx, `INSERT INTO passkey_ceremonies (id_hash, kind, user_id, data, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, blob(c.IDHash), c.Kind, c.UserID, blob(c.Data), ns(c.CreatedAt), ns(c.ExpiresAt))
	return err
}

// ConsumePasskeyCeremony implements store.Passkeys: one DELETE … RETURNING,
// so of two concurrent consumers exactly one gets the row.
func (s *Store) ConsumePasskeyCeremony(ctx context.Context, idHash []byte, now time.Time) (store.PasskeyCeremony, error) {
	return getOne(ctx, s, s.wq, func(r rowScanner) (store.PasskeyCeremony, error) {
		var c store.PasskeyCeremony
		err := r.Scan(bytesCol{&c.IDHash}, &c.Kind, &c.UserID, bytesCol{&c.Data}, timeCol{&c.CreatedAt}, timeCol{&c.ExpiresAt})
		return c, err
	}, `DELETE FROM passkey_ceremonies WHERE id_hash = $1 AND expires_at > $2
		RETURNING id_hash, kind, user_id, data, created_at, expires_at`, blob(idHash), ns(now))
}
