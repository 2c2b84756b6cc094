package sqlstore

// Identities: links from upstream providers' accounts to users.

import (
	"context"
	"database/sql"

	"github.com/sesameauth/sesame/internal/store"
)

const identityCols = `connector_id, subject, user_id, email, created_at`

func scanIdentity(r rowScanner) (store.Identity, error) {
	var i store.Identity
	err := r.Scan(&i.ConnectorID, &i.Subject, &i.UserID, &i.Email, timeCol{&i.CreatedAt})
	return i, err
}

// GetIdentity implements store.Identities.
func (s *Store) GetIdentity(ctx context.Context, connectorID, subject string) (store.Identity, error) {
	return getOne(ctx, s, s.rq, scanIdentity, `SELECT `+identityCols+` FROM user_identities
		WHERE connector_id = $1 AND subject = $2`, connectorID, subject)
}

func (s *Store) insertIdentity(ctx context.Context, q func(ctx context.Context, query string, args ...any) (int64, error), i store.Identity) error {
	// The user must exist: no row inserted means ErrNotFound.
	return s.mustAffect(q(ctx, `INSERT INTO user_identities (`+identityCols+`)
		SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM users WHERE id = $3)`,
		i.ConnectorID, i.Subject, i.UserID, i.Email, ns(i.CreatedAt)))
}

// CreateIdentity implements store.Identities.
func (s *Store) CreateIdentity(ctx context.Context, i store.Identity) error {
	return s.insertIdentity(ctx, s.exec, i)
}

// CreateUserWithIdentity implements store.Identities in one transaction.
func (s *Store) CreateUserWithIdentity(ctx context.Context, u store.User, i store.Identity) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.insertUser(ctx, tx, u); err != nil {
			return err
		}
		i.UserID = u.ID
		return s.insertIdentity(ctx, func(ctx context.Context, query string, args ...any) (int64, error) {
			return s.txExec(ctx, tx, query, args...)
		}, i)
	})
}

// ListUserIdentities implements store.Identities.
func (s *Store) ListUserIdentities(ctx context.Context, userID string) ([]store.Identity, error) {
	return getAll(ctx, s, s.rq, scanIdentity, `SELECT `+identityCols+` FROM user_identities
		WHERE user_id = $1 ORDER BY created_at, connector_id, subject`, userID)
}
