package admin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/store"
)

// SetupTTL is how long a first-run setup URL works.
const SetupTTL = time.Hour

// SetupPath is the console's first-run setup page, under the endpoint.
const SetupPath = routes.Console + "/setup"

func setupHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// SetupURL returns a one-time first-run setup URL for endpoint when no
// administrator exists yet, and "" otherwise. Only the token's hash is
// stored (docs/security.md); each replica may issue its own.
func (a Admins) SetupURL(ctx context.Context, endpoint string) (string, error) {
	admins, err := a.Store.AllRoleUsers(ctx, AdminRoleID)
	if err != nil || len(admins) > 0 {
		return "", err
	}
	b := make([]byte, 32) // 256 bits
	rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	n := a.now()
	if err := a.Store.CreateSetupToken(ctx, setupHash(token), n, n.Add(SetupTTL)); err != nil {
		return "", err
	}
	return strings.TrimSuffix(endpoint, "/") + SetupPath + "?token=" + url.QueryEscape(token), nil
}

// Setup consumes the setup token and creates the first administrator. An
// unknown, used or expired token is ErrSetupToken; once an administrator
// exists, ErrSetupDone (the token is then left unused).
func (a Admins) Setup(ctx context.Context, token string, na NewAdmin) (store.User, error) {
	if token == "" {
		return store.User{}, setupTokenErr()
	}
	u, err := a.user(ctx, na)
	if err != nil {
		return store.User{}, err
	}
	switch err := a.Store.SetupFirstAdmin(ctx, setupHash(token), a.now(), u, AdminRoleID); {
	case errors.Is(err, store.ErrRoleHeld):
		return store.User{}, &directory.Error{Code: ErrSetupDone.Code, Message: "Sesame is already set up: sign in to the console as an administrator"}
	case errors.Is(err, store.ErrNotFound):
		return store.User{}, setupTokenErr()
	case errors.Is(err, store.ErrAlreadyExists):
		return store.User{}, userExists()
	case err != nil:
		return store.User{}, err
	}
	return u, nil
}

func setupTokenErr() error {
	return &directory.Error{Code: ErrSetupToken.Code, Message: "this setup link is invalid, used or expired: restart `sesame serve` for a new one"}
}
