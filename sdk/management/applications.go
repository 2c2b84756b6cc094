package management

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"time"
)

// AppType is an application's type, as Logto names it.
type AppType string

// Application types. Sesame serves the first four.
const (
	AppTraditional      AppType = "Traditional"
	AppSPA              AppType = "SPA"
	AppNative           AppType = "Native"
	AppMachineToMachine AppType = "MachineToMachine"
	AppProtected        AppType = "Protected" // Logto only
	AppSAML             AppType = "SAML"      // Logto only
)

// Application is an application (an OIDC client).
type Application struct {
	TenantID                     string               `json:"tenantId"`
	ID                           string               `json:"id"`
	Name                         string               `json:"name"`
	Description                  string               `json:"description"` // null reads as ""
	Type                         AppType              `json:"type"`
	OIDCClientMetadata           OIDCClientMetadata   `json:"oidcClientMetadata"`
	CustomClientMetadata         CustomClientMetadata `json:"customClientMetadata"`
	ProtectedAppMetadata         json.RawMessage      `json:"protectedAppMetadata"`
	CustomData                   map[string]any       `json:"customData"`
	IsThirdParty                 bool                 `json:"isThirdParty"`
	AppLevelAccessControlEnabled bool                 `json:"appLevelAccessControlEnabled"`
	// IsAdmin is set by Logto's GET /api/applications/{id}.
	IsAdmin *bool `json:"isAdmin,omitempty"`
	// Secret is the app's secret in the answer to Create on Sesame (shown
	// this once; also in the app's first named secret, see
	// [ApplicationsService.CreateSecret]) and a legacy secret on Logto.
	Secret    string    `json:"secret,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

func (a *Application) UnmarshalJSON(b []byte) error {
	type plain Application
	return json.Unmarshal(b, &struct {
		*plain
		CreatedAt epochMS `json:"createdAt"`
	}{(*plain)(a), epochMS{&a.CreatedAt}})
}

func (a Application) MarshalJSON() ([]byte, error) {
	type plain Application
	return json.Marshal(struct {
		plain
		CreatedAt epochMS `json:"createdAt"`
	}{plain(a), epochMS{&a.CreatedAt}})
}

// OIDCClientMetadata is an app's OIDC settings. In an update, a nil slice
// leaves the list as it is and an empty one clears it.
type OIDCClientMetadata struct {
	RedirectURIs           []string `json:"redirectUris,omitzero"`
	PostLogoutRedirectURIs []string `json:"postLogoutRedirectUris,omitzero"`
	// IDTokenSignedResponseAlg is Sesame only: ES384, ES256 or RS256 signs
	// the app's ID tokens with a key of that algorithm; empty, the
	// server's default.
	IDTokenSignedResponseAlg string `json:"idTokenSignedResponseAlg,omitempty"`
	// BackchannelLogoutURI is where the server posts a logout token when a
	// session the app signed in through ends (OpenID Connect Back-Channel
	// Logout 1.0, backchannel_logout_uri): https (http only for localhost,
	// 127.0.0.1 and [::1] on Sesame), no fragment; empty, none. Not for
	// MachineToMachine apps. Being omitted when empty, it cannot remove a
	// URI in an update: send {"oidcClientMetadata":
	// {"backchannelLogoutUri": ""}} with [Client.Do] for that.
	BackchannelLogoutURI string `json:"backchannelLogoutUri,omitempty"`
	// BackchannelLogoutSessionRequired is backchannel_logout_session_required:
	// the app needs the session id (sid) in every logout token. Sesame
	// always answers it; nil in an update leaves it as it is.
	BackchannelLogoutSessionRequired *bool `json:"backchannelLogoutSessionRequired,omitempty"`
	// Logto only; Sesame refuses it.
	LogoURI string `json:"logoUri,omitempty"`
}

// CustomClientMetadata is an app's token and CORS settings; nil or absent
// fields are the server's defaults (on update: unchanged).
type CustomClientMetadata struct {
	CORSAllowedOrigins      []string `json:"corsAllowedOrigins,omitzero"`
	IDTokenTTL              *int     `json:"idTokenTtl,omitempty"`            // seconds
	RefreshTokenTTLInDays   *int     `json:"refreshTokenTtlInDays,omitempty"` // 1 to 180
	RotateRefreshToken      *bool    `json:"rotateRefreshToken,omitempty"`
	AlwaysIssueRefreshToken *bool    `json:"alwaysIssueRefreshToken,omitempty"`
	// RefreshTokenReuseInterval is Sesame only (seconds, 0 to 3600): a
	// rotated refresh token presented again within it returns the same
	// successor instead of revoking the grant.
	RefreshTokenReuseInterval *int `json:"refreshTokenReuseInterval,omitempty"`
	// Logto only; Sesame refuses them.
	RefreshTokenTTL    *int  `json:"refreshTokenTtl,omitempty"`
	AllowTokenExchange *bool `json:"allowTokenExchange,omitempty"`
	IsDeviceFlow       *bool `json:"isDeviceFlow,omitempty"`
	MaxAllowedGrants   *int  `json:"maxAllowedGrants,omitempty"`
}

// ApplicationCreate is a new application.
type ApplicationCreate struct {
	Name                 string                `json:"name"`
	Type                 AppType               `json:"type"`
	Description          string                `json:"description,omitempty"`
	OIDCClientMetadata   *OIDCClientMetadata   `json:"oidcClientMetadata,omitempty"`
	CustomClientMetadata *CustomClientMetadata `json:"customClientMetadata,omitempty"`
	IsThirdParty         bool                  `json:"isThirdParty,omitempty"`
}

// ApplicationUpdate changes an application: nil fields stay as they are.
type ApplicationUpdate struct {
	Name                 *string               `json:"name,omitempty"`
	Description          *string               `json:"description,omitempty"`
	OIDCClientMetadata   *OIDCClientMetadata   `json:"oidcClientMetadata,omitempty"`
	CustomClientMetadata *CustomClientMetadata `json:"customClientMetadata,omitempty"`
	// CustomData replaces the app's custom data when not nil.
	CustomData map[string]any `json:"customData,omitzero"`
}

// ApplicationSecret is one of an app's named secrets. Value is set only in
// the answer to CreateSecret on Sesame, which never shows a stored secret
// again (Logto shows it in lists too).
type ApplicationSecret struct {
	TenantID      string    `json:"tenantId"`
	ApplicationID string    `json:"applicationId"`
	Name          string    `json:"name"`
	Value         string    `json:"value,omitempty"`
	CreatedAt     time.Time `json:"createdAt"`
	ExpiresAt     time.Time `json:"expiresAt"` // zero: never
}

func (s *ApplicationSecret) UnmarshalJSON(b []byte) error {
	type plain ApplicationSecret
	return json.Unmarshal(b, &struct {
		*plain
		CreatedAt epochMS `json:"createdAt"`
		ExpiresAt epochMS `json:"expiresAt"`
	}{(*plain)(s), epochMS{&s.CreatedAt}, epochMS{&s.ExpiresAt}})
}

func (s ApplicationSecret) MarshalJSON() ([]byte, error) {
	type plain ApplicationSecret
	return json.Marshal(struct {
		plain
		CreatedAt epochMS `json:"createdAt"`
		ExpiresAt epochMS `json:"expiresAt"`
	}{plain(s), epochMS{&s.CreatedAt}, epochMS{&s.ExpiresAt}})
}

// SecretCreate is a new named secret.
type SecretCreate struct {
	Name      string
	ExpiresAt time.Time // zero: never
}

// ApplicationsService is /api/applications.
type ApplicationsService struct{ c *Client }

// List iterates over all applications, PageSize at a time.
func (s *ApplicationsService) List(ctx context.Context, o ListOptions) iter.Seq2[Application, error] {
	return pages[Application](ctx, s.c, "/applications", url.Values{}, o)
}

// ListPage returns one page of applications and the total number.
func (s *ApplicationsService) ListPage(ctx context.Context, o ListOptions) ([]Application, int, error) {
	return onePage[Application](ctx, s.c, "/applications", url.Values{}, o)
}

// Get returns the application id.
func (s *ApplicationsService) Get(ctx context.Context, id string) (*Application, error) {
	return get[Application](ctx, s.c, "/applications/%s", id)
}

// Create creates an application. For a Traditional or MachineToMachine
// app, Sesame's answer carries its secret in Secret, shown this once.
func (s *ApplicationsService) Create(ctx context.Context, in ApplicationCreate) (*Application, error) {
	return send[Application](ctx, s.c, http.MethodPost, in, "/applications")
}

// Update changes the fields of in that are set.
func (s *ApplicationsService) Update(ctx context.Context, id string, in ApplicationUpdate) (*Application, error) {
	return send[Application](ctx, s.c, http.MethodPatch, in, "/applications/%s", id)
}

// Delete deletes the application and revokes its tokens.
func (s *ApplicationsService) Delete(ctx context.Context, id string) error {
	return del(ctx, s.c, "/applications/%s", id)
}

// ListSecrets lists the app's named secrets (without their values on
// Sesame).
func (s *ApplicationsService) ListSecrets(ctx context.Context, id string) ([]ApplicationSecret, error) {
	out, err := get[[]ApplicationSecret](ctx, s.c, "/applications/%s/secrets", id)
	if err != nil {
		return nil, err
	}
	return *out, nil
}

// CreateSecret adds a named secret; its Value is in the answer, shown this
// once.
func (s *ApplicationsService) CreateSecret(ctx context.Context, id string, in SecretCreate) (*ApplicationSecret, error) {
	body := struct {
		Name      string `json:"name"`
		ExpiresAt *int64 `json:"expiresAt,omitempty"`
	}{in.Name, ms(in.ExpiresAt)}
	return send[ApplicationSecret](ctx, s.c, http.MethodPost, body, "/applications/%s/secrets", id)
}

// DeleteSecret deletes the named secret; it stops working at once.
func (s *ApplicationsService) DeleteSecret(ctx context.Context, id, name string) error {
	return del(ctx, s.c, "/applications/%s/secrets/%s", id, name)
}

// ListRoles lists the app's roles.
func (s *ApplicationsService) ListRoles(ctx context.Context, id string) ([]Role, error) {
	return all[Role](ctx, s.c, "/applications/%s/roles", id)
}

// AssignRoles gives the app the roles (MachineToMachine roles).
func (s *ApplicationsService) AssignRoles(ctx context.Context, id string, roleIDs ...string) error {
	return post(ctx, s.c, map[string][]string{"roleIds": roleIDs}, "/applications/%s/roles", id)
}

// RemoveRole takes the role from the app.
func (s *ApplicationsService) RemoveRole(ctx context.Context, id, roleID string) error {
	return del(ctx, s.c, "/applications/%s/roles/%s", id, roleID)
}
