package admin

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/identity"
	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/password"
	"github.com/sesameauth/sesame/internal/store"
)

// Error codes of the administrator operations, as errors.Is targets.
var (
	ErrLastAdmin  = &directory.Error{Code: "admin.last"}
	ErrSetupDone  = &directory.Error{Code: "admin.setup_done"}
	ErrSetupToken = &directory.Error{Code: "admin.setup_token"}
	ErrNotAdmin   = &directory.Error{Code: "admin.not_admin"}
)

// AdminStore is what the administrator operations use.
type AdminStore interface {
	GetUser(ctx context.Context, id string) (store.User, error)
	GetUserByLogin(ctx context.Context, login string) (store.User, error)
	AssignUserRole(ctx context.Context, userID, roleID string) error
	CreateUserWithRole(ctx context.Context, u store.User, roleID string) error
	AllRoleUsers(ctx context.Context, roleID string) ([]store.User, error)
	UnassignUserRoleUnlessLast(ctx context.Context, userID, roleID string) error
	CreateSetupToken(ctx context.Context, hash []byte, createdAt, expiresAt time.Time) error
	SetupFirstAdmin(ctx context.Context, hash []byte, now time.Time, u store.User, roleID string) error
}

// Admins manages administrators: users holding the role AdminRoleID.
type Admins struct {
	Store          AdminStore
	PasswordParams password.Params  // zero: password.Default
	Now            func() time.Time // default time.Now
	// Policy returns the sign-in experience's password policy (package
	// signinexp), the one every user's password follows; nil means
	// identity.DefaultPasswordPolicy.
	Policy func(context.Context) (identity.PasswordPolicy, error)
}

func (a Admins) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// NewAdmin is what creating an administrator takes: a username or an
// email (or both) and a password, under the same rules as any user.
type NewAdmin struct {
	Username, Email, Password, Name string
}

// user validates na as directory.CheckNewUser does and builds the user.
func (a Admins) user(ctx context.Context, na NewAdmin) (store.User, error) {
	if strings.TrimSpace(na.Username) == "" && strings.TrimSpace(na.Email) == "" {
		return store.User{}, &directory.Error{Code: directory.ErrUserInvalid.Code, Message: "an administrator needs --username or --email"}
	}
	// An administrator may have only an email; the other rules are the
	// directory's, checked with a stand-in username.
	emailOnly := strings.TrimSpace(na.Username) == ""
	if emailOnly {
		na.Username = "admin"
	}
	nu := directory.NewUser{Username: na.Username, Email: na.Email, Password: na.Password, Name: na.Name}
	if err := directory.CheckNewUser(&nu); err != nil {
		return store.User{}, err
	}
	if emailOnly {
		nu.Username = ""
	}
	if err := directory.CheckPasswordPolicy(ctx, a.Policy, nu.Password, nu.Username, nu.Email); err != nil {
		return store.User{}, err
	}
	params := a.PasswordParams
	if params.Memory == 0 {
		params = password.Default
	}
	hash, err := identity.HashPassword(ctx, nu.Password, params)
	if err != nil {
		return store.User{}, &directory.Error{Code: identity.ErrPasswordUnusable.Code, Message: err.Error(), Err: err}
	}
	n := a.now()
	return store.User{ID: opaque.NewID(), Username: nu.Username, Email: nu.Email, PasswordHash: hash,
		Name: strings.TrimSpace(nu.Name), CreatedAt: n, UpdatedAt: n}, nil
}

func userExists() error {
	return &directory.Error{Code: directory.ErrUserExists.Code, Message: "a user with that username or email already exists"}
}

// CreateAdmin creates a user holding the administrator role, in one write.
func (a Admins) CreateAdmin(ctx context.Context, na NewAdmin) (store.User, error) {
	u, err := a.user(ctx, na)
	if err != nil {
		return store.User{}, err
	}
	if err := a.Store.CreateUserWithRole(ctx, u, AdminRoleID); errors.Is(err, store.ErrAlreadyExists) {
		return store.User{}, userExists()
	} else if errors.Is(err, store.ErrNotFound) {
		return store.User{}, errNoRole()
	} else if err != nil {
		return store.User{}, err
	}
	return u, nil
}

// ListAdmins lists the administrators, suspended ones included, by
// creation.
func (a Admins) ListAdmins(ctx context.Context) ([]store.User, error) {
	return a.Store.AllRoleUsers(ctx, AdminRoleID)
}

// find finds a user by id, username or email.
func (a Admins) find(ctx context.Context, who string) (store.User, error) {
	u, err := a.Store.GetUser(ctx, who)
	if errors.Is(err, store.ErrNotFound) {
		u, err = a.Store.GetUserByLogin(ctx, identity.Canonical(who))
	}
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, directory.UserNotFound(who)
	}
	return u, err
}

// Disable takes the administrator role from the user who (id, username or
// email), unless they are the last enabled administrator (ErrLastAdmin).
func (a Admins) Disable(ctx context.Context, who string) (store.User, error) {
	u, err := a.find(ctx, who)
	if err != nil {
		return store.User{}, err
	}
	switch err := a.Store.UnassignUserRoleUnlessLast(ctx, u.ID, AdminRoleID); {
	case errors.Is(err, store.ErrLastHolder):
		return u, &directory.Error{Code: ErrLastAdmin.Code, Message: "refusing to disable the last enabled administrator"}
	case errors.Is(err, store.ErrNotFound):
		return u, &directory.Error{Code: ErrNotAdmin.Code, Message: "user " + who + " is not an administrator"}
	case err != nil:
		return u, err
	}
	return u, nil
}

// Enable gives the administrator role to the user who; idempotent.
func (a Admins) Enable(ctx context.Context, who string) (store.User, error) {
	u, err := a.find(ctx, who)
	if err != nil {
		return store.User{}, err
	}
	if err := a.Store.AssignUserRole(ctx, u.ID, AdminRoleID); errors.Is(err, store.ErrNotFound) {
		return u, errNoRole()
	} else if err != nil {
		return u, err
	}
	return u, nil
}

// errNoRole: the CLI can run on a database that `sesame serve` never
// started on, before Ensure seeded the role.
func errNoRole() error {
	return &directory.Error{Code: directory.ErrRoleNotFound.Code, Message: "the administrator role does not exist yet: start `sesame serve` once first"}
}

// GrantStore is what GrantManagementAPI uses.
type GrantStore interface {
	AssignClientRole(ctx context.Context, clientID, roleID string) error
	DeleteClient(ctx context.Context, id string) error
}

// GrantManagementAPI gives the just-created M2M app clientID the role
// M2MRoleID. If that fails the app is deleted, so a failed
// `apps create --management-api` leaves nothing behind.
func GrantManagementAPI(ctx context.Context, st GrantStore, clientID string) error {
	err := st.AssignClientRole(ctx, clientID, M2MRoleID)
	if err == nil {
		return nil
	}
	if errors.Is(err, store.ErrNotFound) {
		err = &directory.Error{Code: directory.ErrRoleNotFound.Code, Message: "the role \"" + M2MRoleName + "\" does not exist yet: start `sesame serve` once first"}
	}
	if derr := st.DeleteClient(ctx, clientID); derr != nil {
		return errors.Join(err, derr)
	}
	return err
}
