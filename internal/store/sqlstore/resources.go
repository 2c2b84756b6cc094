package sqlstore

// API resources and their scopes. resource_scopes is the source of truth;
// every change to it rewrites resources.scopes (names in created_at order)
// in the same transaction, so reading a resource stays one row (the token
// endpoint reads one per token) and replicas of the previous version still
// see the scopes (migration 00012).

import (
	"context"
	"crypto/rand"
	"database/sql"
	"strings"
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

const scopeCols = `id, resource_id, name, description, created_at`

func scanScope(r rowScanner) (store.ResourceScope, error) {
	var x store.ResourceScope
	err := r.Scan(&x.ID, &x.ResourceID, &x.Name, &x.Description, timeCol{&x.CreatedAt})
	return x, err
}

// newScopeID is the id of a scope created with its resource.
func newScopeID() string { return strings.ToLower(rand.Text()) }

// CreateResource implements store.Resources in one transaction; the scopes
// get created_at = r.CreatedAt + their position, which keeps their order.
func (s *Store) CreateResource(ctx context.Context, r store.Resource) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := s.txExec(ctx, tx, `INSERT INTO resources (`+resourceCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
			r.ID, r.Indicator, r.Name, encList(r.Scopes), int64(r.AccessTokenTTL), ns(r.CreatedAt)); err != nil {
			return err
		}
		for i, name := range r.Scopes {
			if _, err := s.txExec(ctx, tx, `INSERT INTO resource_scopes (`+scopeCols+`) VALUES ($1, $2, $3, '', $4)
				ON CONFLICT DO NOTHING`, newScopeID(), r.ID, name, ns(r.CreatedAt)+int64(i)); err != nil {
				return err
			}
		}
		return s.syncScopes(ctx, tx, r.ID)
	})
}

func (s *Store) GetResource(ctx context.Context, id string) (store.Resource, error) {
	return getOne(ctx, s, s.rq, scanResource, `SELECT `+resourceCols+` FROM resources WHERE id = $1`, id)
}

func (s *Store) GetResourceByIndicator(ctx context.Context, indicator string) (store.Resource, error) {
	return getOne(ctx, s, s.rq, scanResource, `SELECT `+resourceCols+` FROM resources WHERE indicator = $1`, indicator)
}

func (s *Store) ListResources(ctx context.Context) ([]store.Resource, error) {
	return getAll(ctx, s, s.rq, scanResource, `SELECT `+resourceCols+` FROM resources ORDER BY created_at, id`)
}

// UpdateResource implements store.Resources.
func (s *Store) UpdateResource(ctx context.Context, r store.Resource) (store.Resource, error) {
	var out store.Resource
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.mustAffect(s.txExec(ctx, tx, `UPDATE resources SET name = $2, access_token_ttl = $3 WHERE id = $1`,
			r.ID, r.Name, int64(r.AccessTokenTTL))); err != nil {
			return err
		}
		var err error
		out, err = getOne(ctx, s, tx, scanResource, `SELECT `+resourceCols+` FROM resources WHERE id = $1`, r.ID)
		return err
	})
	return out, err
}

// DeleteResource implements store.Resources; the foreign keys delete its
// scopes and role permissions.
func (s *Store) DeleteResource(ctx context.Context, id string) error {
	return s.mustAffect(s.exec(ctx, `DELETE FROM resources WHERE id = $1`, id))
}

// lockResource takes the resource's row lock for the transaction (a no-op
// update; SQLite serialises writers anyway), so concurrent scope changes
// rewrite resources.scopes one after the other. A missing resource is
// ErrNotFound.
func (s *Store) lockResource(ctx context.Context, tx *sql.Tx, id string) error {
	return s.mustAffect(s.txExec(ctx, tx, `UPDATE resources SET scopes = scopes WHERE id = $1`, id))
}

// syncScopes rewrites resources.scopes from the resource's scope rows.
func (s *Store) syncScopes(ctx context.Context, tx *sql.Tx, resourceID string) error {
	names, err := getAll(ctx, s, tx, func(r rowScanner) (string, error) {
		var n string
		return n, r.Scan(&n)
	}, `SELECT name FROM resource_scopes WHERE resource_id = $1 ORDER BY created_at, id`, resourceID)
	if err != nil {
		return err
	}
	_, err = s.txExec(ctx, tx, `UPDATE resources SET scopes = $2 WHERE id = $1`, resourceID, encList(names))
	return err
}

func (s *Store) ListResourceScopes(ctx context.Context, resourceID string) ([]store.ResourceScope, error) {
	if err := s.mustExist(ctx, s.rq, `SELECT 1 FROM resources WHERE id = $1`, resourceID); err != nil {
		return nil, err
	}
	return getAll(ctx, s, s.rq, scanScope, `SELECT `+scopeCols+` FROM resource_scopes WHERE resource_id = $1
		ORDER BY created_at, id`, resourceID)
}

func (s *Store) GetResourceScope(ctx context.Context, id string) (store.ResourceScope, error) {
	return getOne(ctx, s, s.rq, scanScope, `SELECT `+scopeCols+` FROM resource_scopes WHERE id = $1`, id)
}

// CreateResourceScope implements store.Resources in one transaction.
func (s *Store) CreateResourceScope(ctx context.Context, sc store.ResourceScope) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.lockResource(ctx, tx, sc.ResourceID); err != nil {
			return err
		}
		if _, err := s.txExec(ctx, tx, `INSERT INTO resource_scopes (`+scopeCols+`) VALUES ($1, $2, $3, $4, $5)`,
			sc.ID, sc.ResourceID, sc.Name, sc.Description, ns(sc.CreatedAt)); err != nil {
			return err
		}
		return s.syncScopes(ctx, tx, sc.ResourceID)
	})
}

// UpdateResourceScope implements store.Resources.
func (s *Store) UpdateResourceScope(ctx context.Context, id, description string) (store.ResourceScope, error) {
	var out store.ResourceScope
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.mustAffect(s.txExec(ctx, tx, `UPDATE resource_scopes SET description = $2 WHERE id = $1`,
			id, description)); err != nil {
			return err
		}
		var err error
		out, err = getOne(ctx, s, tx, scanScope, `SELECT `+scopeCols+` FROM resource_scopes WHERE id = $1`, id)
		return err
	})
	return out, err
}

// DeleteResourceScope implements store.Resources in one transaction.
func (s *Store) DeleteResourceScope(ctx context.Context, id string, now time.Time) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		sc, err := getOne(ctx, s, tx, scanScope, `SELECT `+scopeCols+` FROM resource_scopes WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if err := s.lockResource(ctx, tx, sc.ResourceID); err != nil {
			return err
		}
		if _, err := s.txExec(ctx, tx, `UPDATE clients SET tokens_revoked_before = $3
			WHERE id IN (SELECT cr.client_id FROM clients_roles cr
				JOIN role_permissions rp ON rp.role_id = cr.role_id WHERE rp.resource_id = $1 AND rp.scope = $2)`,
			sc.ResourceID, sc.Name, ns(now)); err != nil {
			return err
		}
		if _, err := s.txExec(ctx, tx, `UPDATE access_tokens SET revoked_at = $3
			WHERE grant_id = '' AND revoked_at = 0 AND client_id IN (SELECT cr.client_id FROM clients_roles cr
				JOIN role_permissions rp ON rp.role_id = cr.role_id WHERE rp.resource_id = $1 AND rp.scope = $2)`,
			sc.ResourceID, sc.Name, ns(now)); err != nil {
			return err
		}
		if _, err := s.txExec(ctx, tx, `DELETE FROM role_permissions WHERE resource_id = $1 AND scope = $2`,
			sc.ResourceID, sc.Name); err != nil {
			return err
		}
		if _, err := s.txExec(ctx, tx, `DELETE FROM resource_scopes WHERE id = $1`, id); err != nil {
			return err
		}
		return s.syncScopes(ctx, tx, sc.ResourceID)
	})
}
