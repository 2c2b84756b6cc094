package management

import (
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/store"
)

type user struct {
	ID            string            `json:"id"`
	Username      *string           `json:"username"`
	PrimaryEmail  *string           `json:"primaryEmail"`
	PrimaryPhone  *string           `json:"primaryPhone"`
	Name          *string           `json:"name"`
	Avatar        *string           `json:"avatar"`
	CustomData    map[string]any    `json:"customData"`
	Identities    map[string]any    `json:"identities"`
	LastSignInAt  *int64            `json:"lastSignInAt"`
	CreatedAt     *int64            `json:"createdAt"`
	UpdatedAt     *int64            `json:"updatedAt"`
	Profile       store.UserProfile `json:"profile"`
	ApplicationID *string           `json:"applicationId"`
	IsSuspended   bool              `json:"isSuspended"`
	HasPassword   *bool             `json:"hasPassword,omitempty"`
}

func null(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// userView never carries the password hash.
func userView(u store.User) user {
	return user{ID: u.ID, Username: null(u.Username), PrimaryEmail: null(u.Email), PrimaryPhone: null(u.Phone),
		Name: null(u.Name), Avatar: null(u.Picture), CustomData: customData(u), Identities: map[string]any{},
		LastSignInAt: ms(u.LastSignInAt), CreatedAt: ms(u.CreatedAt), UpdatedAt: ms(u.UpdatedAt),
		Profile: u.Profile, IsSuspended: u.Suspended}
}

// customData is the user's custom data, {} when there is none.
func customData(u store.User) map[string]any {
	if u.CustomData == nil {
		return map[string]any{}
	}
	return u.CustomData
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request) error {
	p, err := readPaging(r.URL.Query())
	if err != nil {
		return err
	}
	lq, err := readSearch(r.URL.Query(), userSearchFields)
	if err != nil {
		return err
	}
	lq.Page, lq.PageSize, lq.NewestFirst = p.Page, p.Size, true // Logto's order
	us, total, err := h.Lists.ListUsersPage(r.Context(), lq)
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

type userCreate struct {
	Username     string `json:"username"`
	PrimaryEmail string `json:"primaryEmail"`
	Password     string `json:"password"`
	Name         string `json:"name"`
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request) error {
	var in userCreate
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := h.Users.Create(r.Context(), directory.NewUser{Username: in.Username, Email: in.PrimaryEmail, Password: in.Password, Name: in.Name})
	if err != nil {
		return err
	}
	if err := h.record(r, "User", "Create", u.ID, nil, userView(u)); err != nil {
		return err
	}
	return write(w, r, http.StatusOK, userView(u))
}

func (h *Handler) user(r *http.Request) (store.User, error) {
	return h.Users.Find(r.Context(), r.PathValue("id"))
}

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request) error {
	u, err := h.user(r)
	if err != nil {
		return err
	}
	v := userView(u)
	has := u.PasswordHash != ""
	v.HasPassword = &has
	return write(w, r, http.StatusOK, v)
}

// userUpdate is PATCH /api/users/{id}: every field of directory.UserPatch;
// an absent field stays as it is, null or "" clears it. An id in the body
// is refused: the path names the user (catalogue MA-04).
type userUpdate struct {
	Username     *string         `json:"username"`
	PrimaryEmail *string         `json:"primaryEmail"`
	PrimaryPhone *string         `json:"primaryPhone"`
	Name         *string         `json:"name"`
	Avatar       *string         `json:"avatar"`
	Profile      json.RawMessage `json:"profile"`
	CustomData   json.RawMessage `json:"customData"`
}

// patch is the domain's patch for in; raw (the same body as a map) tells
// a null, which clears the field as "" does, from an absent field.
func (in *userUpdate) patch(raw map[string]json.RawMessage) directory.UserPatch {
	p := directory.UserPatch{Username: in.Username, Email: in.PrimaryEmail, Phone: in.PrimaryPhone, Name: in.Name,
		Avatar: in.Avatar, Profile: in.Profile, CustomData: in.CustomData}
	empty := ""
	for k, dst := range map[string]**string{"username": &p.Username, "primaryEmail": &p.Email, "primaryPhone": &p.Phone,
		"name": &p.Name, "avatar": &p.Avatar} {
		if v, ok := raw[k]; ok && string(v) == "null" {
			*dst = &empty
		}
	}
	if v, ok := raw["customData"]; ok && string(v) == "null" {
		p.CustomData = json.RawMessage(`{}`)
	}
	if v, ok := raw["profile"]; ok && string(v) == "null" {
		p.Profile = nil
	}
	return p
}

func (h *Handler) updateUser(w http.ResponseWriter, r *http.Request) error {
	u, err := h.user(r)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	var raw map[string]json.RawMessage
	if json.Unmarshal(body, &raw) != nil || raw == nil {
		return invalidInput("the request body must be a JSON object")
	}
	var in userUpdate
	if err := decodeBytes(body, &in); err != nil {
		return err
	}
	after, err := h.Users.Update(r.Context(), u.ID, in.patch(raw))
	if err != nil {
		return err
	}
	if err := h.record(r, "User", "Update", u.ID, userView(u), userView(after)); err != nil {
		return err
	}
	return write(w, r, http.StatusOK, userView(after))
}

func (h *Handler) getCustomData(w http.ResponseWriter, r *http.Request) error {
	u, err := h.user(r)
	if err != nil {
		return err
	}
	return write(w, r, http.StatusOK, customData(u))
}

// customDataBody is Logto's PATCH /api/users/{id}/custom-data body; its
// top-level keys are set over the stored ones.
type customDataBody struct {
	CustomData json.RawMessage `json:"customData"`
}

func (h *Handler) patchCustomData(w http.ResponseWriter, r *http.Request) error {
	u, err := h.user(r)
	if err != nil {
		return err
	}
	var in customDataBody
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.CustomData == nil {
		return fieldError("customData", "customData (a JSON object) is required")
	}
	after, err := h.Users.SetCustomData(r.Context(), u.ID, in.CustomData, true)
	if err != nil {
		return err
	}
	if err := h.record(r, "User", "UpdateCustomData", u.ID, customData(u), customData(after)); err != nil {
		return err
	}
	return write(w, r, http.StatusOK, customData(after))
}

func (h *Handler) writeUser(w http.ResponseWriter, r *http.Request, id string) error {
	u, err := h.Users.Find(r.Context(), id)
	if err != nil {
		return err
	}
	return write(w, r, http.StatusOK, userView(u))
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request) error {
	u, err := h.user(r)
	if err != nil {
		return err
	}
	if err := h.Users.Delete(r.Context(), u.ID); err != nil {
		return err
	}
	if err := h.record(r, "User", "Delete", u.ID, userView(u), nil); err != nil {
		return err
	}
	return noContent(w)
}

type passwordBody struct {
	Password string `json:"password"`
}

func (h *Handler) setPassword(w http.ResponseWriter, r *http.Request) error {
	u, err := h.user(r)
	if err != nil {
		return err
	}
	var in passwordBody
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := h.Users.Edit(r.Context(), u, directory.UserUpdate{Password: &in.Password}); err != nil {
		return err
	}
	if err := h.record(r, "User", "SetPassword", u.ID, nil, nil); err != nil {
		return err
	}
	return h.writeUser(w, r, u.ID)
}

func (h *Handler) verifyPassword(w http.ResponseWriter, r *http.Request) error {
	u, err := h.user(r)
	if err != nil {
		return err
	}
	var in passwordBody
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Password == "" {
		return fieldError("password", "password is required")
	}
	ok, err := h.Users.CheckPassword(r.Context(), u, in.Password)
	if err != nil {
		return err
	}
	if !ok {
		return errStatus(http.StatusUnprocessableEntity, "session.invalid_credentials", "the password is wrong")
	}
	return noContent(w)
}

type isSuspended struct {
	IsSuspended *bool `json:"isSuspended"`
}

func (h *Handler) suspend(w http.ResponseWriter, r *http.Request) error {
	u, err := h.user(r)
	if err != nil {
		return err
	}
	var in isSuspended
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.IsSuspended == nil {
		return fieldError("isSuspended", "isSuspended (true or false) is required")
	}
	if err := h.Users.Suspend(r.Context(), u.ID, *in.IsSuspended); err != nil {
		return err
	}
	if err := h.record(r, "User", "SetSuspended", u.ID, nil, in); err != nil {
		return err
	}
	return h.writeUser(w, r, u.ID)
}

func (h *Handler) listUserRoles(w http.ResponseWriter, r *http.Request) error {
	u, err := h.user(r)
	if err != nil {
		return err
	}
	rs, err := h.Lists.ListUserRoles(r.Context(), u.ID)
	if err != nil {
		return err
	}
	return write(w, r, http.StatusOK, roleViews(rs))
}

func (h *Handler) assignUserRoles(w http.ResponseWriter, r *http.Request) error {
	u, err := h.user(r)
	if err != nil {
		return err
	}
	var in roleIDs
	if err := decode(r, &in); err != nil {
		return err
	}
	return assignAll(h, w, r, "roleIds", "role", in.RoleIDs, h.Roles.Find, directory.CheckUserRole,
		func(ctx context.Context, ro store.Role) error { return h.Roles.AssignUser(ctx, u, ro) },
		"User", "AssignRoles", u.ID, in)
}

func (h *Handler) unassignUserRole(w http.ResponseWriter, r *http.Request) error {
	u, err := h.user(r)
	if err != nil {
		return err
	}
	role, err := h.Roles.Find(r.Context(), r.PathValue("roleId"))
	if err != nil {
		return err
	}
	if err := h.Roles.UnassignUser(r.Context(), u, role); err != nil {
		return err
	}
	if err := h.record(r, "User", "UnassignRole", u.ID, roleView(role), nil); err != nil {
		return err
	}
	return noContent(w)
}
