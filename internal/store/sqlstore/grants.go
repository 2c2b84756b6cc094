package sqlstore

// Grants: everything issued to one client for one user from one authorization.

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

const grantCols = `id, client_id, user_id, sid, scopes, resources, auth_time, created_at, expires_at, revoked_at, permissions, amr`

func scanGrant(r rowScanner) (store.Grant, error) {
	var g store.Grant
	err := r.Scan(&g.ID, &g.ClientID, &g.UserID, &g.SID, listCol{&g.Scopes}, listCol{&g.Resources},
		timeCol{&g.AuthTime}, timeCol{&g.CreatedAt}, timeCol{&g.ExpiresAt}, timeCol{&g.RevokedAt}, permsCol{&g.Permissions}, listCol{&g.AMR})
	return g, err
}

// grantArgs are the values of grantCols, in order.
func grantArgs(g store.Grant) []any {
	return []any{g.ID, g.ClientID, g.UserID, g.SID, encList(g.Scopes), encList(g.Resources), ns(g.AuthTime),
		ns(g.CreatedAt), ns(g.ExpiresAt), ns(g.RevokedAt), encPerms(g.Permissions), encList(g.AMR)}
}

func (s *Store) CreateGrant(ctx context.Context, g store.Grant) error {
	_, err := s.exec(ctx, `INSERT INTO grants (`+grantCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		grantArgs(g)...)
	return err
}

// GetGrant returns the grant as stored, revoked or expired included.
func (s *Store) GetGrant(ctx context.Context, id string) (store.Grant, error) {
	return getOne(ctx, s, s.rq, scanGrant, `SELECT `+grantCols+` FROM grants WHERE id = $1`, id)
}

// RevokeGrant revokes the grant and its access tokens. Its codes and refresh
// tokens become unusable because RedeemCode and UseRefreshToken require a
// live grant. Revoking twice keeps the first RevokedAt; a missing grant is
// store.ErrNotFound.
func (s *Store) RevokeGrant(ctx context.Context, id string, now time.Time) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, s.d.q(`SELECT 1 FROM grants WHERE id = $1`), id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		return s.revokeGrant(ctx, tx, id, now)
	})
}

func (s *Store) revokeGrant(ctx context.Context, tx *sql.Tx, id string, now time.Time) error {
	if id == "" { // client_credentials tokens have no grant
		return nil
	}
	if _, err := s.txExec(ctx, tx, `UPDATE grants SET revoked_at = $2 WHERE id = $1 AND revoked_at = 0`, id, ns(now)); err != nil {
		return err
	}
	_, err := s.txExec(ctx, tx, `UPDATE access_tokens SET revoked_at = $2 WHERE grant_id = $1 AND revoked_at = 0`, id, ns(now))
	return err
}

// RevokeUserGrants implements store.Grants in one transaction.
func (s *Store) RevokeUserGrants(ctx context.Context, userID string, now time.Time) error {
	if userID == "" { // client_credentials rows have an empty user_id
		return nil
	}
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error { return s.revokeUserGrants(ctx, tx, userID, now) })
}

// revokeUserGrants is RevokeUserGrants inside the caller's transaction.
func (s *Store) revokeUserGrants(ctx context.Context, tx *sql.Tx, userID string, now time.Time) error {
	if userID == "" {
		return nil
	}
	if _, err := s.txExec(ctx, tx, `UPDATE access_tokens SET revoked_at = $2
		WHERE grant_id IN (SELECT id FROM grants WHERE user_id = $1) AND revoked_at = 0`, userID, ns(now)); err != nil {
		return err
	}
	_, err := s.txExec(ctx, tx, `UPDATE grants SET revoked_at = $2 WHERE user_id = $1 AND revoked_at = 0`, userID, ns(now))
	return err
}

// expired reports whether exp is at or before now. A zero exp never expires
// when zeroIsNever, else it is already expired.
func expired(exp, now time.Time, zeroIsNever bool) bool {
	if exp.IsZero() {
		return !zeroIsNever
	}
	return !exp.After(now)
}
