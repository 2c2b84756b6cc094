package sqlstore

// Clients: registered applications.

import (
	"context"
	"database/sql"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// clientCols leaves out clients.permissions: since migration 00006 an M2M
// app's permissions come from its roles, and the column is kept only for
// replicas of the previous version during a rolling upgrade.
const clientCols = `id, name, type, secret_hash, redirect_uris, post_logout_redirect_uris, third_party, created_at,
	previous_secret_hash, previous_secret_expires_at, cors_origins`

func scanClient(r rowScanner) (store.Client, error) {
	var c store.Client
	err := r.Scan(&c.ID, &c.Name, &c.Type, bytesCol{&c.SecretHash}, listCol{&c.RedirectURIs},
		listCol{&c.PostLogoutRedirectURIs}, &c.ThirdParty, timeCol{&c.CreatedAt},
		bytesCol{&c.PreviousSecretHash}, timeCol{&c.PreviousSecretExpiresAt}, listCol{&c.CORSOrigins})
	return c, err
}

func (s *Store) CreateClient(ctx context.Context, c store.Client) error {
	_, err := s.exec(ctx, insertClient, clientArgs(c)...)
	return err
}

const insertClient = `INSERT INTO clients (` + clientCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`

func clientArgs(c store.Client) []any {
	return []any{c.ID, c.Name, string(c.Type), blob(c.SecretHash), encList(c.RedirectURIs),
		encList(c.PostLogoutRedirectURIs), c.ThirdParty, ns(c.CreatedAt),
		blob(c.PreviousSecretHash), ns(c.PreviousSecretExpiresAt), encList(c.CORSOrigins)}
}

// CreateClientWithRole implements store.Clients in one transaction.
func (s *Store) CreateClientWithRole(ctx context.Context, c store.Client, r store.Role) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.txExec(ctx, tx, insertClient, clientArgs(c)...); err != nil {
			return err
		}
		if err := s.insertRole(ctx, tx, r); err != nil {
			return err
		}
		_, err := s.txExec(ctx, tx, `INSERT INTO clients_roles (client_id, role_id) VALUES ($1, $2)`, c.ID, r.ID)
		return err
	})
}

// SetClientCORSOrigins implements store.Clients.
func (s *Store) SetClientCORSOrigins(ctx context.Context, id string, origins []string) error {
	return s.mustAffect(s.exec(ctx, `UPDATE clients SET cors_origins = $2 WHERE id = $1`, id, encList(origins)))
}

// RotateClientSecret is one UPDATE: the current hash becomes the previous
// one, so two rotations in a row never revive an older secret.
func (s *Store) RotateClientSecret(ctx context.Context, id string, newHash []byte, previousExpiresAt time.Time) error {
	return s.mustAffect(s.exec(ctx, `UPDATE clients SET previous_secret_hash = secret_hash, previous_secret_expires_at = $3,
		secret_hash = $2 WHERE id = $1`, id, blob(newHash), ns(previousExpiresAt)))
}

func (s *Store) GetClient(ctx context.Context, id string) (store.Client, error) {
	return getOne(ctx, s, s.rq, scanClient, `SELECT `+clientCols+` FROM clients WHERE id = $1`, id)
}

func (s *Store) ListClients(ctx context.Context) ([]store.Client, error) {
	return getAll(ctx, s, s.rq, scanClient, `SELECT `+clientCols+` FROM clients ORDER BY created_at, id`)
}

// DeleteClient deletes the client and, in the same transaction, every grant,
// code, token, consent and pending auth request of it. Deleted tokens are
// as unusable as revoked ones. A missing client is store.ErrNotFound.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.deleteClient(ctx, tx, id) })
}

// DeleteClientWithRole implements store.Clients: the client, as
// DeleteClient, and its own role as DeleteRole (revoking the tokens of any
// other app that held it), in one transaction.
func (s *Store) DeleteClientWithRole(ctx context.Context, id, roleID string, now time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.deleteClient(ctx, tx, id); err != nil {
			return err
		}
		if err := s.revokeRoleClientTokens(ctx, tx, roleID, now); err != nil {
			return err
		}
		_, err := s.txExec(ctx, tx, `DELETE FROM roles WHERE id = $1`, roleID)
		return err
	})
}

func (s *Store) deleteClient(ctx context.Context, tx *sql.Tx, id string) error {
	for _, q := range []string{
		`DELETE FROM auth_codes WHERE grant_id IN (SELECT id FROM grants WHERE client_id = $1)`,
		`DELETE FROM auth_codes WHERE grant_id = '' AND client_id = $1`,
		`DELETE FROM refresh_tokens WHERE grant_id IN (SELECT id FROM grants WHERE client_id = $1)`,
		`DELETE FROM refresh_tokens WHERE grant_id = '' AND client_id = $1`,
		`DELETE FROM access_tokens WHERE grant_id IN (SELECT id FROM grants WHERE client_id = $1)`,
		`DELETE FROM access_tokens WHERE grant_id = '' AND client_id = $1`,
		`DELETE FROM grants WHERE client_id = $1`,
		`DELETE FROM consents WHERE client_id = $1`,
		`DELETE FROM auth_requests WHERE client_id = $1`,
	} {
		if _, err := s.txExec(ctx, tx, q, id); err != nil {
			return err
		}
	}
	return s.mustAffect(s.txExec(ctx, tx, `DELETE FROM clients WHERE id = $1`, id))
}
