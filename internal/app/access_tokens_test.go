package app_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/oidc/oauth2"
	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/store"
)

// Self-contained access tokens (docs/design.md, "Access tokens"): a JWT
// access token is stored nowhere when issued, and what revokes it — the
// deny list, its grant, its app — still does.

// introspect asks e whether token is active, as clientID.
func (e *env) introspect(t *testing.T, clientID, secret, token string) map[string]any {
	t.Helper()
	st, body, _ := e.postForm(t, "/oidc/token/introspection", url.Values{"token": {token}}, clientID, secret)
	if st != http.StatusOK {
		t.Fatalf("introspection: %d %v", st, body)
	}
	return body
}

func (e *env) ccToken(t *testing.T, clientID, secret, resource, scope string) string {
	t.Helper()
	st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"client_credentials"},
		"resource": {resource}, "scope": {scope}}, clientID, secret)
	if st != http.StatusOK {
		t.Fatalf("client_credentials: %d %v", st, body)
	}
	return body["access_token"].(string)
}

// replica starts a second server on e's PostgreSQL database and public
// endpoint, as another replica behind the same load balancer would be; it
// listens on an address of its own.
func (e *env) replica(t *testing.T, opts ...envOption) *env {
	t.Helper()
	if e.DBURL == "" {
		t.Fatal("replica needs a PostgreSQL env")
	}
	return newEnv(t, append([]envOption{func(c *config.Config, _ *app.Options) {
		c.DatabaseURL, c.Secret, c.Endpoint = e.DBURL, "test-master-secret-of-at-least-32-bytes", e.URL
	}}, opts...)...)
}

func TestJWTAccessTokensStoreNothing(t *testing.T) {
	for _, db := range []struct {
		name string
		opts []envOption
	}{{"SQLite", nil}, {"PostgreSQL", []envOption{onPostgres(t)}}} {
		t.Run(db.name, func(t *testing.T) {
			e := newEnv(t, db.opts...)
			ctx := context.Background()
			e.resource(t, apiA, "read", "write")
			m2m, m2mSecret := e.app(t, store.AppM2M, nil, nil)
			e.permit(t, m2m, map[string][]string{apiA: {"read", "write"}})

			tok := e.ccToken(t, m2m, m2mSecret, apiA, "read write")
			claims := unsafeClaims(t, tok, "ES384")
			jti, _ := claims["jti"].(string)
			key := opaque.Hash(jti)
			if _, err := e.Store.GetAccessToken(ctx, key, time.Now()); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("a JWT access token has a stored row: %v", err)
			}
			if g, _, ok := oauth2.ParseJTI(jti); !ok || g != "" {
				t.Fatalf("client_credentials jti %q: grant %q, ok %v", jti, g, ok)
			}
			in := e.introspect(t, m2m, m2mSecret, tok)
			if in["active"] != true || in["scope"] != "read write" || in["sub"] != m2m || in["aud"] != apiA ||
				in["client_id"] != m2m || in["iat"] != claims["iat"] || in["exp"] != claims["exp"] {
				t.Fatalf("introspection of a fresh token: %v (claims %v)", in, claims)
			}
			// Another app may not read it, nor revoke it.
			other, otherSecret := e.app(t, store.AppM2M, nil, nil)
			if in := e.introspect(t, other, otherSecret, tok); in["active"] != false {
				t.Fatalf("another app introspected the token: %v", in)
			}
			if st, body, _ := e.postForm(t, "/oidc/token/revocation", url.Values{"token": {tok}}, other, otherSecret); st != 200 {
				t.Fatalf("revocation by another app: %d %v", st, body)
			}
			if in := e.introspect(t, m2m, m2mSecret, tok); in["active"] != true {
				t.Fatalf("another app's revocation reached the token: %v", in)
			}

			// Revocation puts the jti on the deny list, and only that token.
			second := e.ccToken(t, m2m, m2mSecret, apiA, "read")
			if st, body, _ := e.postForm(t, "/oidc/token/revocation", url.Values{"token": {tok}}, m2m, m2mSecret); st != 200 {
				t.Fatalf("revocation: %d %v", st, body)
			}
			if in := e.introspect(t, m2m, m2mSecret, tok); in["active"] != false {
				t.Fatalf("a revoked token is active: %v", in)
			}
			if d, err := e.Store.AccessTokenDenied(ctx, key); err != nil || !d {
				t.Fatalf("revoked token not on the deny list: %v %v", d, err)
			}
			if in := e.introspect(t, m2m, m2mSecret, second); in["active"] != true {
				t.Fatalf("revoking one token reached another: %v", in)
			}

			// Taking a permission away from the app's role revokes every
			// token it holds (the app's "revoked before" time); a token
			// issued afterwards carries only what the app still holds.
			roles, err := e.Store.ListClientRoles(ctx, m2m)
			if err != nil || len(roles) != 1 {
				t.Fatalf("ListClientRoles: %v %v", roles, err)
			}
			if err := e.Store.SetRolePermissions(ctx, roles[0].ID, permissions(map[string][]string{apiA: {"read"}}), time.Now()); err != nil {
				t.Fatal(err)
			}
			if in := e.introspect(t, m2m, m2mSecret, second); in["active"] != false {
				t.Fatalf("a token issued before the role was narrowed is active: %v", in)
			}
			third := e.ccToken(t, m2m, m2mSecret, apiA, "read")
			if in := e.introspect(t, m2m, m2mSecret, third); in["active"] != true || in["scope"] != "read" {
				t.Fatalf("a token issued after the role was narrowed: %v", in)
			}
			// Deleting the app ends its tokens.
			if err := e.Store.DeleteClient(ctx, m2m); err != nil {
				t.Fatal(err)
			}
			if _, _, err := e.tokenFinder().Access(ctx, third, time.Now()); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("a deleted app's token: %v", err)
			}
		})
	}
}

// tokenFinder looks tokens up as the server does, without the deny-list
// cache.
func (e *env) tokenFinder() oauth2.Tokens {
	return oauth2.Tokens{Store: e.Store, Keys: e.Server.Keys(), Issuer: e.Issuer}
}

// TestJWTRevocationAcrossReplicas: revoking a JWT access token on one
// replica is seen by that replica at once and by every other within
// oauth2.DenialTTL; revoking its grant (sign-out, refresh token revocation)
// is seen by every replica at once.
func TestJWTRevocationAcrossReplicas(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	withClock := func(_ *config.Config, o *app.Options) { o.Now = clock.Now }
	a := newEnv(t, onPostgres(t), withClock)
	b := a.replica(t, withClock)
	r := "https://app.example/cb"
	id, secret := a.app(t, store.AppTraditional, []string{r}, nil)
	a.resource(t, apiA, "read")
	u := a.user(t, "ann", "password-ann")
	a.grantUser(t, u.ID, map[string][]string{apiA: {"read"}})
	rt := a.signInFor(t, a.browser(t), id, secret, r, true, "ann", "password-ann", "read", apiA)

	body, claims := a.resourceToken(t, id, secret, rt, apiA)
	tok := body["access_token"].(string)
	if g, _, ok := oauth2.ParseJTI(claims["jti"].(string)); !ok || g == "" {
		t.Fatalf("a user's JWT access token does not name its grant: %v", claims["jti"])
	}
	if in := b.introspect(t, id, secret, tok); in["active"] != true || in["sub"] != u.ID || in["scope"] != "read" {
		t.Fatalf("B before revocation: %v", in)
	}
	if st, body, _ := a.postForm(t, "/oidc/token/revocation", url.Values{"token": {tok}}, id, secret); st != 200 {
		t.Fatalf("revocation on A: %d %v", st, body)
	}
	if in := a.introspect(t, id, secret, tok); in["active"] != false {
		t.Fatalf("A right after revoking: %v", in)
	}
	clock.Advance(oauth2.DenialTTL)
	if in := b.introspect(t, id, secret, tok); in["active"] != false {
		t.Fatalf("B %v after revocation on A: %v", oauth2.DenialTTL, in)
	}

	// The grant: revoking the refresh token on B ends the grant's JWT
	// access tokens on A at once.
	body, _ = a.resourceToken(t, id, secret, rt, apiA)
	tok = body["access_token"].(string)
	if in := a.introspect(t, id, secret, tok); in["active"] != true {
		t.Fatalf("A before the grant is revoked: %v", in)
	}
	if st, body, _ := b.postForm(t, "/oidc/token/revocation", url.Values{"token": {rt}}, id, secret); st != 200 {
		t.Fatalf("refresh token revocation on B: %d %v", st, body)
	}
	if in := a.introspect(t, id, secret, tok); in["active"] != false {
		t.Fatalf("A right after the grant was revoked on B: %v", in)
	}
}

// TestJWTAccessTokensOfEarlierVersions: a JWT access token issued before
// migration 00023 (a jti without the grant and instant, and a stored row)
// is judged by its row, as before, and can still be revoked.
func TestJWTAccessTokensOfEarlierVersions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.resource(t, apiA, "read")
	m2m, secret := e.app(t, store.AppM2M, nil, nil)
	now := time.Now()
	jti := opaque.NewToken()
	if err := e.Store.CreateAccessToken(ctx, store.AccessToken{Hash: opaque.Hash(jti), ClientID: m2m, Scopes: []string{"read"},
		Audience: apiA, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	tok, err := e.Server.Keys().Sign(ctx, "at+jwt", map[string]any{"iss": e.Issuer, "sub": m2m, "aud": apiA,
		"client_id": m2m, "jti": jti, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "scope": "read"})
	if err != nil {
		t.Fatal(err)
	}
	if in := e.introspect(t, m2m, secret, tok); in["active"] != true || in["scope"] != "read" {
		t.Fatalf("an earlier version's token: %v", in)
	}
	// Without its row it is nothing.
	stray, _ := e.Server.Keys().Sign(ctx, "at+jwt", map[string]any{"iss": e.Issuer, "sub": m2m, "aud": apiA,
		"client_id": m2m, "jti": opaque.NewToken(), "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	if in := e.introspect(t, m2m, secret, stray); in["active"] != false {
		t.Fatalf("a dotless jti without a row: %v", in)
	}
	if st, body, _ := e.postForm(t, "/oidc/token/revocation", url.Values{"token": {tok}}, m2m, secret); st != 200 {
		t.Fatalf("revocation: %d %v", st, body)
	}
	if in := e.introspect(t, m2m, secret, tok); in["active"] != false {
		t.Fatalf("a revoked earlier version's token: %v", in)
	}
}
