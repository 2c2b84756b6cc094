package management

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/store"
)

// Logto's application types and Sesame's.
var appTypes = map[store.AppType]string{
	store.AppTraditional: "Traditional", store.AppSPA: "SPA", store.AppNative: "Native", store.AppM2M: "MachineToMachine",
}

func appType(logto string) store.AppType {
	for k, v := range appTypes {
		if v == logto {
			return k
		}
	}
	return store.AppType(logto) // the domain refuses it with its own message
}

type oidcClientMetadata struct {
	RedirectURIs           []string `json:"redirectUris"`
	PostLogoutRedirectURIs []string `json:"postLogoutRedirectUris"`
	// Sesame's: the app's ID token algorithm, "" for the server's default
	// (docs/management-api.md).
	IDTokenSignedResponseAlg string `json:"idTokenSignedResponseAlg,omitempty"`
	// OpenID Connect Back-Channel Logout 1.0: where a logout token is
	// posted when a session ends ("" for none), and whether the app needs
	// the session id in it.
	BackchannelLogoutURI             string `json:"backchannelLogoutUri,omitempty"`
	BackchannelLogoutSessionRequired bool   `json:"backchannelLogoutSessionRequired"`
}

type customClientMetadata struct {
	CORSAllowedOrigins      []string `json:"corsAllowedOrigins,omitempty"`
	IDTokenTTL              *int     `json:"idTokenTtl,omitempty"`
	RefreshTokenTTLInDays   *int     `json:"refreshTokenTtlInDays,omitempty"`
	RotateRefreshToken      *bool    `json:"rotateRefreshToken,omitempty"`
	AlwaysIssueRefreshToken *bool    `json:"alwaysIssueRefreshToken,omitempty"`
	// Sesame's: seconds during which a rotated refresh token returns its
	// successor again (docs/management-api.md).
	RefreshTokenReuseInterval *int `json:"refreshTokenReuseInterval,omitempty"`
}

type application struct {
	TenantID             string               `json:"tenantId"`
	ID                   string               `json:"id"`
	Name                 string               `json:"name"`
	Description          *string              `json:"description"`
	Type                 string               `json:"type"`
	OIDCClientMetadata   oidcClientMetadata   `json:"oidcClientMetadata"`
	CustomClientMetadata customClientMetadata `json:"customClientMetadata"`
	ProtectedAppMetadata any                  `json:"protectedAppMetadata"`
	CustomData           json.RawMessage      `json:"customData"`
	IsThirdParty         bool                 `json:"isThirdParty"`
	AppLevelAccess       bool                 `json:"appLevelAccessControlEnabled"`
	CreatedAt            *int64               `json:"createdAt"`
}

func appView(c store.Client) application {
	nonNil := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	ccm := customClientMetadata{CORSAllowedOrigins: c.CORSOrigins}
	rotate, always := !c.NoRefreshRotation, c.AlwaysIssueRefreshToken
	reuse := int(c.RefreshReuseInterval / time.Second)
	ccm.RotateRefreshToken, ccm.AlwaysIssueRefreshToken, ccm.RefreshTokenReuseInterval = &rotate, &always, &reuse
	if c.IDTokenTTL > 0 {
		v := int(c.IDTokenTTL / time.Second)
		ccm.IDTokenTTL = &v
	}
	if c.RefreshTokenTTL > 0 {
		v := int(c.RefreshTokenTTL / (24 * time.Hour))
		ccm.RefreshTokenTTLInDays = &v
	}
	data := c.CustomData
	if len(data) == 0 {
		data = json.RawMessage("{}")
	}
	return application{TenantID: "default", ID: c.ID, Name: c.Name, Description: null(c.Description), Type: appTypes[c.Type],
		OIDCClientMetadata: oidcClientMetadata{RedirectURIs: nonNil(c.RedirectURIs), PostLogoutRedirectURIs: nonNil(c.PostLogoutRedirectURIs),
			IDTokenSignedResponseAlg: c.IDTokenAlg, BackchannelLogoutURI: c.BackChannelLogoutURI,
			BackchannelLogoutSessionRequired: c.BackChannelLogoutSessionRequired},
		CustomClientMetadata: ccm, CustomData: data, IsThirdParty: c.ThirdParty, CreatedAt: ms(c.CreatedAt)}
}

func (h *Handler) listApps(w http.ResponseWriter, r *http.Request) error {
	p, err := readPaging(r.URL.Query())
	if err != nil {
		return err
	}
	if err := onlyParams(r, "page", "page_size"); err != nil {
		return err
	}
	var cs []store.Client
	if p.Asked {
		var total int
		if cs, total, err = h.Lists.ListClientsPage(r.Context(), store.ListQuery{Page: p.Page, PageSize: p.Size}); err != nil {
			return err
		}
		h.pageHeaders(w, r, p, total)
	} else {
		apps, err := h.Apps.List(r.Context())
		if err != nil {
			return err
		}
		for _, a := range apps {
			cs = append(cs, a.Client)
		}
	}
	out := make([]application, 0, len(cs))
	for _, c := range cs {
		out = append(out, appView(c))
	}
	return write(w, r, http.StatusOK, out)
}

type appCreate struct {
	Name                 string                `json:"name"`
	Description          *string               `json:"description"`
	Type                 string                `json:"type"`
	OIDCClientMetadata   *oidcClientMetadata   `json:"oidcClientMetadata"`
	CustomClientMetadata *customClientMetadata `json:"customClientMetadata"`
	IsThirdParty         bool                  `json:"isThirdParty"`
	CustomData           json.RawMessage       `json:"customData"`
}

type appWithSecret struct {
	application
	Secret string `json:"secret,omitempty"`
}

func (h *Handler) createApp(w http.ResponseWriter, r *http.Request) error {
	var in appCreate
	if err := decode(r, &in); err != nil {
		return err
	}
	na := directory.NewApp{Name: in.Name, Type: appType(in.Type), ThirdParty: in.IsThirdParty,
		Settings: directory.AppUpdate{Description: in.Description, CustomData: in.CustomData}}
	if m := in.OIDCClientMetadata; m != nil {
		na.RedirectURIs, na.PostLogoutRedirectURIs = m.RedirectURIs, m.PostLogoutRedirectURIs
		na.BackChannelLogoutURI, na.BackChannelLogoutSessionRequired = m.BackchannelLogoutURI, m.BackchannelLogoutSessionRequired
		if m.IDTokenSignedResponseAlg != "" {
			na.Settings.IDTokenAlg = &m.IDTokenSignedResponseAlg
		}
	}
	if m := in.CustomClientMetadata; m != nil {
		na.CORSOrigins = m.CORSAllowedOrigins
		na.Settings.IDTokenTTL, na.Settings.RefreshTokenTTLInDays = m.IDTokenTTL, m.RefreshTokenTTLInDays
		na.Settings.RotateRefreshToken, na.Settings.AlwaysIssueRefreshToken = m.RotateRefreshToken, m.AlwaysIssueRefreshToken
		na.Settings.RefreshTokenReuseInterval = m.RefreshTokenReuseInterval
	}
	a, secret, err := h.Apps.Create(r.Context(), na)
	if err != nil {
		return err
	}
	if err := h.record(r, "Application", "Create", a.Client.ID, nil, appView(a.Client)); err != nil {
		return err
	}
	return write(w, r, http.StatusOK, appWithSecret{appView(a.Client), secret})
}

func (h *Handler) app(r *http.Request) (store.Client, error) {
	return h.Apps.Get(r.Context(), r.PathValue("id"))
}

func (h *Handler) getApp(w http.ResponseWriter, r *http.Request) error {
	c, err := h.app(r)
	if err != nil {
		return err
	}
	return write(w, r, http.StatusOK, appView(c))
}

type appUpdate struct {
	Name               *string `json:"name"`
	Description        *string `json:"description"`
	OIDCClientMetadata *struct {
		RedirectURIs             *[]string `json:"redirectUris"`
		PostLogoutRedirectURIs   *[]string `json:"postLogoutRedirectUris"`
		IDTokenSignedResponseAlg *string   `json:"idTokenSignedResponseAlg"`
		BackchannelLogoutURI     *string   `json:"backchannelLogoutUri"`
		// A bool, or null/absent to leave it.
		BackchannelLogoutSessionRequired *bool `json:"backchannelLogoutSessionRequired"`
	} `json:"oidcClientMetadata"`
	CustomClientMetadata *struct {
		CORSAllowedOrigins      *[]string `json:"corsAllowedOrigins"`
		IDTokenTTL              *int      `json:"idTokenTtl"`
		RefreshTokenTTLInDays   *int      `json:"refreshTokenTtlInDays"`
		RotateRefreshToken      *bool     `json:"rotateRefreshToken"`
		AlwaysIssueRefreshToken *bool     `json:"alwaysIssueRefreshToken"`
		RefreshReuseInterval    *int      `json:"refreshTokenReuseInterval"`
	} `json:"customClientMetadata"`
	CustomData   json.RawMessage `json:"customData"`
	IsThirdParty *bool           `json:"isThirdParty"`
}

func (h *Handler) updateApp(w http.ResponseWriter, r *http.Request) error {
	var in appUpdate
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.IsThirdParty != nil {
		return fieldError("isThirdParty", "isThirdParty cannot change after creation")
	}
	u := directory.AppUpdate{Name: in.Name, Description: in.Description, CustomData: in.CustomData}
	if m := in.OIDCClientMetadata; m != nil {
		u.RedirectURIs, u.PostLogoutRedirectURIs, u.IDTokenAlg = m.RedirectURIs, m.PostLogoutRedirectURIs, m.IDTokenSignedResponseAlg
		u.BackChannelLogoutURI, u.BackChannelLogoutSessionRequired = m.BackchannelLogoutURI, m.BackchannelLogoutSessionRequired
	}
	if m := in.CustomClientMetadata; m != nil {
		u.CORSOrigins, u.IDTokenTTL, u.RefreshTokenTTLInDays = m.CORSAllowedOrigins, m.IDTokenTTL, m.RefreshTokenTTLInDays
		u.RotateRefreshToken, u.AlwaysIssueRefreshToken = m.RotateRefreshToken, m.AlwaysIssueRefreshToken
		u.RefreshTokenReuseInterval = m.RefreshReuseInterval
	}
	c, err := h.Apps.Update(r.Context(), r.PathValue("id"), u)
	if err != nil {
		return err
	}
	if err := h.record(r, "Application", "Update", c.ID, nil, appView(c)); err != nil {
		return err
	}
	return write(w, r, http.StatusOK, appView(c))
}

// appSecret is Logto's application secret; Value only in the answer that
// creates it.
type appSecret struct {
	TenantID      string `json:"tenantId"`
	ApplicationID string `json:"applicationId"`
	Name          string `json:"name"`
	Value         string `json:"value,omitempty"`
	CreatedAt     *int64 `json:"createdAt"`
	ExpiresAt     *int64 `json:"expiresAt"`
}

func secretView(appID string, s store.ClientSecret) appSecret {
	return appSecret{TenantID: "default", ApplicationID: appID, Name: s.Name, CreatedAt: ms(s.CreatedAt), ExpiresAt: ms(s.ExpiresAt)}
}

func (h *Handler) listSecrets(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	ss, err := h.Apps.Secrets(r.Context(), id)
	if err != nil {
		return err
	}
	out := make([]appSecret, 0, len(ss))
	for _, s := range ss {
		out = append(out, secretView(id, s))
	}
	return write(w, r, http.StatusOK, out)
}

type secretCreate struct {
	Name      string `json:"name"`
	ExpiresAt *int64 `json:"expiresAt"` // epoch ms; null or absent: never
}

func (h *Handler) addSecret(w http.ResponseWriter, r *http.Request) error {
	c, err := h.app(r)
	if err != nil {
		return err
	}
	var in secretCreate
	if err := decode(r, &in); err != nil {
		return err
	}
	var exp time.Time
	if in.ExpiresAt != nil {
		if *in.ExpiresAt <= 0 || *in.ExpiresAt > 1<<53 {
			return fieldError(directory.FieldSecretExpiresAt, "expiresAt must be a time in epoch milliseconds")
		}
		exp = time.UnixMilli(*in.ExpiresAt)
	}
	value, s, err := h.Apps.AddSecret(r.Context(), c, in.Name, exp)
	if err != nil {
		return err
	}
	v := secretView(c.ID, s)
	v.Value = value
	if err := h.record(r, "Application", "AddSecret", c.ID, nil, secretView(c.ID, s)); err != nil {
		return err
	}
	return write(w, r, http.StatusCreated, v)
}

func (h *Handler) deleteSecret(w http.ResponseWriter, r *http.Request) error {
	if err := h.Apps.DeleteSecret(r.Context(), r.PathValue("id"), r.PathValue("name")); err != nil {
		return err
	}
	if err := h.record(r, "Application", "DeleteSecret", r.PathValue("id"), map[string]string{"name": r.PathValue("name")}, nil); err != nil {
		return err
	}
	return noContent(w)
}

func (h *Handler) deleteApp(w http.ResponseWriter, r *http.Request) error {
	if err := h.Apps.Delete(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	if err := h.record(r, "Application", "Delete", r.PathValue("id"), nil, nil); err != nil {
		return err
	}
	return noContent(w)
}

func (h *Handler) listAppRoles(w http.ResponseWriter, r *http.Request) error {
	c, err := h.app(r)
	if err != nil {
		return err
	}
	rs, err := h.Lists.ListClientRoles(r.Context(), c.ID)
	if err != nil {
		return err
	}
	return write(w, r, http.StatusOK, roleViews(rs))
}

type roleIDs struct {
	RoleIDs []string `json:"roleIds"`
}

func (h *Handler) assignAppRoles(w http.ResponseWriter, r *http.Request) error {
	c, err := h.app(r)
	if err != nil {
		return err
	}
	var in roleIDs
	if err := decode(r, &in); err != nil {
		return err
	}
	return assignAll(h, w, r, "roleIds", "role", in.RoleIDs, h.Roles.Find,
		func(ro store.Role) error { return directory.CheckAppRole(c, ro) },
		func(ctx context.Context, ro store.Role) error { return h.Roles.AssignApp(ctx, c, ro) },
		"Application", "AssignRoles", c.ID, in)
}

func (h *Handler) unassignAppRole(w http.ResponseWriter, r *http.Request) error {
	c, err := h.app(r)
	if err != nil {
		return err
	}
	role, err := h.Roles.Find(r.Context(), r.PathValue("roleId"))
	if err != nil {
		return err
	}
	if err := h.Roles.UnassignApp(r.Context(), c, role); err != nil {
		return err
	}
	if err := h.record(r, "Application", "UnassignRole", c.ID, roleView(role), nil); err != nil {
		return err
	}
	return noContent(w)
}

// fieldError is guard.invalid_input about one field.
func fieldError(field, msg string) *Error {
	e := invalidInput(msg)
	e.Data = map[string]string{"field": field}
	return e
}

// onlyParams refuses query parameters a route does not take.
func onlyParams(r *http.Request, allowed ...string) error {
	for k := range r.URL.Query() {
		ok := false
		for _, a := range allowed {
			ok = ok || a == k
		}
		if !ok {
			return invalidInput("unknown query parameter " + k)
		}
	}
	return nil
}
