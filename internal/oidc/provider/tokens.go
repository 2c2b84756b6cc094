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
	// Alg is the app's registered id_token_signed_response_alg; "" signs
	// with the default key.
	Alg string
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
	return p.Keys.SignWith(ctx, in.Alg, "JWT", func(alg string) any {
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

// PendingAccessToken is an access token that may still need signing.
// Opaque tokens are stored, in the store transaction that issues them; a
// JWT is self-contained and stored nowhere (docs/design.md, "Access
// tokens"). A signature (or a key reload) must never run while a
// transaction is open, hence the two steps.
type PendingAccessToken struct {
	// Row describes the token: what introspection will read back from
	// its row or its claims.
	Row    store.AccessToken
	in     AccessTokenParams
	secret string // the opaque token, or the JWT's jti
	iat    time.Time
}

// Stored is the row to write when the token is issued: the opaque token's,
// or nil for a JWT.
func (pa PendingAccessToken) Stored() *store.AccessToken {
	if pa.in.Resource != "" {
		return nil
	}
	row := pa.Row
	return &row
}

// PrepareAccessToken builds an access token. Without a resource the token
// is opaque (usable at userinfo) and keyed by its hash; with one it will be
// an RFC 9068 JWT (typ at+jwt) whose aud is the resource, and whose jti
// names its grant and instant of issue (oauth2.NewJTI).
func (p *Provider) PrepareAccessToken(in AccessTokenParams) PendingAccessToken {
	now := p.Time()
	if in.TTL == 0 {
		in.TTL = AccessTokenTTL
	}
	secret := ""
	if in.Resource == "" {
		secret = opaque.NewToken()
	} else {
		secret = oauth2.NewJTI(in.GrantID, now)
	}
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
	return p.Keys.Sign(ctx, "at+jwt", oauth2.AccessClaims{Iss: p.Issuer, Sub: pa.in.Subject, Aud: pa.in.Resource,
		ClientID: pa.in.ClientID, JTI: pa.secret, Iat: pa.iat.Unix(), Exp: pa.iat.Add(pa.in.TTL).Unix(),
		Scope: oauth2.JoinScope(pa.in.Scopes)})
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
