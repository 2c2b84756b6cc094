package oauth2

import (
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
}

// Tokens finds presented tokens: the one lookup behind introspection,
// revocation and userinfo.
type Tokens struct {
	Store  TokenStore
	Keys   Verifier
	Issuer string
}

// Found is a presented token as the store knows it: exactly one of Refresh
// and Access is set.
type Found struct {
	Refresh *store.RefreshToken
	Access  *store.AccessToken
	// AccessKey is the hash the access token is stored under (of the
	// opaque value, or of a JWT's jti), for revoking it.
	AccessKey []byte
}

// Lookup finds tok as a refresh token by its hash, else as an access token
// (Access). A refresh token is returned whatever its state (the caller
// judges it against its grant); an access token only while live. Neither
// is store.ErrNotFound.
func (t Tokens) Lookup(ctx context.Context, tok string, now time.Time) (Found, error) {
	rt, err := t.Store.GetRefreshToken(ctx, opaque.Hash(tok))
	if err == nil {
		return Found{Refresh: &rt}, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return Found{}, err
	}
	at, key, err := t.Access(ctx, tok, now)
	if err != nil {
		return Found{}, err
	}
	return Found{Access: &at, AccessKey: key}, nil
}

// Access finds a live access token: an opaque one by the hash of its
// value, a JWT one we signed by the hash of its jti. It returns the token
// and the hash it is stored under.
func (t Tokens) Access(ctx context.Context, tok string, now time.Time) (store.AccessToken, []byte, error) {
	k := tok
	if jti, ok := t.jti(ctx, tok); ok {
		k = jti
	}
	key := opaque.Hash(k)
	at, err := t.Store.GetAccessToken(ctx, key, now)
	return at, key, err
}

// jti verifies tok as a JWT we signed and returns its jti: JWT access
// tokens are stored under the hash of their jti.
func (t Tokens) jti(ctx context.Context, tok string) (string, bool) {
	if strings.Count(tok, ".") != 2 {
		return "", false
	}
	payload, err := t.Keys.Verify(ctx, tok)
	if err != nil {
		return "", false
	}
	var c struct {
		Iss string `json:"iss"`
		JTI string `json:"jti"`
	}
	if json.Unmarshal(payload, &c) != nil || c.Iss != t.Issuer || c.JTI == "" {
		return "", false
	}
	return c.JTI, true
}
