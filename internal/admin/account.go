package admin

import (
	"context"
	"crypto/rand"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/store"
)

// The account pages' client: a first-party app whose only use is to run
// the sign-in experience for {endpoint}/account (docs/design.md, "Account
// pages"). Its secret is random and never kept, so nobody, the account
// pages included, can redeem its codes: the pages trust the SSO session the
// sign-in leaves in the browser, not a token.
const (
	AccountClientID  = "sesame-account"
	AccountClientApp = "Sesame account"
)

// AccountRedirect is the account client's redirect URI for endpoint.
func AccountRedirect(endpoint string) string {
	return strings.TrimSuffix(endpoint, "/") + routes.Account + "/callback"
}

// ensureAccount creates the account client, or moves its redirect URI
// with the endpoint.
func ensureAccount(ctx context.Context, st EnsureStore, endpoint string, now time.Time) error {
	redirect := AccountRedirect(endpoint)
	c, err := st.GetClient(ctx, AccountClientID)
	if errors.Is(err, store.ErrNotFound) {
		err = st.CreateClient(ctx, store.Client{ID: AccountClientID, Name: AccountClientApp, Type: store.AppTraditional,
			Secrets:      []store.ClientSecret{{Name: store.SecretDefault, Hash: provider.HashSecret(rand.Text() + rand.Text()), CreatedAt: now}},
			RedirectURIs: []string{redirect}, CreatedAt: now})
		if errors.Is(err, store.ErrAlreadyExists) {
			return nil
		}
		return err
	}
	if err != nil {
		return err
	}
	if !slices.Equal(c.RedirectURIs, []string{redirect}) {
		return st.SetClientRedirectURIs(ctx, AccountClientID, []string{redirect}, nil)
	}
	return nil
}
