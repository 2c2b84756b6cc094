package directory

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/store"
)

// CheckSecretName validates the name of a new secret.
func CheckSecretName(name string) error {
	if name == "" || utf8.RuneCountInString(name) > 256 || !utf8.ValidString(name) || strings.TrimSpace(name) != name {
		return fieldErr(ErrSecretInvalid.Code, FieldSecretName, "a secret name is 1 to 256 characters, without leading or trailing spaces")
	}
	return nil
}

// AddSecret gives a confidential app a new named secret, expiring at
// expiresAt (zero: never), and returns the secret: it is shown this once
// and only its hash stored.
func (d Apps) AddSecret(ctx context.Context, c store.Client, name string, expiresAt time.Time) (string, store.ClientSecret, error) {
	if !c.Type.Confidential() {
		return "", store.ClientSecret{}, errf(ErrAppNoSecret.Code, "app %s is a %s app and has no secret", c.ID, c.Type)
	}
	if err := CheckSecretName(name); err != nil {
		return "", store.ClientSecret{}, err
	}
	now := d.now()
	if !expiresAt.IsZero() && !expiresAt.After(now) {
		return "", store.ClientSecret{}, fieldErr(ErrSecretInvalid.Code, FieldSecretExpiresAt, "expiresAt must be in the future")
	}
	secret := NewSecret()
	s := store.ClientSecret{Name: name, Hash: provider.HashSecret(secret), CreatedAt: now, ExpiresAt: expiresAt.UTC()}
	switch err := d.Store.AddClientSecret(ctx, c.ID, s); {
	case errors.Is(err, store.ErrAlreadyExists):
		return "", store.ClientSecret{}, fieldErr(ErrSecretExists.Code, FieldSecretName, "app %s already has a secret named %q", c.ID, name)
	case errors.Is(err, store.ErrNotFound):
		return "", store.ClientSecret{}, AppNotFound(c.ID)
	case err != nil:
		return "", store.ClientSecret{}, err
	}
	s.Hash = nil
	return secret, s, nil
}

// Secrets lists an app's secrets (names and times, never the secrets).
func (d Apps) Secrets(ctx context.Context, id string) ([]store.ClientSecret, error) {
	l, err := d.Store.ListClientSecrets(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, AppNotFound(id)
	}
	return l, err
}

// DeleteSecret deletes an app's named secret; it stops working at once.
func (d Apps) DeleteSecret(ctx context.Context, id, name string) error {
	err := d.Store.DeleteClientSecret(ctx, id, name)
	if errors.Is(err, store.ErrNotFound) {
		if _, gerr := d.Get(ctx, id); gerr != nil {
			return gerr
		}
		return fieldErr(ErrSecretNotFound.Code, FieldSecretName, "app %s has no secret named %q", id, name)
	}
	return err
}
