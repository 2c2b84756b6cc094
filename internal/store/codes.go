package store

import (
	"context"
	"time"
)

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
	AMR                 []string  // the session's authentication methods, as on the grant
}

// CodeIssue is what a successful code redemption writes in the same
// transaction that consumes the code.
type CodeIssue struct {
	AccessToken  *AccessToken  // nil for a self-contained (JWT) access token
	RefreshToken *RefreshToken // nil when no refresh token is issued
}

type Codes interface {
	CreateCode(ctx context.Context, c AuthCode) error
	// CreateGrantAndCode stores a new grant and its code at once (the
	// authorization endpoint's one write per sign-in): both or neither.
	CreateGrantAndCode(ctx context.Context, g Grant, c AuthCode) error
	// RedeemCode consumes the code with one conditional write. If the code was
	// already consumed it revokes the code's grant and returns ErrReplayed.
	// Otherwise it calls fn with the (now consumed) code; if fn returns an
	// error the consumption stays (a code is burned by any attempt) and that
	// error is returned; if fn succeeds the issue is written, after the
	// consumption committed (a replay in between revokes the grant, and with
	// it whatever the issue holds) or in the same transaction. If writing
	// the issue fails the consumption stays too. fn may run inside the
	// transaction: it must be quick and must not use the store. Expired
	// codes, and codes whose grant is gone, revoked or expired → ErrNotFound.
	RedeemCode(ctx context.Context, hash []byte, now time.Time, fn func(AuthCode) (CodeIssue, error)) (AuthCode, error)
}
