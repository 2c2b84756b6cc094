package sqlstore

// Clients, users, resources, signing keys and consents: the long-lived rows.

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// rowScanner is *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(dest ...any) error }

// getOne runs a single-row query and scans it with scan, mapping no rows to
// store.ErrNotFound.
func getOne[T any](ctx context.Context, s *Store, q querier, scan func(rowScanner) (T, error), query string, args ...any) (T, error) {
	v, err := scan(q.QueryRowContext(ctx, s.d.q(query), args...))
	if errors.Is(err, sql.ErrNoRows) {
		var zero T
		return zero, store.ErrNotFound
	}
	return v, s.d.mapErr(err)
}

// getAll runs a query and scans every row with scan.
func getAll[T any](ctx context.Context, s *Store, q querier, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, s.d.q(query), args...)
	if err != nil {
		return nil, s.d.mapErr(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, s.d.mapErr(err)
		}
		out = append(out, v)
	}
	return out, s.d.mapErr(rows.Err())
}

// mustAffect turns "no row affected" into store.ErrNotFound.
func (s *Store) mustAffect(n int64, err error) error {
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// --- clients

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
	_, err := s.exec(ctx, `INSERT INTO clients (`+clientCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		c.ID, c.Name, string(c.Type), blob(c.SecretHash), encList(c.RedirectURIs),
		encList(c.PostLogoutRedirectURIs), c.ThirdParty, ns(c.CreatedAt),
		blob(c.PreviousSecretHash), ns(c.PreviousSecretExpiresAt), encList(c.CORSOrigins))
	return err
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
	return s.inTx(ctx, func(tx *sql.Tx) error {
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
	})
}

// --- users

const userCols = `id, username, email, phone, name, picture, password_hash, suspended, created_at, updated_at, last_sign_in_at,
	email_verified, phone_verified`

func scanUser(r rowScanner) (store.User, error) {
	var u store.User
	err := r.Scan(&u.ID, &u.Username, &u.Email, &u.Phone, &u.Name, &u.Picture, &u.PasswordHash,
		&u.Suspended, timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt}, timeCol{&u.LastSignInAt},
		&u.EmailVerified, &u.PhoneVerified)
	return u, err
}

func userArgs(u store.User) []any {
	return []any{u.ID, u.Username, u.Email, u.Phone, u.Name, u.Picture, u.PasswordHash,
		u.Suspended, ns(u.CreatedAt), ns(u.UpdatedAt), ns(u.LastSignInAt), u.EmailVerified, u.PhoneVerified}
}

// CreateUser stores u. A clash on ID, or on a non-empty username or email,
// is store.ErrAlreadyExists.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	_, err := s.exec(ctx, `INSERT INTO users (`+userCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		userArgs(u)...)
	return err
}

func (s *Store) GetUser(ctx context.Context, id string) (store.User, error) {
	return getOne(ctx, s, s.rq, scanUser, `SELECT `+userCols+` FROM users WHERE id = $1`, id)
}

// GetUserByLogin matches login exactly against usernames, then emails. An
// empty login matches nobody. The non-empty terms let SQLite use the partial
// unique indexes (it cannot prove a bound parameter non-empty).
func (s *Store) GetUserByLogin(ctx context.Context, login string) (store.User, error) {
	if login == "" {
		return store.User{}, store.ErrNotFound
	}
	return getOne(ctx, s, s.rq, scanUser, userByLoginQuery, login)
}

const userByLoginQuery = `SELECT ` + userCols + ` FROM users
	WHERE (username = $1 AND username <> '') OR (email = $1 AND email <> '')
	ORDER BY CASE WHEN username = $1 THEN 0 ELSE 1 END LIMIT 1`

func (s *Store) ListUsers(ctx context.Context) ([]store.User, error) {
	return getAll(ctx, s, s.rq, scanUser, `SELECT `+userCols+` FROM users ORDER BY created_at, id`)
}

// UpdateUser reads the row (locked against concurrent updates), applies fn
// and writes the result back in one transaction. fn may read through the
// store but must not write through it. The ID cannot change.
func (s *Store) UpdateUser(ctx context.Context, id string, fn func(store.User) (store.User, error)) (store.User, error) {
	var out store.User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		u, err := getOne(ctx, s, tx, scanUser, `SELECT `+userCols+` FROM users WHERE id = $1`+s.d.forUpdate, id)
		if err != nil {
			return err
		}
		u, err = fn(u)
		if err != nil {
			return err
		}
		u.ID = id
		_, err = s.txExec(ctx, tx, `UPDATE users SET username = $2, email = $3, phone = $4, name = $5,
			picture = $6, password_hash = $7, suspended = $8, created_at = $9, updated_at = $10,
			last_sign_in_at = $11, email_verified = $12, phone_verified = $13 WHERE id = $1`, userArgs(u)...)
		out = u
		return err
	})
	if err != nil {
		return store.User{}, err
	}
	return out, nil
}

// DeleteUser deletes the user and, in the same transaction, their sessions,
// grants, codes, tokens and consents. A missing user is store.ErrNotFound.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	if id == "" { // client_credentials rows have an empty user_id
		return store.ErrNotFound
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM sessions WHERE user_id = $1`,
			`DELETE FROM auth_codes WHERE grant_id IN (SELECT id FROM grants WHERE user_id = $1)`,
			`DELETE FROM auth_codes WHERE grant_id = '' AND user_id = $1`,
			`DELETE FROM refresh_tokens WHERE grant_id IN (SELECT id FROM grants WHERE user_id = $1)`,
			`DELETE FROM refresh_tokens WHERE grant_id = '' AND user_id = $1`,
			`DELETE FROM access_tokens WHERE grant_id IN (SELECT id FROM grants WHERE user_id = $1)`,
			`DELETE FROM access_tokens WHERE grant_id = '' AND user_id = $1`,
			`DELETE FROM grants WHERE user_id = $1`,
			`DELETE FROM consents WHERE user_id = $1`,
		} {
			if _, err := s.txExec(ctx, tx, q, id); err != nil {
				return err
			}
		}
		return s.mustAffect(s.txExec(ctx, tx, `DELETE FROM users WHERE id = $1`, id))
	})
}

// --- resources

const resourceCols = `id, indicator, name, scopes, access_token_ttl, created_at`

func scanResource(r rowScanner) (store.Resource, error) {
	var x store.Resource
	var ttl int64
	err := r.Scan(&x.ID, &x.Indicator, &x.Name, listCol{&x.Scopes}, &ttl, timeCol{&x.CreatedAt})
	x.AccessTokenTTL = time.Duration(ttl)
	return x, err
}

func (s *Store) CreateResource(ctx context.Context, r store.Resource) error {
	_, err := s.exec(ctx, `INSERT INTO resources (`+resourceCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		r.ID, r.Indicator, r.Name, encList(r.Scopes), int64(r.AccessTokenTTL), ns(r.CreatedAt))
	return err
}

func (s *Store) GetResourceByIndicator(ctx context.Context, indicator string) (store.Resource, error) {
	return getOne(ctx, s, s.rq, scanResource, `SELECT `+resourceCols+` FROM resources WHERE indicator = $1`, indicator)
}

func (s *Store) ListResources(ctx context.Context) ([]store.Resource, error) {
	return getAll(ctx, s, s.rq, scanResource, `SELECT `+resourceCols+` FROM resources ORDER BY created_at, id`)
}

func (s *Store) DeleteResource(ctx context.Context, id string) error {
	return s.mustAffect(s.exec(ctx, `DELETE FROM resources WHERE id = $1`, id))
}

// --- signing keys

const keyCols = `id, alg, private_key, created_at, activates_at, retired_at, expires_at`

func scanKey(r rowScanner) (store.SigningKey, error) {
	var k store.SigningKey
	err := r.Scan(&k.ID, &k.Alg, bytesCol{&k.PrivateKey}, timeCol{&k.CreatedAt}, timeCol{&k.ActivatesAt},
		timeCol{&k.RetiredAt}, timeCol{&k.ExpiresAt})
	return k, err
}

func (s *Store) CreateKey(ctx context.Context, k store.SigningKey) error {
	_, err := s.exec(ctx, `INSERT INTO signing_keys (`+keyCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		k.ID, k.Alg, blob(k.PrivateKey), ns(k.CreatedAt), ns(k.ActivatesAt), ns(k.RetiredAt), ns(k.ExpiresAt))
	return err
}

func (s *Store) ListKeys(ctx context.Context) ([]store.SigningKey, error) {
	return getAll(ctx, s, s.rq, scanKey, `SELECT `+keyCols+` FROM signing_keys ORDER BY created_at, id`)
}

func (s *Store) RetireKeys(ctx context.Context, keep string, now, expires time.Time) error {
	_, err := s.exec(ctx, `UPDATE signing_keys SET retired_at = $1, expires_at = $2
		WHERE retired_at = 0 AND id <> $3`, ns(now), ns(expires), keep)
	return err
}

// --- consents

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
