package management

import (
	"net/http"
	"time"

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
	if len(in.UserIDs) == 0 {
		return fieldError("userIds", "userIds must name at least one user")
	}
	us := make([]store.User, 0, len(in.UserIDs))
	for _, id := range in.UserIDs { // resolve all first: an unknown id changes nothing
		u, err := h.Users.Find(r.Context(), id)
		if err != nil {
			return err
		}
		us = append(us, u)
	}
	for _, u := range us {
		if err := h.Roles.AssignUser(r.Context(), u, ro); err != nil {
			return err
		}
	}
	if err := h.record(r, "Role", "AssignUsers", ro.ID, nil, in); err != nil {
		return err
	}
	w.WriteHeader(http.StatusCreated)
	return nil
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
	if len(in.ApplicationIDs) == 0 {
		return fieldError("applicationIds", "applicationIds must name at least one application")
	}
	cs := make([]store.Client, 0, len(in.ApplicationIDs))
	for _, id := range in.ApplicationIDs { // resolve all first: an unknown id changes nothing
		c, err := h.Apps.Get(r.Context(), id)
		if err != nil {
			return err
		}
		cs = append(cs, c)
	}
	for _, c := range cs { // every rule first: a refusal assigns nothing
		if err := directory.CheckAppRole(c, ro); err != nil {
			return err
		}
	}
	for _, c := range cs {
		if err := h.Roles.AssignApp(r.Context(), c, ro); err != nil {
			return err
		}
	}
	if err := h.record(r, "Role", "AssignApplications", ro.ID, nil, in); err != nil {
		return err
	}
	w.WriteHeader(http.StatusCreated)
	return nil
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

func resourceView(r store.Resource) resource {
	return resource{ID: r.ID, Name: r.Name, Indicator: r.Indicator, AccessTokenTTL: int64(r.AccessTokenTTL / time.Second)}
}

func (h *Handler) listResources(w http.ResponseWriter, r *http.Request) error {
	p, err := readPaging(r.URL.Query())
	if err != nil {
		return err
	}
	if err := onlyParams(r, "page", "page_size"); err != nil {
		return err
	}
	rs, err := h.Resources.List(r.Context())
	if err != nil {
		return err
	}
	if p.Asked {
		h.pageHeaders(w, r, p, len(rs))
		rs = slice(rs, p)
	}
	out := make([]resource, 0, len(rs))
	for _, x := range rs {
		out = append(out, resourceView(x))
	}
	return write(w, r, http.StatusOK, out)
}

type resourceCreate struct {
	Name           string `json:"name"`
	Indicator      string `json:"indicator"`
	AccessTokenTTL *int64 `json:"accessTokenTtl"`
}

func (h *Handler) getResource(w http.ResponseWriter, r *http.Request) error {
	x, err := h.Resources.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return write(w, r, http.StatusOK, resourceView(x))
}

type resourceUpdate struct {
	Name           *string `json:"name"`
	AccessTokenTTL *int64  `json:"accessTokenTtl"`
}

func (h *Handler) updateResource(w http.ResponseWriter, r *http.Request) error {
	var in resourceUpdate
	if err := decode(r, &in); err != nil {
		return err
	}
	u := directory.ResourceUpdate{Name: in.Name}
	if in.AccessTokenTTL != nil {
		ttl, err := ttlSeconds(*in.AccessTokenTTL)
		if err != nil {
			return err
		}
		u.AccessTokenTTL = &ttl
	}
	x, err := h.Resources.Update(r.Context(), r.PathValue("id"), u)
	if err != nil {
		return err
	}
	if err := h.record(r, "Resource", "Update", x.ID, nil, resourceView(x)); err != nil {
		return err
	}
	return write(w, r, http.StatusOK, resourceView(x))
}

func (h *Handler) deleteResource(w http.ResponseWriter, r *http.Request) error {
	if err := h.Resources.Delete(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	if err := h.record(r, "Resource", "Delete", r.PathValue("id"), nil, nil); err != nil {
		return err
	}
	return noContent(w)
}

func (h *Handler) resourceScopes(w http.ResponseWriter, r *http.Request) error {
	ss, err := h.Resources.Scopes(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return write(w, r, http.StatusOK, scopeViews(ss))
}

type scopeBody struct {
	Name        string  `json:"name"`
	Description *string `json:"description"`
}

func (h *Handler) createScope(w http.ResponseWriter, r *http.Request) error {
	var in scopeBody
	if err := decode(r, &in); err != nil {
		return err
	}
	sc, err := h.Resources.CreateScope(r.Context(), r.PathValue("id"), in.Name, deref(in.Description))
	if err != nil {
		return err
	}
	if err := h.record(r, "Resource", "CreateScope", r.PathValue("id"), nil, scopeView(sc)); err != nil {
		return err
	}
	return write(w, r, http.StatusCreated, scopeView(sc))
}

func (h *Handler) updateScope(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Description *string `json:"description"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Description == nil {
		return fieldError("description", "description is required (a scope's name cannot change: tokens carry it)")
	}
	sc, err := h.Resources.UpdateScope(r.Context(), r.PathValue("id"), r.PathValue("scopeId"), *in.Description)
	if err != nil {
		return err
	}
	if err := h.record(r, "Resource", "UpdateScope", r.PathValue("id"), nil, scopeView(sc)); err != nil {
		return err
	}
	return write(w, r, http.StatusOK, scopeView(sc))
}

func (h *Handler) deleteScope(w http.ResponseWriter, r *http.Request) error {
	if err := h.Resources.DeleteScope(r.Context(), r.PathValue("id"), r.PathValue("scopeId")); err != nil {
		return err
	}
	if err := h.record(r, "Resource", "DeleteScope", r.PathValue("id"), map[string]string{"scopeId": r.PathValue("scopeId")}, nil); err != nil {
		return err
	}
	return noContent(w)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ttlSeconds reads accessTokenTtl (seconds); the domain checks its range.
func ttlSeconds(v int64) (time.Duration, error) {
	if v < 0 || v > 1<<31 {
		return 0, fieldError("accessTokenTtl", "accessTokenTtl must be between 1 and 86400 seconds")
	}
	return time.Duration(v) * time.Second, nil
}

func (h *Handler) createResource(w http.ResponseWriter, r *http.Request) error {
	var in resourceCreate
	if err := decode(r, &in); err != nil {
		return err
	}
	ttl := time.Hour // Logto's default, 3600 s
	if in.AccessTokenTTL != nil {
		var err error
		if ttl, err = ttlSeconds(*in.AccessTokenTTL); err != nil {
			return err
		}
	}
	x, err := h.Resources.Create(r.Context(), directory.NewResource{Name: in.Name, Indicator: in.Indicator, AccessTokenTTL: ttl})
	if err != nil {
		return err
	}
	if err := h.record(r, "Resource", "Create", x.ID, nil, resourceView(x)); err != nil {
		return err
	}
	return write(w, r, http.StatusCreated, resourceView(x))
}
