package sqlstore

// Auth requests, sessions, grants, codes, tokens and throttle windows: the
// short-lived rows of the authorization flows.

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// --- auth requests

const authRequestCols = `id, client_id, redirect_uri, scopes, resources, state, nonce, code_challenge,
	code_challenge_method, response_mode, prompt, max_age, login_hint, ui_locales, force_login, created_at, expires_at,
	permissions`

func scanAuthRequest(r rowScanner) (store.AuthRequest, error) {
	var a store.AuthRequest
	err := r.Scan(&a.ID, &a.ClientID, &a.RedirectURI, listCol{&a.Scopes}, listCol{&a.Resources}, &a.State,
		&a.Nonce, &a.CodeChallenge, &a.CodeChallengeMethod, &a.ResponseMode, listCol{&a.Prompt}, &a.MaxAge,
		&a.LoginHint, &a.UILocales, &a.ForceLogin, timeCol{&a.CreatedAt}, timeCol{&a.ExpiresAt}, permsCol{&a.Permissions})
	return a, err
}

func authRequestArgs(a store.AuthRequest) []any {
	return []any{a.ID, a.ClientID, a.RedirectURI, encList(a.Scopes), encList(a.Resources), a.State,
		a.Nonce, a.CodeChallenge, a.CodeChallengeMethod, a.ResponseMode, encList(a.Prompt), a.MaxAge,
		a.LoginHint, a.UILocales, a.ForceLogin, ns(a.CreatedAt), ns(a.ExpiresAt), encPerms(a.Permissions)}
}

func (s *Store) CreateAuthRequest(ctx context.Context, a store.AuthRequest) error {
	_, err := s.exec(ctx, `INSERT INTO auth_requests (`+authRequestCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
		authRequestArgs(a)...)
	return err
}

// GetAuthRequest returns the request unless it is missing or expired
// (ExpiresAt at or before the current time).
func (s *Store) GetAuthRequest(ctx context.Context, id string) (store.AuthRequest, error) {
	return getOne(ctx, s, s.rq, scanAuthRequest, `SELECT `+authRequestCols+` FROM auth_requests
		WHERE id = $1 AND expires_at > $2`, id, ns(time.Now()))
}

// UpdateAuthRequest applies fn to the unexpired request in one transaction.
// fn may read through the store but must not write through it. The ID
// cannot change.
func (s *Store) UpdateAuthRequest(ctx context.Context, id string, fn func(store.AuthRequest) (store.AuthRequest, error)) (store.AuthRequest, error) {
	var out store.AuthRequest
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		a, err := getOne(ctx, s, tx, scanAuthRequest, `SELECT `+authRequestCols+` FROM auth_requests
			WHERE id = $1 AND expires_at > $2`+s.d.forUpdate, id, ns(time.Now()))
		if err != nil {
			return err
		}
		if a, err = fn(a); err != nil {
			return err
		}
		a.ID = id
		_, err = s.txExec(ctx, tx, `UPDATE auth_requests SET client_id = $2, redirect_uri = $3, scopes = $4,
			resources = $5, state = $6, nonce = $7, code_challenge = $8, code_challenge_method = $9,
			response_mode = $10, prompt = $11, max_age = $12, login_hint = $13, ui_locales = $14,
			force_login = $15, created_at = $16, expires_at = $17, permissions = $18 WHERE id = $1`, authRequestArgs(a)...)
		out = a
		return err
	})
	if err != nil {
		return store.AuthRequest{}, err
	}
	return out, nil
}

// DeleteAuthRequest is idempotent: deleting a missing request is not an error.
func (s *Store) DeleteAuthRequest(ctx context.Context, id string) error {
	_, err := s.exec(ctx, `DELETE FROM auth_requests WHERE id = $1`, id)
	return err
}

// --- sessions

const sessionCols = `id_hash, sid, user_id, auth_time, created_at, expires_at, last_seen_at`

func scanSession(r rowScanner) (store.Session, error) {
	var x store.Session
	err := r.Scan(bytesCol{&x.IDHash}, &x.SID, &x.UserID, timeCol{&x.AuthTime}, timeCol{&x.CreatedAt}, timeCol{&x.ExpiresAt}, timeCol{&x.LastSeenAt})
	return x, err
}

func (s *Store) CreateSession(ctx context.Context, x store.Session) error {
	_, err := s.exec(ctx, `INSERT INTO sessions (`+sessionCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		blob(x.IDHash), x.SID, x.UserID, ns(x.AuthTime), ns(x.CreatedAt), ns(x.ExpiresAt), ns(x.LastSeenAt))
	return err
}

// TouchSession is one conditional UPDATE: last_seen_at only moves forward.
func (s *Store) TouchSession(ctx context.Context, idHash []byte, at time.Time) error {
	_, err := s.exec(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1 AND last_seen_at < $2`, blob(idHash), ns(at))
	return err
}

// GetSession returns the session unless it is missing or expired.
func (s *Store) GetSession(ctx context.Context, idHash []byte) (store.Session, error) {
	return getOne(ctx, s, s.rq, scanSession, `SELECT `+sessionCols+` FROM sessions
		WHERE id_hash = $1 AND expires_at > $2`, blob(idHash), ns(time.Now()))
}

// DeleteSession deletes the session and revokes the grants issued from it
// (same SID) that lack the offline_access scope, in one transaction. It is
// idempotent.
func (s *Store) DeleteSession(ctx context.Context, idHash []byte) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		return s.endSessions(ctx, tx, `WHERE id_hash = $1`, blob(idHash))
	})
}

// DeleteUserSessions deletes every session of the user, revoking their
// non-offline grants as DeleteSession does. It is idempotent.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		return s.endSessions(ctx, tx, `WHERE user_id = $1`, userID)
	})
}

func (s *Store) endSessions(ctx context.Context, tx *sql.Tx, where string, arg any) error {
	sids, err := getAll(ctx, s, tx, func(r rowScanner) (string, error) {
		var sid string
		return sid, r.Scan(&sid)
	}, `SELECT sid FROM sessions `+where+` ORDER BY sid`, arg)
	if err != nil {
		return err
	}
	now := time.Now()
	for _, sid := range sids {
		if sid == "" {
			continue
		}
		type grantScopes struct {
			id     string
			scopes []string
		}
		grants, err := getAll(ctx, s, tx, func(r rowScanner) (grantScopes, error) {
			var g grantScopes
			return g, r.Scan(&g.id, listCol{&g.scopes})
		}, `SELECT id, scopes FROM grants WHERE sid = $1 AND revoked_at = 0 ORDER BY id`, sid)
		if err != nil {
			return err
		}
		for _, g := range grants {
			if slices.Contains(g.scopes, "offline_access") {
				continue
			}
			if err := s.revokeGrant(ctx, tx, g.id, now); err != nil {
				return err
			}
		}
	}
	_, err = s.txExec(ctx, tx, `DELETE FROM sessions `+where, arg)
	return err
}

// --- grants

const grantCols = `id, client_id, user_id, sid, scopes, resources, auth_time, created_at, expires_at, revoked_at, permissions`

func scanGrant(r rowScanner) (store.Grant, error) {
	var g store.Grant
	err := r.Scan(&g.ID, &g.ClientID, &g.UserID, &g.SID, listCol{&g.Scopes}, listCol{&g.Resources},
		timeCol{&g.AuthTime}, timeCol{&g.CreatedAt}, timeCol{&g.ExpiresAt}, timeCol{&g.RevokedAt}, permsCol{&g.Permissions})
	return g, err
}

func (s *Store) CreateGrant(ctx context.Context, g store.Grant) error {
	_, err := s.exec(ctx, `INSERT INTO grants (`+grantCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		g.ID, g.ClientID, g.UserID, g.SID, encList(g.Scopes), encList(g.Resources), ns(g.AuthTime),
		ns(g.CreatedAt), ns(g.ExpiresAt), ns(g.RevokedAt), encPerms(g.Permissions))
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
	return s.inTx(ctx, func(tx *sql.Tx) error {
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
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.txExec(ctx, tx, `UPDATE access_tokens SET revoked_at = $2
			WHERE grant_id IN (SELECT id FROM grants WHERE user_id = $1) AND revoked_at = 0`, userID, ns(now)); err != nil {
			return err
		}
		_, err := s.txExec(ctx, tx, `UPDATE grants SET revoked_at = $2 WHERE user_id = $1 AND revoked_at = 0`, userID, ns(now))
		return err
	})
}

// liveGrant loads the grant for a code or refresh token: it must exist, be
// unrevoked and unexpired (ExpiresAt zero = no expiry). Else ErrNotFound.
func (s *Store) liveGrant(ctx context.Context, q querier, id string, now time.Time) (store.Grant, error) {
	g, err := getOne(ctx, s, q, scanGrant, `SELECT `+grantCols+` FROM grants WHERE id = $1`, id)
	if err != nil {
		return store.Grant{}, err
	}
	if !g.Live(now) {
		return store.Grant{}, store.ErrNotFound
	}
	return g, nil
}

// expired reports whether exp is at or before now. A zero exp never expires
// when zeroIsNever, else it is already expired.
func expired(exp, now time.Time, zeroIsNever bool) bool {
	if exp.IsZero() {
		return !zeroIsNever
	}
	return !exp.After(now)
}

// --- authorization codes

const codeCols = `hash, grant_id, client_id, user_id, sid, redirect_uri, scopes, resources, nonce,
	code_challenge, code_challenge_method, auth_time, created_at, expires_at, consumed_at, permissions`

func scanCode(r rowScanner) (store.AuthCode, error) {
	var c store.AuthCode
	err := r.Scan(bytesCol{&c.Hash}, &c.GrantID, &c.ClientID, &c.UserID, &c.SID, &c.RedirectURI,
		listCol{&c.Scopes}, listCol{&c.Resources}, &c.Nonce, &c.CodeChallenge, &c.CodeChallengeMethod,
		timeCol{&c.AuthTime}, timeCol{&c.CreatedAt}, timeCol{&c.ExpiresAt}, timeCol{&c.ConsumedAt}, permsCol{&c.Permissions})
	return c, err
}

func (s *Store) CreateCode(ctx context.Context, c store.AuthCode) error {
	_, err := s.exec(ctx, `INSERT INTO auth_codes (`+codeCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		blob(c.Hash), c.GrantID, c.ClientID, c.UserID, c.SID, c.RedirectURI, encList(c.Scopes),
		encList(c.Resources), c.Nonce, c.CodeChallenge, c.CodeChallengeMethod, ns(c.AuthTime),
		ns(c.CreatedAt), ns(c.ExpiresAt), ns(c.ConsumedAt), encPerms(c.Permissions))
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
		err = s.insertAccessToken(ctx, tx, issue.AccessToken)
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

// --- refresh tokens

const refreshCols = `hash, grant_id, client_id, user_id, scopes, resources, created_at, expires_at, consumed_at, permissions`

func scanRefresh(r rowScanner) (store.RefreshToken, error) {
	var t store.RefreshToken
	err := r.Scan(bytesCol{&t.Hash}, &t.GrantID, &t.ClientID, &t.UserID, listCol{&t.Scopes}, listCol{&t.Resources},
		timeCol{&t.CreatedAt}, timeCol{&t.ExpiresAt}, timeCol{&t.ConsumedAt}, permsCol{&t.Permissions})
	return t, err
}

func (s *Store) insertRefreshToken(ctx context.Context, q querier, t store.RefreshToken) error {
	_, err := q.ExecContext(ctx, s.d.q(`INSERT INTO refresh_tokens (`+refreshCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`),
		blob(t.Hash), t.GrantID, t.ClientID, t.UserID, encList(t.Scopes), encList(t.Resources),
		ns(t.CreatedAt), ns(t.ExpiresAt), ns(t.ConsumedAt), encPerms(t.Permissions))
	return s.d.mapErr(err)
}

// GetRefreshToken returns the token as stored, consumed or expired included.
func (s *Store) GetRefreshToken(ctx context.Context, hash []byte) (store.RefreshToken, error) {
	return getOne(ctx, s, s.rq, scanRefresh, `SELECT `+refreshCols+` FROM refresh_tokens WHERE hash = $1`, blob(hash))
}

// UseRefreshToken implements store.RefreshTokens. In one transaction:
//
//  1. a missing or expired token (ExpiresAt zero = no expiry) is ErrNotFound;
//  2. a consumed token revokes its grant, commits, returns ErrReplayed;
//  3. a missing, revoked or expired grant is ErrNotFound;
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
		t, err := getOne(ctx, s, tx, scanRefresh, `SELECT `+refreshCols+` FROM refresh_tokens WHERE hash = $1`, blob(hash))
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
		g, err := s.liveGrant(ctx, tx, t.GrantID, now)
		if err != nil {
			return err
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
		return s.insertAccessToken(ctx, tx, issue.AccessToken)
	})
	if err != nil && !errors.Is(err, store.ErrReplayed) {
		return store.RefreshToken{}, err
	}
	return tok, err
}

// --- access tokens

const accessCols = `hash, grant_id, client_id, user_id, scopes, audience, created_at, expires_at, revoked_at`

func scanAccess(r rowScanner) (store.AccessToken, error) {
	var t store.AccessToken
	err := r.Scan(bytesCol{&t.Hash}, &t.GrantID, &t.ClientID, &t.UserID, listCol{&t.Scopes}, &t.Audience,
		timeCol{&t.CreatedAt}, timeCol{&t.ExpiresAt}, timeCol{&t.RevokedAt})
	return t, err
}

func (s *Store) insertAccessToken(ctx context.Context, q querier, t store.AccessToken) error {
	_, err := q.ExecContext(ctx, s.d.q(`INSERT INTO access_tokens (`+accessCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`),
		blob(t.Hash), t.GrantID, t.ClientID, t.UserID, encList(t.Scopes), t.Audience,
		ns(t.CreatedAt), ns(t.ExpiresAt), ns(t.RevokedAt))
	return s.d.mapErr(err)
}

func (s *Store) CreateAccessToken(ctx context.Context, t store.AccessToken) error {
	return s.insertAccessToken(ctx, s.wq, t)
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
	return s.inTx(ctx, func(tx *sql.Tx) error {
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

// --- throttle

// throttleWindow returns the (positive) window and the start, in Unix
// nanoseconds, of the window that contains now.
func throttleWindow(now time.Time, window time.Duration) (time.Duration, int64) {
	if window <= 0 {
		window = time.Nanosecond
	}
	t := now.UnixNano()
	start := t - t%int64(window)
	if t < 0 && t%int64(window) != 0 {
		start -= int64(window)
	}
	return window, start
}

// ReserveAttempt implements store.Throttle with one upsert. Windows are
// aligned to multiples of window since the Unix epoch, so every replica
// computes the same window for the same instant. A stored window later than
// now's (clock skew between replicas) is treated as current rather than
// reset.
func (s *Store) ReserveAttempt(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (bool, time.Time, error) {
	window, start := throttleWindow(now, window)
	end := start + int64(window)
	if limit <= 0 {
		return false, fromNS(end), nil
	}
	var count int64
	err := s.wq.QueryRowContext(ctx, s.d.q(`INSERT INTO throttle (key, window_start, window_end, count)
		VALUES ($1, $2, $3, 1)
		ON CONFLICT (key) DO UPDATE SET
			count = CASE WHEN throttle.window_start < excluded.window_start THEN 1 ELSE throttle.count + 1 END,
			window_end = CASE WHEN throttle.window_start < excluded.window_start THEN excluded.window_end ELSE throttle.window_end END,
			window_start = CASE WHEN throttle.window_start < excluded.window_start THEN excluded.window_start ELSE throttle.window_start END
		WHERE throttle.window_start < excluded.window_start OR throttle.count < $4
		RETURNING count`), key, start, end, int64(limit)).Scan(&count)
	if err == nil {
		return true, time.Time{}, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, time.Time{}, s.d.mapErr(err)
	}
	var wend int64
	err = s.rq.QueryRowContext(ctx, s.d.q(`SELECT window_end FROM throttle WHERE key = $1`), key).Scan(&wend)
	if errors.Is(err, sql.ErrNoRows) { // reset meanwhile; report now's window
		wend = end
	} else if err != nil {
		return false, time.Time{}, s.d.mapErr(err)
	}
	return false, fromNS(wend), nil
}

// CheckAttempts implements store.Throttle with one read.
func (s *Store) CheckAttempts(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (bool, time.Time, error) {
	_, start := throttleWindow(now, window)
	var wstart, wend, count int64
	err := s.rq.QueryRowContext(ctx, s.d.q(`SELECT window_start, window_end, count FROM throttle WHERE key = $1`), key).Scan(&wstart, &wend, &count)
	if errors.Is(err, sql.ErrNoRows) {
		return limit > 0, time.Time{}, nil
	}
	if err != nil {
		return false, time.Time{}, s.d.mapErr(err)
	}
	if wstart < start || count < int64(limit) {
		return true, time.Time{}, nil
	}
	return false, fromNS(wend), nil
}

// ReleaseAttempt implements store.Throttle with one conditional UPDATE.
func (s *Store) ReleaseAttempt(ctx context.Context, key string, window time.Duration, now time.Time) error {
	_, start := throttleWindow(now, window)
	_, err := s.exec(ctx, `UPDATE throttle SET count = count - 1 WHERE key = $1 AND window_start = $2 AND count > 0`, key, start)
	return err
}

// ResetAttempts is idempotent.
func (s *Store) ResetAttempts(ctx context.Context, key string) error {
	_, err := s.exec(ctx, `DELETE FROM throttle WHERE key = $1`, key)
	return err
}

// --- garbage collection

// GarbageCollect deletes rows whose ExpiresAt is at or before now: auth
// requests, sessions, codes, refresh tokens, access tokens, grants (with a
// non-zero ExpiresAt), throttle windows that ended, and retired keys past
// their ExpiresAt. Each table is one statement; the total is returned.
func (s *Store) GarbageCollect(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	for _, q := range []string{
		`DELETE FROM auth_requests WHERE expires_at <= $1`,
		`DELETE FROM sessions WHERE expires_at <= $1`,
		`DELETE FROM auth_codes WHERE expires_at <= $1`,
		`DELETE FROM refresh_tokens WHERE expires_at <> 0 AND expires_at <= $1`,
		`DELETE FROM access_tokens WHERE expires_at <= $1`,
		`DELETE FROM grants WHERE expires_at <> 0 AND expires_at <= $1`,
		`DELETE FROM throttle WHERE window_end <= $1`,
		`DELETE FROM signing_keys WHERE retired_at <> 0 AND expires_at <> 0 AND expires_at <= $1`,
	} {
		n, err := s.exec(ctx, q, ns(now))
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}
