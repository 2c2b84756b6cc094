package sqlstore

// Refresh tokens, rotated and replay-checked in one transaction.

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

const refreshCols = `hash, grant_id, client_id, user_id, scopes, resources, created_at, expires_at, consumed_at, permissions`

var refreshColsAs, grantColsAs = qualify("t", refreshCols), qualify("g", grantCols)

func scanRefresh(r rowScanner) (store.RefreshToken, error) { return scanRefreshAnd(r) }

// scanRefreshAnd scans refreshCols and then extra columns.
func scanRefreshAnd(r rowScanner, extra ...any) (store.RefreshToken, error) {
	var t store.RefreshToken
	err := r.Scan(append([]any{bytesCol{&t.Hash}, &t.GrantID, &t.ClientID, &t.UserID, listCol{&t.Scopes}, listCol{&t.Resources},
		timeCol{&t.CreatedAt}, timeCol{&t.ExpiresAt}, timeCol{&t.ConsumedAt}, permsCol{&t.Permissions}}, extra...)...)
	return t, err
}

func (s *Store) insertRefreshToken(ctx context.Context, q querier, t store.RefreshToken) error {
	_, err := q.ExecContext(ctx, s.d.q(`INSERT INTO refresh_tokens (`+refreshCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`),
		refreshArgs(t)...)
	return s.d.mapErr(err)
}

// refreshArgs are the values of refreshCols, in order.
func refreshArgs(t store.RefreshToken) []any {
	return []any{blob(t.Hash), t.GrantID, t.ClientID, t.UserID, encList(t.Scopes), encList(t.Resources),
		ns(t.CreatedAt), ns(t.ExpiresAt), ns(t.ConsumedAt), encPerms(t.Permissions)}
}

// GetRefreshToken returns the token as stored, consumed or expired included.
func (s *Store) GetRefreshToken(ctx context.Context, hash []byte) (store.RefreshToken, error) {
	return getOne(ctx, s, s.rq, scanRefresh, `SELECT `+refreshCols+` FROM refresh_tokens WHERE hash = $1`, blob(hash))
}

// UseRefreshToken implements store.RefreshTokens. In one transaction:
//
//  1. the token is read with its grant (one join); a missing token, one
//     whose grant is gone, or an expired one (ExpiresAt zero = no expiry)
//     is ErrNotFound;
//  2. a consumed token revokes its grant, commits, returns ErrReplayed;
//  3. a revoked or expired grant is ErrNotFound;
//  4. fn runs; its error rolls everything back (the token stays usable);
//  5. with issue.Rotate, the token is consumed by a conditional UPDATE
//     (consumed_at = 0). If a concurrent rotation won, this one is a replay:
//     the grant is revoked and ErrReplayed returned, as the contract says;
//  6. the access token (and rotated refresh token) are inserted.
//
// fn runs inside the transaction (on SQLite, while holding the database
// write lock), so it must be quick and must not write through the store.
func (s *Store) UseRefreshToken(ctx context.Context, hash []byte, now time.Time, fn func(store.RefreshToken, store.Grant) (store.RefreshIssue, error)) (store.RefreshToken, error) {
	var tok store.RefreshToken
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// The token and its grant in one read: a token whose grant is
		// gone is as good as missing.
		var g store.Grant
		t, err := getOne(ctx, s, tx, func(r rowScanner) (store.RefreshToken, error) {
			t, err := scanRefreshAnd(r, &g.ID, &g.ClientID, &g.UserID, &g.SID, listCol{&g.Scopes}, listCol{&g.Resources},
				timeCol{&g.AuthTime}, timeCol{&g.CreatedAt}, timeCol{&g.ExpiresAt}, timeCol{&g.RevokedAt},
				permsCol{&g.Permissions}, listCol{&g.AMR})
			return t, err
		}, `SELECT `+refreshColsAs+`, `+grantColsAs+` FROM refresh_tokens t JOIN grants g ON g.id = t.grant_id
			WHERE t.hash = $1`, blob(hash))
		if err != nil {
			return err
		}
		if expired(t.ExpiresAt, now, true) {
			return store.ErrNotFound
		}
		if !t.ConsumedAt.IsZero() {
			tok = t
			if err := s.revokeGrant(ctx, tx, t.GrantID, now); err != nil {
				return err
			}
			return commitThen{store.ErrReplayed}
		}
		if !g.Live(now) {
			return store.ErrNotFound
		}
		issue, err := fn(t, g)
		if err != nil {
			return err
		}
		if issue.Rotate != nil {
			n, err := s.txExec(ctx, tx, `UPDATE refresh_tokens SET consumed_at = $2
				WHERE hash = $1 AND consumed_at = 0`, blob(hash), ns(now))
			if err != nil {
				return err
			}
			if n == 0 {
				tok = t
				if err := s.revokeGrant(ctx, tx, t.GrantID, now); err != nil {
					return err
				}
				return commitThen{store.ErrReplayed}
			}
			t.ConsumedAt = fromNS(ns(now))
			if err := s.insertRefreshToken(ctx, tx, *issue.Rotate); err != nil {
				return err
			}
		}
		tok = t
		if issue.AccessToken == nil {
			return nil
		}
		return s.insertAccessToken(ctx, tx, *issue.AccessToken)
	})
	if err != nil && !errors.Is(err, store.ErrReplayed) {
		return store.RefreshToken{}, err
	}
	return tok, err
}
