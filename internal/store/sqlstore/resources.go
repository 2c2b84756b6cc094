package sqlstore

// API resources.

import (
	"context"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

const resourceCols = `id, indicator, name, scopes, access_token_ttl, created_at`

func scanResource(r rowScanner) (store.Resource, error) {
	var x store.Resource
	var ttl int64
	err := r.Scan(&x.ID, &x.Indicator, &x.Name, listCol{&x.Scopes}, &ttl, timeCol{&x.CreatedAt})
	x.AccessTokenTTL = time.Duration(ttl)
	return x, err
}

func (s *Store) CreateResource(ctx context.Context, r store.Resource) error {
	_, err := s.exec(ctx, `INSERT INTO resources (`+resourceCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		r.ID, r.Indicator, r.Name, encList(r.Scopes), int64(r.AccessTokenTTL), ns(r.CreatedAt))
	return err
}

func (s *Store) GetResourceByIndicator(ctx context.Context, indicator string) (store.Resource, error) {
	return getOne(ctx, s, s.rq, scanResource, `SELECT `+resourceCols+` FROM resources WHERE indicator = $1`, indicator)
}

func (s *Store) ListResources(ctx context.Context) ([]store.Resource, error) {
	return getAll(ctx, s, s.rq, scanResource, `SELECT `+resourceCols+` FROM resources ORDER BY created_at, id`)
}

func (s *Store) DeleteResource(ctx context.Context, id string) error {
	return s.mustAffect(s.exec(ctx, `DELETE FROM resources WHERE id = $1`, id))
}
