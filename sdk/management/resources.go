package management

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"time"
)

// Resource is an API resource: an API that access tokens are issued for.
type Resource struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Indicator      string `json:"indicator"` // the tokens' audience, an absolute URI
	IsDefault      bool   `json:"isDefault"`
	AccessTokenTTL int    `json:"accessTokenTtl"` // seconds
}

// ResourceCreate is a new API resource.
type ResourceCreate struct {
	Name           string `json:"name"`
	Indicator      string `json:"indicator"`
	AccessTokenTTL *int   `json:"accessTokenTtl,omitempty"` // seconds; default 3600
}

// ResourceUpdate changes an API resource: nil fields stay as they are.
type ResourceUpdate struct {
	Name           *string `json:"name,omitempty"`
	AccessTokenTTL *int    `json:"accessTokenTtl,omitempty"`
}

// Scope is a permission an API resource defines.
type Scope struct {
	ID          string    `json:"id"`
	ResourceID  string    `json:"resourceId"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"createdAt"`
}

func (s *Scope) UnmarshalJSON(b []byte) error {
	type plain Scope
	return json.Unmarshal(b, &struct {
		*plain
		CreatedAt epochMS `json:"createdAt"`
	}{(*plain)(s), epochMS{&s.CreatedAt}})
}

func (s Scope) MarshalJSON() ([]byte, error) {
	type plain Scope
	return json.Marshal(struct {
		plain
		CreatedAt epochMS `json:"createdAt"`
	}{plain(s), epochMS{&s.CreatedAt}})
}

// ScopeCreate is a new scope.
type ScopeCreate struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// ScopeUpdate changes a scope: nil fields stay as they are. Sesame changes
// only the description (tokens carry the name).
type ScopeUpdate struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
}

// ResourcesService is /api/resources.
type ResourcesService struct{ c *Client }

// List iterates over the API resources.
func (s *ResourcesService) List(ctx context.Context, o ListOptions) iter.Seq2[Resource, error] {
	return pages[Resource](ctx, s.c, "/resources", url.Values{}, o)
}

// ListPage returns one page of API resources and the total number.
func (s *ResourcesService) ListPage(ctx context.Context, o ListOptions) ([]Resource, int, error) {
	return onePage[Resource](ctx, s.c, "/resources", url.Values{}, o)
}

// Get returns the API resource id.
func (s *ResourcesService) Get(ctx context.Context, id string) (*Resource, error) {
	return get[Resource](ctx, s.c, "/resources/%s", id)
}

// Create creates an API resource.
func (s *ResourcesService) Create(ctx context.Context, in ResourceCreate) (*Resource, error) {
	return send[Resource](ctx, s.c, http.MethodPost, in, "/resources")
}

// Update changes the fields of in that are set.
func (s *ResourcesService) Update(ctx context.Context, id string, in ResourceUpdate) (*Resource, error) {
	return send[Resource](ctx, s.c, http.MethodPatch, in, "/resources/%s", id)
}

// Delete deletes the API resource, its scopes and every permission on it.
func (s *ResourcesService) Delete(ctx context.Context, id string) error {
	return del(ctx, s.c, "/resources/%s", id)
}

// Scopes lists the resource's scopes.
func (s *ResourcesService) Scopes(ctx context.Context, id string) ([]Scope, error) {
	return all[Scope](ctx, s.c, "/resources/%s/scopes", id)
}

// CreateScope adds a scope to the resource.
func (s *ResourcesService) CreateScope(ctx context.Context, id string, in ScopeCreate) (*Scope, error) {
	return send[Scope](ctx, s.c, http.MethodPost, in, "/resources/%s/scopes", id)
}

// UpdateScope changes a scope.
func (s *ResourcesService) UpdateScope(ctx context.Context, id, scopeID string, in ScopeUpdate) (*Scope, error) {
	return send[Scope](ctx, s.c, http.MethodPatch, in, "/resources/%s/scopes/%s", id, scopeID)
}

// DeleteScope deletes the scope and takes it from every role.
func (s *ResourcesService) DeleteScope(ctx context.Context, id, scopeID string) error {
	return del(ctx, s.c, "/resources/%s/scopes/%s", id, scopeID)
}
