package directory

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/oidc/oauth2"
	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/store"
)

// ResourceStore is what the API resource operations use of the store.
type ResourceStore interface {
	CreateResource(ctx context.Context, r store.Resource) error
	GetResource(ctx context.Context, id string) (store.Resource, error)
	ListResources(ctx context.Context) ([]store.Resource, error)
	UpdateResource(ctx context.Context, r store.Resource) (store.Resource, error)
	DeleteResource(ctx context.Context, id string) error
	ListResourceScopes(ctx context.Context, resourceID string) ([]store.ResourceScope, error)
	GetResourceScope(ctx context.Context, id string) (store.ResourceScope, error)
	CreateResourceScope(ctx context.Context, sc store.ResourceScope) error
	UpdateResourceScope(ctx context.Context, id, description string) (store.ResourceScope, error)
	DeleteResourceScope(ctx context.Context, id string, now time.Time) error
}

// Resources manages API resources.
type Resources struct {
	Store ResourceStore
	Now   func() time.Time // default time.Now
}

// NewResource is what registering an API resource takes.
type NewResource struct {
	Indicator      string // an absolute URI
	Name           string
	Scopes         []string
	AccessTokenTTL time.Duration
}

// CheckNewResource validates r and trims its name.
func CheckNewResource(r *NewResource) error {
	u, err := url.Parse(r.Indicator)
	if r.Indicator == "" || err != nil || !u.IsAbs() || u.Fragment != "" || strings.ContainsAny(r.Indicator, "#, ") || len(r.Indicator) > 2000 {
		return errf(ErrResourceInvalid.Code, "--indicator must be an absolute URI without a fragment, comma or space")
	}
	r.Name = strings.TrimSpace(r.Name)
	if err := checkResourceName(r.Name); err != nil {
		return err
	}
	for _, s := range r.Scopes {
		if err := CheckScopeName(s); err != nil {
			return err
		}
	}
	return CheckAccessTokenTTL(r.AccessTokenTTL)
}

func checkResourceName(name string) error {
	if name == "" || len(name) > 256 {
		return errf(ErrResourceInvalid.Code, "--name is required (at most 256 characters)")
	}
	return nil
}

// CheckScopeName is the rule for a resource's scope (permission) names:
// no space, quote or backslash (scope strings are space-separated), not an
// OpenID Connect scope, at most 256 bytes.
func CheckScopeName(s string) error {
	if s == "" || strings.ContainsAny(s, " \"\\") || oauth2.IsOIDCScope(s) || len(s) > 256 {
		return errf(ErrResourceInvalid.Code, "--scope %q is not a valid permission name", s)
	}
	return nil
}

// CheckAccessTokenTTL is the rule for a resource's access token lifetime:
// whole seconds from 1 to 86400 (24h), as Logto's accessTokenTtl.
func CheckAccessTokenTTL(d time.Duration) error {
	if d < time.Second || d > 24*time.Hour || d%time.Second != 0 {
		return errf(ErrResourceInvalid.Code, "--access-token-ttl must be whole seconds between 1s and 24h (86400)")
	}
	return nil
}

// Create validates and registers an API resource.
func (d Resources) Create(ctx context.Context, nr NewResource) (store.Resource, error) {
	if err := CheckNewResource(&nr); err != nil {
		return store.Resource{}, err
	}
	r := store.Resource{ID: opaque.NewID(), Indicator: nr.Indicator, Name: nr.Name, Scopes: nr.Scopes,
		AccessTokenTTL: nr.AccessTokenTTL, CreatedAt: now(d.Now)}
	if err := d.Store.CreateResource(ctx, r); errors.Is(err, store.ErrAlreadyExists) {
		return store.Resource{}, errf(ErrResourceExists.Code, "a resource with indicator %q already exists", nr.Indicator)
	} else if err != nil {
		return store.Resource{}, err
	}
	return r, nil
}

// List returns every API resource.
func (d Resources) List(ctx context.Context) ([]store.Resource, error) {
	return d.Store.ListResources(ctx)
}

// Get finds a resource by id.
func (d Resources) Get(ctx context.Context, id string) (store.Resource, error) {
	r, err := d.Store.GetResource(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Resource{}, ResourceIDNotFound(id)
	}
	return r, err
}

// ResourceIDNotFound is the error for an unknown resource id.
func ResourceIDNotFound(id string) error {
	return errf(ErrResourceNotFound.Code, "no API resource with id %q", id)
}

// ResourceUpdate is a partial update of a resource: nil fields are kept.
type ResourceUpdate struct {
	Name           *string
	AccessTokenTTL *time.Duration
}

// Update validates and applies u to the resource with this id and returns
// the stored resource.
func (d Resources) Update(ctx context.Context, id string, u ResourceUpdate) (store.Resource, error) {
	if u.Name != nil {
		if err := CheckResourceChange(id); err != nil {
			return store.Resource{}, err
		}
	}
	r, err := d.Get(ctx, id)
	if err != nil {
		return store.Resource{}, err
	}
	if u.Name != nil {
		r.Name = strings.TrimSpace(*u.Name)
		if err := checkResourceName(r.Name); err != nil {
			return store.Resource{}, err
		}
	}
	if u.AccessTokenTTL != nil {
		if err := CheckAccessTokenTTL(*u.AccessTokenTTL); err != nil {
			return store.Resource{}, err
		}
		r.AccessTokenTTL = *u.AccessTokenTTL
	}
	r, err = d.Store.UpdateResource(ctx, r)
	if errors.Is(err, store.ErrNotFound) {
		return store.Resource{}, ResourceIDNotFound(id)
	}
	return r, err
}

// Delete removes a resource with its scopes and every role permission on
// it. Tokens already issued for it stay valid until they expire.
func (d Resources) Delete(ctx context.Context, id string) error {
	if err := CheckResourceChange(id); err != nil {
		return err
	}
	if err := d.Store.DeleteResource(ctx, id); errors.Is(err, store.ErrNotFound) {
		return ResourceIDNotFound(id)
	} else if err != nil {
		return err
	}
	return nil
}

// Scopes lists a resource's scopes in creation order.
func (d Resources) Scopes(ctx context.Context, resourceID string) ([]store.ResourceScope, error) {
	l, err := d.Store.ListResourceScopes(ctx, resourceID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ResourceIDNotFound(resourceID)
	}
	return l, err
}

// maxScopeDescription bounds a scope's description.
const maxScopeDescription = 1000

func checkScopeDescription(s string) error {
	if len(s) > maxScopeDescription {
		return errf(ErrResourceInvalid.Code, "a scope description is at most %d bytes", maxScopeDescription)
	}
	return nil
}

// CreateScope adds a scope to a resource. The name follows CheckScopeName
// and is unique within the resource (ErrScopeExists).
func (d Resources) CreateScope(ctx context.Context, resourceID, name, description string) (store.ResourceScope, error) {
	if err := CheckScopeName(name); err != nil {
		return store.ResourceScope{}, err
	}
	description = strings.TrimSpace(description)
	if err := checkScopeDescription(description); err != nil {
		return store.ResourceScope{}, err
	}
	sc := store.ResourceScope{ID: opaque.NewID(), ResourceID: resourceID, Name: name, Description: description, CreatedAt: now(d.Now)}
	switch err := d.Store.CreateResourceScope(ctx, sc); {
	case errors.Is(err, store.ErrNotFound):
		return store.ResourceScope{}, ResourceIDNotFound(resourceID)
	case errors.Is(err, store.ErrAlreadyExists):
		return store.ResourceScope{}, errf(ErrScopeExists.Code, "the API resource already defines scope %q", name)
	case err != nil:
		return store.ResourceScope{}, err
	}
	return sc, nil
}

// scope finds a scope of the resource; one of another resource is not
// found, so /resources/{a}/scopes/{scope of b} cannot reach it.
func (d Resources) scope(ctx context.Context, resourceID, scopeID string) (store.ResourceScope, error) {
	sc, err := d.Store.GetResourceScope(ctx, scopeID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && sc.ResourceID != resourceID) {
		return store.ResourceScope{}, ScopeNotFound(scopeID)
	}
	return sc, err
}

// ScopeNotFound is the error for an unknown scope id.
func ScopeNotFound(id string) error {
	return errf(ErrScopeNotFound.Code, "no scope with id %q", id)
}

// UpdateScope sets the description of one of the resource's scopes (a
// scope's name is what tokens carry; it does not change).
func (d Resources) UpdateScope(ctx context.Context, resourceID, scopeID, description string) (store.ResourceScope, error) {
	description = strings.TrimSpace(description)
	if err := checkScopeDescription(description); err != nil {
		return store.ResourceScope{}, err
	}
	if _, err := d.scope(ctx, resourceID, scopeID); err != nil {
		return store.ResourceScope{}, err
	}
	sc, err := d.Store.UpdateResourceScope(ctx, scopeID, description)
	if errors.Is(err, store.ErrNotFound) {
		return store.ResourceScope{}, ScopeNotFound(scopeID)
	}
	return sc, err
}

// DeleteScope removes one of the resource's scopes, takes it from every
// role and revokes the client_credentials tokens of the apps that held it.
func (d Resources) DeleteScope(ctx context.Context, resourceID, scopeID string) error {
	if err := CheckScopeRemoval(resourceID, ""); err != nil {
		return err
	}
	if _, err := d.scope(ctx, resourceID, scopeID); err != nil {
		return err
	}
	if err := d.Store.DeleteResourceScope(ctx, scopeID, now(d.Now)); errors.Is(err, store.ErrNotFound) {
		return ScopeNotFound(scopeID)
	} else if err != nil {
		return err
	}
	return nil
}
