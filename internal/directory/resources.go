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
	ListResources(ctx context.Context) ([]store.Resource, error)
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
	if r.Name == "" || len(r.Name) > 256 {
		return errf(ErrResourceInvalid.Code, "--name is required (at most 256 characters)")
	}
	for _, s := range r.Scopes {
		if s == "" || strings.ContainsAny(s, " \"\\") || oauth2.IsOIDCScope(s) || len(s) > 256 {
			return errf(ErrResourceInvalid.Code, "--scope %q is not a valid permission name", s)
		}
	}
	if r.AccessTokenTTL < time.Minute || r.AccessTokenTTL > 24*time.Hour {
		return errf(ErrResourceInvalid.Code, "--access-token-ttl must be between 1m and 24h")
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
