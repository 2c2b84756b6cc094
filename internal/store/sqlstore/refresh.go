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

// refreshReadCols are refreshCols and the successor a rotated token keeps
// (never written by an insert: a new token has none).
const refreshReadCols = refreshCols + `, successor, successor_hash`

var refreshColsAs, grantColsAs = qualify("t", refreshReadCols), qualify("g", grantCols)

func scanRefresh(r rowScanner) (store.RefreshToken, error) { return scanRefreshAnd(r) }

// scanRefreshAnd scans refreshReadCols and then extra columns.
func scanRefreshAnd(r rowScanner, extra ...any) (store.RefreshToken, error) {
	var t store.RefreshToken
	err := r.Scan(append([]any{bytesCol{&t.Hash}, &t.GrantID, &t.ClientID, &t.UserID, listCol{&t.Scopes}, listCol{&t.Resources},
		timeCol{&t.CreatedAt}, timeCol{&t.ExpiresAt}, timeCol{&t.ConsumedAt}, permsCol{&t.Permissions},
		bytesCol{&t.Successor}, bytesCol{&t.SuccessorHash}}, extra...)...)
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
	return getOne(ctx, s, s.rq, scanRefresh, `SELECT `+refreshReadCols+` FROM refresh_tokens WHERE hash = $1`, blob(hash))
}

// UseRefreshToken implements store.RefreshTokens with as few round trips as
// its guarantees allow (one read, and one write when it rotates, on
// PostgreSQL):
//
//  1. the token is read with its grant (one join); a missing token, one
//     whose grant is gone, or an expired one (ExpiresAt zero = no expiry)
//     is ErrNotFound;
//  2. a consumed token is a reuse or a replay (consumed);
//  3. a revoked or expired grant is ErrNotFound;
//  4. fn runs; its error is returned and nothing is written (the token
//     stays usable);
//  5. with issue.Rotate, one atomic write consumes the token by a
//     conditional UPDATE (consumed_at = 0), keeping the sealed successor
//     on it when asked, and stores its successor and the access token only
//     if that UPDATE took (rotate). If a concurrent rotation won, the token
//     is read again and handled as consumed: a reuse of the winner's
//     successor within the app's interval, or else a replay;
//  6. without it, only an opaque access token is written, if any.
//
// The read is not locked: everything that decides is the conditional
// write, and a grant revoked after the read revokes what this writes.
func (s *Store) UseRefreshToken(ctx context.Context, hash []byte, now time.Time, fn func(store.RefreshToken, store.Grant) (store.RefreshIssue, error)) (store.RefreshToken, error) {
	t, g, err := s.refreshWithGrant(ctx, hash)
	if err != nil {
		return store.RefreshToken{}, err
	}
	if expired(t.ExpiresAt, now, true) {
		return store.RefreshToken{}, store.ErrNotFound
	}
	if !t.ConsumedAt.IsZero() {
		return s.consumed(ctx, t, g, now, fn)
	}
	if !g.Live(now) {
		return store.RefreshToken{}, store.ErrNotFound
	}
	issue, err := fn(t, g)
	if err != nil {
		return store.RefreshToken{}, err
	}
	if issue.Rotate == nil {
		return t, s.writeIssue(ctx, issue.AccessToken, nil)
	}
	took, err := s.rotate(ctx, hash, now, *issue.Rotate, issue.KeepSuccessor, issue.AccessToken)
	if err != nil {
		return store.RefreshToken{}, err
	}
	if !took {
		// A concurrent rotation won: what it left decides.
		if t, g, err = s.refreshWithGrant(ctx, hash); err != nil {
			return store.RefreshToken{}, err
		}
		return s.consumed(ctx, t, g, now, fn)
	}
	t.ConsumedAt = fromNS(ns(now))
	return t, nil
}

// refreshWithGrant reads a refresh token and its grant in one join: a token
// whose grant is gone is as good as missing.
func (s *Store) refreshWithGrant(ctx context.Context, hash []byte) (store.RefreshToken, store.Grant, error) {
	var g store.Grant
	t, err := getOne(ctx, s, s.rq, func(r rowScanner) (store.RefreshToken, error) {
		return scanRefreshAnd(r, &g.ID, &g.ClientID, &g.UserID, &g.SID, listCol{&g.Scopes}, listCol{&g.Resources},
			timeCol{&g.AuthTime}, timeCol{&g.CreatedAt}, timeCol{&g.ExpiresAt}, timeCol{&g.RevokedAt},
			permsCol{&g.Permissions}, listCol{&g.AMR})
	}, `SELECT `+refreshColsAs+`, `+grantColsAs+` FROM refresh_tokens t JOIN grants g ON g.id = t.grant_id
		WHERE t.hash = $1`, blob(hash))
	return t, g, err
}

// consumed answers a consumed token t: a reuse when it kept a successor
// that is still unconsumed and unexpired under a live grant and fn answers
// with Reuse, a replay (grant revoked, ErrReplayed) otherwise.
func (s *Store) consumed(ctx context.Context, t store.RefreshToken, g store.Grant, now time.Time, fn func(store.RefreshToken, store.Grant) (store.RefreshIssue, error)) (store.RefreshToken, error) {
	if len(t.SuccessorHash) == 0 || len(t.Successor) == 0 || !g.Live(now) {
		return t, s.replayed(ctx, t.GrantID, now)
	}
	next, err := s.GetRefreshToken(ctx, t.SuccessorHash)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return t, s.replayed(ctx, t.GrantID, now)
	case err != nil:
		return store.RefreshToken{}, err
	case !next.ConsumedAt.IsZero() || expired(next.ExpiresAt, now, true):
		return t, s.replayed(ctx, t.GrantID, now)
	}
	issue, err := fn(t, g)
	switch {
	case errors.Is(err, store.ErrReplayed) || err == nil && !issue.Reuse:
		return t, s.replayed(ctx, t.GrantID, now)
	case err != nil:
		return store.RefreshToken{}, err
	}
	return t, s.writeIssue(ctx, issue.AccessToken, nil)
}

// replayed revokes the grant of a replayed refresh token and returns
// ErrReplayed.
func (s *Store) replayed(ctx context.Context, grantID string, now time.Time) error {
	if err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error { return s.revokeGrant(ctx, tx, grantID, now) }); err != nil {
		return err
	}
	return store.ErrReplayed
}

// rotate consumes the refresh token hash, keeping keep (the sealed
// successor) on it when not empty, and stores next (and at, an opaque
// access token, if any) only if it was this call that consumed it,
// atomically: one statement on PostgreSQL, one transaction on SQLite. took
// is false when the token was already consumed.
func (s *Store) rotate(ctx context.Context, hash []byte, now time.Time, next store.RefreshToken, keep []byte, at *store.AccessToken) (took bool, err error) {
	var successor, successorHash []byte
	if len(keep) > 0 {
		successor, successorHash = keep, next.Hash
	}
	if s.d.name == "postgres" {
		q := `WITH c AS (UPDATE refresh_tokens SET consumed_at = $2, successor = $3, successor_hash = $4
			WHERE hash = $1 AND consumed_at = 0 RETURNING hash)`
		args := append([]any{blob(hash), ns(now), blob(successor), blob(successorHash)}, refreshArgs(next)...)
		if at != nil {
			q += `, a AS (INSERT INTO access_tokens (` + accessCols + `)
				SELECT $15, $16, $17, $18, $19, $20, $21, $22, $23 WHERE EXISTS (SELECT 1 FROM c))`
			args = append(args, accessArgs(*at)...)
		}
		q += ` INSERT INTO refresh_tokens (` + refreshCols + `)
			SELECT $5, $6, $7, $8, $9, $10, $11, $12, $13, $14 WHERE EXISTS (SELECT 1 FROM c)`
		res, err := s.wq.ExecContext(ctx, q, args...)
		if err != nil {
			return false, s.d.mapErr(err)
		}
		n, err := res.RowsAffected()
		return n == 1, s.d.mapErr(err)
	}
	err = s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n, err := s.txExec(ctx, tx, `UPDATE refresh_tokens SET consumed_at = $2, successor = $3, successor_hash = $4
			WHERE hash = $1 AND consumed_at = 0`, blob(hash), ns(now), blob(successor), blob(successorHash))
		if err != nil || n == 0 {
			return err
		}
		took = true
		if err := s.insertRefreshToken(ctx, tx, next); err != nil {
			return err
		}
		if at == nil {
			return nil
		}
		return s.insertAccessToken(ctx, tx, *at)
	})
	return took && err == nil, err
}
