package oauth2

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/store"
)

// Verifier checks the signature of a JWT this server signed and returns
// its payload (keys.Manager).
type Verifier interface {
	Verify(ctx context.Context, token string) ([]byte, error)
}

// TokenStore is what a token lookup reads.
type TokenStore interface {
	GetRefreshToken(ctx context.Context, hash []byte) (store.RefreshToken, error)
	GetAccessToken(ctx context.Context, hash []byte, now time.Time) (store.AccessToken, error)
	DenyStore
	GetGrant(ctx context.Context, id string) (store.Grant, error)
	GetClient(ctx context.Context, id string) (store.Client, error)
}

// Tokens finds presented tokens: the one lookup behind introspection,
// revocation, userinfo and the Management API's gate.
type Tokens struct {
	Store  TokenStore
	Keys   Verifier
	Issuer string
	// Denials answers "is this JWT access token revoked?" from memory
	// within a bounded delay; nil asks the store every time.
	Denials *Denials
}

// Found is a presented token as the store knows it: exactly one of Refresh
// and Access is set.
type Found struct {
	Refresh *store.RefreshToken
	Access  *store.AccessToken
	// AccessKey is the hash the access token is known by (of the opaque
	// value, or of a JWT's jti), for revoking it.
	AccessKey []byte
	// SelfContained: Access is a JWT, revoked by putting AccessKey on the
	// deny list rather than by updating a row.
	SelfContained bool
}

// Lookup finds tok as an access token (Access) or as a refresh token by
// its hash. A refresh token is returned whatever its state (the caller
// judges it against its grant); an access token only while live. Neither
// is store.ErrNotFound.
//
// An opaque value is looked up as an access token first, the token
// resource servers introspect on every call, and as a refresh token first
// when hint (the request's token_type_hint, RFC 7662 §2.1, RFC 7009 §2.1)
// says so. Either way both are tried: a hint only orders the reads.
func (t Tokens) Lookup(ctx context.Context, tok, hint string, now time.Time) (Found, error) {
	if c, ok := t.claims(ctx, tok); ok {
		// A JWT we signed is never a refresh token: skip that read.
		at, key, err := t.selfContained(ctx, c, now)
		if err != nil {
			return Found{}, err
		}
		return Found{Access: &at, AccessKey: key, SelfContained: true}, nil
	}
	key := opaque.Hash(tok)
	refresh := func() (Found, error) {
		rt, err := t.Store.GetRefreshToken(ctx, key)
		if err != nil {
			return Found{}, err
		}
		return Found{Refresh: &rt}, nil
	}
	access := func() (Found, error) {
		at, err := t.Store.GetAccessToken(ctx, key, now)
		if err != nil {
			return Found{}, err
		}
		return Found{Access: &at, AccessKey: key}, nil
	}
	first, second := access, refresh
	if hint == "refresh_token" {
		first, second = refresh, access
	}
	f, err := first()
	if !errors.Is(err, store.ErrNotFound) {
		return f, err
	}
	return second()
}

// Access finds a live access token: an opaque one by the hash of its
// value, a JWT one we signed from its claims and what revokes it
// (selfContained). It returns the token and the hash it is known by.
func (t Tokens) Access(ctx context.Context, tok string, now time.Time) (store.AccessToken, []byte, error) {
	if c, ok := t.claims(ctx, tok); ok {
		return t.selfContained(ctx, c, now)
	}
	key := opaque.Hash(tok)
	at, err := t.Store.GetAccessToken(ctx, key, now)
	return at, key, err
}

// AccessClaims are a JWT access token's claims (RFC 9068 §2.2): what the
// token endpoint signs and a lookup reads back. A struct, as encoding one
// costs a fraction of a map's.
type AccessClaims struct {
	Iss      string `json:"iss"`
	Sub      string `json:"sub"`
	Aud      string `json:"aud"`
	ClientID string `json:"client_id"`
	JTI      string `json:"jti"`
	Iat      int64  `json:"iat"`
	Exp      int64  `json:"exp"`
	Scope    string `json:"scope,omitempty"`
}

// claims verifies tok as a JWT access token we signed and returns its
// claims.
func (t Tokens) claims(ctx context.Context, tok string) (AccessClaims, bool) {
	var c AccessClaims
	if strings.Count(tok, ".") != 2 {
		return c, false
	}
	payload, err := t.Keys.Verify(ctx, tok)
	if err != nil {
		return c, false
	}
	if json.Unmarshal(payload, &c) != nil || c.Iss != t.Issuer || c.JTI == "" {
		return c, false
	}
	return c, true
}

// selfContained judges a JWT access token by its claims and by what can
// revoke it (docs/design.md, "Access tokens"): expiry, the deny list, its
// app (deleted, or its tokens revoked before a time), and its grant
// (revoked or expired; none for client_credentials). Tokens issued before
// migration 00023 have a stored row, read as before.
func (t Tokens) selfContained(ctx context.Context, c AccessClaims, now time.Time) (store.AccessToken, []byte, error) {
	key := opaque.Hash(c.JTI)
	if denied, err := t.denied(ctx, key); err != nil || denied {
		return store.AccessToken{}, nil, cmp.Or(err, store.ErrNotFound)
	}
	grantID, issued, ok := ParseJTI(c.JTI)
	if !ok {
		at, err := t.Store.GetAccessToken(ctx, key, now)
		return at, key, err
	}
	exp := time.Unix(c.Exp, 0)
	if !now.Before(exp) {
		return store.AccessToken{}, nil, store.ErrNotFound
	}
	app, err := t.Store.GetClient(ctx, c.ClientID)
	if err != nil {
		return store.AccessToken{}, nil, err
	}
	// "Before" includes the instant itself: a token issued at the very
	// moment of a revocation may carry what was revoked.
	if !app.TokensRevokedBefore.IsZero() && !issued.After(app.TokensRevokedBefore) {
		return store.AccessToken{}, nil, store.ErrNotFound
	}
	at := store.AccessToken{Hash: key, ClientID: c.ClientID, Scopes: SplitScope(c.Scope), Audience: c.Aud,
		CreatedAt: issued, ExpiresAt: exp}
	if grantID != "" {
		g, err := t.Store.GetGrant(ctx, grantID)
		if err != nil {
			return store.AccessToken{}, nil, err
		}
		if !g.Live(now) || g.ClientID != c.ClientID || g.UserID != c.Sub {
			return store.AccessToken{}, nil, store.ErrNotFound
		}
		at.GrantID, at.UserID = grantID, c.Sub
	}
	return at, key, nil
}

func (t Tokens) denied(ctx context.Context, key []byte) (bool, error) {
	if t.Denials != nil {
		return t.Denials.Denied(ctx, key)
	}
	return t.Store.AccessTokenDenied(ctx, key)
}

// Deny revokes a JWT access token (Found.SelfContained) by putting its key
// on the deny list until it expires.
func (t Tokens) Deny(ctx context.Context, key []byte, expiresAt time.Time) error {
	if t.Denials != nil {
		return t.Denials.Deny(ctx, key, expiresAt)
	}
	return t.Store.DenyAccessToken(ctx, key, expiresAt)
}
