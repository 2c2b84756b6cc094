package store

import (
	"context"
	"time"
)

// Resource is an API resource addressed by an RFC 8707 indicator.
type Resource struct {
	ID             string
	Indicator      string // absolute URI, unique
	Name           string
	Scopes         []string // names of the permissions the resource defines, in creation order
	AccessTokenTTL time.Duration
	CreatedAt      time.Time
}

// ResourceScope is one scope (permission) of a resource as a row with its
// own id, which the Management API addresses and roles take by id.
type ResourceScope struct {
	ID          string
	ResourceID  string
	Name        string // unique within the resource
	Description string
	CreatedAt   time.Time
}

// Resources holds API resources and their scopes. Resource.Scopes and the
// scope rows always agree: the store keeps both in one transaction.
type Resources interface {
	// CreateResource stores r and a scope row for each of r.Scopes (ids
	// generated). ErrAlreadyExists on indicator clash.
	CreateResource(ctx context.Context, r Resource) error
	GetResource(ctx context.Context, id string) (Resource, error)
	GetResourceByIndicator(ctx context.Context, indicator string) (Resource, error)
	ListResources(ctx context.Context) ([]Resource, error)
	// UpdateResource stores the name and access token TTL of r (by r.ID;
	// the indicator and scopes do not change here) and returns the stored
	// resource. A missing resource is ErrNotFound.
	UpdateResource(ctx context.Context, r Resource) (Resource, error)
	// DeleteResource removes the resource, its scopes and every role
	// permission on it.
	DeleteResource(ctx context.Context, id string) error

	// ListResourceScopes lists a resource's scopes in creation order; a
	// missing resource is ErrNotFound.
	ListResourceScopes(ctx context.Context, resourceID string) ([]ResourceScope, error)
	GetResourceScope(ctx context.Context, id string) (ResourceScope, error)
	// CreateResourceScope adds sc to its resource. A missing resource is
	// ErrNotFound; a name the resource already defines is
	// ErrAlreadyExists.
	CreateResourceScope(ctx context.Context, sc ResourceScope) error
	// UpdateResourceScope sets the scope's description and returns it.
	UpdateResourceScope(ctx context.Context, id, description string) (ResourceScope, error)
	// DeleteResourceScope removes the scope and, in the same transaction,
	// takes it from every role and revokes the client_credentials access
	// tokens of the apps that held it through a role (as
	// SetRolePermissions does). A missing scope is ErrNotFound.
	DeleteResourceScope(ctx context.Context, id string, now time.Time) error
}
