package console

import (
	"net/http"
	"strings"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/ui"
)

// AdminRow is one administrator.
type AdminRow struct {
	ID, Username, Email, Name string
	Enabled                   bool // not suspended: can sign in to the console
	Self                      bool // the administrator viewing the page
}

// AdminsPage lists the administrators and adds one.
type AdminsPage struct {
	ui.Base
	Nav
	Admins          []AdminRow
	Username, Email string // the create form
	Login           string // the grant form
	Errors          map[string]ui.Msg
	Error, Message  ui.Msg
}

func (*AdminsPage) Template() string { return "console/admins" }

var adminMessages = map[string]ui.Msg{
	"created":  ui.M("console.admins.done.created"),
	"granted":  ui.M("console.admins.done.granted"),
	"disabled": ui.M("console.admins.done.disabled"),
}

func (h *Handler) adminsView(w http.ResponseWriter, r *http.Request, rq *request, status int, fill func(*AdminsPage)) {
	l, err := h.Admins.ListAdmins(r.Context())
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p := &AdminsPage{Base: ui.Base{Title: h.t(r, "console.admins.title")}, Nav: h.nav(rq, "admins"), Message: adminMessages[r.URL.Query().Get("done")]}
	for _, u := range l {
		p.Admins = append(p.Admins, AdminRow{ID: u.ID, Username: u.Username, Email: u.Email, Name: u.Name,
			Enabled: !u.Suspended, Self: u.ID == rq.p.UserID})
	}
	if fill != nil {
		fill(p)
	}
	h.render(w, r, status, p)
}

func (h *Handler) adminsPage(w http.ResponseWriter, r *http.Request, rq *request) {
	h.adminsView(w, r, rq, http.StatusOK, nil)
}

// addAdmin creates a new user as an administrator (mode "create") or
// makes an existing user one (mode "grant").
func (h *Handler) addAdmin(w http.ResponseWriter, r *http.Request, rq *request) {
	f := r.PostForm
	if f.Get("mode") == "grant" {
		login := strings.TrimSpace(f.Get("login"))
		bad := func(msg ui.Msg) {
			h.adminsView(w, r, rq, http.StatusBadRequest, func(p *AdminsPage) {
				p.Login, p.Errors = login, map[string]ui.Msg{"login": msg}
			})
		}
		if login == "" {
			bad(ui.M("console.admins.login_required"))
			return
		}
		u, err := h.Admins.Enable(r.Context(), login)
		if directory.IsBadInput(err) {
			bad(refused(err))
			return
		}
		if err != nil {
			h.failure(w, r, err)
			return
		}
		if !h.record(w, r, rq, "User", "EnableAdministrator", u.ID, nil, map[string]string{"roleId": admin.AdminRoleID}) {
			return
		}
		h.seeOther(w, r, "/admins?done=granted")
		return
	}
	na := admin.NewAdmin{Username: strings.TrimSpace(f.Get("username")), Email: strings.TrimSpace(f.Get("email")), Password: f.Get("password")}
	bad := func(msg ui.Msg) {
		h.adminsView(w, r, rq, http.StatusBadRequest, func(p *AdminsPage) {
			p.Username, p.Email, p.Errors = na.Username, na.Email, map[string]ui.Msg{"create": msg}
		})
	}
	if na.Password != f.Get("password_repeat") {
		bad(ui.M("console.passwords_differ"))
		return
	}
	u, err := h.Admins.CreateAdmin(r.Context(), na)
	if directory.IsBadInput(err) {
		bad(refused(err))
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	doc := userDoc(u)
	doc["roleId"] = admin.AdminRoleID
	if !h.record(w, r, rq, "User", "CreateAdministrator", u.ID, nil, doc) {
		return
	}
	h.seeOther(w, r, "/admins?done=created")
}

// disableAdmin takes the administrator role from a user; the domain
// refuses for the last enabled administrator.
func (h *Handler) disableAdmin(w http.ResponseWriter, r *http.Request, rq *request) {
	u, err := h.Admins.Disable(r.Context(), r.PathValue("id"))
	if directory.IsBadInput(err) {
		h.adminsView(w, r, rq, http.StatusBadRequest, func(p *AdminsPage) { p.Error = refused(err) })
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "User", "DisableAdministrator", u.ID, map[string]string{"roleId": admin.AdminRoleID}, nil) {
		return
	}
	h.seeOther(w, r, "/admins?done=disabled")
}
