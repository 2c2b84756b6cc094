package sqlstore

// Browser SSO sessions.

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

const sessionCols = `id_hash, sid, user_id, auth_time, created_at, expires_at, last_seen_at, amr, reauth_at`

func scanSession(r rowScanner) (store.Session, error) {
	var x store.Session
	err := r.Scan(sessionDest(&x)...)
	return x, err
}

// sessionDest is where sessionCols scan to.
func sessionDest(x *store.Session) []any {
	return []any{bytesCol{&x.IDHash}, &x.SID, &x.UserID, timeCol{&x.AuthTime}, timeCol{&x.CreatedAt}, timeCol{&x.ExpiresAt},
		timeCol{&x.LastSeenAt}, listCol{&x.AMR}, timeCol{&x.ReauthAt}}
}

func (s *Store) CreateSession(ctx context.Context, x store.Session) error {
	_, err := s.exec(ctx, `INSERT INTO sessions (`+sessionCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		blob(x.IDHash), x.SID, x.UserID, ns(x.AuthTime), ns(x.CreatedAt), ns(x.ExpiresAt), ns(x.LastSeenAt), encList(x.AMR), ns(x.ReauthAt))
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
		WHERE id_hash = $1 AND expires_at > $2`, blob(idHash), ns(time.Now().Add(-store.ClockSkew)))
}

// sessionUserQuery is built once: it runs on every SSO request. The
// second factors are the step-up check's (SS-12): read here, they cost no
// statement of their own.
var sessionUserQuery = `SELECT EXISTS (SELECT 1 FROM mfa_totp t WHERE t.user_id = u.id),
	EXISTS (SELECT 1 FROM passkeys p WHERE p.user_id = u.id), ` + qualified("s", sessionCols) + `, ` + qualified("u", userCols) + `
	FROM sessions s JOIN users u ON u.id = s.user_id
	WHERE s.id_hash = $1 AND s.expires_at > $2`

// GetSessionUser joins the session to its user and the user's second
// factors: one statement where GetSession, GetUser, GetTOTP and
// CountPasskeys took four (on PostgreSQL four round trips).
func (s *Store) GetSessionUser(ctx context.Context, idHash []byte) (store.Session, store.User, error) {
	var (
		x store.Session
		f store.SecondFactors
	)
	u, err := getOne(ctx, s, s.rq, func(r rowScanner) (store.User, error) {
		return scanUserAfter(r, append([]any{&f.TOTP, &f.Passkey}, sessionDest(&x)...)...)
	}, sessionUserQuery, blob(idHash), ns(time.Now().Add(-store.ClockSkew)))
	if err != nil {
		return store.Session{}, store.User{}, err
	}
	u.SecondFactors = &f
	return x, u, nil
}

// DeleteSession deletes the session and revokes the grants issued from it
// (same SID) that lack the offline_access scope, in one transaction. It is
// idempotent.
func (s *Store) DeleteSession(ctx context.Context, idHash []byte) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return s.endSessions(ctx, tx, `WHERE id_hash = $1`, blob(idHash))
	})
}

// DeleteUserSessions deletes every session of the user, revoking their
// non-offline grants as DeleteSession does. It is idempotent.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return s.endSessions(ctx, tx, `WHERE user_id = $1`, userID)
	})
}

// SetSessionReauth is one UPDATE of a live session.
func (s *Store) SetSessionReauth(ctx context.Context, idHash []byte, at time.Time) error {
	n, err := s.exec(ctx, `UPDATE sessions SET reauth_at = $2 WHERE id_hash = $1 AND expires_at > $3`, blob(idHash), ns(at), ns(time.Now().Add(-store.ClockSkew)))
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}

// DeleteUserSession ends one session of the user, found by its public id
// and owner together, so a sid alone cannot end another user's session.
func (s *Store) DeleteUserSession(ctx context.Context, userID, sid string) error {
	if sid == "" {
		return store.ErrNotFound
	}
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		ids, err := getAll(ctx, s, tx, func(r rowScanner) (string, error) {
			var v string
			return v, r.Scan(&v)
		}, `SELECT sid FROM sessions WHERE sid = $1 AND user_id = $2`, sid, userID)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return store.ErrNotFound
		}
		return s.endSessions(ctx, tx, `WHERE sid = $1 AND user_id = $2`, sid, userID)
	})
}

// endSessions ends the sessions matched by where inside tx: it queues
// their back-channel logouts, revokes their grants that lack
// offline_access, and deletes them.
func (s *Store) endSessions(ctx context.Context, tx *sql.Tx, where string, args ...any) error {
	type ended struct{ sid, userID string }
	sessions, err := getAll(ctx, s, tx, func(r rowScanner) (ended, error) {
		var e ended
		return e, r.Scan(&e.sid, &e.userID)
	}, `SELECT sid, user_id FROM sessions `+where+` ORDER BY sid`, args...)
	if err != nil {
		return err
	}
	now := time.Now()
	for _, e := range sessions {
		if e.sid == "" {
			continue
		}
		if err := s.queueLogouts(ctx, tx, e.sid, e.userID, now); err != nil {
			return err
		}
		type grantScopes struct {
			id     string
			scopes []string
		}
		grants, err := getAll(ctx, s, tx, func(r rowScanner) (grantScopes, error) {
			var g grantScopes
			return g, r.Scan(&g.id, listCol{&g.scopes})
		}, `SELECT id, scopes FROM grants WHERE sid = $1 AND revoked_at = 0 ORDER BY id`, e.sid)
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
	_, err = s.txExec(ctx, tx, `DELETE FROM sessions `+where, args...)
	return err
}

// ListUserSessions implements store.Sessions in two queries: the sessions,
// then the apps of all of them at once (not one query per session).
func (s *Store) ListUserSessions(ctx context.Context, userID string, now time.Time) ([]store.UserSession, error) {
	out, err := getAll(ctx, s, s.rq, func(r rowScanner) (store.UserSession, error) {
		var x store.UserSession
		return x, r.Scan(&x.SID, timeCol{&x.CreatedAt}, timeCol{&x.LastSeenAt}, timeCol{&x.ExpiresAt})
	}, `SELECT sid, created_at, last_seen_at, expires_at FROM sessions
		WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at DESC, sid`, userID, ns(now))
	if err != nil || len(out) == 0 {
		return out, err
	}
	type pair struct{ sid, client string }
	pairs, err := getAll(ctx, s, s.rq, func(r rowScanner) (pair, error) {
		var p pair
		return p, r.Scan(&p.sid, &p.client)
	}, `SELECT DISTINCT g.sid, g.client_id FROM grants g JOIN sessions x ON x.sid = g.sid
		WHERE x.user_id = $1 AND x.expires_at > $2 AND g.user_id = $1 AND g.revoked_at = 0
		AND (g.expires_at = 0 OR g.expires_at > $2) AND g.sid <> ''
		ORDER BY g.sid, g.client_id`, userID, ns(now))
	if err != nil {
		return nil, err
	}
	bySID := make(map[string][]string, len(out))
	for _, p := range pairs {
		bySID[p.sid] = append(bySID[p.sid], p.client)
	}
	for i := range out {
		out[i].ClientIDs = bySID[out[i].SID]
	}
	return out, nil
}
