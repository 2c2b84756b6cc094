package testkit

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/console"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/store"
)

// SeedConsole stores what admin.Ensure keeps for the console: its OIDC
// client (secret console.ClientSecret(master)), the Management API
// resource of endpoint and the administrator role. Objects that exist
// already are kept, so it is harmless after admin.Ensure.
func SeedConsole(ctx context.Context, st store.Store, endpoint string, master []byte) error {
	now := time.Now().UTC()
	endpoint = strings.TrimSuffix(endpoint, "/")
	c := store.Client{ID: admin.ConsoleClientID, Name: admin.ConsoleClientApp, Type: store.AppTraditional,
		Secrets:      []store.ClientSecret{{Name: store.SecretDefault, Hash: provider.HashSecret(console.ClientSecret(master)), CreatedAt: now}},
		RedirectURIs: []string{endpoint + "/console/callback"}, PostLogoutRedirectURIs: []string{endpoint + "/console/signed-out"}, CreatedAt: now}
	if err := st.CreateClient(ctx, c); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
		return err
	}
	api := admin.APIIndicator(endpoint)
	if err := st.CreateResource(ctx, store.Resource{ID: admin.APIResourceID, Indicator: api, Name: "Management API",
		Scopes: []string{admin.Scope}, AccessTokenTTL: time.Hour, CreatedAt: now}); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
		return err
	}
	err := st.CreateRole(ctx, store.Role{ID: admin.AdminRoleID, Name: admin.AdminRoleName, Type: store.RoleUser,
		Permissions: []store.Permission{{Resource: api, Scope: admin.Scope}}, CreatedAt: now})
	if err != nil && !errors.Is(err, store.ErrAlreadyExists) {
		return err
	}
	return nil
}

// ClientURIs saves an app's redirect URIs by re-creating its client (which
// revokes its grants): the console's URIUpdater in tests until
// directory.Apps.Update lands.
type ClientURIs struct{ Store store.Clients }

// SetURIs implements console.URIUpdater.
func (u ClientURIs) SetURIs(ctx context.Context, c store.Client, redirects, logouts []string) error {
	if err := u.Store.DeleteClient(ctx, c.ID); err != nil {
		return err
	}
	c.RedirectURIs, c.PostLogoutRedirectURIs = redirects, logouts
	return u.Store.CreateClient(ctx, c)
}
