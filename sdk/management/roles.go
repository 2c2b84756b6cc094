package management

import (
	"context"
	"iter"
	"net/http"
	"net/url"
)

// RoleType is whom a role is for.
type RoleType string

// Role types.
const (
	RoleUser             RoleType = "User"
	RoleMachineToMachine RoleType = "MachineToMachine"
)

// Role is a set of permissions (scopes of API resources) assigned to users
// or to machine-to-machine apps.
type Role struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Type        RoleType `json:"type"`
	IsDefault   bool     `json:"isDefault"` // given to every new user

	// Set only by RolesService.List (GET /api/roles).
	UsersCount           int            `json:"usersCount,omitempty"`
	FeaturedUsers        []FeaturedUser `json:"featuredUsers,omitempty"`
	ApplicationsCount    int            `json:"applicationsCount,omitempty"`
	FeaturedApplications []FeaturedApp  `json:"featuredApplications,omitempty"`
}

// FeaturedUser is one of the first users holding a role.
type FeaturedUser struct {
	ID     string `json:"id"`
	Avatar string `json:"avatar"`
	Name   string `json:"name"`
}

// FeaturedApp is one of the first applications holding a role.
type FeaturedApp struct {
	ID   string  `json:"id"`
	Name string  `json:"name"`
	Type AppType `json:"type"`
}

// RoleCreate is a new role.
type RoleCreate struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Type        RoleType `json:"type,omitempty"` // default RoleUser
	IsDefault   bool     `json:"isDefault,omitempty"`
	ScopeIDs    []string `json:"scopeIds,omitempty"` // its permissions
}

// RoleUpdate changes a role: nil fields stay as they are.
type RoleUpdate struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	IsDefault   *bool   `json:"isDefault,omitempty"`
}

// AppListOptions picks and filters a role's applications.
type AppListOptions struct {
	ListOptions
	Search
}

// RolesService is /api/roles.
type RolesService struct{ c *Client }

// List iterates over the roles, with their member counts.
func (s *RolesService) List(ctx context.Context, o ListOptions) iter.Seq2[Role, error] {
	return pages[Role](ctx, s.c, "/roles", url.Values{}, o)
}

// ListPage returns one page of roles and the total number.
func (s *RolesService) ListPage(ctx context.Context, o ListOptions) ([]Role, int, error) {
	return onePage[Role](ctx, s.c, "/roles", url.Values{}, o)
}

// Get returns the role id.
func (s *RolesService) Get(ctx context.Context, id string) (*Role, error) {
	return get[Role](ctx, s.c, "/roles/%s", id)
}

// Create creates a role.
func (s *RolesService) Create(ctx context.Context, in RoleCreate) (*Role, error) {
	return send[Role](ctx, s.c, http.MethodPost, in, "/roles")
}

// Update changes the fields of in that are set.
func (s *RolesService) Update(ctx context.Context, id string, in RoleUpdate) (*Role, error) {
	return send[Role](ctx, s.c, http.MethodPatch, in, "/roles/%s", id)
}

// Delete deletes the role and its assignments.
func (s *RolesService) Delete(ctx context.Context, id string) error {
	return del(ctx, s.c, "/roles/%s", id)
}

// Users iterates over the users holding the role that match o.Search.
func (s *RolesService) Users(ctx context.Context, id string, o UserListOptions) iter.Seq2[User, error] {
	pth, err := path("/roles/%s/users", id)
	if err != nil {
		return failed[User](err)
	}
	q := url.Values{}
	o.Search.values(q)
	return pages[User](ctx, s.c, pth, q, o.ListOptions)
}

// UsersPage returns one page of the users holding the role, and how many
// match in all.
func (s *RolesService) UsersPage(ctx context.Context, id string, o UserListOptions) ([]User, int, error) {
	pth, err := path("/roles/%s/users", id)
	if err != nil {
		return nil, 0, err
	}
	q := url.Values{}
	o.Search.values(q)
	return onePage[User](ctx, s.c, pth, q, o.ListOptions)
}

// AssignUsers gives the role to the users.
func (s *RolesService) AssignUsers(ctx context.Context, id string, userIDs ...string) error {
	return post(ctx, s.c, map[string][]string{"userIds": userIDs}, "/roles/%s/users", id)
}

// RemoveUser takes the role from the user.
func (s *RolesService) RemoveUser(ctx context.Context, id, userID string) error {
	return del(ctx, s.c, "/roles/%s/users/%s", id, userID)
}

// Applications iterates over the applications holding the role that match
// o.Search (fields "id" and "name").
func (s *RolesService) Applications(ctx context.Context, id string, o AppListOptions) iter.Seq2[Application, error] {
	pth, err := path("/roles/%s/applications", id)
	if err != nil {
		return failed[Application](err)
	}
	q := url.Values{}
	o.Search.values(q)
	return pages[Application](ctx, s.c, pth, q, o.ListOptions)
}

// ApplicationsPage returns one page of the applications holding the role,
// and how many match in all.
func (s *RolesService) ApplicationsPage(ctx context.Context, id string, o AppListOptions) ([]Application, int, error) {
	pth, err := path("/roles/%s/applications", id)
	if err != nil {
		return nil, 0, err
	}
	q := url.Values{}
	o.Search.values(q)
	return onePage[Application](ctx, s.c, pth, q, o.ListOptions)
}

// AssignApplications gives the role (a MachineToMachine one) to the apps.
func (s *RolesService) AssignApplications(ctx context.Context, id string, appIDs ...string) error {
	return post(ctx, s.c, map[string][]string{"applicationIds": appIDs}, "/roles/%s/applications", id)
}

// RemoveApplication takes the role from the app.
func (s *RolesService) RemoveApplication(ctx context.Context, id, appID string) error {
	return del(ctx, s.c, "/roles/%s/applications/%s", id, appID)
}

// Scopes lists the role's permissions.
func (s *RolesService) Scopes(ctx context.Context, id string) ([]Scope, error) {
	return all[Scope](ctx, s.c, "/roles/%s/scopes", id)
}

// AddScopes gives the role the scopes (by id) and returns its scopes.
func (s *RolesService) AddScopes(ctx context.Context, id string, scopeIDs ...string) ([]Scope, error) {
	out, err := send[[]Scope](ctx, s.c, http.MethodPost, map[string][]string{"scopeIds": scopeIDs}, "/roles/%s/scopes", id)
	if err != nil {
		return nil, err
	}
	return *out, nil
}

// RemoveScope takes the scope from the role.
func (s *RolesService) RemoveScope(ctx context.Context, id, scopeID string) error {
	return del(ctx, s.c, "/roles/%s/scopes/%s", id, scopeID)
}

// failed is an iterator that yields err once.
func failed[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}
