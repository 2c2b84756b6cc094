package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

func testGrants(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	g := store.Grant{ID: "g1", ClientID: "c1", UserID: "u1", SID: "sid", Scopes: []string{"openid", "offline_access"},
		Resources: []string{"https://api.example"}, AuthTime: n.Add(-time.Minute), CreatedAt: n, ExpiresAt: n.Add(time.Hour),
		AMR: []string{"otp"}}
	_, err := s.GetGrant(ctx, "g1")
	wantErr(t, "GetGrant before create", err, store.ErrNotFound)
	noErr(t, "CreateGrant", s.CreateGrant(ctx, g))
	wantErr(t, "CreateGrant duplicate", s.CreateGrant(ctx, g), store.ErrAlreadyExists)
	got, err := s.GetGrant(ctx, "g1")
	noErr(t, "GetGrant", err)
	diff(t, "grant", g, got)

	rev := n.Add(time.Minute)
	noErr(t, "RevokeGrant", s.RevokeGrant(ctx, "g1", rev))
	noErr(t, "RevokeGrant twice", s.RevokeGrant(ctx, "g1", rev.Add(time.Minute)))
	got, err = s.GetGrant(ctx, "g1")
	noErr(t, "GetGrant revoked", err)
	g.RevokedAt = rev
	diff(t, "revoked grant (first RevokedAt kept)", g, got)
	wantErr(t, "RevokeGrant missing", s.RevokeGrant(ctx, "nope", rev), store.ErrNotFound)
}

func testRevokeGrantCascades(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	f := newFixture(t, s)
	sibling := newGrant(f, []string{"openid"}, n)
	noErr(t, "CreateGrant sibling", s.CreateGrant(ctx, sibling))
	code := f.code(n)
	noErr(t, "CreateCode", s.CreateCode(ctx, code))
	rt := f.refresh(n)
	at := f.access(n)
	noErr(t, "redeem", redeem(t, s, f.code(n), n, at, &rt))
	sat := f.access(n)
	sat.GrantID = sibling.ID
	noErr(t, "CreateAccessToken sibling", s.CreateAccessToken(ctx, sat))
	_, err := s.GetAccessToken(ctx, at.Hash, n)
	noErr(t, "GetAccessToken before revoke", err)

	noErr(t, "RevokeGrant", s.RevokeGrant(ctx, f.grant.ID, n))

	_, err = s.GetAccessToken(ctx, at.Hash, n)
	wantErr(t, "GetAccessToken of revoked grant", err, store.ErrNotFound)
	wantRevoked(t, s, n, "revoked grant", rt.Hash, code.Hash)
	_, err = s.GetAccessToken(ctx, sat.Hash, n)
	noErr(t, "sibling grant's token", err)
}

// wantRevoked checks that a refresh token and a code of a revoked grant are
// refused without their issue callbacks ever running.
func wantRevoked(t *testing.T, s store.Store, n time.Time, what string, refreshHash, codeHash []byte) {
	t.Helper()
	ctx := t.Context()
	_, err := s.UseRefreshToken(ctx, refreshHash, n, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		t.Error(what + ": fn called for a refresh token of a revoked grant")
		return store.RefreshIssue{}, errors.New("fn called")
	})
	wantErr(t, what+": UseRefreshToken", err, store.ErrNotFound)
	_, err = s.RedeemCode(ctx, codeHash, n, func(store.AuthCode) (store.CodeIssue, error) {
		t.Error(what + ": fn called for a code of a revoked grant")
		return store.CodeIssue{}, errors.New("fn called")
	})
	if err == nil {
		t.Fatal(what + ": RedeemCode of a revoked grant succeeded")
	}
}

func testRevokeUserGrants(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	f := newFixture(t, s) // offline grant
	online := newGrant(f, []string{"openid"}, n)
	noErr(t, "CreateGrant online", s.CreateGrant(ctx, online))
	rt, at := f.refresh(n), f.access(n)
	noErr(t, "redeem", redeem(t, s, f.code(n), n, at, &rt))
	oat := f.access(n)
	oat.GrantID = online.ID
	noErr(t, "CreateAccessToken online", s.CreateAccessToken(ctx, oat))
	pending := f.code(n)
	noErr(t, "CreateCode pending", s.CreateCode(ctx, pending))
	other := newFixture(t, s)
	ort, oat2 := other.refresh(n), other.access(n)
	noErr(t, "redeem other user", redeem(t, s, other.code(n), n, oat2, &ort))
	cc := store.AccessToken{Hash: hash(), ClientID: f.client.ID, Scopes: []string{"read"}, Audience: "https://api.example",
		CreatedAt: n, ExpiresAt: n.Add(time.Hour)}
	noErr(t, "CreateAccessToken client_credentials", s.CreateAccessToken(ctx, cc))

	noErr(t, "RevokeUserGrants", s.RevokeUserGrants(ctx, f.user.ID, n))
	noErr(t, "RevokeUserGrants twice", s.RevokeUserGrants(ctx, f.user.ID, n))
	noErr(t, "RevokeUserGrants empty user", s.RevokeUserGrants(ctx, "", n))

	for name, h := range map[string][]byte{"offline grant's token": at.Hash, "online grant's token": oat.Hash} {
		_, err := s.GetAccessToken(ctx, h, n)
		wantErr(t, name, err, store.ErrNotFound)
	}
	wantRevoked(t, s, n, "RevokeUserGrants", rt.Hash, pending.Hash)
	// Nobody else's tokens, and no client_credentials token, are touched.
	_, err := s.GetAccessToken(ctx, oat2.Hash, n)
	noErr(t, "other user's token", err)
	_, err = s.GetAccessToken(ctx, cc.Hash, n)
	noErr(t, "client_credentials token", err)
}
