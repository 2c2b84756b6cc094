package console

// A user's profile, roles and sessions on the user details page.

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
)

// userFields maps directory's field names (the Management API's) to the
// profile form's fields.
var userFields = map[string]string{
	"username": "username", "primaryEmail": "email", "primaryPhone": "phone",
	"name": "name", "avatar": "avatar", "customData": "custom_data",
}

// profileDoc is the audit log's before/after of the profile form.
func profileDoc(u store.User) map[string]any {
	d := userDoc(u)
	d["primaryPhone"], d["avatar"], d["profile"], d["customData"] = u.Phone, u.Picture, u.Profile, u.CustomData
	return d
}

// profileForm fills the profile fields from the stored user.
func profileForm(p *UserPage, u store.User) {
	p.Username, p.Email, p.Name, p.Phone, p.Avatar = u.Username, u.Email, u.Name, u.Phone, u.Picture
	p.ProfileJSON, p.CustomData = "{}", "{}"
	if b, err := json.MarshalIndent(u.Profile, "", "  "); err == nil {
		p.ProfileJSON = string(b)
	}
	if len(u.CustomData) > 0 {
		if b, err := json.MarshalIndent(u.CustomData, "", "  "); err == nil {
			p.CustomData = string(b)
		}
	}
}

// userDetails adds the user's sessions (with their apps' names) and the
// user roles they can be given to p.
func (h *Handler) userDetails(r *http.Request, p *UserPage, held []store.Role) error {
	ctx := r.Context()
	sessions, err := h.Users.Sessions(ctx, p.User.ID)
	if err != nil {
		return err
	}
	if len(sessions) > 0 {
		apps, err := h.Apps.List(ctx)
		if err != nil {
			return err
		}
		names := map[string]string{}
		for _, a := range apps {
			names[a.Client.ID] = a.Client.Name
		}
		for _, s := range sessions {
			row := SessionRow{CreatedAt: s.CreatedAt, LastSeenAt: s.LastSeenAt, ExpiresAt: s.ExpiresAt}
			for _, id := range s.ClientIDs {
				if n := names[id]; n != "" {
					row.Apps = append(row.Apps, n)
				} else {
					row.Apps = append(row.Apps, id)
				}
			}
			p.Sessions = append(p.Sessions, row)
		}
	}
	all, err := h.Roles.List(ctx)
	if err != nil {
		return err
	}
	has := map[string]bool{}
	for _, ro := range held {
		has[ro.ID] = true
	}
	for _, ro := range all {
		// The administrator role is given on the Administrators page,
		// which keeps the last administrator (docs/security.md).
		if ro.Type == store.RoleUser && !has[ro.ID] && ro.ID != admin.AdminRoleID {
			p.Assignable = append(p.Assignable, RoleRef{ID: ro.ID, Name: ro.Name})
		}
	}
	return nil
}

func (h *Handler) saveProfile(w http.ResponseWriter, r *http.Request, rq *request) {
	u, ok := h.loadUser(w, r)
	if !ok {
		return
	}
	f := r.PostForm
	username, email, name, phone, avatar := f.Get("username"), f.Get("email"), f.Get("name"), f.Get("phone"), f.Get("avatar")
	prof, custom := strings.TrimSpace(f.Get("profile")), strings.TrimSpace(f.Get("custom_data"))
	patch := directory.UserPatch{Username: &username, Email: &email, Name: &name, Phone: &phone, Avatar: &avatar}
	if prof != "" {
		patch.Profile = json.RawMessage(prof)
	}
	if custom == "" {
		custom = "{}"
	}
	patch.CustomData = json.RawMessage(custom)
	after, err := h.Users.Update(r.Context(), u.ID, patch)
	if directory.IsBadInput(err) {
		var de *directory.Error
		errors.As(err, &de)
		field := userFields[de.Field]
		if strings.HasPrefix(de.Field, "profile") {
			field = "profile"
		}
		if field == "" {
			field = "profile_form"
		}
		h.userViewWith(w, r, rq, u, http.StatusBadRequest, func(p *UserPage) {
			p.Username, p.Email, p.Name, p.Phone, p.Avatar = username, email, name, phone, avatar
			p.ProfileJSON, p.CustomData = f.Get("profile"), f.Get("custom_data")
			p.Errors = map[string]ui.Msg{field: refused(err)}
		})
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "User", "Update", u.ID, profileDoc(u), profileDoc(after)) {
		return
	}
	h.seeOther(w, r, "/users/"+url.PathEscape(u.ID)+"?done=profile")
}

// userRole loads the user and the role named by the form or the path; on
// failure it has answered.
func (h *Handler) userRole(w http.ResponseWriter, r *http.Request, rq *request, roleID string) (store.User, store.Role, bool) {
	u, ok := h.loadUser(w, r)
	if !ok {
		return u, store.Role{}, false
	}
	bad := func(msg ui.Msg) (store.User, store.Role, bool) {
		h.userViewWith(w, r, rq, u, http.StatusBadRequest, func(p *UserPage) { p.Errors = map[string]ui.Msg{"roles": msg} })
		return u, store.Role{}, false
	}
	if roleID == "" {
		return bad(ui.M("console.user.role.choose"))
	}
	if roleID == admin.AdminRoleID {
		return bad(ui.M("console.user.role.admin"))
	}
	ro, err := h.Roles.Get(r.Context(), roleID)
	if directory.IsBadInput(err) || errors.Is(err, store.ErrNotFound) {
		return bad(ui.M("console.user.role.gone"))
	}
	if err != nil {
		h.failure(w, r, err)
		return u, ro, false
	}
	return u, ro, true
}

func (h *Handler) assignUserRole(w http.ResponseWriter, r *http.Request, rq *request) {
	u, ro, ok := h.userRole(w, r, rq, r.PostFormValue("role_id"))
	if !ok {
		return
	}
	if err := h.Roles.AssignUser(r.Context(), u, ro); directory.IsBadInput(err) {
		h.userViewWith(w, r, rq, u, http.StatusBadRequest, func(p *UserPage) { p.Errors = map[string]ui.Msg{"roles": refused(err)} })
		return
	} else if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "User", "AssignRoles", u.ID, nil, map[string][]string{"roleIds": {ro.ID}}) {
		return
	}
	h.seeOther(w, r, "/users/"+url.PathEscape(u.ID)+"?done=role-assigned")
}

func (h *Handler) unassignUserRole(w http.ResponseWriter, r *http.Request, rq *request) {
	u, ro, ok := h.userRole(w, r, rq, r.PathValue("role"))
	if !ok {
		return
	}
	if err := h.Roles.UnassignUser(r.Context(), u, ro); directory.IsBadInput(err) {
		h.userViewWith(w, r, rq, u, http.StatusBadRequest, func(p *UserPage) { p.Errors = map[string]ui.Msg{"roles": refused(err)} })
		return
	} else if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "User", "UnassignRole", u.ID, map[string][]string{"roleIds": {ro.ID}}, nil) {
		return
	}
	h.seeOther(w, r, "/users/"+url.PathEscape(u.ID)+"?done=role-unassigned")
}
