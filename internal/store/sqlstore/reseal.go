package sqlstore

// Re-encryption of sealed columns (sesame secret rotate).

import (
	"context"
	"database/sql"

	"github.com/sesameauth/sesame/internal/store"
)

func (s *Store) ResealSigningKeys(ctx context.Context, fn store.Reseal) (int, error) {
	return s.reseal(ctx, "signing_keys", "id", "private_key", fn)
}

func (s *Store) ResealTOTPSecrets(ctx context.Context, fn store.Reseal) (int, error) {
	return s.reseal(ctx, "mfa_totp", "user_id", "secret", fn)
}

func (s *Store) ResealRefreshSuccessors(ctx context.Context, fn store.Reseal) (int, error) {
	return s.reseal(ctx, "refresh_tokens", "hash", "successor", fn)
}

// reseal rewrites col of every row of table in one transaction; each row
// with a conditional UPDATE on the value read, so a concurrent change
// (a successor cleared, a key deleted) wins. table, key and col are
// constants of this file, never input.
func (s *Store) reseal(ctx context.Context, table, key, col string, fn store.Reseal) (int, error) {
	changed := 0
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		changed = 0
		type row struct {
			key    any
			sealed []byte
		}
		rs, err := tx.QueryContext(ctx, s.d.q(`SELECT `+key+`, `+col+` FROM `+table))
		if err != nil {
			return err
		}
		var all []row
		for rs.Next() {
			var r row
			if err := rs.Scan(&r.key, bytesCol{&r.sealed}); err != nil {
				rs.Close()
				return err
			}
			if len(r.sealed) > 0 {
				all = append(all, r)
			}
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return err
		}
		for _, r := range all {
			next, ok, err := fn(r.sealed)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			n, err := s.txExec(ctx, tx, `UPDATE `+table+` SET `+col+` = $1 WHERE `+key+` = $2 AND `+col+` = $3`,
				blob(next), r.key, blob(r.sealed))
			if err != nil {
				return err
			}
			changed += int(n)
		}
		return nil
	})
	return changed, err
}
