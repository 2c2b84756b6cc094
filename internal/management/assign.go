package management

import (
	"context"
	"net/http"
)

// assignAll is every "assign several" route (roles to a user or an app,
// users or apps to a role): it resolves every id with find, checks every
// item with check, and only then assigns each, so an unknown id or a
// broken rule assigns nothing; then it records the change.
func assignAll[T any](h *Handler, w http.ResponseWriter, r *http.Request, field, noun string, ids []string,
	find func(context.Context, string) (T, error), check func(T) error, assign func(context.Context, T) error,
	entity, action, target string, in any) error {
	if len(ids) == 0 {
		return fieldError(field, field+" must name at least one "+noun)
	}
	items := make([]T, 0, len(ids))
	for _, id := range ids {
		x, err := find(r.Context(), id)
		if err != nil {
			return err
		}
		items = append(items, x)
	}
	for _, x := range items {
		if err := check(x); err != nil {
			return err
		}
	}
	for _, x := range items {
		if err := assign(r.Context(), x); err != nil {
			return err
		}
	}
	if err := h.record(r, entity, action, target, nil, in); err != nil {
		return err
	}
	w.WriteHeader(http.StatusCreated)
	return nil
}
