package directory

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/store"
)

// AppStore is what the app operations use of the store.
type AppStore interface {
	ResourceReader
	CreateClient(ctx context.Context, c store.Client) error
	CreateClientWithRole(ctx context.Context, c store.Client, r store.Role) error
	GetClient(ctx context.Context, id string) (store.Client, error)
	ListClients(ctx context.Context) ([]store.Client, error)
	DeleteClientWithRole(ctx context.Context, id, roleID string, now time.Time) error
	RotateClientSecret(ctx context.Context, id string, s store.ClientSecret, previousExpiresAt time.Time) error
	UpdateClient(ctx context.Context, id string, fn func(store.Client) (store.Client, error)) (store.Client, error)
	AddClientSecret(ctx context.Context, clientID string, s store.ClientSecret) error
	ListClientSecrets(ctx context.Context, clientID string) ([]store.ClientSecret, error)
	DeleteClientSecret(ctx context.Context, clientID, name string) error
	SetClientCORSOrigins(ctx context.Context, id string, origins []string) error
	GetRole(ctx context.Context, id string) (store.Role, error)
	SetRolePermissions(ctx context.Context, id string, perms []store.Permission, now time.Time) error
	PutClientRole(ctx context.Context, clientID string, r store.Role, now time.Time) error
	ClientPermissions(ctx context.Context, clientID string) ([]store.Permission, error)
	ListClientRoles(ctx context.Context, clientID string) ([]store.Role, error)
}

// Apps manages applications (OAuth clients).
type Apps struct {
	Store AppStore
	Now   func() time.Time // default time.Now
}

func (d Apps) now() time.Time { return now(d.Now) }

func now(f func() time.Time) time.Time {
	if f == nil {
		return time.Now().UTC()
	}
	return f().UTC()
}

// App is an app with what its roles give it (M2M apps only).
type App struct {
	Client      store.Client
	Permissions []store.Permission // the union of its roles' permissions
	Roles       []store.Role
}

// NewApp is what creating an app takes.
type NewApp struct {
	Name                   string
	Type                   store.AppType
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	CORSOrigins            []string
	ThirdParty             bool
	// BackChannelLogoutURI is the app's backchannel_logout_uri ("" for
	// none; CheckBackChannelLogoutURI), BackChannelLogoutSessionRequired
	// its backchannel_logout_session_required.
	BackChannelLogoutURI             string
	BackChannelLogoutSessionRequired bool
	// Permissions (M2M apps only) go to the app's own role "app:<id>".
	Permissions []store.Permission
	// Settings are the rest of the per-app settings (description, token
	// lifetimes, ID token algorithm, custom data...), checked and applied
	// as an update would before the app is stored, so a create with a bad
	// one stores nothing.
	Settings AppUpdate
}

// CheckNewApp validates a and normalises it: the name trimmed, the type
// lower-cased, the CORS origins in the form browsers send.
func CheckNewApp(a *NewApp) error {
	a.Name = strings.TrimSpace(a.Name)
	if a.Name == "" || len(a.Name) > 256 {
		return errf(ErrAppName.Code, "--name is required (at most 256 characters)")
	}
	a.Type = store.AppType(strings.ToLower(string(a.Type)))
	if !a.Type.Valid() {
		return errf(ErrAppType.Code, "--type must be traditional, spa, native or m2m")
	}
	if a.Type == store.AppM2M && (len(a.RedirectURIs) > 0 || len(a.PostLogoutRedirectURIs) > 0) {
		return errf(ErrAppType.Code, "m2m apps have no redirect URIs")
	}
	if a.Type != store.AppM2M && len(a.Permissions) > 0 {
		return errf(ErrAppPermission.Code, "--permission is for m2m apps (users' apps ask for scopes at sign-in)")
	}
	if len(a.RedirectURIs) > 100 || len(a.PostLogoutRedirectURIs) > 100 {
		return errf(ErrAppRedirectURI.Code, "at most 100 redirect URIs")
	}
	if err := checkRedirectURIs(a.Type, a.RedirectURIs, "--redirect-uri"); err != nil {
		return err
	}
	if err := checkRedirectURIs(a.Type, a.PostLogoutRedirectURIs, "--post-logout-redirect-uri"); err != nil {
		return err
	}
	if err := CheckBackChannelLogoutURI(a.Type, a.BackChannelLogoutURI); err != nil {
		return err
	}
	origins, err := CheckCORSOrigins(a.Type, a.CORSOrigins)
	a.CORSOrigins = origins
	return err
}

// Create registers an app and returns it with its secret (empty for
// public apps; only a hash is stored). An M2M app with permissions gets
// its own role holding them, created and assigned in the same transaction.
func (d Apps) Create(ctx context.Context, a NewApp) (App, string, error) {
	if err := CheckNewApp(&a); err != nil {
		return App{}, "", err
	}
	if err := CheckPermissions(ctx, d.Store, a.Permissions); err != nil {
		return App{}, "", err
	}
	c := store.Client{ID: NewAppID(), Name: a.Name, Type: a.Type, RedirectURIs: a.RedirectURIs,
		PostLogoutRedirectURIs: a.PostLogoutRedirectURIs, ThirdParty: a.ThirdParty, CORSOrigins: a.CORSOrigins,
		BackChannelLogoutURI: a.BackChannelLogoutURI, BackChannelLogoutSessionRequired: a.BackChannelLogoutSessionRequired,
		CreatedAt: d.now()}
	c, err := CheckAppUpdate(c, a.Settings)
	if err != nil {
		return App{}, "", err
	}
	secret := ""
	if a.Type.Confidential() {
		secret = NewSecret()
		c.Secrets = []store.ClientSecret{{Name: store.SecretDefault, Hash: provider.HashSecret(secret), CreatedAt: c.CreatedAt}}
	}
	v := App{Client: c, Permissions: a.Permissions}
	if len(a.Permissions) == 0 {
		return v, secret, d.Store.CreateClient(ctx, c)
	}
	r := appRole(c, a.Permissions, c.CreatedAt)
	if err := d.Store.CreateClientWithRole(ctx, c, r); err != nil {
		return App{}, "", err
	}
	v.Roles = []store.Role{{Name: r.Name}}
	return v, secret, nil
}

// AppRoleID and AppRoleName name the role that holds the permissions
// given to one M2M app at creation and by Permit (migration 00006 made the
// same for apps from before roles).
func AppRoleID(clientID string) string   { return "app-" + clientID }
func AppRoleName(clientID string) string { return "app:" + clientID }

func appRole(c store.Client, perms []store.Permission, now time.Time) store.Role {
	return store.Role{ID: AppRoleID(c.ID), Name: AppRoleName(c.ID), Description: "Permissions of app " + c.Name,
		Type: store.RoleM2M, Permissions: perms, CreatedAt: now}
}

// Get finds an app by id.
func (d Apps) Get(ctx context.Context, id string) (store.Client, error) {
	c, err := d.Store.GetClient(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Client{}, AppNotFound(id)
	}
	return c, err
}

// AppNotFound is the error for an unknown app id.
func AppNotFound(id string) error { return errf(ErrAppNotFound.Code, "no app with id %q", id) }

// View reads an M2M app's effective permissions and roles.
func (d Apps) View(ctx context.Context, c store.Client) (App, error) {
	v := App{Client: c}
	if c.Type != store.AppM2M {
		return v, nil
	}
	var err error
	if v.Permissions, err = d.Store.ClientPermissions(ctx, c.ID); err != nil {
		return v, err
	}
	v.Roles, err = d.Store.ListClientRoles(ctx, c.ID)
	return v, err
}

// List returns every app with its permissions and roles.
func (d Apps) List(ctx context.Context) ([]App, error) {
	cs, err := d.Store.ListClients(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]App, 0, len(cs))
	for _, c := range cs {
		v, err := d.View(ctx, c)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Delete removes an app, revoking its tokens, and its own role.
func (d Apps) Delete(ctx context.Context, id string) error {
	if err := CheckAppChange(id); err != nil {
		return err
	}
	if err := d.Store.DeleteClientWithRole(ctx, id, AppRoleID(id), d.now()); errors.Is(err, store.ErrNotFound) {
		return AppNotFound(id)
	} else if err != nil {
		return err
	}
	return nil
}

// MaxGrace is the longest a replaced secret keeps working.
const MaxGrace = 90 * 24 * time.Hour

// CheckGrace validates how long a replaced secret keeps working.
func CheckGrace(grace time.Duration) error {
	if grace < 0 || grace > MaxGrace {
		return errf(ErrAppGrace.Code, "--grace must be between 0 and 2160h (90 days)")
	}
	return nil
}

// RotateSecret gives a confidential app a new secret and returns it; the
// old one keeps working until the returned time, so the app can be
// redeployed without an outage.
func (d Apps) RotateSecret(ctx context.Context, c store.Client, grace time.Duration) (string, time.Time, error) {
	if err := CheckGrace(grace); err != nil {
		return "", time.Time{}, err
	}
	if !c.Type.Confidential() {
		return "", time.Time{}, errf(ErrAppNoSecret.Code, "app %s is a %s app and has no secret", c.ID, c.Type)
	}
	secret := NewSecret()
	until := d.now().Add(grace)
	err := d.Store.RotateClientSecret(ctx, c.ID, store.ClientSecret{Hash: provider.HashSecret(secret), CreatedAt: d.now()}, until)
	if errors.Is(err, store.ErrNotFound) {
		return "", time.Time{}, AppNotFound(c.ID)
	} else if err != nil {
		return "", time.Time{}, err
	}
	return secret, until, nil
}

// SetCORS replaces the origins an app allows besides its redirect URIs'
// (none: only those) and returns the app as stored.
func (d Apps) SetCORS(ctx context.Context, c store.Client, origins []string) (store.Client, error) {
	origins, err := CheckCORSOrigins(c.Type, origins)
	if err != nil {
		return c, err
	}
	if err := d.Store.SetClientCORSOrigins(ctx, c.ID, origins); err != nil {
		return c, err
	}
	c.CORSOrigins = origins
	return c, nil
}

// Permit adds permissions to an M2M app's own role, creating and
// assigning the role if missing, in one transaction. Any change revokes
// the app's current tokens, so a narrowed permission holds at once.
func (d Apps) Permit(ctx context.Context, c store.Client, perms []store.Permission) error {
	if err := checkM2M(c); err != nil {
		return err
	}
	if err := CheckPermissions(ctx, d.Store, perms); err != nil {
		return err
	}
	own, err := d.Store.GetRole(ctx, AppRoleID(c.ID))
	switch {
	case errors.Is(err, store.ErrNotFound):
		own = appRole(c, nil, d.now())
	case err != nil:
		return err
	}
	own.Permissions = UnionPermissions(own.Permissions, perms)
	return d.Store.PutClientRole(ctx, c.ID, own, d.now())
}

// Unpermit takes a resource out of an M2M app's own role (revoking the
// app's current tokens). An app without its own role holds nothing to take.
func (d Apps) Unpermit(ctx context.Context, c store.Client, resource string) error {
	if err := checkM2M(c); err != nil {
		return err
	}
	own, err := d.Store.GetRole(ctx, AppRoleID(c.ID))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	keep := slices.DeleteFunc(own.Permissions, func(p store.Permission) bool { return p.Resource == resource })
	return d.Store.SetRolePermissions(ctx, own.ID, keep, d.now())
}

func checkM2M(c store.Client) error {
	if c.Type != store.AppM2M {
		return errf(ErrAppPermission.Code, "app %s is a %s app; permissions are for m2m apps", c.ID, c.Type)
	}
	return nil
}
