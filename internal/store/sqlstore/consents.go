package sqlstore

// Consents of users to third-party apps.

import (
	"context"

	"github.com/sesameauth/sesame/internal/store"
)

const consentCols = `user_id, client_id, scopes, resources, created_at, permissions`

func scanConsent(r rowScanner) (store.Consent, error) {
	var c store.Consent
	err := r.Scan(&c.UserID, &c.ClientID, listCol{&c.Scopes}, listCol{&c.Resources}, timeCol{&c.CreatedAt}, permsCol{&c.Permissions})
	return c, err
}

func (s *Store) GetConsent(ctx context.Context, userID, clientID string) (store.Consent, error) {
	return getOne(ctx, s, s.rq, scanConsent, `SELECT `+consentCols+` FROM consents WHERE user_id = $1 AND client_id = $2`,
		userID, clientID)
}

// PutConsent creates or replaces the consent of (UserID, ClientID).
func (s *Store) PutConsent(ctx context.Context, c store.Consent) error {
	_, err := s.exec(ctx, `INSERT INTO consents (`+consentCols+`) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = excluded.scopes,
		resources = excluded.resources, created_at = excluded.created_at, permissions = excluded.permissions`,
		c.UserID, c.ClientID, encList(c.Scopes), encList(c.Resources), ns(c.CreatedAt), encPerms(c.Permissions))
	return err
}
