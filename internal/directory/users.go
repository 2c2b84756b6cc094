package directory

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/identity"
	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/password"
	"github.com/sesameauth/sesame/internal/store"
)

// UserStore is what the user operations use of the store.
type UserStore interface {
	CreateUser(ctx context.Context, u store.User) error
	GetUser(ctx context.Context, id string) (store.User, error)
	GetUserByLogin(ctx context.Context, login string) (store.User, error)
	ListUsers(ctx context.Context) ([]store.User, error)
	UpdateUser(ctx context.Context, id string, fn func(store.User) (store.User, error)) (store.User, error)
	DeleteUser(ctx context.Context, id string) error
	ListUsersPage(ctx context.Context, q store.ListQuery) ([]store.User, int, error)
	ListUserSessions(ctx context.Context, userID string, now time.Time) ([]store.UserSession, error)
	DeleteUserSessions(ctx context.Context, userID string) error
	SuspendUser(ctx context.Context, id string, suspended bool, now time.Time) (store.User, error)
	SetUserPassword(ctx context.Context, id, hash string, now time.Time) error
}

// Users manages users.
type Users struct {
	Store UserStore
	// PasswordParams is the argon2id cost of new passwords; zero means
	// password.Default.
	PasswordParams password.Params
	Now            func() time.Time // default time.Now
	// Policy returns the sign-in experience's password policy (package
	// signinexp); nil means identity.DefaultPasswordPolicy.
	Policy func(context.Context) (identity.PasswordPolicy, error)
}

func (d Users) now() time.Time { return now(d.Now) }

// checkPolicy checks a new password against the password policy, the one
// registration enforces too.
func (d Users) checkPolicy(ctx context.Context, pw string, userInfo ...string) error {
	return CheckPasswordPolicy(ctx, d.Policy, pw, userInfo...)
}

// CheckPasswordPolicy checks a new password against the policy returned
// by policy (nil: identity.DefaultPasswordPolicy). Every way of setting a
// password (users, administrators, registration) uses it.
func CheckPasswordPolicy(ctx context.Context, policy func(context.Context) (identity.PasswordPolicy, error), pw string, userInfo ...string) error {
	p := identity.DefaultPasswordPolicy()
	if policy != nil {
		var err error
		if p, err = policy(ctx); err != nil {
			return err
		}
	}
	if err := identity.CheckPassword(p, pw, userInfo...); err != nil {
		return invalid("--password", err)
	}
	return nil
}

func (d Users) params() password.Params {
	if d.PasswordParams.Memory == 0 {
		return password.Default
	}
	return d.PasswordParams
}

// NewUser is what creating a user takes.
type NewUser struct {
	Username, Email, Password, Name string
	// EmailVerified vouches that the address belongs to the user.
	EmailVerified bool
}

// invalid wraps an identity rule's error as bad input about flag.
func invalid(flag string, err error) error {
	var ie *identity.Error
	if errors.As(err, &ie) {
		return &Error{Code: ie.Code, Message: flag + ": " + ie.Message, Err: err}
	}
	return &Error{Code: ErrUserInvalid.Code, Message: flag + ": " + err.Error(), Err: err}
}

// CheckNewUser validates u and makes its username and email canonical.
func CheckNewUser(u *NewUser) error {
	u.Username = identity.Canonical(u.Username)
	if err := identity.ValidateUsername(u.Username); err != nil {
		return invalid("--username", err)
	}
	u.Email = identity.Canonical(u.Email)
	if u.Email != "" {
		if err := identity.ValidateEmail(u.Email); err != nil {
			return invalid("--email", err)
		}
	} else if u.EmailVerified {
		return errf(ErrUserInvalid.Code, "--email-verified needs --email")
	}
	if err := identity.ValidatePassword(u.Password); err != nil {
		return invalid("--password", err)
	}
	if len(u.Name) > 256 {
		return errf(ErrUserInvalid.Code, "--name is too long")
	}
	return nil
}

// Create validates u, hashes its password and stores the user.
func (d Users) Create(ctx context.Context, nu NewUser) (store.User, error) {
	if err := CheckNewUser(&nu); err != nil {
		return store.User{}, err
	}
	if err := d.checkPolicy(ctx, nu.Password, nu.Username, nu.Email); err != nil {
		return store.User{}, err
	}
	hash, err := identity.HashPassword(ctx, nu.Password, d.params())
	if err != nil {
		return store.User{}, &Error{Code: identity.ErrPasswordUnusable.Code, Message: err.Error(), Err: err}
	}
	n := d.now()
	u := store.User{ID: opaque.NewID(), Username: nu.Username, Email: nu.Email, PasswordHash: hash,
		Name: strings.TrimSpace(nu.Name), EmailVerified: nu.EmailVerified, CreatedAt: n, UpdatedAt: n}
	if err := d.Store.CreateUser(ctx, u); errors.Is(err, store.ErrAlreadyExists) {
		return store.User{}, errf(ErrUserExists.Code, "a user with that username or email already exists")
	} else if err != nil {
		return store.User{}, err
	}
	return u, nil
}

// Find finds a user by id, username or email.
func (d Users) Find(ctx context.Context, who string) (store.User, error) {
	u, err := d.Store.GetUser(ctx, who)
	if errors.Is(err, store.ErrNotFound) {
		u, err = d.Store.GetUserByLogin(ctx, identity.Canonical(who))
	}
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, UserNotFound(who)
	}
	return u, err
}

// UserNotFound is the error for an unknown user.
func UserNotFound(who string) error { return errf(ErrUserNotFound.Code, "no user %q", who) }

// List returns every user.
func (d Users) List(ctx context.Context) ([]store.User, error) { return d.Store.ListUsers(ctx) }

// Delete removes a user with their sessions, grants and tokens.
func (d Users) Delete(ctx context.Context, id string) error { return d.Store.DeleteUser(ctx, id) }

// Suspend suspends or unsuspends a user. Suspending ends the user's
// sessions and revokes every grant, offline ones included (as Logto does),
// in the same transaction, so unsuspending revives none of the tokens
// issued before: a stolen refresh token stays dead.
func (d Users) Suspend(ctx context.Context, id string, suspend bool) error {
	_, err := d.Store.SuspendUser(ctx, id, suspend, d.now())
	return err
}

// SetPassword hashes pw, stores it and signs the user out everywhere in
// one transaction: sessions end and every grant is revoked, so whoever
// knew the old password keeps nothing (catalogue UI-11, TL-12). pw must
// satisfy the password policy.
func (d Users) SetPassword(ctx context.Context, id, pw string) error {
	u, err := d.Store.GetUser(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return UserNotFound(id)
	} else if err != nil {
		return err
	}
	if err := d.checkPolicy(ctx, pw, u.Username, u.Email); err != nil {
		return err
	}
	hash, err := password.Hash(ctx, pw, d.params())
	if err != nil {
		return err
	}
	return d.Store.SetUserPassword(ctx, id, hash, d.now())
}

// UserUpdate is a change to a user; nil fields stay as they are.
type UserUpdate struct {
	Password, Email, Name *string
	EmailVerified         *bool
}

// CheckUserUpdate validates upd and makes a new email canonical.
func CheckUserUpdate(upd *UserUpdate) error {
	if upd.Password != nil {
		if err := identity.ValidatePassword(*upd.Password); err != nil {
			return invalid("--password", err)
		}
	}
	if upd.Email != nil {
		e := identity.Canonical(*upd.Email)
		upd.Email = &e
		if e != "" {
			if err := identity.ValidateEmail(e); err != nil {
				return invalid("--email", err)
			}
		}
	}
	if upd.Name != nil && len(*upd.Name) > 256 {
		return errf(ErrUserInvalid.Code, "--name is too long")
	}
	return nil
}

// Edit changes a user's email, verification flag, name and password (the
// CLI's `users update`). A new email address is unverified unless the
// update vouches for it; a new password signs the user out everywhere (see
// SetPassword).
func (d Users) Edit(ctx context.Context, u store.User, upd UserUpdate) error {
	if err := CheckUserUpdate(&upd); err != nil {
		return err
	}
	if upd.Email != nil || upd.EmailVerified != nil || upd.Name != nil {
		if err := d.updateProfile(ctx, u.ID, upd); err != nil {
			return err
		}
	}
	if upd.Password != nil {
		return d.SetPassword(ctx, u.ID, *upd.Password)
	}
	return nil
}

func (d Users) updateProfile(ctx context.Context, id string, upd UserUpdate) error {
	n := d.now()
	_, err := d.Store.UpdateUser(ctx, id, func(x store.User) (store.User, error) {
		if upd.Email != nil && *upd.Email != x.Email {
			x.Email, x.EmailVerified = *upd.Email, false // a new address is unproven
		}
		if upd.EmailVerified != nil {
			if x.Email == "" && *upd.EmailVerified {
				return x, errf(ErrUserInvalid.Code, "user %s has no email address to verify", id)
			}
			x.EmailVerified = *upd.EmailVerified
		}
		if upd.Name != nil {
			x.Name = strings.TrimSpace(*upd.Name)
		}
		if x.Username == "" && x.Email == "" {
			return x, errf(ErrUserInvalid.Code, "a user needs a username or an email address")
		}
		x.UpdatedAt = n
		return x, nil
	})
	if errors.Is(err, store.ErrAlreadyExists) {
		return errf(ErrUserExists.Code, "another user has that email address")
	}
	return err
}
