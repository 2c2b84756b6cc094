package management

import (
	"net/http"
	"time"

	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/store"
)

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
