package store

import (
	"context"
	"time"
)

// LogoutDelivery is a back-channel logout token owed to an app: the
// session SID of user UserID ended, and the app ClientID held a grant
// issued from it (docs/design.md, "Back-channel logout"). Ending a
// session queues one per such app, in the ending transaction, when the
// app has a back-channel logout URI; the token itself is signed when it
// is sent.
type LogoutDelivery struct {
	ClientID  string
	SID       string
	UserID    string
	CreatedAt time.Time
	// Attempts counts the claims so far, the current one included; it
	// also names the claim, so a worker whose lease ran out cannot finish
	// or reschedule a delivery another worker has claimed since.
	Attempts int
	// LastError is why the previous attempt failed ("" before the first).
	LastError string
}

// LogoutDeliveries is the back-channel logout queue. Sessions and users
// fill it (DeleteSession and the calls that end sessions); the delivery
// worker of every replica drains it.
type LogoutDeliveries interface {
	// LogoutDeliveriesDue reports whether a delivery is due at now (next
	// attempt reached, no live lease). It is a read, cheaper than a claim,
	// for polling; only a claim decides who sends.
	LogoutDeliveriesDue(ctx context.Context, now time.Time) (bool, error)
	// ClaimLogoutDeliveries leases up to limit deliveries due at now
	// (next attempt reached, no live lease) until now+lease, counting an
	// attempt on each, oldest due first. Concurrent claims, on any
	// replica, never return the same delivery while its lease lives.
	ClaimLogoutDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]LogoutDelivery, error)
	// FinishLogoutDelivery deletes the delivery if d's claim is still the
	// latest (delivered, or given up). Otherwise nothing changes.
	FinishLogoutDelivery(ctx context.Context, d LogoutDelivery) error
	// RetryLogoutDelivery releases d's claim and makes it due again at
	// next, recording why it failed, if d's claim is still the latest.
	RetryLogoutDelivery(ctx context.Context, d LogoutDelivery, next time.Time, reason string) error
	// TrimLogoutDeliveries deletes the deliveries queued before
	// createdBefore and, of the rest, all but the newest max, and reports
	// how many it deleted: it keeps the queue bounded when an app's
	// endpoint is down for long.
	TrimLogoutDeliveries(ctx context.Context, max int, createdBefore time.Time) (int64, error)
	// CountLogoutDeliveries reports how many deliveries are queued.
	CountLogoutDeliveries(ctx context.Context) (int, error)
}
