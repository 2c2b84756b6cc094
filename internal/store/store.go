package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors. Backends wrap nothing else around them, so callers use
// errors.Is.
var (
	ErrNotFound      = errors.New("store: not found")
	ErrAlreadyExists = errors.New("store: already exists")
	// ErrReplayed is returned when a one-time artifact (code, rotated refresh
	// token) is presented a second time. The backend has already revoked the
	// grant it belongs to when it returns this error.
	ErrReplayed = errors.New("store: artifact already used")
	// ErrUnavailable wraps connection-level failures so the HTTP layer can
	// answer 503 with Retry-After instead of 500.
	ErrUnavailable = errors.New("store: database unavailable")
)

// AppType mirrors Logto's application types.
type AppType string

const (
	AppTraditional AppType = "traditional" // server-side web app, confidential
	AppSPA         AppType = "spa"         // browser app, public
	AppNative      AppType = "native"      // mobile/desktop app, public
	AppM2M         AppType = "m2m"         // machine-to-machine, confidential, client_credentials only
)

// Confidential reports whether the app authenticates with a secret.
func (t AppType) Confidential() bool { return t == AppTraditional || t == AppM2M }

// Valid reports whether t is a known app type.
func (t AppType) Valid() bool {
	switch t {
	case AppTraditional, AppSPA, AppNative, AppM2M:
		return true
	}
	return false
}

// Client is a registered application (an OAuth client).
type Client struct {
	ID   string
	Name string
	Type AppType
	// SecretHash is the SHA-256 of the client secret; the secret itself is
	// shown once at creation and never stored. Empty for public clients.
	SecretHash []byte
	// PreviousSecretHash is the secret replaced by the last rotation; it
	// keeps working until PreviousSecretExpiresAt, so apps can be
	// redeployed with the new secret without an outage.
	PreviousSecretHash      []byte
	PreviousSecretExpiresAt time.Time
	RedirectURIs            []string
	PostLogoutRedirectURIs  []string
	// ThirdParty apps get a consent screen; first-party apps never do.
	ThirdParty bool
	// CORSOrigins are origins (scheme://host[:port]) a browser app may call
	// the token, userinfo and revocation endpoints from, besides those of
	// its redirect and post-logout redirect URIs.
	CORSOrigins []string
	CreatedAt   time.Time
}

// User is an end user who signs in on the hosted pages.
type User struct {
	ID string
	// Username and Email are stored canonical (see package identity rules in
	// the experience package): lower-cased, NFKC-normalised. Either may be
	// empty, not both.
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
}

// Resource is an API resource addressed by an RFC 8707 indicator.
type Resource struct {
	ID             string
	Indicator      string // absolute URI, unique
	Name           string
	Scopes         []string // permissions the resource defines
	AccessTokenTTL time.Duration
	CreatedAt      time.Time
}

// Permission is one scope of one API resource: the unit that roles grant,
// that grants and consents record, and that a resource token carries
// (docs/security.md, items 8.1 and 8.2). Scopes belong to their resource:
// "admin" on one API says nothing about "admin" on another.
type Permission struct {
	Resource string `json:"resource"` // the resource's indicator
	Scope    string `json:"scope"`
}

// RoleType says who a role can be assigned to.
type RoleType string

const (
	RoleUser RoleType = "user" // assigned to users; governs their resource tokens
	RoleM2M  RoleType = "m2m"  // assigned to machine-to-machine apps; governs client_credentials
)

// Valid reports whether t is a known role type.
func (t RoleType) Valid() bool { return t == RoleUser || t == RoleM2M }

// Role is a named set of permissions. Access to an API is denied by
// default: a user or M2M app holds exactly the permissions of its roles.
type Role struct {
	ID          string
	Name        string // unique
	Description string
	Type        RoleType
	Permissions []Permission // sorted by resource, then scope
	CreatedAt   time.Time
}

// SigningKey is one key of the provider's key set. A key is published in the
// JWKS from CreatedAt, used for signing from ActivatesAt until a newer key
// activates, and kept published until ExpiresAt (retired keys only).
type SigningKey struct {
	ID          string // the JWS kid
	Alg         string // ES384, ES256 or RS256
	PrivateKey  []byte // encrypted at rest by the caller (keys package)
	CreatedAt   time.Time
	ActivatesAt time.Time
	RetiredAt   time.Time // zero while active or pending
	ExpiresAt   time.Time // zero = never; after it the key is deleted
}

// AuthRequest is a pending authorization request: what /oidc/auth validated,
// waiting for the user to sign in (and consent). It lives in the database so
// any replica can resume it.
type AuthRequest struct {
	ID          string
	ClientID    string
	RedirectURI string
	// Scopes are the requested OpenID Connect scopes (openid, profile,
	// offline_access, ...); Permissions the requested API scopes, each
	// paired with a requested resource that defines it.
	Scopes              []string
	Permissions         []Permission
	Resources           []string
	State               string
	Nonce               string
	CodeChallenge       string
	CodeChallengeMethod string
	ResponseMode        string
	Prompt              []string
	MaxAge              int // seconds; -1 when absent
	LoginHint           string
	UILocales           string
	// ForceLogin is set by prompt=login/max_age until the user signs in again
	// during this request.
	ForceLogin bool
	// ConsentDenied records that the user refused consent; the
	// authorization endpoint then answers the app with access_denied.
	ConsentDenied bool
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

// Session is a browser SSO session. The cookie holds a random token; the
// store keys sessions by the SHA-256 of that token (IDHash) so a database
// leak yields no usable cookie.
type Session struct {
	IDHash    []byte
	SID       string // public session id, the ID token "sid" claim
	UserID    string
	AuthTime  time.Time
	CreatedAt time.Time
	ExpiresAt time.Time
	// LastSeenAt is when the browser last used the session (coarse: see
	// TouchSession); it drives the idle timeout.
	LastSeenAt time.Time
}

// Grant ties together everything issued to one client for one user from one
// authorization (code → tokens → refreshes). Revoking the grant revokes
// every token in it.
type Grant struct {
	ID       string
	ClientID string
	UserID   string   // empty for client_credentials
	SID      string   // SSO session the grant came from, if any
	Scopes   []string // OpenID Connect scopes
	// Permissions are the API scopes granted: requested, defined by the
	// resource, and held through the user's roles when the code was
	// issued. Every token issued later is narrowed again to the roles the
	// user holds then.
	Permissions []Permission
	Resources   []string
	AuthTime    time.Time
	CreatedAt   time.Time
	ExpiresAt   time.Time
	RevokedAt   time.Time // zero unless revoked
}

// Live reports whether the grant can still be used at now: not revoked and
// not expired (a zero ExpiresAt never expires). UseRefreshToken and
// introspection apply this one rule.
func (g Grant) Live(now time.Time) bool {
	return g.RevokedAt.IsZero() && (g.ExpiresAt.IsZero() || now.Before(g.ExpiresAt))
}

// AuthCode is an authorization code, keyed by the SHA-256 of the code.
type AuthCode struct {
	Hash                []byte
	GrantID             string
	ClientID            string
	UserID              string
	SID                 string
	RedirectURI         string
	Scopes              []string     // OpenID Connect scopes
	Permissions         []Permission // API scopes, as on the grant
	Resources           []string
	Nonce               string
	CodeChallenge       string
	CodeChallengeMethod string
	AuthTime            time.Time
	CreatedAt           time.Time
	ExpiresAt           time.Time
	ConsumedAt          time.Time // zero until redeemed
}

// RefreshToken is keyed by the SHA-256 of the token.
type RefreshToken struct {
	Hash        []byte
	GrantID     string
	ClientID    string
	UserID      string
	Scopes      []string     // OpenID Connect scopes
	Permissions []Permission // API scopes, as on the grant
	Resources   []string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	ConsumedAt  time.Time // set when rotated away; presenting it again is a replay
}

// Live reports whether the token, issued under grant g, is usable at now:
// unexpired (a zero ExpiresAt never expires), not rotated away, and its
// grant live. It is the rule UseRefreshToken enforces, for readers such as
// introspection.
func (t RefreshToken) Live(g Grant, now time.Time) bool {
	return (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt)) && t.ConsumedAt.IsZero() && g.ID == t.GrantID && g.Live(now)
}

// AccessToken records an issued access token (opaque tokens by SHA-256 of the
// token, JWT tokens by SHA-256 of their jti) so that introspection, userinfo
// and revocation can see grant revocation immediately.
type AccessToken struct {
	Hash      []byte
	GrantID   string // empty for client_credentials
	ClientID  string
	UserID    string // empty for client_credentials
	Scopes    []string
	Audience  string // resource indicator, empty for opaque userinfo tokens
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt time.Time
}

// Consent records what a user allowed a third-party client.
// Consent to an API scope is per (resource, scope) pair: consenting to
// "admin" on one API is no consent to "admin" on another.
type Consent struct {
	UserID      string
	ClientID    string
	Scopes      []string     // OpenID Connect scopes
	Permissions []Permission // API scopes
	Resources   []string
	CreatedAt   time.Time
}

// CodeIssue is what a successful code redemption writes in the same
// transaction that consumes the code.
type CodeIssue struct {
	AccessToken  AccessToken
	RefreshToken *RefreshToken // nil when no refresh token is issued
}

// RefreshIssue is what a successful refresh writes in the same transaction.
type RefreshIssue struct {
	AccessToken AccessToken
	// Rotate, when non-nil, marks the presented token consumed and stores
	// this one in its place.
	Rotate *RefreshToken
}

type Clients interface {
	CreateClient(ctx context.Context, c Client) error
	GetClient(ctx context.Context, id string) (Client, error)
	ListClients(ctx context.Context) ([]Client, error)
	ListClientsPage(ctx context.Context, q ListQuery) (page []Client, total int, err error) // see ListQuery
	// DeleteClient removes the client and revokes every grant and token
	// issued to it.
	DeleteClient(ctx context.Context, id string) error
	// RotateClientSecret makes newHash the client's secret and keeps the
	// current one valid until previousExpiresAt (a previous secret older
	// than that is dropped). A missing client is ErrNotFound.
	RotateClientSecret(ctx context.Context, id string, newHash []byte, previousExpiresAt time.Time) error
	// SetClientCORSOrigins replaces the client's CORSOrigins. A missing
	// client is ErrNotFound.
	SetClientCORSOrigins(ctx context.Context, id string, origins []string) error
}

type Users interface {
	CreateUser(ctx context.Context, u User) error // ErrAlreadyExists on username/email clash
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
}

type Resources interface {
	CreateResource(ctx context.Context, r Resource) error // ErrAlreadyExists on indicator clash
	GetResourceByIndicator(ctx context.Context, indicator string) (Resource, error)
	ListResources(ctx context.Context) ([]Resource, error)
	DeleteResource(ctx context.Context, id string) error
}

// Roles holds roles, their permissions and their assignments. Changes that
// narrow what a machine-to-machine app may hold (SetRolePermissions,
// DeleteRole, UnassignClientRole) revoke, in the same transaction, the
// client_credentials access tokens of every app that held the role, so
// introspection sees the change at once. A user's change takes effect at
// the next code exchange or refresh.
type Roles interface {
	// CreateRole stores r with its permissions. A name clash is
	// ErrAlreadyExists; a permission on an unregistered resource is
	// ErrNotFound (nothing is written).
	CreateRole(ctx context.Context, r Role) error
	GetRole(ctx context.Context, id string) (Role, error)
	GetRoleByName(ctx context.Context, name string) (Role, error)
	ListRoles(ctx context.Context) ([]Role, error) // by name
	// DeleteRole removes the role and its assignments.
	DeleteRole(ctx context.Context, id string, now time.Time) error
	// SetRolePermissions replaces the role's permissions. A permission on
	// an unregistered resource is ErrNotFound (nothing is written).
	SetRolePermissions(ctx context.Context, id string, perms []Permission, now time.Time) error
	// AssignUserRole and AssignClientRole are idempotent; a missing user,
	// client or role is ErrNotFound. Whether the role's type fits is the
	// caller's rule, not the store's.
	AssignUserRole(ctx context.Context, userID, roleID string) error
	UnassignUserRole(ctx context.Context, userID, roleID string) error // not assigned → ErrNotFound
	AssignClientRole(ctx context.Context, clientID, roleID string) error
	UnassignClientRole(ctx context.Context, clientID, roleID string, now time.Time) error // not assigned → ErrNotFound
	ListUserRoles(ctx context.Context, userID string) ([]Role, error)                     // by name
	ListClientRoles(ctx context.Context, clientID string) ([]Role, error)                 // by name
	// UserPermissions and ClientPermissions are the union of the
	// permissions of every role assigned, without duplicates, sorted; the
	// token endpoints call them once per token, so each is one query.
	UserPermissions(ctx context.Context, userID string) ([]Permission, error)
	ClientPermissions(ctx context.Context, clientID string) ([]Permission, error)
}

type Keys interface {
	CreateKey(ctx context.Context, k SigningKey) error
	// CreateFirstKey stores k only if no key exists at all, atomically
	// across replicas, and reports whether it did. Replicas starting on an
	// empty database at the same instant thus agree on one first key.
	CreateFirstKey(ctx context.Context, k SigningKey) (bool, error)
	// ListKeys returns every stored key, oldest first.
	ListKeys(ctx context.Context) ([]SigningKey, error)
	// RetireKeys sets RetiredAt=now and ExpiresAt=expires on every key that
	// is not retired and whose ID is not keep.
	RetireKeys(ctx context.Context, keep string, now, expires time.Time) error
}

type AuthRequests interface {
	CreateAuthRequest(ctx context.Context, a AuthRequest) error
	GetAuthRequest(ctx context.Context, id string) (AuthRequest, error) // expired → ErrNotFound
	UpdateAuthRequest(ctx context.Context, id string, fn func(AuthRequest) (AuthRequest, error)) (AuthRequest, error)
	DeleteAuthRequest(ctx context.Context, id string) error
}

type Sessions interface {
	CreateSession(ctx context.Context, s Session) error
	GetSession(ctx context.Context, idHash []byte) (Session, error) // expired → ErrNotFound
	// DeleteSession removes the session and revokes the grants issued from
	// it that do not outlive it (those without offline_access).
	DeleteSession(ctx context.Context, idHash []byte) error
	DeleteUserSessions(ctx context.Context, userID string) error
	// TouchSession moves the session's LastSeenAt forward to at; it never
	// moves it back, so racing replicas cannot shorten a session. Touching
	// a missing session is not an error.
	TouchSession(ctx context.Context, idHash []byte, at time.Time) error
}

type Grants interface {
	CreateGrant(ctx context.Context, g Grant) error
	GetGrant(ctx context.Context, id string) (Grant, error)
	// RevokeGrant marks the grant revoked and revokes its codes, refresh
	// tokens and access tokens. Revoking twice is not an error.
	RevokeGrant(ctx context.Context, id string, now time.Time) error
	// RevokeUserGrants revokes every grant of the user, offline ones
	// included, with their tokens, as RevokeGrant does for one. An empty
	// userID revokes nothing.
	RevokeUserGrants(ctx context.Context, userID string, now time.Time) error
}

type Codes interface {
	CreateCode(ctx context.Context, c AuthCode) error
	// RedeemCode consumes the code with one conditional write. If the code was
	// already consumed it revokes the code's grant and returns ErrReplayed.
	// Otherwise it calls fn with the (now consumed) code; if fn returns an
	// error the consumption still commits (a code is burned by any attempt)
	// and that error is returned; if fn succeeds the issue is written in the
	// same transaction. Expired codes → ErrNotFound.
	RedeemCode(ctx context.Context, hash []byte, now time.Time, fn func(AuthCode) (CodeIssue, error)) (AuthCode, error)
}

type RefreshTokens interface {
	// UseRefreshToken loads the token and, in one transaction: if it was
	// consumed, revokes its grant and returns ErrReplayed; if it, or its
	// grant, is expired or revoked returns ErrNotFound; otherwise calls fn
	// and writes the issue (rotating atomically when asked: of many
	// concurrent rotations exactly one succeeds, the others get ErrReplayed).
	UseRefreshToken(ctx context.Context, hash []byte, now time.Time, fn func(RefreshToken, Grant) (RefreshIssue, error)) (RefreshToken, error)
	GetRefreshToken(ctx context.Context, hash []byte) (RefreshToken, error)
}

type AccessTokens interface {
	CreateAccessToken(ctx context.Context, t AccessToken) error
	// GetAccessToken returns the token if it exists, is unexpired, not
	// revoked, and its grant (if any) is not revoked; else ErrNotFound.
	GetAccessToken(ctx context.Context, hash []byte, now time.Time) (AccessToken, error)
	RevokeAccessToken(ctx context.Context, hash []byte, now time.Time) error
}

type Consents interface {
	GetConsent(ctx context.Context, userID, clientID string) (Consent, error)
	PutConsent(ctx context.Context, c Consent) error
}

// Throttle counts failed sign-in attempts per key ("user:<id>", "ip:<addr>")
// in fixed windows, in the database so that limits hold across replicas.
type Throttle interface {
	// ReserveAttempt atomically takes one attempt slot for key in the window
	// that contains now. It returns ok=false and the time the window ends
	// when limit attempts were already taken. Of N concurrent calls at most
	// limit-taken succeed.
	ReserveAttempt(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (ok bool, retryAt time.Time, err error)
	// CheckAttempts reports, without taking a slot, whether key is below
	// limit in now's window, and if not when the window ends.
	CheckAttempts(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (ok bool, retryAt time.Time, err error)
	// ReleaseAttempt gives back one slot that ReserveAttempt took at now
	// (for an attempt that turned out not to be a failure, such as a
	// successful sign-in): one conditional write decrements key's count
	// only while the stored window is still now's window and the count is
	// positive. A slot of an earlier window is never credited to a later
	// one, so releasing cannot raise a window's budget above limit.
	// Releasing a missing key is not an error.
	ReleaseAttempt(ctx context.Context, key string, window time.Duration, now time.Time) error
	// ResetAttempts clears the key (after a successful sign-in).
	ResetAttempts(ctx context.Context, key string) error
}

// Store is everything Sesame persists.
type Store interface {
	Clients
	Users
	Resources
	Roles
	Keys
	AuthRequests
	Sessions
	Grants
	Codes
	RefreshTokens
	AccessTokens
	Consents
	Throttle
	// GarbageCollect deletes expired rows and reports how many.
	GarbageCollect(ctx context.Context, now time.Time) (int64, error)
	// Ping checks the database is reachable (readiness).
	Ping(ctx context.Context) error
	Close() error
}
