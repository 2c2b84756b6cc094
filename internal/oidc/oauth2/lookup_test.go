package oauth2_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/oidc/oauth2"
	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
	"github.com/sesameauth/sesame/internal/store/sqlstore/sqlitetest"
)

// readCounter counts the token reads a lookup makes on a real store.
type readCounter struct {
	*sqlstore.Store
	reads []string
}

func (c *readCounter) GetAccessToken(ctx context.Context, hash []byte, now time.Time) (store.AccessToken, error) {
	c.reads = append(c.reads, "access")
	return c.Store.GetAccessToken(ctx, hash, now)
}

func (c *readCounter) GetRefreshToken(ctx context.Context, hash []byte) (store.RefreshToken, error) {
	c.reads = append(c.reads, "refresh")
	return c.Store.GetRefreshToken(ctx, hash)
}

// TestLookupOrder: an opaque token is found whatever token_type_hint
// says, and the hint only orders the reads: an access token, which
// resource servers introspect on every call, costs one read without a
// hint, and a refresh token one read with the refresh_token hint.
func TestLookupOrder(t *testing.T) {
	ctx := t.Context()
	st := sqlitetest.Open(t)
	now := time.Now()
	if err := st.CreateClient(ctx, store.Client{ID: "c", Name: "c", Type: store.AppTraditional,
		RedirectURIs: []string{"https://app.example/cb"}, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(ctx, store.User{ID: "u", Username: "u", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	g := store.Grant{ID: "g", ClientID: "c", UserID: "u", SID: "s", Scopes: []string{"openid", "offline_access"},
		AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	code := store.AuthCode{Hash: opaque.Hash("code"), GrantID: "g", ClientID: "c", UserID: "u", SID: "s",
		RedirectURI: "https://app.example/cb", Scopes: g.Scopes, AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
	if err := st.CreateGrantAndCode(ctx, g, code); err != nil {
		t.Fatal(err)
	}
	const accessValue, refreshValue = "an-opaque-access-token", "an-opaque-refresh-token"
	_, err := st.RedeemCode(ctx, code.Hash, now, func(store.AuthCode) (store.CodeIssue, error) {
		return store.CodeIssue{
			AccessToken: &store.AccessToken{Hash: opaque.Hash(accessValue), GrantID: "g", ClientID: "c", UserID: "u",
				Scopes: g.Scopes, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
			RefreshToken: &store.RefreshToken{Hash: opaque.Hash(refreshValue), GrantID: "g", ClientID: "c", UserID: "u",
				Scopes: g.Scopes, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		}, nil
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		token, hint string
		refresh     bool
		reads       []string
	}{
		{accessValue, "", false, []string{"access"}},
		{accessValue, "access_token", false, []string{"access"}},
		{accessValue, "refresh_token", false, []string{"refresh", "access"}},
		{refreshValue, "", true, []string{"access", "refresh"}},
		{refreshValue, "refresh_token", true, []string{"refresh"}},
		{refreshValue, "something_else", true, []string{"access", "refresh"}},
		{"unknown", "", false, []string{"access", "refresh"}},
	} {
		rc := &readCounter{Store: st}
		tokens := oauth2.Tokens{Store: rc}
		f, err := tokens.Lookup(ctx, tc.token, tc.hint, now)
		switch {
		case tc.token == "unknown":
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("unknown token: %v, want ErrNotFound", err)
			}
		case err != nil:
			t.Errorf("%s, hint %q: %v", tc.token, tc.hint, err)
		case (f.Refresh != nil) != tc.refresh || (f.Access != nil) == tc.refresh:
			t.Errorf("%s, hint %q: found refresh %v, access %v", tc.token, tc.hint, f.Refresh != nil, f.Access != nil)
		}
		if len(rc.reads) != len(tc.reads) || (len(rc.reads) > 0 && rc.reads[0] != tc.reads[0]) {
			t.Errorf("%s, hint %q: reads %v, want %v", tc.token, tc.hint, rc.reads, tc.reads)
		}
	}
}
