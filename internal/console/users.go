package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/identity"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
)

const usersPerPage = 20

func (h *Handler) usersPage(w http.ResponseWriter, r *http.Request, rq *request) {
	q := r.URL.Query()
	search := q.Get("q")
	if len(search) > 256 {
		search = search[:256]
	}
	page, _ := strconv.Atoi(q.Get("page"))
	if page < 1 || page > 1<<20 {
		page = 1
	}
	users, total, err := h.Store.ListUsersPage(r.Context(), store.ListQuery{Page: page, PageSize: usersPerPage, Search: search})
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p := &UsersPage{Base: ui.Base{Title: h.t(r, "console.users.title")}, Nav: h.nav(rq, "users"), Query: search, Total: total, Page: page}
	for _, u := range users {
		p.Users = append(p.Users, UserRow{ID: u.ID, Username: u.Username, Email: u.Email, Name: u.Name, Suspended: u.Suspended, CreatedAt: u.CreatedAt})
	}
	link := func(n int) string {
		v := url.Values{"page": {strconv.Itoa(n)}}
		if search != "" {
			v.Set("q", search)
		}
		return h.path("/users?" + v.Encode())
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page*usersPerPage < total {
		p.Next = link(page + 1)
	}
	h.render(w, r, http.StatusOK, p)
}

func (h *Handler) newUserPage(w http.ResponseWriter, r *http.Request, rq *request) {
	h.render(w, r, http.StatusOK, &NewUserPage{Base: ui.Base{Title: h.t(r, "console.user_new.title")}, Nav: h.nav(rq, "users")})
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, rq *request) {
	f := r.PostForm
	nu := directory.NewUser{Username: f.Get("username"), Email: f.Get("email"), Name: f.Get("name"), Password: f.Get("password")}
	if f.Get("password") != f.Get("password_repeat") {
		h.render(w, r, http.StatusBadRequest, &NewUserPage{Base: ui.Base{Title: h.t(r, "console.user_new.title")}, Nav: h.nav(rq, "users"),
			Username: nu.Username, Email: nu.Email, Name: nu.Name, Error: ui.M("console.passwords_differ")})
		return
	}
	u, err := h.Users.Create(r.Context(), nu)
	if directory.IsBadInput(err) {
		h.render(w, r, http.StatusBadRequest, &NewUserPage{Base: ui.Base{Title: h.t(r, "console.user_new.title")}, Nav: h.nav(rq, "users"),
			Username: nu.Username, Email: nu.Email, Name: nu.Name, Error: refused(err)})
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "User", "Create", u.ID, nil, userDoc(u)) {
		return
	}
	h.seeOther(w, r, "/users/"+url.PathEscape(u.ID))
}

// loadUser finds the user named in the path; on failure it has answered.
func (h *Handler) loadUser(w http.ResponseWriter, r *http.Request) (store.User, bool) {
	u, err := h.Users.Store.GetUser(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		h.errorPage(w, r, http.StatusNotFound, "console.error.no_user", "console.error.no_user.message")
		return store.User{}, false
	}
	if err != nil {
		h.failure(w, r, err)
		return store.User{}, false
	}
	return u, true
}

func (h *Handler) userView(w http.ResponseWriter, r *http.Request, rq *request, u store.User, status int, msg, errMsg ui.Msg) {
	h.userViewWith(w, r, rq, u, status, func(p *UserPage) { p.Message, p.Error = msg, errMsg })
}

// userViewWith renders the user's page from the stored user, then lets
// set change it (a form's input and errors).
func (h *Handler) userViewWith(w http.ResponseWriter, r *http.Request, rq *request, u store.User, status int, set func(*UserPage)) {
	roles, err := h.Store.ListUserRoles(r.Context(), u.ID)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p := &UserPage{Base: ui.Base{Title: displayName(u)}, Nav: h.nav(rq, "users"), User: u}
	for _, ro := range roles {
		p.Roles = append(p.Roles, ro.Name)
		p.HeldRoles = append(p.HeldRoles, RoleRef{ID: ro.ID, Name: ro.Name, Admin: ro.ID == admin.AdminRoleID})
	}
	profileForm(p, u)
	if err := h.userDetails(r, p, roles); err != nil {
		h.failure(w, r, err)
		return
	}
	set(p)
	h.render(w, r, status, p)
}

func displayName(u store.User) string {
	switch {
	case u.Name != "":
		return u.Name
	case u.Username != "":
		return u.Username
	}
	return u.Email
}

var userMessages = map[string]ui.Msg{
	"password":        ui.M("console.user.done.password"),
	"suspended":       ui.M("console.user.done.suspended"),
	"active":          ui.M("console.user.done.active"),
	"sessions":        ui.M("console.user.done.sessions"),
	"profile":         ui.M("console.saved"),
	"role-assigned":   ui.M("console.user.done.role_assigned"),
	"role-unassigned": ui.M("console.user.done.role_unassigned"),
}

func (h *Handler) userPage(w http.ResponseWriter, r *http.Request, rq *request) {
	u, ok := h.loadUser(w, r)
	if !ok {
		return
	}
	h.userView(w, r, rq, u, http.StatusOK, userMessages[r.URL.Query().Get("done")], ui.Msg{})
}

func (h *Handler) setPassword(w http.ResponseWriter, r *http.Request, rq *request) {
	u, ok := h.loadUser(w, r)
	if !ok {
		return
	}
	pw := r.PostFormValue("password")
	if pw != r.PostFormValue("password_repeat") {
		h.userView(w, r, rq, u, http.StatusBadRequest, ui.Msg{}, ui.M("console.passwords_differ"))
		return
	}
	if err := identity.ValidatePassword(pw); err != nil {
		h.userView(w, r, rq, u, http.StatusBadRequest, ui.Msg{}, refused(err))
		return
	}
	if err := h.Users.SetPassword(r.Context(), u.ID, pw); err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "User", "SetPassword", u.ID, nil, nil) {
		return
	}
	h.seeOther(w, r, "/users/"+url.PathEscape(u.ID)+"?done=password")
}

func (h *Handler) suspend(w http.ResponseWriter, r *http.Request, rq *request) {
	u, ok := h.loadUser(w, r)
	if !ok {
		return
	}
	on := r.PostFormValue("suspend") == "true"
	if err := h.Users.Suspend(r.Context(), u.ID, on); err != nil {
		h.failure(w, r, err)
		return
	}
	done := "active"
	if on {
		done = "suspended"
	}
	if !h.record(w, r, rq, "User", "SetSuspended", u.ID, map[string]bool{"isSuspended": u.Suspended}, map[string]bool{"isSuspended": on}) {
		return
	}
	h.seeOther(w, r, "/users/"+url.PathEscape(u.ID)+"?done="+done)
}

func (h *Handler) endSessions(w http.ResponseWriter, r *http.Request, rq *request) {
	u, ok := h.loadUser(w, r)
	if !ok {
		return
	}
	if err := h.Store.DeleteUserSessions(r.Context(), u.ID); err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "User", "EndSessions", u.ID, nil, nil) {
		return
	}
	h.seeOther(w, r, "/users/"+url.PathEscape(u.ID)+"?done=sessions")
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request, rq *request) {
	u, ok := h.loadUser(w, r)
	if !ok {
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		h.userView(w, r, rq, u, http.StatusBadRequest, ui.Msg{}, ui.M("console.confirm_tick"))
		return
	}
	if err := h.Users.Delete(r.Context(), u.ID); err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "User", "Delete", u.ID, userDoc(u), nil) {
		return
	}
	h.seeOther(w, r, "/users")
}
