package admin

import (
	"context"
	"crypto/subtle"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/store"
)

// RolesStore is what EnsureRoles reads and writes.
type RolesStore interface {
	CreateResource(ctx context.Context, r store.Resource) error
	GetResource(ctx context.Context, id string) (store.Resource, error)
	SetResourceIndicator(ctx context.Context, id, indicator string) error
	CreateRole(ctx context.Context, r store.Role) error
	GetRole(ctx context.Context, id string) (store.Role, error)
}

// EnsureStore is what Ensure reads and writes.
type EnsureStore interface {
	RolesStore
	GetResourceByIndicator(ctx context.Context, indicator string) (store.Resource, error)
	CreateClient(ctx context.Context, c store.Client) error
	GetClient(ctx context.Context, id string) (store.Client, error)
	SetClientRedirectURIs(ctx context.Context, id string, redirectURIs, postLogoutRedirectURIs []string) error
	RotateClientSecret(ctx context.Context, id string, s store.ClientSecret, previousExpiresAt time.Time) error
}

// ConsoleRedirects are the console client's redirect and post-logout
// redirect URIs for endpoint.
func ConsoleRedirects(endpoint string) (redirect, postLogout string) {
	base := strings.TrimSuffix(endpoint, "/") + routes.Console
	return base + "/callback", base + "/signed-out"
}

// Ensure creates, or brings up to date with endpoint, the objects the
// management plane needs (see the constants). It runs at every start-up
// and is idempotent; replicas starting together may race, and a creation
// that loses the race (store.ErrAlreadyExists) is success.
// consoleSecret is the console client's secret, secret.Derive(master,
// "console-client"); only its hash is stored.
func Ensure(ctx context.Context, st EnsureStore, endpoint, consoleSecret string, now time.Time) error {
	if err := ensureRoles(ctx, st, endpoint, now, true); err != nil {
		return err
	}
	if err := ensureConsole(ctx, st, endpoint, consoleSecret, now); err != nil {
		return err
	}
	return ensureAccount(ctx, st, endpoint, now)
}

// EnsureRoles is the part of Ensure that needs no master secret: the
// Management API resources and the two roles. The CLI runs it before
// `admins create` and `apps create --management-api`, so they work on a
// database `sesame serve` never started on; the roles name the resources
// by id, so serve's Ensure only has to correct the indicator if the CLI's
// endpoint differs from serve's. Unlike Ensure it never changes an
// existing indicator: a CLI run without --endpoint must not move the
// Management API of a running server.
func EnsureRoles(ctx context.Context, st RolesStore, endpoint string, now time.Time) error {
	return ensureRoles(ctx, st, endpoint, now, false)
}

func ensureRoles(ctx context.Context, st RolesStore, endpoint string, now time.Time, follow bool) error {
	api := APIIndicator(endpoint)
	have, err := ensureResource(ctx, st, store.Resource{ID: APIResourceID, Indicator: api, Name: "Management API",
		Scopes: []string{Scope}, AccessTokenTTL: time.Hour, CreatedAt: now}, follow)
	if err != nil {
		return err
	}
	api = have
	if _, err := ensureResource(ctx, st, store.Resource{ID: LogtoResourceID, Indicator: LogtoAudience, Name: "Management API (Logto)",
		Scopes: []string{Scope}, AccessTokenTTL: time.Hour, CreatedAt: now}, follow); err != nil {
		return err
	}
	if err := ensureRole(ctx, st, store.Role{ID: M2MRoleID, Name: M2MRoleName, Description: "Machine-to-machine access to the Management API",
		Type: store.RoleM2M, Permissions: []store.Permission{{Resource: api, Scope: Scope}, {Resource: LogtoAudience, Scope: Scope}}, CreatedAt: now}); err != nil {
		return err
	}
	return ensureRole(ctx, st, store.Role{ID: AdminRoleID, Name: AdminRoleName, Description: "Administers Sesame in the console and the Management API",
		Type: store.RoleUser, Permissions: []store.Permission{{Resource: api, Scope: Scope}}, CreatedAt: now})
}

// ensureResource creates r unless present and returns its indicator. With
// follow, a stored indicator that differs from r's is corrected (an
// endpoint change); without, the stored one is kept and returned.
//
// It reads before it writes: every start of every replica runs it, and an
// insert that fails on the key would cost a transaction and leave an error
// in the PostgreSQL log each time.
func ensureResource(ctx context.Context, st RolesStore, r store.Resource, follow bool) (string, error) {
	ind, found, err := adoptStored(ctx, st, r, follow)
	if found || err != nil {
		return ind, err
	}
	err = st.CreateResource(ctx, r)
	if !errors.Is(err, store.ErrAlreadyExists) {
		return r.Indicator, err
	}
	// A replica starting beside this one created it first, or another
	// resource holds the indicator.
	if ind, found, err := adoptStored(ctx, st, r, follow); found || err != nil {
		return ind, err
	}
	return r.Indicator, nil
}

// adoptStored reports whether the resource r.ID is stored and, if so,
// returns the indicator ensureResource returns for it, after correcting
// the stored one to r's when follow is set.
func adoptStored(ctx context.Context, st RolesStore, r store.Resource, follow bool) (string, bool, error) {
	have, err := st.GetResource(ctx, r.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "", false, nil
	case err != nil:
		return "", false, err
	case have.Indicator == r.Indicator:
		return r.Indicator, true, nil
	case !follow:
		return have.Indicator, true, nil
	}
	return r.Indicator, true, st.SetResourceIndicator(ctx, r.ID, r.Indicator)
}

func ensureRole(ctx context.Context, st RolesStore, r store.Role) error {
	if _, err := st.GetRole(ctx, r.ID); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := st.CreateRole(ctx, r); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
		return err
	}
	return nil
}

func ensureConsole(ctx context.Context, st EnsureStore, endpoint, consoleSecret string, now time.Time) error {
	redirect, out := ConsoleRedirects(endpoint)
	hash := provider.HashSecret(consoleSecret)
	c, err := st.GetClient(ctx, ConsoleClientID)
	if errors.Is(err, store.ErrNotFound) {
		err = st.CreateClient(ctx, store.Client{ID: ConsoleClientID, Name: ConsoleClientApp, Type: store.AppTraditional,
			Secrets: []store.ClientSecret{{Name: store.SecretDefault, Hash: hash, CreatedAt: now}}, RedirectURIs: []string{redirect}, PostLogoutRedirectURIs: []string{out}, CreatedAt: now})
		if errors.Is(err, store.ErrAlreadyExists) {
			return nil
		}
		return err
	}
	if err != nil {
		return err
	}
	if !slices.Equal(c.RedirectURIs, []string{redirect}) || !slices.Equal(c.PostLogoutRedirectURIs, []string{out}) {
		if err := st.SetClientRedirectURIs(ctx, ConsoleClientID, []string{redirect}, []string{out}); err != nil {
			return err
		}
	}
	// A new master secret derives a new console secret; the old one stops
	// working at once (only the console itself uses it).
	var have []byte
	for _, s := range c.Secrets {
		if s.Name == store.SecretDefault {
			have = s.Hash
		}
	}
	if subtle.ConstantTimeCompare(have, hash) != 1 {
		return st.RotateClientSecret(ctx, ConsoleClientID, store.ClientSecret{Name: store.SecretDefault, Hash: hash, CreatedAt: now}, now)
	}
	return nil
}
