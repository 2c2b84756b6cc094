package management

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"time"
)

// User is a user as the Management API shows it; it never carries a
// password hash. Strings that are null on the wire read as "".
type User struct {
	ID            string                     `json:"id"`
	Username      string                     `json:"username"`
	PrimaryEmail  string                     `json:"primaryEmail"`
	PrimaryPhone  string                     `json:"primaryPhone"`
	Name          string                     `json:"name"`
	Avatar        string                     `json:"avatar"`
	CustomData    map[string]any             `json:"customData"`
	Identities    map[string]json.RawMessage `json:"identities"`
	Profile       Profile                    `json:"profile"`
	ApplicationID string                     `json:"applicationId"` // the app the user registered through
	IsSuspended   bool                       `json:"isSuspended"`
	// HasPassword is set by Get (GET /api/users/{id}), not by lists.
	HasPassword  *bool     `json:"hasPassword,omitempty"`
	LastSignInAt time.Time `json:"lastSignInAt"` // zero: never
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

func (u *User) UnmarshalJSON(b []byte) error {
	type plain User
	return json.Unmarshal(b, &struct {
		*plain
		LastSignInAt epochMS `json:"lastSignInAt"`
		CreatedAt    epochMS `json:"createdAt"`
		UpdatedAt    epochMS `json:"updatedAt"`
	}{(*plain)(u), epochMS{&u.LastSignInAt}, epochMS{&u.CreatedAt}, epochMS{&u.UpdatedAt}})
}

func (u User) MarshalJSON() ([]byte, error) {
	type plain User
	return json.Marshal(struct {
		plain
		LastSignInAt epochMS `json:"lastSignInAt"`
		CreatedAt    epochMS `json:"createdAt"`
		UpdatedAt    epochMS `json:"updatedAt"`
	}{plain(u), epochMS{&u.LastSignInAt}, epochMS{&u.CreatedAt}, epochMS{&u.UpdatedAt}})
}

// Profile is a user's OIDC profile claims, in Logto's names; every field is
// optional.
type Profile struct {
	FamilyName        string   `json:"familyName,omitempty"`
	GivenName         string   `json:"givenName,omitempty"`
	MiddleName        string   `json:"middleName,omitempty"`
	Nickname          string   `json:"nickname,omitempty"`
	PreferredUsername string   `json:"preferredUsername,omitempty"`
	Profile           string   `json:"profile,omitempty"`
	Website           string   `json:"website,omitempty"`
	Gender            string   `json:"gender,omitempty"`
	Birthdate         string   `json:"birthdate,omitempty"`
	Zoneinfo          string   `json:"zoneinfo,omitempty"`
	Locale            string   `json:"locale,omitempty"`
	Address           *Address `json:"address,omitempty"`
}

// Address is Profile's postal address.
type Address struct {
	Formatted     string `json:"formatted,omitempty"`
	StreetAddress string `json:"streetAddress,omitempty"`
	Locality      string `json:"locality,omitempty"`
	Region        string `json:"region,omitempty"`
	PostalCode    string `json:"postalCode,omitempty"`
	Country       string `json:"country,omitempty"`
}

// UserCreate is a new user; empty fields are left out. A user needs a
// username or an email address.
type UserCreate struct {
	Username     string `json:"username,omitempty"`
	PrimaryEmail string `json:"primaryEmail,omitempty"`
	PrimaryPhone string `json:"primaryPhone,omitempty"`
	Password     string `json:"password,omitempty"`
	Name         string `json:"name,omitempty"`
	Avatar       string `json:"avatar,omitempty"`
	// CustomData and Profile as Logto takes them; Sesame takes them through
	// Update.
	CustomData map[string]any `json:"customData,omitempty"`
	Profile    *Profile       `json:"profile,omitempty"`
}

// UserUpdate changes a user: nil fields stay as they are.
type UserUpdate struct {
	Username     *string `json:"username,omitempty"`
	PrimaryEmail *string `json:"primaryEmail,omitempty"`
	PrimaryPhone *string `json:"primaryPhone,omitempty"`
	Name         *string `json:"name,omitempty"`
	Avatar       *string `json:"avatar,omitempty"`
	// CustomData replaces the custom data when not nil.
	CustomData map[string]any `json:"customData,omitzero"`
	// Profile's set fields are merged into the profile.
	Profile *Profile `json:"profile,omitempty"`
}

// SearchMode is how a search value matches.
type SearchMode string

// Search modes. With Like the caller writes the % wildcards: "ann%" is a
// prefix, "%ann%" contains (see [Prefix] and [Contains]). Sesame serves
// Like and Exact, Logto all four.
const (
	Like      SearchMode = "like"
	Exact     SearchMode = "exact"
	SimilarTo SearchMode = "similar_to"
	Posix     SearchMode = "posix"
)

// Prefix is a Like pattern for values starting with s.
func Prefix(s string) string { return s + "%" }

// Contains is a Like pattern for values containing s.
func Contains(s string) string { return "%" + s + "%" }

// Search is Logto's search grammar for users (and a role's users or
// applications). The zero value searches nothing.
type Search struct {
	// Value is what is looked for: search=Value on every field, or
	// search.<field>=Value on each of Fields.
	Value string
	// Fields are field names: for users "id", "username", "primaryEmail",
	// "primaryPhone", "name"; for applications "id", "name". Empty: every
	// field.
	Fields []string
	// Mode is the match (mode=); default Like.
	Mode SearchMode
	// Joint combines the fields: "or" (the default) or "and" (Logto only).
	Joint string
	// CaseSensitive sends isCaseSensitive=true; the default is insensitive.
	CaseSensitive bool
	// Extra holds further query parameters as they are, such as Logto's
	// per-field "mode.<field>" or different values per field.
	Extra url.Values
}

func (s Search) values(q url.Values) {
	if s.Value != "" {
		if len(s.Fields) == 0 {
			q.Set("search", s.Value)
		}
		for _, f := range s.Fields {
			q.Set("search."+f, s.Value)
		}
	}
	if s.Mode != "" {
		q.Set("mode", string(s.Mode))
	}
	if s.Joint != "" {
		q.Set("joint", s.Joint)
	}
	if s.CaseSensitive {
		q.Set("isCaseSensitive", "true")
	}
	for k, vs := range s.Extra {
		q[k] = append(q[k], vs...)
	}
}

// UserListOptions picks and filters a list of users.
type UserListOptions struct {
	ListOptions
	Search
}

// UsersService is /api/users.
type UsersService struct{ c *Client }

// List iterates over the users matching o.Search, newest first.
func (s *UsersService) List(ctx context.Context, o UserListOptions) iter.Seq2[User, error] {
	q := url.Values{}
	o.Search.values(q)
	return pages[User](ctx, s.c, "/users", q, o.ListOptions)
}

// ListPage returns one page of the users matching o.Search, and how many
// match in all.
func (s *UsersService) ListPage(ctx context.Context, o UserListOptions) ([]User, int, error) {
	q := url.Values{}
	o.Search.values(q)
	return onePage[User](ctx, s.c, "/users", q, o.ListOptions)
}

// Get returns the user id.
func (s *UsersService) Get(ctx context.Context, id string) (*User, error) {
	return get[User](ctx, s.c, "/users/%s", id)
}

// Create creates a user.
func (s *UsersService) Create(ctx context.Context, in UserCreate) (*User, error) {
	return send[User](ctx, s.c, http.MethodPost, in, "/users")
}

// Update changes the fields of in that are set.
func (s *UsersService) Update(ctx context.Context, id string, in UserUpdate) (*User, error) {
	return send[User](ctx, s.c, http.MethodPatch, in, "/users/%s", id)
}

// Delete deletes the user.
func (s *UsersService) Delete(ctx context.Context, id string) error {
	return del(ctx, s.c, "/users/%s", id)
}

// SetPassword sets the user's password (the server's password policy
// applies); Sesame also signs the user out everywhere.
func (s *UsersService) SetPassword(ctx context.Context, id, password string) (*User, error) {
	return send[User](ctx, s.c, http.MethodPatch, map[string]string{"password": password}, "/users/%s/password", id)
}

// VerifyPassword reports whether password is the user's password. A wrong
// password is (false, nil); other failures are errors.
func (s *UsersService) VerifyPassword(ctx context.Context, id, password string) (bool, error) {
	err := post(ctx, s.c, map[string]string{"password": password}, "/users/%s/password/verify", id)
	var e *Error
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &e) && e.Status == http.StatusUnprocessableEntity:
		return false, nil
	}
	return false, err
}

// SetSuspended suspends (true) or unsuspends the user. A suspended user
// cannot sign in; Sesame also ends their sessions.
func (s *UsersService) SetSuspended(ctx context.Context, id string, suspended bool) (*User, error) {
	return send[User](ctx, s.c, http.MethodPatch, map[string]bool{"isSuspended": suspended}, "/users/%s/is-suspended", id)
}

// CustomData returns the user's custom data.
func (s *UsersService) CustomData(ctx context.Context, id string) (map[string]any, error) {
	out, err := get[map[string]any](ctx, s.c, "/users/%s/custom-data", id)
	if err != nil {
		return nil, err
	}
	return *out, nil
}

// UpdateCustomData updates the user's custom data with data (PATCH
// /api/users/{id}/custom-data: Logto merges its top-level keys) and
// returns the result.
func (s *UsersService) UpdateCustomData(ctx context.Context, id string, data map[string]any) (map[string]any, error) {
	if data == nil {
		data = map[string]any{}
	}
	out, err := send[map[string]any](ctx, s.c, http.MethodPatch, map[string]any{"customData": data}, "/users/%s/custom-data", id)
	if err != nil {
		return nil, err
	}
	return *out, nil
}

// ListRoles lists the user's roles.
func (s *UsersService) ListRoles(ctx context.Context, id string) ([]Role, error) {
	return all[Role](ctx, s.c, "/users/%s/roles", id)
}

// AssignRoles gives the user the roles (User roles).
func (s *UsersService) AssignRoles(ctx context.Context, id string, roleIDs ...string) error {
	return post(ctx, s.c, map[string][]string{"roleIds": roleIDs}, "/users/%s/roles", id)
}

// RemoveRole takes the role from the user.
func (s *UsersService) RemoveRole(ctx context.Context, id, roleID string) error {
	return del(ctx, s.c, "/users/%s/roles/%s", id, roleID)
}
