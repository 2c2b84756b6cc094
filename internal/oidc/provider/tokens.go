package provider

import (
	"context"
	"time"

	"github.com/sesameauth/sesame/internal/oidc/keys"
	"github.com/sesameauth/sesame/internal/oidc/oauth2"
	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/store"
)

// IDTokenParams describe one ID token.
type IDTokenParams struct {
	User        store.User
	ClientID    string
	Scopes      []string
	Nonce       string
	SID         string
	AuthTime    time.Time
	AccessToken string        // for at_hash; empty to omit
	TTL         time.Duration // 0: IDTokenTTL
	Roles       []string      // the user's role names, claimed with the roles scope
	// AMR are the authentication methods of the sign-in the grant came
	// from; they give the amr and acr claims (AuthContext).
	AMR []string
}

// IDToken mints a fresh ID token (a new iat on every call: Logto's SDKs
// reject an iat more than 300 s away from their clock).
func (p *Provider) IDToken(ctx context.Context, in IDTokenParams) (string, error) {
	now := p.Time()
	c := UserClaims(in.User, in.Scopes, in.Roles)
	c["iss"] = p.Issuer
	c["aud"] = in.ClientID // a plain string: Logto's SDKs reject arrays
	c["iat"] = now.Unix()
	ttl := in.TTL
	if ttl <= 0 {
		ttl = IDTokenTTL
	}
	c["exp"] = now.Add(ttl).Unix()
	if !in.AuthTime.IsZero() {
		c["auth_time"] = in.AuthTime.Unix()
	}
	if in.Nonce != "" {
		c["nonce"] = in.Nonce
	}
	if in.SID != "" {
		c["sid"] = in.SID
	}
	if amr, acr := AuthContext(in.AMR); acr != "" {
		c["amr"], c["acr"] = amr, acr
	}
	return p.Keys.SignFor(ctx, "JWT", func(alg string) any {
		if in.AccessToken != "" {
			// The hash of the key that signs, not of the configured
			// algorithm: a rotation may bring in a key of another one.
			c["at_hash"] = keys.HalfHash(alg, in.AccessToken)
		}
		return c
	})
}

// AccessTokenParams describe one access token.
type AccessTokenParams struct {
	GrantID  string
	ClientID string
	Subject  string // user id, or the client id for client_credentials
	UserID   string // empty for client_credentials
	Scopes   []string
	Resource string        // empty: opaque token for userinfo
	TTL      time.Duration // 0: AccessTokenTTL
}

// PendingAccessToken is an access token whose store row is ready but which
// may still need signing. Rows are written inside store transactions, and a
// signature (or a key reload) must never run while a transaction is open.
type PendingAccessToken struct {
	Row    store.AccessToken
	in     AccessTokenParams
	secret string // the opaque token, or the JWT's jti
	iat    time.Time
}

// PrepareAccessToken builds the row for an access token. Without a resource
// the token is opaque (usable at userinfo); with one it will be an RFC 9068
// JWT (typ at+jwt) whose aud is the resource. Either way the row is keyed by
// a hash, so revocation reaches it.
func (p *Provider) PrepareAccessToken(in AccessTokenParams) PendingAccessToken {
	now := p.Time()
	if in.TTL == 0 {
		in.TTL = AccessTokenTTL
	}
	secret := opaque.NewToken()
	return PendingAccessToken{in: in, secret: secret, iat: now, Row: store.AccessToken{Hash: opaque.Hash(secret),
		GrantID: in.GrantID, ClientID: in.ClientID, UserID: in.UserID, Scopes: in.Scopes, Audience: in.Resource,
		CreatedAt: now, ExpiresAt: now.Add(in.TTL)}}
}

// FinishAccessToken returns the token string: the opaque value, or the
// signed JWT.
func (p *Provider) FinishAccessToken(ctx context.Context, pa PendingAccessToken) (string, error) {
	if pa.in.Resource == "" {
		return pa.secret, nil
	}
	c := map[string]any{
		"iss": p.Issuer, "sub": pa.in.Subject, "aud": pa.in.Resource, "client_id": pa.in.ClientID,
		"jti": pa.secret, "iat": pa.iat.Unix(), "exp": pa.iat.Add(pa.in.TTL).Unix(),
	}
	if len(pa.in.Scopes) > 0 {
		c["scope"] = oauth2.JoinScope(pa.in.Scopes)
	}
	return p.Keys.Sign(ctx, "at+jwt", c)
}

// TokenResponse is the token endpoint's JSON. scope and expires_in are
// always present (Logto's SDKs discard tokens without them).
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	Scope        string `json:"scope"`
	IDToken      string `json:"id_token,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
}
