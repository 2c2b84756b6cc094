package store

import (
	"context"
	"time"
)

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
	// AMR lists the authentication methods (RFC 8176 values such as "pwd",
	// "otp", "mfa") the sign-in that started the session used.
	AMR []string
	// ReauthAt is when the user last proved an existing factor again on
	// this session (the account pages' step-up); zero: never.
	ReauthAt time.Time
}

// UserSession is a live session of a user as an admin sees it: when it
// started and was last used, when it ends, and the apps (client ids,
// sorted) that hold a grant issued from it, revoked and expired grants
// left out.
type UserSession struct {
	SID        string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	ClientIDs  []string
}

type Sessions interface {
	CreateSession(ctx context.Context, s Session) error
	GetSession(ctx context.Context, idHash []byte) (Session, error) // expired → ErrNotFound
	// GetSessionUser is GetSession and the session's user in one read,
	// which every SSO request needs, with the user's SecondFactors set; a
	// session whose user is gone is ErrNotFound as well.
	GetSessionUser(ctx context.Context, idHash []byte) (Session, User, error)
	// DeleteSession removes the session and revokes the grants issued from
	// it that do not outlive it (those without offline_access). In the same
	// transaction it queues a LogoutDelivery for every app with a
	// back-channel logout URI that holds a grant issued from the session
	// (revoked or not). Every call below that ends sessions does the same.
	DeleteSession(ctx context.Context, idHash []byte) error
	DeleteUserSessions(ctx context.Context, userID string) error
	// ListUserSessions returns the user's sessions not expired at now,
	// newest first, each with its apps (see UserSession).
	ListUserSessions(ctx context.Context, userID string, now time.Time) ([]UserSession, error)
	// TouchSession moves the session's LastSeenAt forward to at; it never
	// moves it back, so racing replicas cannot shorten a session. Touching
	// a missing session is not an error.
	TouchSession(ctx context.Context, idHash []byte, at time.Time) error
	// SetSessionReauth records a step-up on the session at at. A missing
	// session is ErrNotFound.
	SetSessionReauth(ctx context.Context, idHash []byte, at time.Time) error
	// DeleteUserSession ends the user's session with public id sid as
	// DeleteSession does; a sid of another user's session, or none, is
	// ErrNotFound (nothing changed).
	DeleteUserSession(ctx context.Context, userID, sid string) error
}
