package management

import (
	"net/http"

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
}

type customClientMetadata struct {
	CORSAllowedOrigins []string `json:"corsAllowedOrigins,omitempty"`
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
	CustomData           map[string]any       `json:"customData"`
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
	return application{TenantID: "default", ID: c.ID, Name: c.Name, Type: appTypes[c.Type],
		OIDCClientMetadata:   oidcClientMetadata{nonNil(c.RedirectURIs), nonNil(c.PostLogoutRedirectURIs)},
		CustomClientMetadata: customClientMetadata{c.CORSOrigins}, CustomData: map[string]any{},
		IsThirdParty: c.ThirdParty, CreatedAt: ms(c.CreatedAt)}
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
	na := directory.NewApp{Name: in.Name, Type: appType(in.Type), ThirdParty: in.IsThirdParty}
	if m := in.OIDCClientMetadata; m != nil {
		na.RedirectURIs, na.PostLogoutRedirectURIs = m.RedirectURIs, m.PostLogoutRedirectURIs
	}
	if m := in.CustomClientMetadata; m != nil {
		na.CORSOrigins = m.CORSAllowedOrigins
	}
	a, secret, err := h.Apps.Create(r.Context(), na)
	if err != nil {
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

func (h *Handler) deleteApp(w http.ResponseWriter, r *http.Request) error {
	if err := h.Apps.Delete(r.Context(), r.PathValue("id")); err != nil {
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
	if len(in.RoleIDs) == 0 {
		return fieldError("roleIds", "roleIds must name at least one role")
	}
	rs, err := h.findRoles(r, in.RoleIDs)
	if err != nil {
		return err
	}
	for _, role := range rs {
		if err := h.Roles.AssignApp(r.Context(), c, role); err != nil {
			return err
		}
	}
	w.WriteHeader(http.StatusCreated)
	return nil
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
	return noContent(w)
}

// findRoles resolves every id before anything is assigned, so an unknown
// id changes nothing.
func (h *Handler) findRoles(r *http.Request, ids []string) ([]store.Role, error) {
	out := make([]store.Role, 0, len(ids))
	for _, id := range ids {
		role, err := h.Roles.Find(r.Context(), id)
		if err != nil {
			return nil, err
		}
		out = append(out, role)
	}
	return out, nil
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
