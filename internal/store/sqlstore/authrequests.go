package sqlstore

// Pending authorization requests: what /oidc/auth validated, waiting for the user.

import (
	"context"
	"database/sql"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

const authRequestCols = `id, client_id, redirect_uri, scopes, resources, state, nonce, code_challenge,
	code_challenge_method, response_mode, prompt, max_age, login_hint, ui_locales, force_login, created_at, expires_at,
	permissions, consent_denied, first_screen, identifiers, direct_sign_in, acr_values, pending_user_id, pending_amr`

func scanAuthRequest(r rowScanner) (store.AuthRequest, error) {
	var a store.AuthRequest
	err := r.Scan(&a.ID, &a.ClientID, &a.RedirectURI, listCol{&a.Scopes}, listCol{&a.Resources}, &a.State,
		&a.Nonce, &a.CodeChallenge, &a.CodeChallengeMethod, &a.ResponseMode, listCol{&a.Prompt}, &a.MaxAge,
		&a.LoginHint, &a.UILocales, &a.ForceLogin, timeCol{&a.CreatedAt}, timeCol{&a.ExpiresAt}, permsCol{&a.Permissions}, &a.ConsentDenied,
		&a.FirstScreen, listCol{&a.Identifiers}, &a.DirectSignIn, listCol{&a.ACRValues}, &a.PendingUserID, listCol{&a.PendingAMR})
	return a, err
}

func authRequestArgs(a store.AuthRequest) []any {
	return []any{a.ID, a.ClientID, a.RedirectURI, encList(a.Scopes), encList(a.Resources), a.State,
		a.Nonce, a.CodeChallenge, a.CodeChallengeMethod, a.ResponseMode, encList(a.Prompt), a.MaxAge,
		a.LoginHint, a.UILocales, a.ForceLogin, ns(a.CreatedAt), ns(a.ExpiresAt), encPerms(a.Permissions), a.ConsentDenied,
		a.FirstScreen, encList(a.Identifiers), a.DirectSignIn, encList(a.ACRValues), a.PendingUserID, encList(a.PendingAMR)}
}

func (s *Store) CreateAuthRequest(ctx context.Context, a store.AuthRequest) error {
	_, err := s.exec(ctx, `INSERT INTO auth_requests (`+authRequestCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
		$20, $21, $22, $23, $24, $25)`,
		authRequestArgs(a)...)
	return err
}

// GetAuthRequest returns the request unless it is missing or expired
// (ExpiresAt at or before the current time).
func (s *Store) GetAuthRequest(ctx context.Context, id string) (store.AuthRequest, error) {
	return getOne(ctx, s, s.rq, scanAuthRequest, `SELECT `+authRequestCols+` FROM auth_requests
		WHERE id = $1 AND expires_at > $2`, id, ns(time.Now().Add(-store.ClockSkew)))
}

// UpdateAuthRequest applies fn to the unexpired request in one transaction.
// fn may read through the store but must not write through it. The ID
// cannot change.
func (s *Store) UpdateAuthRequest(ctx context.Context, id string, fn func(store.AuthRequest) (store.AuthRequest, error)) (store.AuthRequest, error) {
	var out store.AuthRequest
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		a, err := getOne(ctx, s, tx, scanAuthRequest, `SELECT `+authRequestCols+` FROM auth_requests
			WHERE id = $1 AND expires_at > $2`+s.d.forUpdate, id, ns(time.Now().Add(-store.ClockSkew)))
		if err != nil {
			return err
		}
		if a, err = fn(a); err != nil {
			return err
		}
		a.ID = id
		_, err = s.txExec(ctx, tx, `UPDATE auth_requests SET client_id = $2, redirect_uri = $3, scopes = $4,
			resources = $5, state = $6, nonce = $7, code_challenge = $8, code_challenge_method = $9,
			response_mode = $10, prompt = $11, max_age = $12, login_hint = $13, ui_locales = $14,
			force_login = $15, created_at = $16, expires_at = $17, permissions = $18,
			consent_denied = $19, first_screen = $20, identifiers = $21, direct_sign_in = $22,
			acr_values = $23, pending_user_id = $24, pending_amr = $25 WHERE id = $1`, authRequestArgs(a)...)
		out = a
		return err
	})
	if err != nil {
		return store.AuthRequest{}, err
	}
	return out, nil
}

// DeleteAuthRequest is idempotent: deleting a missing request is not an error.
func (s *Store) DeleteAuthRequest(ctx context.Context, id string) error {
	_, err := s.exec(ctx, `DELETE FROM auth_requests WHERE id = $1`, id)
	return err
}
