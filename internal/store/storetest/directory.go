package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

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

// testHostileValues (catalogue IR-05): SQL and LIKE metacharacters, quotes,
// NUL-free control characters and non-ASCII text are data: every value
// comes back byte for byte, and a wildcard matches nothing.
func testHostileValues(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	hostile := []string{`' OR 1=1--`, `"; DROP TABLE users; --`, `%`, `_`, `\`, `$1`, `a'b"c`, "tab\tnew\nline", "ünïcödé ✓", `\x00`}
	for i, v := range hostile {
		c := store.Client{ID: fmt.Sprintf("c%d", i), Name: v, Type: store.AppSPA, RedirectURIs: []string{"https://a.example/cb?v=" + v},
			CreatedAt: n}
		noErr(t, "CreateClient "+v, s.CreateClient(ctx, c))
		got, err := s.GetClient(ctx, c.ID)
		noErr(t, "GetClient "+v, err)
		diff(t, "client with "+v, c, got)

		u := store.User{ID: fmt.Sprintf("u%d", i), Username: fmt.Sprintf("user%d", i), Email: v + "@example.com", Name: v, CreatedAt: n, UpdatedAt: n}
		noErr(t, "CreateUser "+v, s.CreateUser(ctx, u))
		gotU, err := s.GetUserByLogin(ctx, v+"@example.com")
		noErr(t, "GetUserByLogin "+v, err)
		diff(t, "user with "+v, u, gotU)

		a := store.AuthRequest{ID: fmt.Sprintf("ar%d", i), ClientID: c.ID, RedirectURI: "https://a.example/cb", Scopes: []string{v},
			State: v, Nonce: v, LoginHint: v, UILocales: v, CreatedAt: n, ExpiresAt: n.Add(time.Minute)}
		noErr(t, "CreateAuthRequest "+v, s.CreateAuthRequest(ctx, a))
		gotA, err := s.GetAuthRequest(ctx, a.ID)
		noErr(t, "GetAuthRequest "+v, err)
		diff(t, "auth request with "+v, a, gotA)
	}
	for _, wild := range []string{"%%", "%@%", "u%", "user_", "' OR '1'='1"} {
		if _, err := s.GetUserByLogin(ctx, wild); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetUserByLogin(%q) matched a user (%v)", wild, err)
		}
	}
	users, err := s.ListUsers(ctx)
	noErr(t, "ListUsers", err)
	if len(users) != len(hostile) {
		t.Fatalf("ListUsers: %d users, want %d (a value ran as SQL?)", len(users), len(hostile))
	}
}

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

func testUsers(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	alice := store.User{ID: "u1", Username: "alice", Email: "alice@example.com", Phone: "+15550100",
		Name: "Alice", Picture: "https://img.example/a.png", PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		CreatedAt: n, UpdatedAt: n, LastSignInAt: n.Add(time.Minute), EmailVerified: true, PhoneVerified: true}
	bob := store.User{ID: "u2", Email: "bob@example.com", Suspended: true, CreatedAt: n.Add(time.Second), UpdatedAt: n}

	_, err := s.GetUser(ctx, "u1")
	wantErr(t, "GetUser before create", err, store.ErrNotFound)
	noErr(t, "CreateUser alice", s.CreateUser(ctx, alice))
	noErr(t, "CreateUser bob", s.CreateUser(ctx, bob))
	wantErr(t, "CreateUser duplicate id", s.CreateUser(ctx, store.User{ID: "u1", Username: "other", CreatedAt: n}), store.ErrAlreadyExists)

	got, err := s.GetUser(ctx, "u1")
	noErr(t, "GetUser", err)
	diff(t, "GetUser alice", alice, got)
	got, err = s.GetUser(ctx, "u2")
	noErr(t, "GetUser", err)
	diff(t, "GetUser bob (zero LastSignInAt)", bob, got)
	if !got.LastSignInAt.IsZero() {
		t.Fatalf("zero LastSignInAt came back as %v", got.LastSignInAt)
	}

	for login, want := range map[string]string{"alice": "u1", "alice@example.com": "u1", "bob@example.com": "u2"} {
		got, err := s.GetUserByLogin(ctx, login)
		noErr(t, "GetUserByLogin "+login, err)
		if got.ID != want {
			t.Fatalf("GetUserByLogin(%q) = %s, want %s", login, got.ID, want)
		}
	}
	for _, login := range []string{"", "Alice", "ALICE@example.com", "carol", "alic"} {
		_, err := s.GetUserByLogin(ctx, login)
		wantErr(t, "GetUserByLogin "+login, err, store.ErrNotFound)
	}

	list, err := s.ListUsers(ctx)
	noErr(t, "ListUsers", err)
	diff(t, "ListUsers", []store.User{alice, bob}, list)
}

func testUserUniqueness(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	noErr(t, "CreateUser", s.CreateUser(ctx, store.User{ID: "a", Username: "alice", Email: "a@example.com", CreatedAt: n}))
	wantErr(t, "same username", s.CreateUser(ctx, store.User{ID: "b", Username: "alice", CreatedAt: n}), store.ErrAlreadyExists)
	wantErr(t, "same email", s.CreateUser(ctx, store.User{ID: "c", Email: "a@example.com", CreatedAt: n}), store.ErrAlreadyExists)
	// Empty username or email never clashes.
	noErr(t, "empty email 1", s.CreateUser(ctx, store.User{ID: "d", Username: "dave", CreatedAt: n}))
	noErr(t, "empty email 2", s.CreateUser(ctx, store.User{ID: "e", Username: "erin", CreatedAt: n}))
	noErr(t, "empty username 1", s.CreateUser(ctx, store.User{ID: "f", Email: "f@example.com", CreatedAt: n}))
	noErr(t, "empty username 2", s.CreateUser(ctx, store.User{ID: "g", Email: "g@example.com", CreatedAt: n}))
	list, err := s.ListUsers(ctx)
	noErr(t, "ListUsers", err)
	if len(list) != 5 {
		t.Fatalf("ListUsers: %d users, want 5", len(list))
	}
}

func testUpdateUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	u := store.User{ID: "u1", Username: "alice", Email: "alice@example.com", CreatedAt: n, UpdatedAt: n}
	noErr(t, "CreateUser", s.CreateUser(ctx, u))
	noErr(t, "CreateUser 2", s.CreateUser(ctx, store.User{ID: "u2", Username: "bob", Email: "bob@example.com", CreatedAt: n}))

	later := n.Add(time.Hour)
	got, err := s.UpdateUser(ctx, "u1", func(old store.User) (store.User, error) {
		diff(t, "UpdateUser fn input", u, old)
		old.Name = "Alice A."
		old.Suspended = true
		old.UpdatedAt = later
		old.LastSignInAt = later
		old.EmailVerified = true
		old.ID = "ignored" // the ID cannot change
		return old, nil
	})
	noErr(t, "UpdateUser", err)
	want := u
	want.Name, want.Suspended, want.UpdatedAt, want.LastSignInAt, want.EmailVerified = "Alice A.", true, later, later, true
	diff(t, "UpdateUser result", want, got)
	got, err = s.GetUser(ctx, "u1")
	noErr(t, "GetUser", err)
	diff(t, "GetUser after update", want, got)

	boom := errors.New("boom")
	_, err = s.UpdateUser(ctx, "u1", func(old store.User) (store.User, error) {
		old.Name = "should not be stored"
		return old, boom
	})
	wantErr(t, "UpdateUser fn error", err, boom)
	got, err = s.GetUser(ctx, "u1")
	noErr(t, "GetUser", err)
	diff(t, "user after failed update", want, got)

	_, err = s.UpdateUser(ctx, "u1", func(old store.User) (store.User, error) {
		old.Email = "bob@example.com"
		return old, nil
	})
	wantErr(t, "UpdateUser email clash", err, store.ErrAlreadyExists)
	_, err = s.UpdateUser(ctx, "nope", func(old store.User) (store.User, error) {
		t.Fatal("fn called for a missing user")
		return old, nil
	})
	wantErr(t, "UpdateUser missing", err, store.ErrNotFound)
	// A freed username can be taken.
	_, err = s.UpdateUser(ctx, "u2", func(old store.User) (store.User, error) {
		old.Username = "robert"
		return old, nil
	})
	noErr(t, "rename bob", err)
	noErr(t, "reuse freed username", s.CreateUser(ctx, store.User{ID: "u3", Username: "bob", CreatedAt: n}))
}

func testDeleteUserCascades(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	f := newFixture(t, s)
	other := newFixture(t, s)
	rt := f.refresh(n)
	at := f.access(n)
	noErr(t, "redeem", redeem(t, s, f.code(n), n, at, &rt))
	noErr(t, "PutConsent", s.PutConsent(ctx, store.Consent{UserID: f.user.ID, ClientID: f.client.ID, CreatedAt: n}))
	oat := other.access(n)
	noErr(t, "CreateAccessToken other", s.CreateAccessToken(ctx, oat))

	noErr(t, "DeleteUser", s.DeleteUser(ctx, f.user.ID))
	_, err := s.GetUser(ctx, f.user.ID)
	wantErr(t, "GetUser after delete", err, store.ErrNotFound)
	_, err = s.GetSession(ctx, f.session.IDHash)
	wantErr(t, "GetSession after DeleteUser", err, store.ErrNotFound)
	if g, err := s.GetGrant(ctx, f.grant.ID); err == nil && g.RevokedAt.IsZero() {
		t.Fatalf("grant of deleted user still live: %+v", g)
	}
	_, err = s.GetAccessToken(ctx, at.Hash, n)
	wantErr(t, "GetAccessToken after DeleteUser", err, store.ErrNotFound)
	_, err = s.UseRefreshToken(ctx, rt.Hash, n, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		t.Fatal("fn called for a token of a deleted user")
		return store.RefreshIssue{}, nil
	})
	wantErr(t, "UseRefreshToken after DeleteUser", err, store.ErrNotFound)
	_, err = s.GetConsent(ctx, f.user.ID, f.client.ID)
	wantErr(t, "GetConsent after DeleteUser", err, store.ErrNotFound)
	wantErr(t, "DeleteUser twice", s.DeleteUser(ctx, f.user.ID), store.ErrNotFound)

	_, err = s.GetAccessToken(ctx, oat.Hash, n)
	noErr(t, "other user's token", err)
	_, err = s.GetSession(ctx, other.session.IDHash)
	noErr(t, "other user's session", err)
	_, err = s.GetClient(ctx, f.client.ID)
	noErr(t, "client survives DeleteUser", err)
}

func testResources(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	api := store.Resource{ID: "r1", Indicator: "https://api.example", Name: "API",
		Scopes: []string{"read:x", "write:x"}, AccessTokenTTL: 90 * time.Minute, CreatedAt: n}
	bare := store.Resource{ID: "r2", Indicator: "https://other.example/", Name: "Other", CreatedAt: n.Add(time.Second)}

	_, err := s.GetResourceByIndicator(ctx, api.Indicator)
	wantErr(t, "GetResourceByIndicator before create", err, store.ErrNotFound)
	noErr(t, "CreateResource", s.CreateResource(ctx, api))
	noErr(t, "CreateResource 2", s.CreateResource(ctx, bare))
	wantErr(t, "indicator clash", s.CreateResource(ctx, store.Resource{ID: "r3", Indicator: api.Indicator, CreatedAt: n}), store.ErrAlreadyExists)
	wantErr(t, "id clash", s.CreateResource(ctx, store.Resource{ID: "r1", Indicator: "https://x.example", CreatedAt: n}), store.ErrAlreadyExists)

	got, err := s.GetResourceByIndicator(ctx, api.Indicator)
	noErr(t, "GetResourceByIndicator", err)
	diff(t, "resource", api, got)
	list, err := s.ListResources(ctx)
	noErr(t, "ListResources", err)
	diff(t, "ListResources", []store.Resource{api, bare}, list)

	noErr(t, "DeleteResource", s.DeleteResource(ctx, "r1"))
	_, err = s.GetResourceByIndicator(ctx, api.Indicator)
	wantErr(t, "after delete", err, store.ErrNotFound)
	wantErr(t, "DeleteResource twice", s.DeleteResource(ctx, "r1"), store.ErrNotFound)
	noErr(t, "indicator reusable", s.CreateResource(ctx, store.Resource{ID: "r4", Indicator: api.Indicator, CreatedAt: n}))
}

func testKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	k1 := store.SigningKey{ID: "k1", Alg: "ES384", PrivateKey: []byte("sealed-1"), CreatedAt: n, ActivatesAt: n}
	k2 := store.SigningKey{ID: "k2", Alg: "ES384", PrivateKey: []byte("sealed-2"), CreatedAt: n.Add(time.Hour), ActivatesAt: n.Add(2 * time.Hour)}
	k3 := store.SigningKey{ID: "k3", Alg: "RS256", PrivateKey: []byte("sealed-3"), CreatedAt: n.Add(2 * time.Hour), ActivatesAt: n.Add(3 * time.Hour)}

	keys, err := s.ListKeys(ctx)
	noErr(t, "ListKeys empty", err)
	if len(keys) != 0 {
		t.Fatalf("ListKeys on empty store: %d", len(keys))
	}
	// Insert out of order; ListKeys sorts oldest first.
	noErr(t, "CreateKey k3", s.CreateKey(ctx, k3))
	noErr(t, "CreateKey k1", s.CreateKey(ctx, k1))
	noErr(t, "CreateKey k2", s.CreateKey(ctx, k2))
	wantErr(t, "CreateKey duplicate", s.CreateKey(ctx, k1), store.ErrAlreadyExists)
	keys, err = s.ListKeys(ctx)
	noErr(t, "ListKeys", err)
	diff(t, "ListKeys", []store.SigningKey{k1, k2, k3}, keys)

	r1, e1 := n.Add(3*time.Hour), n.Add(27*time.Hour)
	noErr(t, "RetireKeys", s.RetireKeys(ctx, "k3", r1, e1))
	// A second rotation keeps the first retirement times of retired keys.
	noErr(t, "RetireKeys again", s.RetireKeys(ctx, "k3", n.Add(5*time.Hour), n.Add(50*time.Hour)))
	k1.RetiredAt, k1.ExpiresAt = r1, e1
	k2.RetiredAt, k2.ExpiresAt = r1, e1
	keys, err = s.ListKeys(ctx)
	noErr(t, "ListKeys", err)
	diff(t, "ListKeys after RetireKeys", []store.SigningKey{k1, k2, k3}, keys)
}

func testConsents(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	_, err := s.GetConsent(ctx, "u1", "c1")
	wantErr(t, "GetConsent missing", err, store.ErrNotFound)
	c := store.Consent{UserID: "u1", ClientID: "c1", Scopes: []string{"openid", "profile"}, Resources: []string{"https://api.example"}, CreatedAt: n}
	noErr(t, "PutConsent", s.PutConsent(ctx, c))
	got, err := s.GetConsent(ctx, "u1", "c1")
	noErr(t, "GetConsent", err)
	diff(t, "consent", c, got)

	c2 := store.Consent{UserID: "u1", ClientID: "c1", Scopes: []string{"openid", "email"}, CreatedAt: n.Add(time.Hour)}
	noErr(t, "PutConsent replace", s.PutConsent(ctx, c2))
	got, err = s.GetConsent(ctx, "u1", "c1")
	noErr(t, "GetConsent", err)
	diff(t, "replaced consent", c2, got)
	_, err = s.GetConsent(ctx, "u1", "c2")
	wantErr(t, "other client", err, store.ErrNotFound)
	_, err = s.GetConsent(ctx, "u2", "c1")
	wantErr(t, "other user", err, store.ErrNotFound)
}
