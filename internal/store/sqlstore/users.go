package sqlstore

// Users.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

const userCols = `id, username, email, phone, name, picture, password_hash, suspended, created_at, updated_at, last_sign_in_at,
	email_verified, phone_verified, custom_data, profile`

func scanUser(r rowScanner) (store.User, error) { return scanUserAfter(r) }

// scanUserAfter scans the columns before into their destinations, then
// userCols.
func scanUserAfter(r rowScanner, before ...any) (store.User, error) {
	var u store.User
	var custom, profile string
	err := r.Scan(append(before, &u.ID, &u.Username, &u.Email, &u.Phone, &u.Name, &u.Picture, &u.PasswordHash,
		&u.Suspended, timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt}, timeCol{&u.LastSignInAt},
		&u.EmailVerified, &u.PhoneVerified, &custom, &profile)...)
	if err != nil {
		return u, err
	}
	if err := json.Unmarshal([]byte(custom), &u.CustomData); err != nil {
		return u, fmt.Errorf("sqlstore: user %s custom_data: %w", u.ID, err)
	}
	if len(u.CustomData) == 0 {
		u.CustomData = nil // '{}' reads back as the nil a new user has
	}
	if err := json.Unmarshal([]byte(profile), &u.Profile); err != nil {
		return u, fmt.Errorf("sqlstore: user %s profile: %w", u.ID, err)
	}
	return u, nil
}

func userArgs(u store.User) ([]any, error) {
	custom, err := json.Marshal(u.CustomData)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: custom data: %w", err)
	}
	if u.CustomData == nil {
		custom = []byte("{}")
	}
	profile, err := json.Marshal(u.Profile)
	if err != nil {
		return nil, err
	}
	return []any{u.ID, u.Username, u.Email, u.Phone, u.Name, u.Picture, u.PasswordHash,
		u.Suspended, ns(u.CreatedAt), ns(u.UpdatedAt), ns(u.LastSignInAt), u.EmailVerified, u.PhoneVerified,
		string(custom), string(profile)}, nil
}

// CreateUser stores u. A clash on ID, or on a non-empty username or email,
// is store.ErrAlreadyExists.
// CreateUser implements store.Users: the user and their default roles in
// one transaction.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error { return s.insertUser(ctx, tx, u) })
}

// insertUser writes u and gives it the default user roles, inside tx.
func (s *Store) insertUser(ctx context.Context, tx *sql.Tx, u store.User) error {
	args, err := userArgs(u)
	if err != nil {
		return err
	}
	if _, err := s.txExec(ctx, tx, `INSERT INTO users (`+userCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		args...); err != nil {
		return err
	}
	_, err = s.txExec(ctx, tx, `INSERT INTO users_roles (user_id, role_id)
		SELECT $1, id FROM roles WHERE is_default = $2 AND type = 'user'`, u.ID, true)
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
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		u, err := getOne(ctx, s, tx, scanUser, `SELECT `+userCols+` FROM users WHERE id = $1`+s.d.forUpdate, id)
		if err != nil {
			return err
		}
		u, err = fn(u)
		if err != nil {
			return err
		}
		u.ID = id
		args, err := userArgs(u)
		if err != nil {
			return err
		}
		_, err = s.txExec(ctx, tx, `UPDATE users SET username = $2, email = $3, phone = $4, name = $5,
			picture = $6, password_hash = $7, suspended = $8, created_at = $9, updated_at = $10,
			last_sign_in_at = $11, email_verified = $12, phone_verified = $13, custom_data = $14, profile = $15
			WHERE id = $1`, args...)
		out = u
		return err
	})
	if err != nil {
		return store.User{}, err
	}
	return out, nil
}

// DeleteUser deletes the user and, in the same transaction, their sessions
// (queuing their back-channel logouts), grants, codes, tokens and
// consents. A missing user is store.ErrNotFound.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	if id == "" { // client_credentials rows have an empty user_id
		return store.ErrNotFound
	}
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		// Ending the sessions first queues their back-channel logouts.
		if err := s.endSessions(ctx, tx, `WHERE user_id = $1`, id); err != nil {
			return err
		}
		for _, q := range []string{
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

// SuspendUser implements store.Users in one transaction.
func (s *Store) SuspendUser(ctx context.Context, id string, suspended bool, now time.Time) (store.User, error) {
	var out store.User
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.mustAffect(s.txExec(ctx, tx, `UPDATE users SET suspended = $2, updated_at = $3 WHERE id = $1`,
			id, suspended, ns(now))); err != nil {
			return err
		}
		if suspended {
			if err := s.signOutUser(ctx, tx, id, now); err != nil {
				return err
			}
		}
		var err error
		out, err = getOne(ctx, s, tx, scanUser, `SELECT `+userCols+` FROM users WHERE id = $1`, id)
		return err
	})
	if err != nil {
		return store.User{}, err
	}
	return out, nil
}

// SetUserPassword implements store.Users in one transaction.
func (s *Store) SetUserPassword(ctx context.Context, id, hash string, now time.Time) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.mustAffect(s.txExec(ctx, tx, `UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1`,
			id, hash, ns(now))); err != nil {
			return err
		}
		return s.signOutUser(ctx, tx, id, now)
	})
}

// signOutUser ends every session of the user and revokes every grant of
// theirs with its tokens, inside the caller's transaction.
func (s *Store) signOutUser(ctx context.Context, tx *sql.Tx, id string, now time.Time) error {
	if err := s.endSessions(ctx, tx, `WHERE user_id = $1`, id); err != nil {
		return err
	}
	return s.revokeUserGrants(ctx, tx, id, now)
}
