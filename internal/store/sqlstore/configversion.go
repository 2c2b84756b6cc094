package sqlstore

// The configuration version: a counter that triggers move forward on every
// write to a table the configuration caches read (migration 00024,
// docs/design.md, "Caches and invalidation").

import (
	"context"
)

// ConfigVersion returns the current configuration version: one primary-key
// read of one integer. A change committed before the call began is counted
// in the value it returns.
func (s *Store) ConfigVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.rq.QueryRowContext(s.pointRead(ctx, s.rq), `SELECT version FROM config_version WHERE id = 1`).Scan(&v); err != nil {
		return 0, s.d.mapErr(err)
	}
	return v, nil
}
