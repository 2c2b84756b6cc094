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
	Scopes         []string // permissions the resource defines
	AccessTokenTTL time.Duration
	CreatedAt      time.Time
}

type Resources interface {
	CreateResource(ctx context.Context, r Resource) error // ErrAlreadyExists on indicator clash
	GetResourceByIndicator(ctx context.Context, indicator string) (Resource, error)
	ListResources(ctx context.Context) ([]Resource, error)
	DeleteResource(ctx context.Context, id string) error
}
