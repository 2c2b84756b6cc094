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
	return role{ID: r.ID, Name: r.Name, Description: r.Description, Type: roleTypes[r.Type]}
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
	return write(w, r, http.StatusOK, roleViews(slice(rs, p)))
}

type roleCreate struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Type        string `json:"type"`
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
	ro, err := h.Roles.Create(r.Context(), directory.NewRole{Name: in.Name, Description: in.Description, Type: t})
	if err != nil {
		return err
	}
	return write(w, r, http.StatusOK, roleView(ro))
}

func (h *Handler) role(r *http.Request) (store.Role, error) {
	return h.Roles.Find(r.Context(), r.PathValue("id"))
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
	for _, c := range cs {
		if err := h.Roles.AssignApp(r.Context(), c, ro); err != nil {
			return err
		}
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

func (h *Handler) createResource(w http.ResponseWriter, r *http.Request) error {
	var in resourceCreate
	if err := decode(r, &in); err != nil {
		return err
	}
	ttl := time.Hour // Logto's default, 3600 s
	if in.AccessTokenTTL != nil {
		if *in.AccessTokenTTL < 0 || *in.AccessTokenTTL > 1<<31 {
			return fieldError("accessTokenTtl", "accessTokenTtl must be between 60 and 86400 seconds")
		}
		ttl = time.Duration(*in.AccessTokenTTL) * time.Second
	}
	x, err := h.Resources.Create(r.Context(), directory.NewResource{Name: in.Name, Indicator: in.Indicator, AccessTokenTTL: ttl})
	if err != nil {
		return err
	}
	return write(w, r, http.StatusCreated, resourceView(x))
}
