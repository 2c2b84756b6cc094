package directory

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sesameauth/sesame/internal/oidc/keys"
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

// AppUpdate is a change to an app's settings (Logto's PATCH
// /api/applications/:id): a nil field is left as is. The type, id and
// secrets cannot change here.
type AppUpdate struct {
	Name                   *string
	Description            *string
	RedirectURIs           *[]string
	PostLogoutRedirectURIs *[]string
	CORSOrigins            *[]string
	// IDTokenTTL is in seconds, MinIDTokenTTL to MaxIDTokenTTL; 0 restores
	// the server default.
	IDTokenTTL *int
	// RefreshTokenTTLInDays is 1 to 180; 0 restores the server default.
	RefreshTokenTTLInDays   *int
	RotateRefreshToken      *bool
	AlwaysIssueRefreshToken *bool
	// IDTokenAlg is the app's id_token_signed_response_alg: one of
	// keys.Supported, or "" for the server's default.
	IDTokenAlg *string
	// BackChannelLogoutURI is the app's backchannel_logout_uri
	// (CheckBackChannelLogoutURI); "" removes it.
	BackChannelLogoutURI *string
	// BackChannelLogoutSessionRequired is its
	// backchannel_logout_session_required; kept without a URI (no effect).
	BackChannelLogoutSessionRequired *bool
	// RefreshTokenReuseInterval is in seconds, 0 to
	// store.MaxRefreshReuseInterval (store.Client.RefreshReuseInterval).
	RefreshTokenReuseInterval *int
	// CustomData is a JSON object of at most MaxCustomData bytes; nil
	// leaves it, {} or null clears it.
	CustomData json.RawMessage
}

// Bounds of the per-app settings.
const (
	MinIDTokenTTL          = 60           // seconds
	MaxIDTokenTTL          = 24 * 60 * 60 // seconds
	MaxRefreshTokenTTLDays = 180          // Logto's bound
	MaxCustomData          = 4 << 10      // bytes, compacted
	MaxDescription         = 2048         // characters
	maxRedirectURIs        = 100
)

// Fields of an app in the Management API's JSON, as Error.Field names them.
const (
	FieldName                    = "name"
	FieldDescription             = "description"
	FieldRedirectURIs            = "oidcClientMetadata.redirectUris"
	FieldPostLogoutRedirectURIs  = "oidcClientMetadata.postLogoutRedirectUris"
	FieldCORSOrigins             = "customClientMetadata.corsAllowedOrigins"
	FieldIDTokenTTL              = "customClientMetadata.idTokenTtl"
	FieldRefreshTokenTTLInDays   = "customClientMetadata.refreshTokenTtlInDays"
	FieldRotateRefreshToken      = "customClientMetadata.rotateRefreshToken"
	FieldAlwaysIssueRefreshToken = "customClientMetadata.alwaysIssueRefreshToken"
	FieldRefreshReuseInterval    = "customClientMetadata.refreshTokenReuseInterval"
	FieldIDTokenAlg              = "oidcClientMetadata.idTokenSignedResponseAlg"
	FieldBackChannelLogoutURI    = "oidcClientMetadata.backchannelLogoutUri"
	FieldCustomData              = "customData"
	FieldSecretName              = "name"
	FieldSecretExpiresAt         = "expiresAt"
)

// CheckAppUpdate validates u for c and returns c with u applied. An error
// is an *Error whose Field names the first field at fault.
func CheckAppUpdate(c store.Client, u AppUpdate) (store.Client, error) {
	if u.Name != nil {
		n := strings.TrimSpace(*u.Name)
		if n == "" || utf8.RuneCountInString(n) > 256 {
			return c, fieldErr(ErrAppName.Code, FieldName, "name is required (at most 256 characters)")
		}
		c.Name = n
	}
	if u.Description != nil {
		if utf8.RuneCountInString(*u.Description) > MaxDescription || !utf8.ValidString(*u.Description) {
			return c, fieldErr(ErrAppInvalid.Code, FieldDescription, "description must be at most %d characters", MaxDescription)
		}
		c.Description = *u.Description
	}
	for _, l := range []struct {
		in    *[]string
		dst   *[]string
		field string
	}{{u.RedirectURIs, &c.RedirectURIs, FieldRedirectURIs}, {u.PostLogoutRedirectURIs, &c.PostLogoutRedirectURIs, FieldPostLogoutRedirectURIs}} {
		if l.in == nil {
			continue
		}
		uris := *l.in
		if c.Type == store.AppM2M && len(uris) > 0 {
			return c, fieldErr(ErrAppType.Code, l.field, "m2m apps have no redirect URIs")
		}
		if len(uris) > maxRedirectURIs {
			return c, fieldErr(ErrAppRedirectURI.Code, l.field, "at most %d redirect URIs", maxRedirectURIs)
		}
		if err := checkRedirectURIs(c.Type, uris, "redirect URI"); err != nil {
			err.Field = l.field
			return c, err
		}
		*l.dst = slices.Clone(uris)
		if len(*l.dst) == 0 {
			*l.dst = nil
		}
	}
	if u.CORSOrigins != nil {
		origins, err := CheckCORSOrigins(c.Type, *u.CORSOrigins)
		var e *Error
		if errors.As(err, &e) {
			e.Field = FieldCORSOrigins
		}
		if err != nil {
			return c, err
		}
		c.CORSOrigins = origins
	}
	if u.IDTokenTTL != nil {
		v := *u.IDTokenTTL
		if v != 0 && (v < MinIDTokenTTL || v > MaxIDTokenTTL) {
			return c, fieldErr(ErrAppInvalid.Code, FieldIDTokenTTL, "idTokenTtl must be between %d and %d seconds", MinIDTokenTTL, MaxIDTokenTTL)
		}
		c.IDTokenTTL = time.Duration(v) * time.Second
	}
	if u.RefreshTokenTTLInDays != nil {
		v := *u.RefreshTokenTTLInDays
		if v != 0 && (v < 1 || v > MaxRefreshTokenTTLDays) {
			return c, fieldErr(ErrAppInvalid.Code, FieldRefreshTokenTTLInDays, "refreshTokenTtlInDays must be between 1 and %d", MaxRefreshTokenTTLDays)
		}
		c.RefreshTokenTTL = time.Duration(v) * 24 * time.Hour
	}
	// Refresh settings on an M2M app are kept and have no effect (it gets
	// no refresh tokens), as in Logto, whose console sends them for every app.
	if u.RotateRefreshToken != nil {
		c.NoRefreshRotation = !*u.RotateRefreshToken
	}
	if u.AlwaysIssueRefreshToken != nil {
		c.AlwaysIssueRefreshToken = *u.AlwaysIssueRefreshToken
	}
	if u.IDTokenAlg != nil {
		if a := *u.IDTokenAlg; a != "" && !keys.SupportedAlg(a) {
			return c, fieldErr(ErrAppInvalid.Code, FieldIDTokenAlg, "idTokenSignedResponseAlg must be one of %s, or empty for the server's default", strings.Join(keys.Supported, ", "))
		}
		c.IDTokenAlg = *u.IDTokenAlg
	}
	if u.BackChannelLogoutURI != nil {
		if err := CheckBackChannelLogoutURI(c.Type, *u.BackChannelLogoutURI); err != nil {
			return c, err
		}
		c.BackChannelLogoutURI = *u.BackChannelLogoutURI
	}
	if u.BackChannelLogoutSessionRequired != nil {
		c.BackChannelLogoutSessionRequired = *u.BackChannelLogoutSessionRequired
	}
	if u.RefreshTokenReuseInterval != nil {
		v, limit := *u.RefreshTokenReuseInterval, int(store.MaxRefreshReuseInterval/time.Second)
		if v < 0 || v > limit {
			return c, fieldErr(ErrAppInvalid.Code, FieldRefreshReuseInterval, "refreshTokenReuseInterval must be between 0 and %d seconds", limit)
		}
		c.RefreshReuseInterval = time.Duration(v) * time.Second
	}
	if u.CustomData != nil {
		data, err := checkCustomData(u.CustomData)
		if err != nil {
			return c, err
		}
		c.CustomData = data
	}
	return c, nil
}

// checkCustomData accepts a JSON object (or null) and returns it compacted,
// nil for an empty one.
func checkCustomData(in json.RawMessage) (json.RawMessage, error) {
	bad := fieldErr(ErrAppInvalid.Code, FieldCustomData, "customData must be a JSON object of at most %d bytes", MaxCustomData)
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(in, &obj); err != nil {
		return nil, bad
	}
	if len(obj) == 0 {
		return nil, nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, in); err != nil || b.Len() > MaxCustomData {
		return nil, bad
	}
	return b.Bytes(), nil
}

// Update applies u to the app, validating every field first (nothing is
// written on an error), in one store transaction, and returns the app as
// stored. A missing app is ErrAppNotFound.
func (d Apps) Update(ctx context.Context, id string, u AppUpdate) (store.Client, error) {
	// The console's name and redirect URIs are Ensure's (they follow the endpoint).
	if u.Name != nil || u.RedirectURIs != nil || u.PostLogoutRedirectURIs != nil {
		if err := CheckAppChange(id); err != nil {
			return store.Client{}, err
		}
	}
	c, err := d.Store.UpdateClient(ctx, id, func(c store.Client) (store.Client, error) { return CheckAppUpdate(c, u) })
	if errors.Is(err, store.ErrNotFound) {
		return store.Client{}, AppNotFound(id)
	}
	return c, err
}
