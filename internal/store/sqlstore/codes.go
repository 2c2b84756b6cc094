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

func scanCode(r rowScanner) (store.AuthCode, error) { return scanCodeAnd(r) }

// scanCodeAnd scans codeCols and then extra columns.
func scanCodeAnd(r rowScanner, extra ...any) (store.AuthCode, error) {
	var c store.AuthCode
	err := r.Scan(append([]any{bytesCol{&c.Hash}, &c.GrantID, &c.ClientID, &c.UserID, &c.SID, &c.RedirectURI,
		listCol{&c.Scopes}, listCol{&c.Resources}, &c.Nonce, &c.CodeChallenge, &c.CodeChallengeMethod,
		timeCol{&c.AuthTime}, timeCol{&c.CreatedAt}, timeCol{&c.ExpiresAt}, timeCol{&c.ConsumedAt}, permsCol{&c.Permissions},
		listCol{&c.AMR}}, extra...)...)
	return c, err
}

func (s *Store) CreateCode(ctx context.Context, c store.AuthCode) error {
	_, err := s.exec(ctx, `INSERT INTO auth_codes (`+codeCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`, codeArgs(c)...)
	return err
}

// codeArgs are the values of codeCols, in order.
func codeArgs(c store.AuthCode) []any {
	return []any{blob(c.Hash), c.GrantID, c.ClientID, c.UserID, c.SID, c.RedirectURI, encList(c.Scopes),
		encList(c.Resources), c.Nonce, c.CodeChallenge, c.CodeChallengeMethod, ns(c.AuthTime),
		ns(c.CreatedAt), ns(c.ExpiresAt), ns(c.ConsumedAt), encPerms(c.Permissions), encList(c.AMR)}
}

// CreateGrantAndCode implements store.Codes: one statement on PostgreSQL
// (one round trip), one transaction on SQLite (one commit).
func (s *Store) CreateGrantAndCode(ctx context.Context, g store.Grant, c store.AuthCode) error {
	if s.d.name == "postgres" {
		_, err := s.wq.ExecContext(ctx, `WITH g AS (INSERT INTO grants (`+grantCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12))
			INSERT INTO auth_codes (`+codeCols+`) VALUES ($13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
			$23, $24, $25, $26, $27, $28, $29)`, append(grantArgs(g), codeArgs(c)...)...)
		return s.d.mapErr(err)
	}
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := s.txExec(ctx, tx, `INSERT INTO grants (`+grantCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			grantArgs(g)...); err != nil {
			return err
		}
		_, err := s.txExec(ctx, tx, `INSERT INTO auth_codes (`+codeCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`, codeArgs(c)...)
		return err
	})
}

// RedeemCode implements store.Codes with as few round trips and commits
// as its guarantees allow:
//
//  1. it consumes the code with one conditional write that also reads the
//     code's grant: UPDATE ... WHERE consumed_at = 0 AND unexpired
//     RETURNING the row and the grant's state;
//  2. if that touched no row: a missing or expired code is ErrNotFound
//     (whether or not it was consumed, so the answer does not depend on when
//     GarbageCollect ran); a consumed one revokes its grant and returns
//     ErrReplayed with the code;
//  3. a grant that is gone, revoked or expired is ErrNotFound;
//  4. fn runs; its error is returned (the code stays burned);
//  5. the issue is written.
//
// On PostgreSQL (two round trips) the burn commits on its own and the issue
// is written after it in one statement: whatever fails after step 1, the
// code is spent, and a replay that lands between steps 1 and 5 revokes the
// grant, which every token of it is checked against. On SQLite all five
// steps are one transaction of the group commit (one commit where there
// were two, and one wait for the writer), with the issue in a savepoint so
// that a failure to write it still commits the burn.
func (s *Store) RedeemCode(ctx context.Context, hash []byte, now time.Time, fn func(store.AuthCode) (store.CodeIssue, error)) (store.AuthCode, error) {
	if s.group != nil {
		return s.redeemCodeInOneTx(ctx, hash, now, fn)
	}
	code, live, err := s.burnCode(ctx, s.wq, hash, now)
	if errors.Is(err, store.ErrNotFound) { // lost, replayed, expired or missing
		return s.codeNotRedeemed(ctx, hash, now)
	}
	if err != nil {
		return store.AuthCode{}, err
	}
	if !live {
		return code, store.ErrNotFound
	}
	issue, err := fn(code)
	if err != nil {
		return code, err
	}
	return code, s.writeIssue(ctx, issue.AccessToken, issue.RefreshToken)
}

// redeemCodeInOneTx is RedeemCode on SQLite: steps 1, 3, 4 and 5 in one
// transaction.
func (s *Store) redeemCodeInOneTx(ctx context.Context, hash []byte, now time.Time, fn func(store.AuthCode) (store.CodeIssue, error)) (store.AuthCode, error) {
	var (
		code   store.AuthCode
		burned bool
	)
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		q := s.txq(tx)
		c, live, err := s.burnCode(ctx, q, hash, now)
		if err != nil {
			return err
		}
		code, burned = c, true
		if !live {
			return commitThen{store.ErrNotFound}
		}
		issue, err := fn(c)
		if err != nil {
			return commitThen{err}
		}
		if _, err := q.ExecContext(ctx, "SAVEPOINT issue"); err != nil {
			return err
		}
		if err := s.insertIssue(ctx, q, issue); err != nil {
			if _, rerr := q.ExecContext(ctx, "ROLLBACK TO issue"); rerr != nil {
				return rerr // SQLite rolled the transaction back: nothing was written
			}
			return commitThen{err}
		}
		_, err = q.ExecContext(ctx, "RELEASE issue")
		return err
	})
	if !burned && errors.Is(err, store.ErrNotFound) { // lost, replayed, expired or missing
		return s.codeNotRedeemed(ctx, hash, now)
	}
	if !burned {
		return store.AuthCode{}, err
	}
	return code, err
}

// burnCode is step 1 of RedeemCode through q: the consumed code, and
// whether its grant is live (not gone, revoked or expired).
func (s *Store) burnCode(ctx context.Context, q querier, hash []byte, now time.Time) (code store.AuthCode, live bool, err error) {
	var revoked, expires sql.NullInt64
	code, err = getOne(ctx, s, q, func(r rowScanner) (store.AuthCode, error) {
		return scanCodeAnd(r, &revoked, &expires)
	}, `UPDATE auth_codes SET consumed_at = $2
		WHERE hash = $1 AND consumed_at = 0 AND expires_at > $3
		RETURNING `+codeCols+`, (SELECT revoked_at FROM grants WHERE id = auth_codes.grant_id),
			(SELECT expires_at FROM grants WHERE id = auth_codes.grant_id)`, blob(hash), ns(now), ns(now.Add(-store.ClockSkew)))
	g := store.Grant{ID: code.GrantID, RevokedAt: fromNS(revoked.Int64), ExpiresAt: fromNS(expires.Int64)}
	return code, revoked.Valid && g.Live(now), err // NULL: no grant row
}

// insertIssue writes what a code exchange issued through q.
func (s *Store) insertIssue(ctx context.Context, q querier, issue store.CodeIssue) error {
	if issue.AccessToken != nil {
		if err := s.insertAccessToken(ctx, q, *issue.AccessToken); err != nil {
			return err
		}
	}
	if issue.RefreshToken != nil {
		return s.insertRefreshToken(ctx, q, *issue.RefreshToken)
	}
	return nil
}

// codeNotRedeemed tells a replayed code (its grant revoked, ErrReplayed)
// from a missing or expired one (ErrNotFound).
func (s *Store) codeNotRedeemed(ctx context.Context, hash []byte, now time.Time) (store.AuthCode, error) {
	code, err := getOne(ctx, s, s.wq, scanCode, `SELECT `+codeCols+` FROM auth_codes WHERE hash = $1`, blob(hash))
	if err != nil {
		return store.AuthCode{}, err
	}
	if expired(code.ExpiresAt, now.Add(-store.ClockSkew), false) || code.ConsumedAt.IsZero() {
		return store.AuthCode{}, store.ErrNotFound
	}
	if err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error { return s.revokeGrant(ctx, tx, code.GrantID, now) }); err != nil {
		return store.AuthCode{}, err
	}
	return code, store.ErrReplayed
}

// writeIssue stores what a code exchange or refresh issued: an opaque
// access token's row and a refresh token, either of which may be absent.
// Both go in one statement on PostgreSQL (one round trip), in one
// transaction of the group commit on SQLite.
func (s *Store) writeIssue(ctx context.Context, at *store.AccessToken, rt *store.RefreshToken) error {
	switch {
	case at == nil && rt == nil:
		return nil
	case at != nil && rt != nil && s.d.name == "postgres":
		_, err := s.wq.ExecContext(ctx, `WITH a AS (INSERT INTO access_tokens (`+accessCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9))
			INSERT INTO refresh_tokens (`+refreshCols+`) VALUES ($10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
			append(accessArgs(*at), refreshArgs(*rt)...)...)
		return s.d.mapErr(err)
	}
	return s.write(ctx, func(ctx context.Context, q querier) error {
		return s.insertIssue(ctx, q, store.CodeIssue{AccessToken: at, RefreshToken: rt})
	})
}
