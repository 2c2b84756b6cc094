package sqlstore

// Access tokens: opaque ones recorded by hash so revocation reaches them;
// self-contained (JWT) ones recorded only when revoked, on the deny list.

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

const accessCols = `hash, grant_id, client_id, user_id, scopes, audience, created_at, expires_at, revoked_at`

func scanAccess(r rowScanner) (store.AccessToken, error) {
	var t store.AccessToken
	err := r.Scan(bytesCol{&t.Hash}, &t.GrantID, &t.ClientID, &t.UserID, listCol{&t.Scopes}, &t.Audience,
		timeCol{&t.CreatedAt}, timeCol{&t.ExpiresAt}, timeCol{&t.RevokedAt})
	return t, err
}

func (s *Store) insertAccessToken(ctx context.Context, q querier, t store.AccessToken) error {
	_, err := q.ExecContext(ctx, s.d.q(`INSERT INTO access_tokens (`+accessCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`),
		accessArgs(t)...)
	return s.d.mapErr(err)
}

// accessArgs are the values of accessCols, in order.
func accessArgs(t store.AccessToken) []any {
	return []any{blob(t.Hash), t.GrantID, t.ClientID, t.UserID, encList(t.Scopes), t.Audience,
		ns(t.CreatedAt), ns(t.ExpiresAt), ns(t.RevokedAt)}
}

func (s *Store) CreateAccessToken(ctx context.Context, t store.AccessToken) error {
	return s.write(ctx, func(ctx context.Context, q querier) error { return s.insertAccessToken(ctx, q, t) })
}

// GetAccessToken returns the token if it is unexpired and unrevoked and, when
// it has a grant, the grant exists, is unrevoked and is unexpired.
func (s *Store) GetAccessToken(ctx context.Context, hash []byte, now time.Time) (store.AccessToken, error) {
	return getOne(ctx, s, s.rq, scanAccess, `SELECT a.hash, a.grant_id, a.client_id, a.user_id, a.scopes,
		a.audience, a.created_at, a.expires_at, a.revoked_at
		FROM access_tokens a LEFT JOIN grants g ON g.id = a.grant_id
		WHERE a.hash = $1 AND a.expires_at > $2 AND a.revoked_at = 0
		AND (a.grant_id = '' OR (g.id IS NOT NULL AND g.revoked_at = 0 AND (g.expires_at = 0 OR g.expires_at > $2)))`,
		blob(hash), ns(now))
}

// RevokeAccessToken revokes the token. Revoking twice is not an error; a
// missing token is store.ErrNotFound.
func (s *Store) RevokeAccessToken(ctx context.Context, hash []byte, now time.Time) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n, err := s.txExec(ctx, tx, `UPDATE access_tokens SET revoked_at = $2 WHERE hash = $1 AND revoked_at = 0`, blob(hash), ns(now))
		if err != nil || n > 0 {
			return err
		}
		var one int
		err = tx.QueryRowContext(ctx, s.d.q(`SELECT 1 FROM access_tokens WHERE hash = $1`), blob(hash)).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		return err
	})
}

// DenyAccessToken implements store.AccessTokens: one insert, a no-op when
// the hash is already denied.
func (s *Store) DenyAccessToken(ctx context.Context, hash []byte, expiresAt time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO denied_access_tokens (hash, expires_at) VALUES ($1, $2)
		ON CONFLICT (hash) DO NOTHING`, blob(hash), ns(expiresAt))
	return err
}

// AccessTokenDenied implements store.AccessTokens: one primary-key read.
func (s *Store) AccessTokenDenied(ctx context.Context, hash []byte) (bool, error) {
	var one int
	err := s.rq.QueryRowContext(s.pointRead(ctx, s.rq), s.d.q(`SELECT 1 FROM denied_access_tokens WHERE hash = $1`), blob(hash)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, s.d.mapErr(err)
}
