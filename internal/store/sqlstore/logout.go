package sqlstore

// The back-channel logout queue (docs/design.md, "Back-channel logout").

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// queueLogouts queues, inside tx, a logout delivery of session sid to
// every app that holds a grant issued from it and has a back-channel
// logout URI. A session ends once, so ON CONFLICT only guards a retried
// transaction.
func (s *Store) queueLogouts(ctx context.Context, tx *sql.Tx, sid, userID string, now time.Time) error {
	_, err := s.txExec(ctx, tx, `INSERT INTO logout_deliveries (client_id, sid, user_id, created_at, next_attempt_at)
		SELECT DISTINCT g.client_id, $1, $2, CAST($3 AS BIGINT), CAST($3 AS BIGINT) FROM grants g JOIN clients c ON c.id = g.client_id
		WHERE g.sid = $1 AND c.backchannel_logout_uri <> ''
		ON CONFLICT (client_id, sid) DO NOTHING`, sid, userID, ns(now))
	return err
}

const logoutCols = `client_id, sid, user_id, created_at, attempts, last_error`

func scanLogoutDelivery(r rowScanner) (store.LogoutDelivery, error) {
	var d store.LogoutDelivery
	return d, r.Scan(&d.ClientID, &d.SID, &d.UserID, timeCol{&d.CreatedAt}, &d.Attempts, &d.LastError)
}

// LogoutDeliveriesDue is one indexed read on a reader connection, so
// that an idle poll takes no write lock.
func (s *Store) LogoutDeliveriesDue(ctx context.Context, now time.Time) (bool, error) {
	_, err := getOne(ctx, s, s.rq, func(r rowScanner) (int64, error) {
		var v int64
		return v, r.Scan(&v)
	}, `SELECT next_attempt_at FROM logout_deliveries WHERE next_attempt_at <= $1 AND lease_until <= $1 LIMIT 1`, ns(now))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// ClaimLogoutDeliveries is one UPDATE … RETURNING. The outer conditions
// repeat the inner ones so that on PostgreSQL a row another replica
// claimed between the subquery and the update is re-checked and skipped
// (READ COMMITTED re-evaluates them on the newest row version); SQLite
// has a single writer.
func (s *Store) ClaimLogoutDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.LogoutDelivery, error) {
	return getAll(ctx, s, s.wq, scanLogoutDelivery, `UPDATE logout_deliveries
		SET lease_until = $2, attempts = attempts + 1
		WHERE (client_id, sid) IN (SELECT client_id, sid FROM logout_deliveries
			WHERE next_attempt_at <= $1 AND lease_until <= $1 ORDER BY next_attempt_at, created_at LIMIT $3)
		AND next_attempt_at <= $1 AND lease_until <= $1
		RETURNING `+logoutCols, ns(now), ns(now.Add(lease)), limit)
}

func (s *Store) FinishLogoutDelivery(ctx context.Context, d store.LogoutDelivery) error {
	_, err := s.exec(ctx, `DELETE FROM logout_deliveries WHERE client_id = $1 AND sid = $2 AND attempts = $3`,
		d.ClientID, d.SID, d.Attempts)
	return err
}

func (s *Store) RetryLogoutDelivery(ctx context.Context, d store.LogoutDelivery, next time.Time, reason string) error {
	_, err := s.exec(ctx, `UPDATE logout_deliveries SET next_attempt_at = $4, lease_until = 0, last_error = $5
		WHERE client_id = $1 AND sid = $2 AND attempts = $3`, d.ClientID, d.SID, d.Attempts, ns(next), reason)
	return err
}

// TrimLogoutDeliveries is two DELETEs in one transaction: the expired,
// then all but the newest max.
func (s *Store) TrimLogoutDeliveries(ctx context.Context, max int, createdBefore time.Time) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		old, err := s.txExec(ctx, tx, `DELETE FROM logout_deliveries WHERE created_at < $1`, ns(createdBefore))
		if err != nil {
			return err
		}
		over, err := s.txExec(ctx, tx, `DELETE FROM logout_deliveries WHERE (client_id, sid) IN (
			SELECT client_id, sid FROM logout_deliveries ORDER BY created_at DESC, client_id DESC, sid DESC LIMIT $2 OFFSET $1)`, max, math.MaxInt32) // no LIMIT-less OFFSET in both dialects
		n = old + over
		return err
	})
	return n, err
}

func (s *Store) CountLogoutDeliveries(ctx context.Context) (int, error) {
	return getOne(ctx, s, s.rq, func(r rowScanner) (int, error) {
		var n int
		return n, r.Scan(&n)
	}, `SELECT count(*) FROM logout_deliveries`)
}
