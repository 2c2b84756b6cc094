package sqlstore

// Roles, their permissions and their assignments (docs/security.md, items
// 8.1 and 8.2). role_permissions names resources by id; reads join
// resources for the indicator. Deleting a role, resource, user or client
// removes its rows here through ON DELETE CASCADE foreign keys.

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

const roleCols = `id, name, description, type, created_at, is_default`

func scanRole(r rowScanner) (store.Role, error) {
	var x store.Role
	err := r.Scan(&x.ID, &x.Name, &x.Description, &x.Type, timeCol{&x.CreatedAt}, &x.IsDefault)
	return x, err
}

// rolePerm is one permission of one role, as read by loadRoles.
type rolePerm struct {
	roleID string
	perm   store.Permission
}

// loadRoles reads the roles matching where (a condition on roles.id, with
// its arguments) and their permissions, sorted by name. Two queries: the
// roles, then the permissions of the same roles.
func (s *Store) loadRoles(ctx context.Context, q querier, where string, args ...any) ([]store.Role, error) {
	roles, err := getAll(ctx, s, q, scanRole, `SELECT `+roleCols+` FROM roles WHERE `+where, args...)
	if err != nil || len(roles) == 0 {
		return nil, err
	}
	perms, err := getAll(ctx, s, q, func(r rowScanner) (rolePerm, error) {
		var p rolePerm
		return p, r.Scan(&p.roleID, &p.perm.Resource, &p.perm.Scope)
	}, `SELECT rp.role_id, res.indicator, rp.scope FROM role_permissions rp
		JOIN resources res ON res.id = rp.resource_id
		WHERE rp.role_id IN (SELECT id FROM roles WHERE `+where+`)`, args...)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]int, len(roles))
	for i, r := range roles {
		byID[r.ID] = i
	}
	for _, p := range perms {
		if i, ok := byID[p.roleID]; ok {
			roles[i].Permissions = append(roles[i].Permissions, p.perm)
		}
	}
	for i := range roles {
		sortPermissions(roles[i].Permissions)
	}
	// Sorted here, not by ORDER BY, so both dialects agree whatever the
	// PostgreSQL collation.
	slices.SortFunc(roles, func(a, b store.Role) int { return strings.Compare(a.Name, b.Name) })
	return roles, nil
}

func sortPermissions(l []store.Permission) {
	slices.SortFunc(l, func(a, b store.Permission) int {
		if c := strings.Compare(a.Resource, b.Resource); c != 0 {
			return c
		}
		return strings.Compare(a.Scope, b.Scope)
	})
}

func (s *Store) getRole(ctx context.Context, where string, arg string) (store.Role, error) {
	roles, err := s.loadRoles(ctx, s.rq, where, arg)
	if err != nil {
		return store.Role{}, err
	}
	if len(roles) == 0 {
		return store.Role{}, store.ErrNotFound
	}
	return roles[0], nil
}

func (s *Store) GetRole(ctx context.Context, id string) (store.Role, error) {
	return s.getRole(ctx, `id = $1`, id)
}

func (s *Store) GetRoleByName(ctx context.Context, name string) (store.Role, error) {
	return s.getRole(ctx, `name = $1`, name)
}

func (s *Store) ListRoles(ctx context.Context) ([]store.Role, error) {
	return s.loadRoles(ctx, s.rq, `1 = 1`)
}

func (s *Store) ListUserRoles(ctx context.Context, userID string) ([]store.Role, error) {
	return s.loadRoles(ctx, s.rq, `id IN (SELECT role_id FROM users_roles WHERE user_id = $1)`, userID)
}

func (s *Store) ListClientRoles(ctx context.Context, clientID string) ([]store.Role, error) {
	return s.loadRoles(ctx, s.rq, `id IN (SELECT role_id FROM clients_roles WHERE client_id = $1)`, clientID)
}

// CreateRole implements store.Roles in one transaction.
func (s *Store) CreateRole(ctx context.Context, r store.Role) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error { return s.insertRole(ctx, tx, r) })
}

// CreateRoleWithScopes implements store.Roles in one transaction. A new
// role has no apps, so there are no tokens to revoke.
func (s *Store) CreateRoleWithScopes(ctx context.Context, r store.Role, scopeIDs []string) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.insertRole(ctx, tx, r); err != nil {
			return err
		}
		for _, id := range scopeIDs {
			if _, err := s.txExec(ctx, tx, `INSERT INTO role_permissions (role_id, resource_id, scope)
				SELECT $1, resource_id, name FROM resource_scopes WHERE id = $2 ON CONFLICT DO NOTHING`, r.ID, id); err != nil {
				return err
			}
			if err := s.mustExist(ctx, tx, `SELECT 1 FROM resource_scopes WHERE id = $1`, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// insertRole stores r with its permissions inside the caller's transaction.
func (s *Store) insertRole(ctx context.Context, tx *sql.Tx, r store.Role) error {
	if _, err := s.txExec(ctx, tx, `INSERT INTO roles (`+roleCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		r.ID, r.Name, r.Description, string(r.Type), ns(r.CreatedAt), r.IsDefault); err != nil {
		return err
	}
	return s.insertRolePermissions(ctx, tx, r.ID, r.Permissions)
}

// PutClientRole implements store.Roles in one transaction.
func (s *Store) PutClientRole(ctx context.Context, clientID string, r store.Role, now time.Time) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.mustExist(ctx, tx, `SELECT 1 FROM clients WHERE id = $1`, clientID); err != nil {
			return err
		}
		err := s.mustExist(ctx, tx, `SELECT 1 FROM roles WHERE id = $1`, r.ID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			err = s.insertRole(ctx, tx, r)
		case err == nil:
			if _, err = s.txExec(ctx, tx, `DELETE FROM role_permissions WHERE role_id = $1`, r.ID); err == nil {
				if err = s.insertRolePermissions(ctx, tx, r.ID, r.Permissions); err == nil {
					err = s.revokeRoleClientTokens(ctx, tx, r.ID, now)
				}
			}
		}
		if err != nil {
			return err
		}
		_, err = s.txExec(ctx, tx, `INSERT INTO clients_roles (client_id, role_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
			clientID, r.ID)
		return err
	})
}

// insertRolePermissions stores perms for the role, resolving each
// indicator to its resource id. An unknown indicator is ErrNotFound (the
// caller's transaction rolls back); duplicates are stored once.
func (s *Store) insertRolePermissions(ctx context.Context, tx *sql.Tx, roleID string, perms []store.Permission) error {
	ids := map[string]string{}
	for _, p := range perms {
		id, ok := ids[p.Resource]
		if !ok {
			err := tx.QueryRowContext(ctx, s.d.q(`SELECT id FROM resources WHERE indicator = $1`), p.Resource).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				return store.ErrNotFound
			} else if err != nil {
				return err
			}
			ids[p.Resource] = id
		}
		if _, err := s.txExec(ctx, tx, `INSERT INTO role_permissions (role_id, resource_id, scope) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING`, roleID, id, p.Scope); err != nil {
			return err
		}
	}
	return nil
}

// revokeRoleClientTokens revokes the client_credentials access tokens of
// every client that holds the role, so a narrowed role takes effect at
// once for tokens checked by introspection.
func (s *Store) revokeRoleClientTokens(ctx context.Context, tx *sql.Tx, roleID string, now time.Time) error {
	if _, err := s.txExec(ctx, tx, `UPDATE clients SET tokens_revoked_before = $2
		WHERE id IN (SELECT client_id FROM clients_roles WHERE role_id = $1)`, roleID, ns(now)); err != nil {
		return err
	}
	_, err := s.txExec(ctx, tx, `UPDATE access_tokens SET revoked_at = $2
		WHERE grant_id = '' AND revoked_at = 0 AND client_id IN (SELECT client_id FROM clients_roles WHERE role_id = $1)`,
		roleID, ns(now))
	return err
}

// SetRolePermissions implements store.Roles in one transaction.
func (s *Store) SetRolePermissions(ctx context.Context, id string, perms []store.Permission, now time.Time) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.mustExist(ctx, tx, `SELECT 1 FROM roles WHERE id = $1`, id); err != nil {
			return err
		}
		if _, err := s.txExec(ctx, tx, `DELETE FROM role_permissions WHERE role_id = $1`, id); err != nil {
			return err
		}
		if err := s.insertRolePermissions(ctx, tx, id, perms); err != nil {
			return err
		}
		return s.revokeRoleClientTokens(ctx, tx, id, now)
	})
}

// DeleteRole implements store.Roles in one transaction; the foreign keys
// delete the role's permissions and assignments.
func (s *Store) DeleteRole(ctx context.Context, id string, now time.Time) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.revokeRoleClientTokens(ctx, tx, id, now); err != nil {
			return err
		}
		return s.mustAffect(s.txExec(ctx, tx, `DELETE FROM roles WHERE id = $1`, id))
	})
}

// mustExist runs a SELECT 1 query and maps no row to store.ErrNotFound.
func (s *Store) mustExist(ctx context.Context, q querier, query string, args ...any) error {
	var one int
	err := q.QueryRowContext(ctx, s.d.q(query), args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return s.d.mapErr(err)
}

// assign inserts the (subject, role) row unless present; a missing subject
// or role is ErrNotFound.
func (s *Store) assign(ctx context.Context, subjectTable, assignTable, subjectCol, subjectID, roleID string) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.mustExist(ctx, tx, `SELECT 1 FROM `+subjectTable+` WHERE id = $1`, subjectID); err != nil {
			return err
		}
		if err := s.mustExist(ctx, tx, `SELECT 1 FROM roles WHERE id = $1`, roleID); err != nil {
			return err
		}
		_, err := s.txExec(ctx, tx, `INSERT INTO `+assignTable+` (`+subjectCol+`, role_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
			subjectID, roleID)
		return err
	})
}

func (s *Store) AssignUserRole(ctx context.Context, userID, roleID string) error {
	return s.assign(ctx, "users", "users_roles", "user_id", userID, roleID)
}

func (s *Store) AssignClientRole(ctx context.Context, clientID, roleID string) error {
	return s.assign(ctx, "clients", "clients_roles", "client_id", clientID, roleID)
}

func (s *Store) UnassignUserRole(ctx context.Context, userID, roleID string) error {
	return s.mustAffect(s.exec(ctx, `DELETE FROM users_roles WHERE user_id = $1 AND role_id = $2`, userID, roleID))
}

// UnassignClientRole implements store.Roles in one transaction.
func (s *Store) UnassignClientRole(ctx context.Context, clientID, roleID string, now time.Time) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.mustAffect(s.txExec(ctx, tx, `DELETE FROM clients_roles WHERE client_id = $1 AND role_id = $2`,
			clientID, roleID)); err != nil {
			return err
		}
		if _, err := s.txExec(ctx, tx, `UPDATE clients SET tokens_revoked_before = $2 WHERE id = $1`, clientID, ns(now)); err != nil {
			return err
		}
		_, err := s.txExec(ctx, tx, `UPDATE access_tokens SET revoked_at = $2
			WHERE client_id = $1 AND grant_id = '' AND revoked_at = 0`, clientID, ns(now))
		return err
	})
}

// The token endpoints call UserPermissions and ClientPermissions once per
// token: each is one constant query (prepared once on SQLite), walking the
// assignment's primary key, role_permissions' primary key and resources'.

const userPermissionsQuery = `SELECT DISTINCT res.indicator, rp.scope FROM users_roles ur
	JOIN role_permissions rp ON rp.role_id = ur.role_id
	JOIN resources res ON res.id = rp.resource_id
	WHERE ur.user_id = $1`

const clientPermissionsQuery = `SELECT DISTINCT res.indicator, rp.scope FROM clients_roles cr
	JOIN role_permissions rp ON rp.role_id = cr.role_id
	JOIN resources res ON res.id = rp.resource_id
	WHERE cr.client_id = $1`

func scanPermission(r rowScanner) (store.Permission, error) {
	var p store.Permission
	return p, r.Scan(&p.Resource, &p.Scope)
}

func (s *Store) UserPermissions(ctx context.Context, userID string) ([]store.Permission, error) {
	l, err := getAll(ctx, s, s.rq, scanPermission, userPermissionsQuery, userID)
	sortPermissions(l)
	return l, err
}

func (s *Store) ClientPermissions(ctx context.Context, clientID string) ([]store.Permission, error) {
	l, err := getAll(ctx, s, s.rq, scanPermission, clientPermissionsQuery, clientID)
	sortPermissions(l)
	return l, err
}

// UpdateRole implements store.Roles.
func (s *Store) UpdateRole(ctx context.Context, r store.Role) (store.Role, error) {
	if err := s.mustAffect(s.exec(ctx, `UPDATE roles SET name = $2, description = $3, is_default = $4 WHERE id = $1`,
		r.ID, r.Name, r.Description, r.IsDefault)); err != nil {
		return store.Role{}, err
	}
	return s.GetRole(ctx, r.ID)
}

// ListRoleUsers implements store.Roles.
func (s *Store) ListRoleUsers(ctx context.Context, roleID string, q store.ListQuery) ([]store.User, int, error) {
	if err := s.mustExist(ctx, s.rq, `SELECT 1 FROM roles WHERE id = $1`, roleID); err != nil {
		return nil, 0, err
	}
	return listPageIn(ctx, s, userList, q, `SELECT user_id FROM users_roles WHERE role_id = $ARG`, roleID)
}

// ListRoleClients implements store.Roles.
func (s *Store) ListRoleClients(ctx context.Context, roleID string, q store.ListQuery) ([]store.Client, int, error) {
	if err := s.mustExist(ctx, s.rq, `SELECT 1 FROM roles WHERE id = $1`, roleID); err != nil {
		return nil, 0, err
	}
	return listPageIn(ctx, s, clientList, q, `SELECT client_id FROM clients_roles WHERE role_id = $ARG`, roleID)
}

// RoleStats implements store.Roles in three queries: the counts of every
// role, then the featured users and apps (a window function keeps the
// first FeaturedMembers of each role). The ids are bound as one JSON array
// so the statements do not depend on how many there are.
func (s *Store) RoleStats(ctx context.Context, roleIDs []string) (map[string]store.RoleStats, error) {
	out := map[string]store.RoleStats{}
	if len(roleIDs) == 0 {
		return out, nil
	}
	ids := encList(roleIDs)
	in := `SELECT value FROM json_each($1)`
	if s.d.name != "sqlite" {
		in = `SELECT jsonb_array_elements_text($1::jsonb)`
	}
	type count struct {
		id           string
		users, calls int
	}
	counts, err := getAll(ctx, s, s.rq, func(r rowScanner) (count, error) {
		var c count
		return c, r.Scan(&c.id, &c.users, &c.calls)
	}, `SELECT r.id, (SELECT count(*) FROM users_roles ur WHERE ur.role_id = r.id),
		(SELECT count(*) FROM clients_roles cr WHERE cr.role_id = r.id)
		FROM roles r WHERE r.id IN (`+in+`)`, ids)
	if err != nil {
		return nil, err
	}
	for _, c := range counts {
		out[c.id] = store.RoleStats{UsersCount: c.users, ClientsCount: c.calls}
	}
	type member[T any] struct {
		roleID string
		v      T
	}
	users, err := getAll(ctx, s, s.rq, func(r rowScanner) (member[store.User], error) {
		var m member[store.User]
		return m, r.Scan(&m.roleID, &m.v.ID, &m.v.Name, &m.v.Picture, &m.v.Username, &m.v.Email)
	}, `SELECT role_id, id, name, picture, username, email FROM (
		SELECT ur.role_id, u.id, u.name, u.picture, u.username, u.email,
			row_number() OVER (PARTITION BY ur.role_id ORDER BY u.created_at, u.id) AS n
		FROM users_roles ur JOIN users u ON u.id = ur.user_id WHERE ur.role_id IN (`+in+`)) x
		WHERE n <= `+strconv.Itoa(store.FeaturedMembers)+` ORDER BY role_id, n`, ids)
	if err != nil {
		return nil, err
	}
	for _, m := range users {
		st := out[m.roleID]
		st.FeaturedUsers = append(st.FeaturedUsers, m.v)
		out[m.roleID] = st
	}
	clients, err := getAll(ctx, s, s.rq, func(r rowScanner) (member[store.Client], error) {
		var m member[store.Client]
		return m, r.Scan(&m.roleID, &m.v.ID, &m.v.Name, &m.v.Type)
	}, `SELECT role_id, id, name, type FROM (
		SELECT cr.role_id, c.id, c.name, c.type,
			row_number() OVER (PARTITION BY cr.role_id ORDER BY c.created_at, c.id) AS n
		FROM clients_roles cr JOIN clients c ON c.id = cr.client_id WHERE cr.role_id IN (`+in+`)) x
		WHERE n <= `+strconv.Itoa(store.FeaturedMembers)+` ORDER BY role_id, n`, ids)
	if err != nil {
		return nil, err
	}
	for _, m := range clients {
		st := out[m.roleID]
		st.FeaturedClients = append(st.FeaturedClients, m.v)
		out[m.roleID] = st
	}
	return out, nil
}

// ListRoleScopes implements store.Roles.
func (s *Store) ListRoleScopes(ctx context.Context, roleID string) ([]store.ResourceScope, error) {
	if err := s.mustExist(ctx, s.rq, `SELECT 1 FROM roles WHERE id = $1`, roleID); err != nil {
		return nil, err
	}
	l, err := getAll(ctx, s, s.rq, scanScope, `SELECT rs.id, rs.resource_id, rs.name, rs.description, rs.created_at
		FROM role_permissions rp JOIN resource_scopes rs ON rs.resource_id = rp.resource_id AND rs.name = rp.scope
		WHERE rp.role_id = $1`, roleID)
	slices.SortFunc(l, func(a, b store.ResourceScope) int {
		if c := strings.Compare(a.ResourceID, b.ResourceID); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return l, err
}

// AddRoleScopes implements store.Roles in one transaction.
func (s *Store) AddRoleScopes(ctx context.Context, roleID string, scopeIDs []string, now time.Time) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.mustExist(ctx, tx, `SELECT 1 FROM roles WHERE id = $1`, roleID); err != nil {
			return err
		}
		for _, id := range scopeIDs {
			if err := s.mustAffect(s.txExec(ctx, tx, `INSERT INTO role_permissions (role_id, resource_id, scope)
				SELECT $1, resource_id, name FROM resource_scopes WHERE id = $2 ON CONFLICT DO NOTHING`, roleID, id)); err != nil {
				if !errors.Is(err, store.ErrNotFound) {
					return err
				}
				// Held already, or no such scope.
				if err := s.mustExist(ctx, tx, `SELECT 1 FROM resource_scopes WHERE id = $1`, id); err != nil {
					return err
				}
			}
		}
		return s.revokeRoleClientTokens(ctx, tx, roleID, now)
	})
}

// RemoveRoleScope implements store.Roles in one transaction.
func (s *Store) RemoveRoleScope(ctx context.Context, roleID, scopeID string, now time.Time) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.mustAffect(s.txExec(ctx, tx, `DELETE FROM role_permissions WHERE role_id = $1 AND (resource_id, scope) IN
			(SELECT resource_id, name FROM resource_scopes WHERE id = $2)`, roleID, scopeID)); err != nil {
			return err
		}
		return s.revokeRoleClientTokens(ctx, tx, roleID, now)
	})
}
