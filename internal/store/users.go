package store

import (
	"context"
	"time"
)

// User is an end user who signs in on the hosted pages.
type User struct {
	ID string
	// Username and Email are stored canonical (see identity.Canonical):
	// lower-cased, NFKC-normalised. Either may be empty, not both.
	Username string
	Email    string
	Phone    string
	// EmailVerified and PhoneVerified are the *_verified claims: true only
	// when someone vouched for the address (an admin with `users create
	// --email-verified`). Self-service registration never sets them, since
	// Sesame sends no verification messages yet: relying parties that link
	// accounts by verified email must not be told an unproven one is.
	EmailVerified bool
	PhoneVerified bool
	Name          string
	Picture       string
	PasswordHash  string // PHC string, argon2id
	Suspended     bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
	LastSignInAt  time.Time // zero when never
	// CustomData is Logto's customData: a JSON object the admin owns
	// (directory.MaxCustomData bytes at most); nil when empty.
	CustomData map[string]any
	// Profile is Logto's profile: the standard claims Sesame has no
	// column for.
	Profile UserProfile
	// SecondFactors is what the user has enrolled, when the read that
	// returned the user looked (GetSessionUser does: every SSO request
	// asks it, docs/security.md SS-12); nil when it did not.
	SecondFactors *SecondFactors
}

// SecondFactors says which second factors a user has enrolled: what
// MFA.GetTOTP and CountPasskeys would find, read in the same statement as
// the user.
type SecondFactors struct {
	TOTP    bool
	Passkey bool
}

// UserProfile holds Logto's profile keys; an empty string is an absent key.
type UserProfile struct {
	FamilyName        string      `json:"familyName,omitempty"`
	GivenName         string      `json:"givenName,omitempty"`
	MiddleName        string      `json:"middleName,omitempty"`
	Nickname          string      `json:"nickname,omitempty"`
	PreferredUsername string      `json:"preferredUsername,omitempty"`
	Profile           string      `json:"profile,omitempty"`
	Website           string      `json:"website,omitempty"`
	Gender            string      `json:"gender,omitempty"`
	Birthdate         string      `json:"birthdate,omitempty"`
	Zoneinfo          string      `json:"zoneinfo,omitempty"`
	Locale            string      `json:"locale,omitempty"`
	Address           UserAddress `json:"address,omitzero"`
}

// UserAddress is the OIDC address claim inside UserProfile.
type UserAddress struct {
	Formatted     string `json:"formatted,omitempty"`
	StreetAddress string `json:"streetAddress,omitempty"`
	Locality      string `json:"locality,omitempty"`
	Region        string `json:"region,omitempty"`
	PostalCode    string `json:"postalCode,omitempty"`
	Country       string `json:"country,omitempty"`
}

type Users interface {
	// CreateUser stores u and, in the same transaction, assigns it every
	// default user role (Role.IsDefault). ErrAlreadyExists on
	// username/email clash.
	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, id string) (User, error)
	// GetUserByLogin finds a user by canonical username or canonical email.
	GetUserByLogin(ctx context.Context, login string) (User, error)
	ListUsers(ctx context.Context) ([]User, error)
	ListUsersPage(ctx context.Context, q ListQuery) (page []User, total int, err error) // see ListQuery
	// UpdateUser runs fn on the current row inside a transaction and stores
	// its result (compare-and-swap without leaking transactions).
	UpdateUser(ctx context.Context, id string, fn func(User) (User, error)) (User, error)
	// DeleteUser removes the user, their sessions, grants and tokens.
	DeleteUser(ctx context.Context, id string) error
	// SuspendUser sets the user's Suspended flag (and UpdatedAt = now) and
	// returns the stored user. Suspending also, in the same transaction,
	// ends every session of the user and revokes every grant, offline ones
	// included, with their tokens, so unsuspending revives nothing. A
	// missing user is ErrNotFound (nothing is written).
	SuspendUser(ctx context.Context, id string, suspended bool, now time.Time) (User, error)
	// SetUserPassword stores hash as the user's password (and UpdatedAt =
	// now) and, in the same transaction, ends every session of the user
	// and revokes every grant with its tokens: whoever knew the old
	// password keeps nothing. A missing user is ErrNotFound (nothing is
	// written).
	SetUserPassword(ctx context.Context, id, hash string, now time.Time) error
}
