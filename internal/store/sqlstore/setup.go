package sqlstore

// Admins: setup tokens and the bootstrap of the management plane.

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// CreateSetupToken implements store.Admins.
func (s *Store) CreateSetupToken(ctx context.Context, hash []byte, createdAt, expiresAt time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO setup_tokens (hash, created_at, expires_at, used_at) VALUES ($1, $2, $3, 0)`,
		blob(hash), ns(createdAt), ns(expiresAt))
	return err
}

// SetupFirstAdmin implements store.Admins. The role row is locked first
// (PostgreSQL; SQLite has one writer) so two setups cannot both see no
// holder.
func (s *Store) SetupFirstAdmin(ctx context.Context, hash []byte, now time.Time, u store.User, roleID string) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.lockRole(ctx, tx, roleID); err != nil {
			return err
		}
		if err := s.mustAffect(s.txExec(ctx, tx, `UPDATE setup_tokens SET used_at = $2
			WHERE hash = $1 AND used_at = 0 AND expires_at > $2`, blob(hash), ns(now))); err != nil {
			return err
		}
		var one int
		err := tx.QueryRowContext(ctx, s.d.q(`SELECT 1 FROM users_roles WHERE role_id = $1 LIMIT 1`), roleID).Scan(&one)
		if err == nil {
			return store.ErrRoleHeld
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return s.d.mapErr(err)
		}
		return s.insertUserWithRole(ctx, tx, u, roleID)
	})
}

func (s *Store) lockRole(ctx context.Context, tx *sql.Tx, roleID string) error {
	var id string
	err := tx.QueryRowContext(ctx, s.d.q(`SELECT id FROM roles WHERE id = $1`+s.d.forUpdate), roleID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	if err != nil {
		return s.d.mapErr(err)
	}
	return nil
}

func (s *Store) insertUserWithRole(ctx context.Context, tx *sql.Tx, u store.User, roleID string) error {
	if err := s.insertUser(ctx, tx, u); err != nil {
		return err
	}
	// The role may be a default role, which insertUser gave already.
	_, err := s.txExec(ctx, tx, `INSERT INTO users_roles (user_id, role_id) SELECT $1, $2
		WHERE NOT EXISTS (SELECT 1 FROM users_roles WHERE user_id = $1 AND role_id = $2)`, u.ID, roleID)
	return err
}

// CreateUserWithRole implements store.Admins in one transaction.
func (s *Store) CreateUserWithRole(ctx context.Context, u store.User, roleID string) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.lockRole(ctx, tx, roleID); err != nil {
			return err
		}
		return s.insertUserWithRole(ctx, tx, u, roleID)
	})
}

// AllRoleUsers implements store.Admins.
func (s *Store) AllRoleUsers(ctx context.Context, roleID string) ([]store.User, error) {
	return getAll(ctx, s, s.rq, scanUser, `SELECT `+userCols+` FROM users
		WHERE id IN (SELECT user_id FROM users_roles WHERE role_id = $1) ORDER BY created_at, id`, roleID)
}

// UnassignUserRoleUnlessLast implements store.Admins; the locked role row
// serialises concurrent calls.
func (s *Store) UnassignUserRoleUnlessLast(ctx context.Context, userID, roleID string) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.lockRole(ctx, tx, roleID); err != nil {
			return err
		}
		var others int
		if err := tx.QueryRowContext(ctx, s.d.q(`SELECT count(*) FROM users_roles ur JOIN users u ON u.id = ur.user_id
			WHERE ur.role_id = $1 AND ur.user_id <> $2 AND NOT u.suspended`), roleID, userID).Scan(&others); err != nil {
			return s.d.mapErr(err)
		}
		if others == 0 {
			var one int
			err := tx.QueryRowContext(ctx, s.d.q(`SELECT 1 FROM users_roles WHERE role_id = $1 AND user_id = $2`), roleID, userID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return store.ErrNotFound
			}
			if err != nil {
				return s.d.mapErr(err)
			}
			return store.ErrLastHolder
		}
		return s.mustAffect(s.txExec(ctx, tx, `DELETE FROM users_roles WHERE user_id = $1 AND role_id = $2`, userID, roleID))
	})
}

// SetResourceIndicator implements store.Admins.
func (s *Store) SetResourceIndicator(ctx context.Context, id, indicator string) error {
	return s.mustAffect(s.exec(ctx, `UPDATE resources SET indicator = $2 WHERE id = $1`, id, indicator))
}

// SetClientRedirectURIs implements store.Admins.
func (s *Store) SetClientRedirectURIs(ctx context.Context, id string, redirectURIs, postLogoutRedirectURIs []string) error {
	return s.mustAffect(s.exec(ctx, `UPDATE clients SET redirect_uris = $2, post_logout_redirect_uris = $3 WHERE id = $1`,
		id, encList(redirectURIs), encList(postLogoutRedirectURIs)))
}
