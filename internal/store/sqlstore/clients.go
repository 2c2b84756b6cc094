package sqlstore

// Clients: registered applications and their named secrets.

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// clientCols leaves out clients.permissions: since migration 00006 an M2M
// app's permissions come from its roles, and the column is kept only for
// replicas of the previous version during a rolling upgrade. So are
// secret_hash and the previous_secret columns since 00010 (client_secrets):
// this version writes the default and previous secrets there too, so such a
// replica authenticates as this one does, and never reads them.
const clientCols = clientWriteCols + `, tokens_revoked_before`

// clientWriteCols are the columns CreateClient writes; tokens_revoked_before
// is set only by the role and scope changes that revoke an app's tokens.
const clientWriteCols = `id, name, type, redirect_uris, post_logout_redirect_uris, third_party, created_at,
	cors_origins, description, id_token_ttl, refresh_token_ttl_days, no_refresh_rotation, always_issue_refresh_token,
	custom_data, refresh_reuse_seconds, id_token_alg, backchannel_logout_uri, backchannel_logout_session_required`

// clientColsAs is clientCols qualified by the alias c, for joins.
var clientColsAs = qualify("c", clientCols)

// qualify prefixes each of the comma-separated cols with alias.
func qualify(alias, cols string) string {
	var b strings.Builder
	for i, col := range strings.Split(cols, ",") {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(alias + "." + strings.TrimSpace(col))
	}
	return b.String()
}

func scanClient(r rowScanner, extra ...any) (store.Client, error) {
	var c store.Client
	var idTTL, refreshDays, reuse int64
	var custom string
	err := r.Scan(append([]any{&c.ID, &c.Name, &c.Type, listCol{&c.RedirectURIs},
		listCol{&c.PostLogoutRedirectURIs}, &c.ThirdParty, timeCol{&c.CreatedAt}, listCol{&c.CORSOrigins},
		&c.Description, &idTTL, &refreshDays, &c.NoRefreshRotation, &c.AlwaysIssueRefreshToken, &custom, &reuse, &c.IDTokenAlg,
		&c.BackChannelLogoutURI, &c.BackChannelLogoutSessionRequired,
		timeCol{&c.TokensRevokedBefore}}, extra...)...)
	c.IDTokenTTL = time.Duration(idTTL) * time.Second
	c.RefreshReuseInterval = time.Duration(reuse) * time.Second
	c.RefreshTokenTTL = time.Duration(refreshDays) * 24 * time.Hour
	if custom != "" && custom != "{}" {
		c.CustomData = json.RawMessage(custom)
	}
	return c, err
}

func scanClientRow(r rowScanner) (store.Client, error) { return scanClient(r) }

func (s *Store) CreateClient(ctx context.Context, c store.Client) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error { return s.insertClient(ctx, tx, c) })
}

// insertClient writes the client row and its secrets.
func (s *Store) insertClient(ctx context.Context, tx *sql.Tx, c store.Client) error {
	var legacy []byte
	for _, sec := range c.Secrets {
		if sec.Name == store.SecretDefault {
			legacy = sec.Hash
		}
	}
	if _, err := s.txExec(ctx, tx, `INSERT INTO clients (`+clientWriteCols+`, secret_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
		$10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`, append(append([]any{c.ID}, clientArgs(c)...), blob(legacy))...); err != nil {
		return err
	}
	for _, sec := range c.Secrets {
		if sec.CreatedAt.IsZero() {
			sec.CreatedAt = c.CreatedAt
		}
		if err := s.insertSecret(ctx, tx, c.ID, sec); err != nil {
			return err
		}
	}
	return nil
}

// clientArgs are the values of clientWriteCols after id, in order.
func clientArgs(c store.Client) []any {
	custom := "{}"
	if len(c.CustomData) > 0 {
		custom = string(c.CustomData)
	}
	return []any{c.Name, string(c.Type), encList(c.RedirectURIs), encList(c.PostLogoutRedirectURIs), c.ThirdParty,
		ns(c.CreatedAt), encList(c.CORSOrigins), c.Description, int64(c.IDTokenTTL / time.Second),
		int64(c.RefreshTokenTTL / (24 * time.Hour)), c.NoRefreshRotation, c.AlwaysIssueRefreshToken, custom,
		int64(c.RefreshReuseInterval / time.Second), c.IDTokenAlg, c.BackChannelLogoutURI,
		c.BackChannelLogoutSessionRequired}
}

func (s *Store) insertSecret(ctx context.Context, tx *sql.Tx, clientID string, sec store.ClientSecret) error {
	_, err := s.txExec(ctx, tx, `INSERT INTO client_secrets (client_id, name, hash, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, clientID, sec.Name, blob(sec.Hash), ns(sec.CreatedAt), ns(sec.ExpiresAt))
	return err
}

// UpdateClient implements store.Clients: SELECT ... FOR UPDATE, fn, UPDATE,
// in one transaction (SQLite's writer is single, so it needs no lock).
func (s *Store) UpdateClient(ctx context.Context, id string, fn func(store.Client) (store.Client, error)) (store.Client, error) {
	var out store.Client
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		c, err := getOne(ctx, s, tx, scanClientRow, `SELECT `+clientCols+` FROM clients WHERE id = $1`+s.d.forUpdate, id)
		if err != nil {
			return err
		}
		n, err := fn(c)
		if err != nil {
			return err
		}
		n.ID, n.Type, n.CreatedAt, n.Secrets, n.TokensRevokedBefore = c.ID, c.Type, c.CreatedAt, nil, c.TokensRevokedBefore
		_, err = s.txExec(ctx, tx, `UPDATE clients SET name = $2, type = $3, redirect_uris = $4,
			post_logout_redirect_uris = $5, third_party = $6, created_at = $7, cors_origins = $8, description = $9,
			id_token_ttl = $10, refresh_token_ttl_days = $11, no_refresh_rotation = $12,
			always_issue_refresh_token = $13, custom_data = $14, refresh_reuse_seconds = $15, id_token_alg = $16,
			backchannel_logout_uri = $17, backchannel_logout_session_required = $18 WHERE id = $1`, append([]any{id}, clientArgs(n)...)...)
		out = n
		return err
	})
	if err != nil {
		return store.Client{}, err
	}
	return out, nil
}

// AddClientSecret implements store.Clients. The INSERT ... SELECT writes
// nothing for a missing client, in one statement.
func (s *Store) AddClientSecret(ctx context.Context, clientID string, sec store.ClientSecret) error {
	return s.mustAffect(s.exec(ctx, `INSERT INTO client_secrets (client_id, name, hash, created_at, expires_at)
		SELECT id, $2, $3, $4, $5 FROM clients WHERE id = $1`,
		clientID, sec.Name, blob(sec.Hash), ns(sec.CreatedAt), ns(sec.ExpiresAt)))
}

// ListClientSecrets implements store.Clients; an app without secrets is
// told from a missing app by a second read only then.
func (s *Store) ListClientSecrets(ctx context.Context, clientID string) ([]store.ClientSecret, error) {
	out, err := getAll(ctx, s, s.rq, func(r rowScanner) (store.ClientSecret, error) {
		var sec store.ClientSecret
		return sec, r.Scan(&sec.Name, timeCol{&sec.CreatedAt}, timeCol{&sec.ExpiresAt})
	}, `SELECT name, created_at, expires_at FROM client_secrets WHERE client_id = $1 ORDER BY created_at, name`, clientID)
	if err != nil || len(out) > 0 {
		return out, err
	}
	var one int
	if err := s.rq.QueryRowContext(ctx, s.d.q(`SELECT 1 FROM clients WHERE id = $1`), clientID).Scan(&one); err == sql.ErrNoRows {
		return nil, store.ErrNotFound
	} else if err != nil {
		return nil, s.d.mapErr(err)
	}
	return nil, nil
}

// DeleteClientSecret implements store.Clients.
func (s *Store) DeleteClientSecret(ctx context.Context, clientID, name string) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.mustAffect(s.txExec(ctx, tx, `DELETE FROM client_secrets WHERE client_id = $1 AND name = $2`,
			clientID, name)); err != nil {
			return err
		}
		// Nor may a replica of the previous version accept it.
		col := map[string]string{store.SecretDefault: "secret_hash", store.SecretPrevious: "previous_secret_hash"}[name]
		if col == "" {
			return nil
		}
		_, err := s.txExec(ctx, tx, `UPDATE clients SET `+col+` = $2 WHERE id = $1`, clientID, []byte{})
		return err
	})
}

// CreateClientWithRole implements store.Clients in one transaction.
func (s *Store) CreateClientWithRole(ctx context.Context, c store.Client, r store.Role) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.insertClient(ctx, tx, c); err != nil {
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

// RotateClientSecret implements store.Clients in one transaction.
func (s *Store) RotateClientSecret(ctx context.Context, id string, sec store.ClientSecret, previousExpiresAt time.Time) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		// The legacy columns, as the previous version rotated them.
		if err := s.mustAffect(s.txExec(ctx, tx, `UPDATE clients SET previous_secret_hash = secret_hash,
			previous_secret_expires_at = $3, secret_hash = $2 WHERE id = $1`, id, blob(sec.Hash), ns(previousExpiresAt))); err != nil {
			return err
		}
		if _, err := s.txExec(ctx, tx, `DELETE FROM client_secrets WHERE client_id = $1 AND name = $2`,
			id, store.SecretPrevious); err != nil {
			return err
		}
		// The old default keeps an earlier expiry it already had.
		if _, err := s.txExec(ctx, tx, `UPDATE client_secrets SET name = $2,
			expires_at = CASE WHEN expires_at > 0 AND expires_at < $4 THEN expires_at ELSE $4 END
			WHERE client_id = $1 AND name = $3`, id, store.SecretPrevious, store.SecretDefault, ns(previousExpiresAt)); err != nil {
			return err
		}
		sec.Name = store.SecretDefault
		return s.insertSecret(ctx, tx, id, sec)
	})
}

// GetClient reads the client and its secrets in one query: a LEFT JOIN
// gives one row per secret (one row with NULLs for an app without any).
func (s *Store) GetClient(ctx context.Context, id string) (store.Client, error) {
	rows, err := s.rq.QueryContext(ctx, s.d.q(`SELECT `+clientColsAs+`, cs.name, cs.hash, cs.created_at, cs.expires_at
		FROM clients c LEFT JOIN client_secrets cs ON cs.client_id = c.id WHERE c.id = $1 ORDER BY cs.created_at, cs.name`), id)
	if err != nil {
		return store.Client{}, s.d.mapErr(err)
	}
	defer rows.Close()
	var c store.Client
	found := false
	for rows.Next() {
		var name sql.NullString
		var sec store.ClientSecret
		row, err := scanClient(rows, &name, bytesCol{&sec.Hash}, timeCol{&sec.CreatedAt}, timeCol{&sec.ExpiresAt})
		if err != nil {
			return store.Client{}, s.d.mapErr(err)
		}
		if !found {
			c, found = row, true
		}
		if name.Valid {
			sec.Name = name.String
			c.Secrets = append(c.Secrets, sec)
		}
	}
	if err := rows.Err(); err != nil {
		return store.Client{}, s.d.mapErr(err)
	}
	if !found {
		return store.Client{}, store.ErrNotFound
	}
	return c, nil
}

func (s *Store) ListClients(ctx context.Context) ([]store.Client, error) {
	return getAll(ctx, s, s.rq, scanClientRow, `SELECT `+clientCols+` FROM clients ORDER BY created_at, id`)
}

// DeleteClient deletes the client and, in the same transaction, every grant,
// code, token, consent and pending auth request of it. Deleted tokens are
// as unusable as revoked ones. A missing client is store.ErrNotFound.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error { return s.deleteClient(ctx, tx, id) })
}

// DeleteClientWithRole implements store.Clients: the client, as
// DeleteClient, and its own role as DeleteRole (revoking the tokens of any
// other app that held it), in one transaction.
func (s *Store) DeleteClientWithRole(ctx context.Context, id, roleID string, now time.Time) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
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
