package sqlstore

// Throttle windows for the sign-in and request limits.

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

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
