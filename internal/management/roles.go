package management

import (
	"context"
	"net/http"

	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/store"
)

var roleTypes = map[store.RoleType]string{store.RoleUser: "User", store.RoleM2M: "MachineToMachine"}

type role struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Type        string `json:"type"`
	IsDefault   bool   `json:"isDefault"`
}

func roleView(r store.Role) role {
	return role{ID: r.ID, Name: r.Name, Description: r.Description, Type: roleTypes[r.Type], IsDefault: r.IsDefault}
}

// roleListEntry is a role in GET /api/roles, with Logto's member counts.
type roleListEntry struct {
	role
	UsersCount           int           `json:"usersCount"`
	FeaturedUsers        []featured    `json:"featuredUsers"`
	ApplicationsCount    int           `json:"applicationsCount"`
	FeaturedApplications []featuredApp `json:"featuredApplications"`
}

type featured struct {
	ID     string  `json:"id"`
	Avatar *string `json:"avatar"`
	Name   *string `json:"name"`
}

type featuredApp struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

func roleViews(rs []store.Role) []role {
	out := make([]role, 0, len(rs))
	for _, r := range rs {
		out = append(out, roleView(r))
	}
	return out
}

func (h *Handler) listRoles(w http.ResponseWriter, r *http.Request) error {
	p, err := readPaging(r.URL.Query())
	if err != nil {
		return err
	}
	if err := onlyParams(r, "page", "page_size"); err != nil {
		return err
	}
	rs, err := h.Roles.List(r.Context())
	if err != nil {
		return err
	}
	h.pageHeaders(w, r, p, len(rs))
	rs = slice(rs, p)
	stats, err := h.Roles.Stats(r.Context(), rs)
	if err != nil {
		return err
	}
	out := make([]roleListEntry, 0, len(rs))
	for _, ro := range rs {
		st := stats[ro.ID]
		e := roleListEntry{role: roleView(ro), UsersCount: st.UsersCount, ApplicationsCount: st.ClientsCount,
			FeaturedUsers: []featured{}, FeaturedApplications: []featuredApp{}}
		for _, u := range st.FeaturedUsers {
			e.FeaturedUsers = append(e.FeaturedUsers, featured{ID: u.ID, Avatar: null(u.Picture), Name: null(u.Name)})
		}
		for _, c := range st.FeaturedClients {
			e.FeaturedApplications = append(e.FeaturedApplications, featuredApp{ID: c.ID, Name: c.Name, Type: appTypes[c.Type]})
		}
		out = append(out, e)
	}
	return write(w, r, http.StatusOK, out)
}

type roleCreate struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Type        string   `json:"type"`
	IsDefault   bool     `json:"isDefault"`
	ScopeIDs    []string `json:"scopeIds"`
}

func (h *Handler) createRole(w http.ResponseWriter, r *http.Request) error {
	var in roleCreate
	if err := decode(r, &in); err != nil {
		return err
	}
	t := store.RoleUser // Logto's default
	if in.Type != "" {
		t = store.RoleType(in.Type)
		for k, v := range roleTypes {
			if v == in.Type {
				t = k
			}
		}
	}
	// The role and its scopes in one transaction: a bad scope id leaves
	// no role behind.
	ro, err := h.Roles.Create(r.Context(), directory.NewRole{Name: in.Name, Description: in.Description, Type: t, IsDefault: in.IsDefault,
		ScopeIDs: in.ScopeIDs})
	if err != nil {
		return err
	}
	if err := h.record(r, "Role", "Create", ro.ID, nil, roleView(ro)); err != nil {
		return err
	}
	return write(w, r, http.StatusOK, roleView(ro))
}

func (h *Handler) role(r *http.Request) (store.Role, error) {
	return h.Roles.Get(r.Context(), r.PathValue("id"))
}

type roleUpdate struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	IsDefault   *bool   `json:"isDefault"`
}

func (h *Handler) updateRole(w http.ResponseWriter, r *http.Request) error {
	ro, err := h.role(r)
	if err != nil {
		return err
	}
	var in roleUpdate
	if err := decode(r, &in); err != nil {
		return err
	}
	ro, err = h.Roles.Update(r.Context(), ro, directory.RoleUpdate{Name: in.Name, Description: in.Description, IsDefault: in.IsDefault})
	if err != nil {
		return err
	}
	if err := h.record(r, "Role", "Update", ro.ID, nil, roleView(ro)); err != nil {
		return err
	}
	return write(w, r, http.StatusOK, roleView(ro))
}

func (h *Handler) roleUsers(w http.ResponseWriter, r *http.Request) error {
	ro, err := h.role(r)
	if err != nil {
		return err
	}
	p, err := readPaging(r.URL.Query())
	if err != nil {
		return err
	}
	lq, err := readSearch(r.URL.Query(), userSearchFields)
	if err != nil {
		return err
	}
	lq.Page, lq.PageSize = p.Page, p.Size
	us, total, err := h.Roles.Users(r.Context(), ro, lq)
	if err != nil {
		return err
	}
	h.pageHeaders(w, r, p, total)
	out := make([]user, 0, len(us))
	for _, u := range us {
		out = append(out, userView(u))
	}
	return write(w, r, http.StatusOK, out)
}

func (h *Handler) roleApps(w http.ResponseWriter, r *http.Request) error {
	ro, err := h.role(r)
	if err != nil {
		return err
	}
	p, err := readPaging(r.URL.Query())
	if err != nil {
		return err
	}
	lq, err := readSearch(r.URL.Query(), appSearchFields)
	if err != nil {
		return err
	}
	lq.Page, lq.PageSize = p.Page, p.Size
	cs, total, err := h.Roles.Apps(r.Context(), ro, lq)
	if err != nil {
		return err
	}
	h.pageHeaders(w, r, p, total)
	out := make([]application, 0, len(cs))
	for _, c := range cs {
		out = append(out, appView(c))
	}
	return write(w, r, http.StatusOK, out)
}

// scope is Logto's scope: {id, resourceId, name, description, createdAt}.
type scope struct {
	ID          string  `json:"id"`
	ResourceID  string  `json:"resourceId"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
	CreatedAt   *int64  `json:"createdAt"`
}

func scopeViews(ss []store.ResourceScope) []scope {
	out := make([]scope, 0, len(ss))
	for _, s := range ss {
		out = append(out, scopeView(s))
	}
	return out
}

func scopeView(s store.ResourceScope) scope {
	return scope{ID: s.ID, ResourceID: s.ResourceID, Name: s.Name, Description: null(s.Description), CreatedAt: ms(s.CreatedAt)}
}

func (h *Handler) roleScopes(w http.ResponseWriter, r *http.Request) error {
	ro, err := h.role(r)
	if err != nil {
		return err
	}
	ss, err := h.Roles.Scopes(r.Context(), ro)
	if err != nil {
		return err
	}
	return write(w, r, http.StatusOK, scopeViews(ss))
}

type scopeIDs struct {
	ScopeIDs []string `json:"scopeIds"`
}

func (h *Handler) roleAddScopes(w http.ResponseWriter, r *http.Request) error {
	ro, err := h.role(r)
	if err != nil {
		return err
	}
	var in scopeIDs
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := h.Roles.AddScopes(r.Context(), ro, in.ScopeIDs); err != nil {
		return err
	}
	ss, err := h.Roles.Scopes(r.Context(), ro)
	if err != nil {
		return err
	}
	if err := h.record(r, "Role", "AddScopes", ro.ID, nil, in); err != nil {
		return err
	}
	return write(w, r, http.StatusCreated, scopeViews(ss))
}

func (h *Handler) roleRemoveScope(w http.ResponseWriter, r *http.Request) error {
	ro, err := h.role(r)
	if err != nil {
		return err
	}
	if err := h.Roles.RemoveScope(r.Context(), ro, r.PathValue("scopeId")); err != nil {
		return err
	}
	if err := h.record(r, "Role", "RemoveScope", ro.ID, map[string]string{"scopeId": r.PathValue("scopeId")}, nil); err != nil {
		return err
	}
	return noContent(w)
}

func (h *Handler) getRole(w http.ResponseWriter, r *http.Request) error {
	ro, err := h.role(r)
	if err != nil {
		return err
	}
	return write(w, r, http.StatusOK, roleView(ro))
}

func (h *Handler) deleteRole(w http.ResponseWriter, r *http.Request) error {
	ro, err := h.role(r)
	if err != nil {
		return err
	}
	if err := h.Roles.Delete(r.Context(), ro); err != nil {
		return err
	}
	if err := h.record(r, "Role", "Delete", ro.ID, roleView(ro), nil); err != nil {
		return err
	}
	return noContent(w)
}

type userIDs struct {
	UserIDs []string `json:"userIds"`
}

func (h *Handler) roleAddUsers(w http.ResponseWriter, r *http.Request) error {
	ro, err := h.role(r)
	if err != nil {
		return err
	}
	var in userIDs
	if err := decode(r, &in); err != nil {
		return err
	}
	return assignAll(h, w, r, "userIds", "user", in.UserIDs, h.Users.Find,
		func(store.User) error { return directory.CheckUserRole(ro) },
		func(ctx context.Context, u store.User) error { return h.Roles.AssignUser(ctx, u, ro) },
		"Role", "AssignUsers", ro.ID, in)
}

func (h *Handler) roleRemoveUser(w http.ResponseWriter, r *http.Request) error {
	ro, err := h.role(r)
	if err != nil {
		return err
	}
	u, err := h.Users.Find(r.Context(), r.PathValue("userId"))
	if err != nil {
		return err
	}
	if err := h.Roles.UnassignUser(r.Context(), u, ro); err != nil {
		return err
	}
	if err := h.record(r, "Role", "UnassignUser", ro.ID, map[string]string{"userId": u.ID}, nil); err != nil {
		return err
	}
	return noContent(w)
}

type applicationIDs struct {
	ApplicationIDs []string `json:"applicationIds"`
}

func (h *Handler) roleAddApps(w http.ResponseWriter, r *http.Request) error {
	ro, err := h.role(r)
	if err != nil {
		return err
	}
	var in applicationIDs
	if err := decode(r, &in); err != nil {
		return err
	}
	return assignAll(h, w, r, "applicationIds", "application", in.ApplicationIDs, h.Apps.Get,
		func(c store.Client) error { return directory.CheckAppRole(c, ro) },
		func(ctx context.Context, c store.Client) error { return h.Roles.AssignApp(ctx, c, ro) },
		"Role", "AssignApplications", ro.ID, in)
}

func (h *Handler) roleRemoveApp(w http.ResponseWriter, r *http.Request) error {
	ro, err := h.role(r)
	if err != nil {
		return err
	}
	c, err := h.Apps.Get(r.Context(), r.PathValue("applicationId"))
	if err != nil {
		return err
	}
	if err := h.Roles.UnassignApp(r.Context(), c, ro); err != nil {
		return err
	}
	if err := h.record(r, "Role", "UnassignApplication", ro.ID, map[string]string{"applicationId": c.ID}, nil); err != nil {
		return err
	}
	return noContent(w)
}

type resource struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Indicator      string `json:"indicator"`
	IsDefault      bool   `json:"isDefault"`
	AccessTokenTTL int64  `json:"accessTokenTtl"` // seconds, as Logto
}
