package sqlstore

// Authorization codes, consumed by one conditional write.

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

const codeCols = `hash, grant_id, client_id, user_id, sid, redirect_uri, scopes, resources, nonce,
	code_challenge, code_challenge_method, auth_time, created_at, expires_at, consumed_at, permissions, amr`

func scanCode(r rowScanner) (store.AuthCode, error) {
	var c store.AuthCode
	err := r.Scan(bytesCol{&c.Hash}, &c.GrantID, &c.ClientID, &c.UserID, &c.SID, &c.RedirectURI,
		listCol{&c.Scopes}, listCol{&c.Resources}, &c.Nonce, &c.CodeChallenge, &c.CodeChallengeMethod,
		timeCol{&c.AuthTime}, timeCol{&c.CreatedAt}, timeCol{&c.ExpiresAt}, timeCol{&c.ConsumedAt}, permsCol{&c.Permissions}, listCol{&c.AMR})
	return c, err
}

func (s *Store) CreateCode(ctx context.Context, c store.AuthCode) error {
	_, err := s.exec(ctx, `INSERT INTO auth_codes (`+codeCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		blob(c.Hash), c.GrantID, c.ClientID, c.UserID, c.SID, c.RedirectURI, encList(c.Scopes),
		encList(c.Resources), c.Nonce, c.CodeChallenge, c.CodeChallengeMethod, ns(c.AuthTime),
		ns(c.CreatedAt), ns(c.ExpiresAt), ns(c.ConsumedAt), encPerms(c.Permissions), encList(c.AMR))
	return err
}

// RedeemCode implements store.Codes. In one transaction it:
//
//  1. consumes the code: UPDATE ... WHERE consumed_at = 0 AND unexpired
//     RETURNING the row;
//  2. if that touched no row: a missing or expired code is ErrNotFound
//     (whether or not it was consumed, so the answer does not depend on when
//     GarbageCollect ran); a consumed one revokes its grant, commits and
//     returns ErrReplayed with the code;
//  3. checks the grant is live (else commits the burn, returns ErrNotFound);
//  4. calls fn; its error commits the burn and is returned;
//  5. writes the issue. If that fails (a duplicate token hash) the issue is
//     rolled back to a savepoint, the burn still commits, the error returns.
func (s *Store) RedeemCode(ctx context.Context, hash []byte, now time.Time, fn func(store.AuthCode) (store.CodeIssue, error)) (store.AuthCode, error) {
	var code store.AuthCode
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		code, err = getOne(ctx, s, tx, scanCode, `UPDATE auth_codes SET consumed_at = $2
			WHERE hash = $1 AND consumed_at = 0 AND expires_at > $2 RETURNING `+codeCols, blob(hash), ns(now))
		if errors.Is(err, store.ErrNotFound) { // lost, replayed, expired or missing
			code, err = getOne(ctx, s, tx, scanCode, `SELECT `+codeCols+` FROM auth_codes WHERE hash = $1`, blob(hash))
			if err != nil {
				return err
			}
			if expired(code.ExpiresAt, now, false) || code.ConsumedAt.IsZero() {
				code = store.AuthCode{}
				return store.ErrNotFound
			}
			if err := s.revokeGrant(ctx, tx, code.GrantID, now); err != nil {
				return err
			}
			return commitThen{store.ErrReplayed}
		}
		if err != nil {
			return err
		}
		if _, err := s.liveGrant(ctx, tx, code.GrantID, now); err != nil {
			return commitThen{err}
		}
		issue, err := fn(code)
		if err != nil {
			return commitThen{err}
		}
		if _, err := tx.ExecContext(ctx, `SAVEPOINT issue`); err != nil {
			return err
		}
		if issue.AccessToken != nil {
			err = s.insertAccessToken(ctx, tx, *issue.AccessToken)
		}
		if err == nil && issue.RefreshToken != nil {
			err = s.insertRefreshToken(ctx, tx, *issue.RefreshToken)
		}
		if err != nil {
			if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT issue`); rerr != nil {
				return s.d.mapErr(rerr)
			}
			return commitThen{err}
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return store.AuthCode{}, err
	}
	return code, err
}
