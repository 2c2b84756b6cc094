package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
)

// RoleRow is one line of the roles list.
type RoleRow struct {
	ID, Name, Description string
	IsDefault, Protected  bool
	Members               int
}

// RolesPage lists the user roles or the machine-to-machine roles.
type RolesPage struct {
	ui.Base
	Nav
	Type  string // "user" or "m2m"
	Roles []RoleRow
}

func (*RolesPage) Template() string { return "console/roles" }

// NewRolePage creates a role.
type NewRolePage struct {
	ui.Base
	Nav
	Name, Description, Type string
	IsDefault               bool
	Errors                  map[string]ui.Msg
}

func (*NewRolePage) Template() string { return "console/role_new" }

// HeldScope is a permission a role holds.
type HeldScope struct {
	ID, Name, Resource string
}

// ScopeGroup is one resource's permissions a role may be given.
type ScopeGroup struct {
	Resource, Indicator string
	Scopes              []store.ResourceScope
}

// RolePage is a role's details: settings, permissions and members.
type RolePage struct {
	ui.Base
	Nav
	Role              store.Role
	Protected         bool
	Name, Description string
	IsDefault         bool
	Held              []HeldScope
	Available         []ScopeGroup
	Users             []UserRow // user roles: members
	Apps              []AppRow  // m2m roles: members
	Members           int       // how many in all (the page shows the first ones)
	Query             string    // the add-a-user search
	Found             []UserRow // its results
	Candidates        []AppRow  // m2m apps without the role
	Errors            map[string]ui.Msg
	Error, Message    ui.Msg
}

func (*RolePage) Template() string { return "console/role" }

// membersShown bounds the members a role's page lists.
const membersShown = 100

func roleType(s string) string {
	if s == string(store.RoleM2M) {
		return s
	}
	return string(store.RoleUser)
}

func (h *Handler) rolesPage(w http.ResponseWriter, r *http.Request, rq *request) {
	typ := roleType(r.URL.Query().Get("type"))
	all, err := h.Roles.List(r.Context())
	if err != nil {
		h.failure(w, r, err)
		return
	}
	roles := slices.DeleteFunc(all, func(ro store.Role) bool { return string(ro.Type) != typ })
	stats, err := h.Roles.Stats(r.Context(), roles)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p := &RolesPage{Base: ui.Base{Title: h.t(r, "console.roles.title")}, Nav: h.nav(rq, "roles"), Type: typ}
	for _, ro := range roles {
		st := stats[ro.ID]
		p.Roles = append(p.Roles, RoleRow{ID: ro.ID, Name: ro.Name, Description: ro.Description, IsDefault: ro.IsDefault,
			Protected: directory.CheckRoleChange(ro.ID) != nil, Members: st.UsersCount + st.ClientsCount})
	}
	h.render(w, r, http.StatusOK, p)
}

func (h *Handler) newRolePage(w http.ResponseWriter, r *http.Request, rq *request) {
	h.render(w, r, http.StatusOK, &NewRolePage{Base: ui.Base{Title: h.t(r, "console.role_new.title")}, Nav: h.nav(rq, "roles"),
		Type: roleType(r.URL.Query().Get("type"))})
}

var roleFields = map[string]string{"name": "name", "description": "description", "type": "type"}

func (h *Handler) createRole(w http.ResponseWriter, r *http.Request, rq *request) {
	f := r.PostForm
	p := &NewRolePage{Base: ui.Base{Title: h.t(r, "console.role_new.title")}, Nav: h.nav(rq, "roles"), Name: f.Get("name"),
		Description: f.Get("description"), Type: f.Get("type"), IsDefault: f.Get("is_default") == "true"}
	ro, err := h.Roles.Create(r.Context(), directory.NewRole{Name: p.Name, Description: p.Description,
		Type: store.RoleType(p.Type), IsDefault: p.IsDefault})
	if directory.IsBadInput(err) {
		field := fieldOf(err, roleFields, "name")
		if errors.Is(err, directory.ErrRoleMismatch) {
			field = "is_default"
		}
		p.Errors = map[string]ui.Msg{field: refused(err)}
		h.render(w, r, http.StatusBadRequest, p)
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "Role", "Create", ro.ID, nil, roleDoc(ro)) {
		return
	}
	h.seeOther(w, r, "/roles/"+url.PathEscape(ro.ID)+"?done=created")
}

// loadRole finds the role named in the path; on failure it has answered.
func (h *Handler) loadRole(w http.ResponseWriter, r *http.Request) (store.Role, bool) {
	ro, err := h.Roles.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, directory.ErrRoleNotFound) {
		h.errorPage(w, r, http.StatusNotFound, "console.error.no_role", "console.error.no_role.message")
		return store.Role{}, false
	}
	if err != nil {
		h.failure(w, r, err)
		return store.Role{}, false
	}
	return ro, true
}

var roleMessages = map[string]ui.Msg{
	"created":  ui.M("console.role.done.created"),
	"saved":    ui.M("console.saved"),
	"scopes":   ui.M("console.role.done.scopes"),
	"unscoped": ui.M("console.role.done.unscoped"),
	"assigned": ui.M("console.role.done.assigned"),
	"removed":  ui.M("console.role.done.removed"),
}

// roleView renders the role's page; fill sets the error and form values.
func (h *Handler) roleView(w http.ResponseWriter, r *http.Request, rq *request, ro store.Role, status int, fill func(*RolePage)) {
	ctx := r.Context()
	p := &RolePage{Base: ui.Base{Title: ro.Name}, Nav: h.nav(rq, "roles"), Role: ro, Protected: directory.CheckRoleChange(ro.ID) != nil,
		Name: ro.Name, Description: ro.Description, IsDefault: ro.IsDefault, Message: roleMessages[r.URL.Query().Get("done")]}
	held, err := h.Roles.Scopes(ctx, ro)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	resources, err := h.Resources.List(ctx)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	names := map[string]string{}
	for _, x := range resources {
		names[x.ID] = x.Name
	}
	isHeld := map[string]bool{}
	for _, sc := range held {
		isHeld[sc.ID] = true
		p.Held = append(p.Held, HeldScope{ID: sc.ID, Name: sc.Name, Resource: names[sc.ResourceID]})
	}
	for _, x := range resources {
		scopes, err := h.Resources.Scopes(ctx, x.ID)
		if err != nil {
			h.failure(w, r, err)
			return
		}
		g := ScopeGroup{Resource: x.Name, Indicator: x.Indicator}
		for _, sc := range scopes {
			if !isHeld[sc.ID] {
				g.Scopes = append(g.Scopes, sc)
			}
		}
		if len(g.Scopes) > 0 {
			p.Available = append(p.Available, g)
		}
	}
	if ro.Type == store.RoleM2M {
		apps, n, err := h.Roles.Apps(ctx, ro, store.ListQuery{PageSize: membersShown})
		if err != nil {
			h.failure(w, r, err)
			return
		}
		p.Members = n
		member := map[string]bool{}
		for _, c := range apps {
			member[c.ID] = true
			p.Apps = append(p.Apps, AppRow{ID: c.ID, Name: c.Name, Type: typeLabel(c.Type), CreatedAt: c.CreatedAt})
		}
		all, err := h.Apps.List(ctx)
		if err != nil {
			h.failure(w, r, err)
			return
		}
		for _, a := range all {
			if a.Client.Type == store.AppM2M && !member[a.Client.ID] {
				p.Candidates = append(p.Candidates, AppRow{ID: a.Client.ID, Name: a.Client.Name})
			}
		}
	} else {
		users, n, err := h.Roles.Users(ctx, ro, store.ListQuery{PageSize: membersShown})
		if err != nil {
			h.failure(w, r, err)
			return
		}
		p.Members = n
		for _, u := range users {
			p.Users = append(p.Users, userRow(u))
		}
		if q := strings.TrimSpace(r.URL.Query().Get("q")); q != "" && len(q) <= 256 {
			p.Query = q
			found, _, err := h.Store.ListUsersPage(ctx, store.ListQuery{Search: q, PageSize: 10})
			if err != nil {
				h.failure(w, r, err)
				return
			}
			for _, u := range found {
				p.Found = append(p.Found, userRow(u))
			}
		}
	}
	if fill != nil {
		fill(p)
	}
	h.render(w, r, status, p)
}

func userRow(u store.User) UserRow {
	return UserRow{ID: u.ID, Username: u.Username, Email: u.Email, Name: u.Name, Suspended: u.Suspended, CreatedAt: u.CreatedAt}
}

func (h *Handler) rolePage(w http.ResponseWriter, r *http.Request, rq *request) {
	if ro, ok := h.loadRole(w, r); ok {
		h.roleView(w, r, rq, ro, http.StatusOK, nil)
	}
}

// roleError shows a domain refusal on the role's page.
func (h *Handler) roleError(w http.ResponseWriter, r *http.Request, rq *request, ro store.Role, err error) {
	h.roleView(w, r, rq, ro, http.StatusBadRequest, func(p *RolePage) { p.Error = refused(err) })
}

func (h *Handler) updateRole(w http.ResponseWriter, r *http.Request, rq *request) {
	ro, ok := h.loadRole(w, r)
	if !ok {
		return
	}
	name, desc, def := r.PostFormValue("name"), r.PostFormValue("description"), r.PostFormValue("is_default") == "true"
	u := directory.RoleUpdate{Description: &desc}
	if name != ro.Name { // a built-in role keeps its name but its description can change
		u.Name = &name
	}
	if ro.Type == store.RoleUser {
		u.IsDefault = &def
	}
	after, err := h.Roles.Update(r.Context(), ro, u)
	if directory.IsBadInput(err) {
		h.roleView(w, r, rq, ro, http.StatusBadRequest, func(p *RolePage) {
			p.Name, p.Description, p.IsDefault = name, desc, def
			p.Errors = map[string]ui.Msg{fieldOf(err, roleFields, "name"): refused(err)}
		})
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "Role", "Update", ro.ID, roleDoc(ro), roleDoc(after)) {
		return
	}
	h.seeOther(w, r, "/roles/"+url.PathEscape(ro.ID)+"?done=saved")
}

func (h *Handler) deleteRole(w http.ResponseWriter, r *http.Request, rq *request) {
	ro, ok := h.loadRole(w, r)
	if !ok {
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		h.roleView(w, r, rq, ro, http.StatusBadRequest, func(p *RolePage) { p.Error = ui.M("console.confirm_tick") })
		return
	}
	err := h.Roles.Delete(r.Context(), ro)
	if directory.IsBadInput(err) {
		h.roleError(w, r, rq, ro, err)
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "Role", "Delete", ro.ID, roleDoc(ro), nil) {
		return
	}
	h.seeOther(w, r, "/roles?type="+string(ro.Type))
}

func (h *Handler) addRoleScopes(w http.ResponseWriter, r *http.Request, rq *request) {
	ro, ok := h.loadRole(w, r)
	if !ok {
		return
	}
	ids := r.PostForm["scope_id"]
	if len(ids) == 0 {
		h.roleView(w, r, rq, ro, http.StatusBadRequest, func(p *RolePage) {
			p.Errors = map[string]ui.Msg{"scopes": ui.M("console.role.choose_scope")}
		})
		return
	}
	err := h.Roles.AddScopes(r.Context(), ro, ids)
	if directory.IsBadInput(err) {
		h.roleView(w, r, rq, ro, http.StatusBadRequest, func(p *RolePage) { p.Errors = map[string]ui.Msg{"scopes": refused(err)} })
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "Role", "AddScopes", ro.ID, nil, map[string][]string{"scopeIds": ids}) {
		return
	}
	h.seeOther(w, r, "/roles/"+url.PathEscape(ro.ID)+"?done=scopes")
}

func (h *Handler) removeRoleScope(w http.ResponseWriter, r *http.Request, rq *request) {
	ro, ok := h.loadRole(w, r)
	if !ok {
		return
	}
	id := r.PathValue("scope")
	err := h.Roles.RemoveScope(r.Context(), ro, id)
	if directory.IsBadInput(err) {
		h.roleError(w, r, rq, ro, err)
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "Role", "RemoveScope", ro.ID, map[string]string{"scopeId": id}, nil) {
		return
	}
	h.seeOther(w, r, "/roles/"+url.PathEscape(ro.ID)+"?done=unscoped")
}

// member finds the user or app a role form names; on failure it has
// answered on the role's page.
func (h *Handler) roleUser(w http.ResponseWriter, r *http.Request, rq *request, ro store.Role, id string) (store.User, bool) {
	u, err := h.Users.Store.GetUser(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		h.roleError(w, r, rq, ro, directory.UserNotFound(id))
		return store.User{}, false
	}
	if err != nil {
		h.failure(w, r, err)
		return store.User{}, false
	}
	return u, true
}

func (h *Handler) assignRoleUser(w http.ResponseWriter, r *http.Request, rq *request) {
	ro, ok := h.loadRole(w, r)
	if !ok {
		return
	}
	u, ok := h.roleUser(w, r, rq, ro, r.PostFormValue("user_id"))
	if !ok {
		return
	}
	if err := h.Roles.AssignUser(r.Context(), u, ro); directory.IsBadInput(err) {
		h.roleError(w, r, rq, ro, err)
		return
	} else if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "Role", "AssignUsers", ro.ID, nil, map[string][]string{"userIds": {u.ID}}) {
		return
	}
	h.seeOther(w, r, "/roles/"+url.PathEscape(ro.ID)+"?done=assigned")
}

func (h *Handler) unassignRoleUser(w http.ResponseWriter, r *http.Request, rq *request) {
	ro, ok := h.loadRole(w, r)
	if !ok {
		return
	}
	u, ok := h.roleUser(w, r, rq, ro, r.PathValue("user"))
	if !ok {
		return
	}
	// The administrator role goes through admin.Admins.Disable, the rule
	// that keeps the last enabled administrator (docs/security.md).
	unassign := func() error { return h.Roles.UnassignUser(r.Context(), u, ro) }
	if ro.ID == admin.AdminRoleID {
		unassign = func() error { _, err := h.Admins.Disable(r.Context(), u.ID); return err }
	}
	if err := unassign(); directory.IsBadInput(err) {
		h.roleError(w, r, rq, ro, err)
		return
	} else if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "Role", "UnassignUser", ro.ID, map[string]string{"userId": u.ID}, nil) {
		return
	}
	h.seeOther(w, r, "/roles/"+url.PathEscape(ro.ID)+"?done=removed")
}

func (h *Handler) roleApp(w http.ResponseWriter, r *http.Request, rq *request, ro store.Role, id string) (store.Client, bool) {
	c, err := h.Apps.Get(r.Context(), id)
	if directory.IsBadInput(err) {
		h.roleError(w, r, rq, ro, err)
		return store.Client{}, false
	}
	if err != nil {
		h.failure(w, r, err)
		return store.Client{}, false
	}
	return c, true
}

func (h *Handler) assignRoleApp(w http.ResponseWriter, r *http.Request, rq *request) {
	ro, ok := h.loadRole(w, r)
	if !ok {
		return
	}
	c, ok := h.roleApp(w, r, rq, ro, r.PostFormValue("app_id"))
	if !ok {
		return
	}
	if err := h.Roles.AssignApp(r.Context(), c, ro); directory.IsBadInput(err) {
		h.roleError(w, r, rq, ro, err)
		return
	} else if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "Role", "AssignApplications", ro.ID, nil, map[string][]string{"applicationIds": {c.ID}}) {
		return
	}
	h.seeOther(w, r, "/roles/"+url.PathEscape(ro.ID)+"?done=assigned")
}

func (h *Handler) unassignRoleApp(w http.ResponseWriter, r *http.Request, rq *request) {
	ro, ok := h.loadRole(w, r)
	if !ok {
		return
	}
	c, ok := h.roleApp(w, r, rq, ro, r.PathValue("app"))
	if !ok {
		return
	}
	if err := h.Roles.UnassignApp(r.Context(), c, ro); directory.IsBadInput(err) {
		h.roleError(w, r, rq, ro, err)
		return
	} else if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "Role", "UnassignApplication", ro.ID, map[string]string{"applicationId": c.ID}, nil) {
		return
	}
	h.seeOther(w, r, "/roles/"+url.PathEscape(ro.ID)+"?done=removed")
}
