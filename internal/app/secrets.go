package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/sesameauth/sesame/internal/mfa"
	"github.com/sesameauth/sesame/internal/oidc/keys"
	"github.com/sesameauth/sesame/internal/oidc/token"
	"github.com/sesameauth/sesame/internal/secret"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
)

// Resealed counts what ResealSecrets re-encrypted.
type Resealed struct{ SigningKeys, TOTPSecrets, RefreshSuccessors, ConnectorSecrets int }

// ErrUnsealable is a stored value that none of the given master secrets
// opens: the previous secret is missing from the list (or wrong).
var ErrUnsealable = errors.New("cannot be opened with any of the given secrets: list the new secret first and the one it replaces after it")

// ResealSecrets re-encrypts, under ring's first secret, everything stored
// sealed under a master secret: the signing keys, the TOTP secrets, the
// successors kept by rotated refresh tokens and the connectors' client
// secrets (sesame secret rotate; docs/production.md, "Rotating the master
// secret"). Each table is one transaction; values already sealed under the
// first secret are left alone, so it can be re-run after a failure. What
// is derived rather than stored (the CSRF and verification-code keys, the
// console client's secret, cookies) needs no re-encryption: servers derive
// it from their current secret.
func ResealSecrets(ctx context.Context, st store.Store, ring secret.Keyring) (Resealed, error) {
	var r Resealed
	var err error
	steps := []struct {
		what string
		n    *int
		run  func() (int, error)
	}{
		{"a signing key", &r.SigningKeys, func() (int, error) { return st.ResealSigningKeys(ctx, ring.Box(keys.Purpose).Reseal) }},
		{"a TOTP secret", &r.TOTPSecrets, func() (int, error) { return st.ResealTOTPSecrets(ctx, ring.Box(mfa.BoxPurpose).Reseal) }},
		{"a refresh token's successor", &r.RefreshSuccessors, func() (int, error) {
			return st.ResealRefreshSuccessors(ctx, ring.Box(token.SuccessorPurpose).Reseal)
		}},
		{"a connector's client secret", &r.ConnectorSecrets, func() (int, error) {
			return (&signinexp.Service{Store: st}).ResealConnectorSecrets(ctx, ring.Box(signinexp.ConnectorSecretsPurpose))
		}},
	}
	for _, s := range steps {
		if *s.n, err = s.run(); err != nil {
			if errors.Is(err, secret.ErrOpen) {
				return r, fmt.Errorf("%s %w", s.what, ErrUnsealable)
			}
			return r, err
		}
	}
	return r, nil
}
