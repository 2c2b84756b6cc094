package directory

import (
	"context"
	"errors"

	"github.com/sesameauth/sesame/internal/password"
	"github.com/sesameauth/sesame/internal/store"
)

// CheckPassword reports whether pw is u's password (the Management API's
// password/verify). A user without a password matches nothing; the work
// is the same either way, so timing does not tell them apart.
func (d Users) CheckPassword(ctx context.Context, u store.User, pw string) (bool, error) {
	if u.PasswordHash == "" {
		password.VerifyDummy(ctx, pw)
		return false, nil
	}
	err := password.Verify(ctx, pw, u.PasswordHash)
	if errors.Is(err, password.ErrMismatch) {
		return false, nil
	}
	return err == nil, err
}
