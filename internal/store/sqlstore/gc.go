package sqlstore

// Garbage collection of expired rows.

import (
	"context"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// GarbageCollect deletes rows whose ExpiresAt is at or before now less
// store.ClockSkew (so nothing another replica may still take for live):
// auth requests, sessions, codes, refresh tokens, access tokens, grants
// (with a non-zero ExpiresAt), throttle windows that ended, and retired
// keys past their ExpiresAt; and audit entries older than
// store.AuditRetention. Each table is one statement; the total is
// returned.
func (s *Store) GarbageCollect(ctx context.Context, now time.Time) (int64, error) {
	expiredBefore := now.Add(-store.ClockSkew)
	var total int64
	for _, q := range []string{
		`DELETE FROM auth_requests WHERE expires_at <= $1`,
		`DELETE FROM sessions WHERE expires_at <= $1`,
		`DELETE FROM auth_codes WHERE expires_at <= $1`,
		`DELETE FROM refresh_tokens WHERE expires_at <> 0 AND expires_at <= $1`,
		`DELETE FROM access_tokens WHERE expires_at <= $1`,
		`DELETE FROM denied_access_tokens WHERE expires_at <= $1`,
		`DELETE FROM grants WHERE expires_at <> 0 AND expires_at <= $1`,
		`DELETE FROM throttle WHERE window_end <= $1`,
		`DELETE FROM setup_tokens WHERE expires_at <= $1`,
		`DELETE FROM verifications WHERE expires_at <= $1`,
		`DELETE FROM passkey_ceremonies WHERE expires_at <= $1`,
		`DELETE FROM signing_keys WHERE retired_at <> 0 AND expires_at <> 0 AND expires_at <= $1`,
	} {
		n, err := s.exec(ctx, q, ns(expiredBefore))
		if err != nil {
			return total, err
		}
		total += n
	}
	n, err := s.exec(ctx, `DELETE FROM audit_log WHERE created_at < $1`, ns(now.Add(-store.AuditRetention)))
	return total + n, err
}
