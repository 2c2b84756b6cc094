package directory

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/sesameauth/sesame/internal/store"
)

// ResourceReader finds an API resource by its indicator.
type ResourceReader interface {
	GetResourceByIndicator(ctx context.Context, indicator string) (store.Resource, error)
}

// CheckPermissions verifies that every resource is registered and defines
// every scope, so a typo is an error rather than a permission that never
// matches.
func CheckPermissions(ctx context.Context, st ResourceReader, perms []store.Permission) error {
	resources := map[string]store.Resource{}
	for _, p := range perms {
		r, ok := resources[p.Resource]
		if !ok {
			var err error
			r, err = st.GetResourceByIndicator(ctx, p.Resource)
			if errors.Is(err, store.ErrNotFound) {
				return NoResource(p.Resource)
			} else if err != nil {
				return err
			}
			resources[p.Resource] = r
		}
		if !slices.Contains(r.Scopes, p.Scope) {
			return errf(ErrResourceNoScope.Code, "API resource %q defines no scope %q", p.Resource, p.Scope)
		}
	}
	return nil
}

// NoResource is the error for a permission on an unregistered resource
// (also for a front end that knows there is no database yet).
func NoResource(indicator string) error {
	return errf(ErrResourceNotFound.Code, "no API resource %q (create it with `sesame resources create`)", indicator)
}

// ComparePermissions orders permissions by resource, then scope.
func ComparePermissions(a, b store.Permission) int {
	if c := strings.Compare(a.Resource, b.Resource); c != 0 {
		return c
	}
	return strings.Compare(a.Scope, b.Scope)
}

// UnionPermissions returns the sorted union of a and b.
func UnionPermissions(a, b []store.Permission) []store.Permission {
	out := slices.Clone(a)
	for _, p := range b {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, ComparePermissions)
	return out
}
