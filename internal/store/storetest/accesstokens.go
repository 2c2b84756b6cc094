package storetest

import (
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

func testAccessTokens(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	f := newFixture(t, s)
	at := f.access(n)
	noErr(t, "CreateAccessToken", s.CreateAccessToken(ctx, at))
	wantErr(t, "CreateAccessToken duplicate", s.CreateAccessToken(ctx, at), store.ErrAlreadyExists)
	got, err := s.GetAccessToken(ctx, at.Hash, n)
	noErr(t, "GetAccessToken", err)
	diff(t, "access token", at, got)

	// client_credentials: no grant, no user.
	cc := store.AccessToken{Hash: hash(), ClientID: f.client.ID, Scopes: []string{"read:x"}, Audience: "https://api.example",
		CreatedAt: n, ExpiresAt: n.Add(time.Hour)}
	noErr(t, "CreateAccessToken client_credentials", s.CreateAccessToken(ctx, cc))
	got, err = s.GetAccessToken(ctx, cc.Hash, n)
	noErr(t, "GetAccessToken client_credentials", err)
	diff(t, "client_credentials token", cc, got)

	_, err = s.GetAccessToken(ctx, at.Hash, at.ExpiresAt)
	wantErr(t, "GetAccessToken at expiry", err, store.ErrNotFound)
	_, err = s.GetAccessToken(ctx, hash(), n)
	wantErr(t, "GetAccessToken missing", err, store.ErrNotFound)

	noErr(t, "RevokeAccessToken", s.RevokeAccessToken(ctx, at.Hash, n))
	_, err = s.GetAccessToken(ctx, at.Hash, n)
	wantErr(t, "GetAccessToken revoked", err, store.ErrNotFound)
	noErr(t, "RevokeAccessToken twice", s.RevokeAccessToken(ctx, at.Hash, n))
	wantErr(t, "RevokeAccessToken missing", s.RevokeAccessToken(ctx, hash(), n), store.ErrNotFound)
	_, err = s.GetAccessToken(ctx, cc.Hash, n)
	noErr(t, "other token unaffected", err)

	// Revoking a grant must not touch grant-less tokens.
	noErr(t, "RevokeGrant", s.RevokeGrant(ctx, f.grant.ID, n))
	_, err = s.GetAccessToken(ctx, cc.Hash, n)
	noErr(t, "client_credentials token after RevokeGrant", err)

	// A token written after its grant was revoked (an issue racing a
	// revocation) is still unusable, as is one of an expired or unknown grant.
	late := f.access(n)
	noErr(t, "CreateAccessToken for revoked grant", s.CreateAccessToken(ctx, late))
	_, err = s.GetAccessToken(ctx, late.Hash, n)
	wantErr(t, "token of a revoked grant", err, store.ErrNotFound)
	eg := newGrant(f, []string{"openid"}, n.Add(-2*time.Hour))
	eg.ExpiresAt = n.Add(-time.Hour)
	noErr(t, "CreateGrant expired", s.CreateGrant(ctx, eg))
	et := f.access(n)
	et.GrantID = eg.ID
	noErr(t, "CreateAccessToken for expired grant", s.CreateAccessToken(ctx, et))
	_, err = s.GetAccessToken(ctx, et.Hash, n)
	wantErr(t, "token of an expired grant", err, store.ErrNotFound)
	ut := f.access(n)
	ut.GrantID = "no-such-grant"
	noErr(t, "CreateAccessToken for unknown grant", s.CreateAccessToken(ctx, ut))
	_, err = s.GetAccessToken(ctx, ut.Hash, n)
	wantErr(t, "token of an unknown grant", err, store.ErrNotFound)

	// The deny list of self-contained tokens: by hash, idempotent, and
	// emptied by GarbageCollect once the token has expired.
	jwt, other := hash(), hash()
	denied, err := s.AccessTokenDenied(ctx, jwt)
	noErr(t, "AccessTokenDenied before", err)
	if denied {
		t.Fatal("a hash never denied reads as denied")
	}
	noErr(t, "DenyAccessToken", s.DenyAccessToken(ctx, jwt, n.Add(time.Hour)))
	noErr(t, "DenyAccessToken twice", s.DenyAccessToken(ctx, jwt, n.Add(time.Hour)))
	noErr(t, "DenyAccessToken other", s.DenyAccessToken(ctx, other, n.Add(time.Minute)))
	for _, c := range []struct {
		name string
		h    []byte
		want bool
	}{{"denied", jwt, true}, {"other denied", other, true}, {"never denied", hash(), false}} {
		got, err := s.AccessTokenDenied(ctx, c.h)
		noErr(t, "AccessTokenDenied "+c.name, err)
		if got != c.want {
			t.Errorf("AccessTokenDenied %s = %v, want %v", c.name, got, c.want)
		}
	}
	_, err = s.GarbageCollect(ctx, n.Add(2*time.Minute))
	noErr(t, "GarbageCollect", err)
	if d, _ := s.AccessTokenDenied(ctx, other); d {
		t.Error("an expired token's deny entry survived GarbageCollect")
	}
	if d, _ := s.AccessTokenDenied(ctx, jwt); !d {
		t.Error("GarbageCollect removed the deny entry of a token that has not expired")
	}
}
