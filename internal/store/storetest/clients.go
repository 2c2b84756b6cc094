package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

func testClients(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	web := store.Client{ID: "c1", Name: "Web", Type: store.AppTraditional, SecretHash: hash(),
		RedirectURIs:           []string{"https://a.example/cb", "https://a.example/cb2"},
		PostLogoutRedirectURIs: []string{"https://a.example/"}, ThirdParty: true, CreatedAt: n}
	spa := store.Client{ID: "c2", Name: "SPA", Type: store.AppSPA, RedirectURIs: []string{"http://localhost:3000/cb"},
		CreatedAt: n.Add(time.Second)}

	_, err := s.GetClient(ctx, "c1")
	wantErr(t, "GetClient before create", err, store.ErrNotFound)
	list, err := s.ListClients(ctx)
	noErr(t, "ListClients empty", err)
	if len(list) != 0 {
		t.Fatalf("ListClients on empty store: %d clients", len(list))
	}

	noErr(t, "CreateClient web", s.CreateClient(ctx, web))
	noErr(t, "CreateClient spa", s.CreateClient(ctx, spa))
	wantErr(t, "CreateClient duplicate", s.CreateClient(ctx, store.Client{ID: "c1", Name: "x", Type: store.AppM2M, CreatedAt: n}), store.ErrAlreadyExists)

	got, err := s.GetClient(ctx, "c1")
	noErr(t, "GetClient", err)
	diff(t, "GetClient web", web, got)
	got, err = s.GetClient(ctx, "c2")
	noErr(t, "GetClient", err)
	diff(t, "GetClient spa (no secret)", spa, got)

	list, err = s.ListClients(ctx)
	noErr(t, "ListClients", err)
	diff(t, "ListClients", []store.Client{web, spa}, list)

	noErr(t, "DeleteClient", s.DeleteClient(ctx, "c1"))
	_, err = s.GetClient(ctx, "c1")
	wantErr(t, "GetClient after delete", err, store.ErrNotFound)
	wantErr(t, "DeleteClient twice", s.DeleteClient(ctx, "c1"), store.ErrNotFound)
	list, err = s.ListClients(ctx)
	noErr(t, "ListClients", err)
	diff(t, "ListClients after delete", []store.Client{spa}, list)
}

func testDeleteClientCascades(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	f := newFixture(t, s)
	other := newFixture(t, s) // another client; must be untouched

	code := f.code(n)
	rt := f.refresh(n)
	at := f.access(n)
	noErr(t, "CreateCode", s.CreateCode(ctx, code))
	noErr(t, "CreateRefreshToken (via redeem)", redeem(t, s, f.code(n), n, at, &rt))
	noErr(t, "PutConsent", s.PutConsent(ctx, store.Consent{UserID: f.user.ID, ClientID: f.client.ID, Scopes: []string{"openid"}, CreatedAt: n}))
	oat := other.access(n)
	noErr(t, "CreateAccessToken other", s.CreateAccessToken(ctx, oat))
	cc := store.AccessToken{Hash: hash(), ClientID: f.client.ID, Scopes: []string{"read:x"}, CreatedAt: n, ExpiresAt: n.Add(time.Hour)}
	noErr(t, "CreateAccessToken client_credentials", s.CreateAccessToken(ctx, cc))
	occ := store.AccessToken{Hash: hash(), ClientID: other.client.ID, Scopes: []string{"read:x"}, CreatedAt: n, ExpiresAt: n.Add(time.Hour)}
	noErr(t, "CreateAccessToken other client_credentials", s.CreateAccessToken(ctx, occ))

	noErr(t, "DeleteClient", s.DeleteClient(ctx, f.client.ID))
	_, err := s.GetAccessToken(ctx, cc.Hash, n)
	wantErr(t, "client_credentials token of deleted client", err, store.ErrNotFound)
	_, err = s.GetAccessToken(ctx, occ.Hash, n)
	noErr(t, "client_credentials token of other client", err)

	if g, err := s.GetGrant(ctx, f.grant.ID); err == nil && g.RevokedAt.IsZero() {
		t.Fatalf("grant of deleted client still live: %+v", g)
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetGrant: %v", err)
	}
	_, err = s.GetAccessToken(ctx, at.Hash, n)
	wantErr(t, "GetAccessToken of deleted client", err, store.ErrNotFound)
	_, err = s.UseRefreshToken(ctx, rt.Hash, n, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		t.Fatal("fn called for a token of a deleted client")
		return store.RefreshIssue{}, nil
	})
	wantErr(t, "UseRefreshToken of deleted client", err, store.ErrNotFound)
	_, err = s.RedeemCode(ctx, code.Hash, n, func(store.AuthCode) (store.CodeIssue, error) {
		t.Fatal("fn called for a code of a deleted client")
		return store.CodeIssue{}, nil
	})
	wantErr(t, "RedeemCode of deleted client", err, store.ErrNotFound)
	_, err = s.GetConsent(ctx, f.user.ID, f.client.ID)
	wantErr(t, "GetConsent of deleted client", err, store.ErrNotFound)

	_, err = s.GetAccessToken(ctx, oat.Hash, n)
	noErr(t, "GetAccessToken of other client", err)
	_, err = s.GetUser(ctx, f.user.ID)
	noErr(t, "GetUser after DeleteClient", err)
}

// redeem creates code, redeems it issuing at (and rt), and returns the error.
func redeem(t *testing.T, s store.Store, code store.AuthCode, n time.Time, at store.AccessToken, rt *store.RefreshToken) error {
	t.Helper()
	if err := s.CreateCode(t.Context(), code); err != nil {
		return err
	}
	_, err := s.RedeemCode(t.Context(), code.Hash, n, func(store.AuthCode) (store.CodeIssue, error) {
		return store.CodeIssue{AccessToken: at, RefreshToken: rt}, nil
	})
	return err
}

func testRotateClientSecret(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	first, second, third := hash(), hash(), hash()
	c := store.Client{ID: "r1", Name: "Web", Type: store.AppTraditional, SecretHash: first, CreatedAt: n}
	noErr(t, "CreateClient", s.CreateClient(ctx, c))
	noErr(t, "RotateClientSecret", s.RotateClientSecret(ctx, "r1", second, n.Add(time.Hour)))
	got, err := s.GetClient(ctx, "r1")
	noErr(t, "GetClient", err)
	c.SecretHash, c.PreviousSecretHash, c.PreviousSecretExpiresAt = second, first, n.Add(time.Hour)
	diff(t, "after one rotation", c, got)
	// A second rotation replaces the previous secret: the first is gone.
	noErr(t, "RotateClientSecret again", s.RotateClientSecret(ctx, "r1", third, n.Add(2*time.Hour)))
	got, err = s.GetClient(ctx, "r1")
	noErr(t, "GetClient", err)
	c.SecretHash, c.PreviousSecretHash, c.PreviousSecretExpiresAt = third, second, n.Add(2*time.Hour)
	diff(t, "after two rotations", c, got)
	wantErr(t, "RotateClientSecret unknown client", s.RotateClientSecret(ctx, "nope", third, n), store.ErrNotFound)
}

func testClientCORSOrigins(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	c := store.Client{ID: "o1", Name: "SPA", Type: store.AppSPA, RedirectURIs: []string{"https://spa.example/cb"},
		CORSOrigins: []string{"https://app.example", "http://localhost:5173"}, CreatedAt: n}
	noErr(t, "CreateClient", s.CreateClient(ctx, c))
	got, err := s.GetClient(ctx, "o1")
	noErr(t, "GetClient", err)
	diff(t, "GetClient with CORS origins", c, got)
	list, err := s.ListClients(ctx)
	noErr(t, "ListClients", err)
	diff(t, "ListClients with CORS origins", []store.Client{c}, list)

	c.CORSOrigins = []string{"https://other.example:8443"}
	noErr(t, "SetClientCORSOrigins", s.SetClientCORSOrigins(ctx, "o1", c.CORSOrigins))
	got, err = s.GetClient(ctx, "o1")
	noErr(t, "GetClient after set", err)
	diff(t, "GetClient after SetClientCORSOrigins", c, got)

	noErr(t, "SetClientCORSOrigins none", s.SetClientCORSOrigins(ctx, "o1", nil))
	got, err = s.GetClient(ctx, "o1")
	noErr(t, "GetClient after clearing", err)
	if got.CORSOrigins != nil {
		t.Fatalf("cleared CORS origins came back as %v", got.CORSOrigins)
	}
	wantErr(t, "SetClientCORSOrigins unknown client", s.SetClientCORSOrigins(ctx, "nope", nil), store.ErrNotFound)
}
