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
	web := store.Client{ID: "c1", Name: "Web", Type: store.AppTraditional, Secrets: defaultSecret(n),
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
	listed := web
	listed.Secrets = nil // lists carry no secrets
	diff(t, "ListClients", []store.Client{listed, spa}, list)

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
	err = useRefreshRefused(t, s, rt.Hash, n, "for a token of a deleted client")
	wantErr(t, "UseRefreshToken of deleted client", err, store.ErrNotFound)
	_, err = redeemRefused(t, s, code.Hash, n, "for a code of a deleted client")
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
		return store.CodeIssue{AccessToken: &at, RefreshToken: rt}, nil
	})
	return err
}

func testRotateClientSecret(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	first, second, third := hash(), hash(), hash()
	other := store.ClientSecret{Name: "ci", Hash: hash(), CreatedAt: n}
	c := store.Client{ID: "r1", Name: "Web", Type: store.AppTraditional, CreatedAt: n,
		Secrets: []store.ClientSecret{{Name: store.SecretDefault, Hash: first, CreatedAt: n}, other}}
	noErr(t, "CreateClient", s.CreateClient(ctx, c))
	noErr(t, "RotateClientSecret", s.RotateClientSecret(ctx, "r1",
		store.ClientSecret{Hash: second, CreatedAt: n.Add(time.Second)}, n.Add(time.Hour)))
	got, err := s.GetClient(ctx, "r1")
	noErr(t, "GetClient", err)
	c.Secrets = []store.ClientSecret{other, {Name: store.SecretPrevious, Hash: first, CreatedAt: n, ExpiresAt: n.Add(time.Hour)},
		{Name: store.SecretDefault, Hash: second, CreatedAt: n.Add(time.Second)}}
	diff(t, "after one rotation", c, got)
	// A second rotation replaces the previous secret: the first is gone;
	// the named secret "ci" is untouched.
	noErr(t, "RotateClientSecret again", s.RotateClientSecret(ctx, "r1",
		store.ClientSecret{Hash: third, CreatedAt: n.Add(2 * time.Second)}, n.Add(2*time.Hour)))
	got, err = s.GetClient(ctx, "r1")
	noErr(t, "GetClient", err)
	c.Secrets = []store.ClientSecret{other, {Name: store.SecretPrevious, Hash: second, CreatedAt: n.Add(time.Second), ExpiresAt: n.Add(2 * time.Hour)},
		{Name: store.SecretDefault, Hash: third, CreatedAt: n.Add(2 * time.Second)}}
	diff(t, "after two rotations", c, got)
	wantErr(t, "RotateClientSecret unknown client", s.RotateClientSecret(ctx, "nope", store.ClientSecret{Hash: third, CreatedAt: n}, n), store.ErrNotFound)
	_, err = s.GetClient(ctx, "nope")
	wantErr(t, "no client made by a refused rotation", err, store.ErrNotFound)
}

// defaultSecret is one random secret named "default", created at n.
func defaultSecret(n time.Time) []store.ClientSecret {
	return []store.ClientSecret{{Name: store.SecretDefault, Hash: hash(), CreatedAt: n}}
}

func testClientSecrets(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	c := store.Client{ID: "s1", Name: "Job", Type: store.AppM2M, CreatedAt: n, Secrets: defaultSecret(n)}
	noErr(t, "CreateClient", s.CreateClient(ctx, c))
	noErr(t, "CreateClient other", s.CreateClient(ctx, store.Client{ID: "s2", Name: "Other", Type: store.AppM2M, CreatedAt: n,
		Secrets: defaultSecret(n)}))

	ci := store.ClientSecret{Name: "ci", Hash: hash(), CreatedAt: n.Add(time.Second), ExpiresAt: n.Add(time.Hour)}
	noErr(t, "AddClientSecret", s.AddClientSecret(ctx, "s1", ci))
	wantErr(t, "AddClientSecret same name", s.AddClientSecret(ctx, "s1", store.ClientSecret{Name: "ci", Hash: hash(), CreatedAt: n}),
		store.ErrAlreadyExists)
	noErr(t, "AddClientSecret same name on another app", s.AddClientSecret(ctx, "s2", store.ClientSecret{Name: "ci", Hash: hash(), CreatedAt: n}))
	wantErr(t, "AddClientSecret unknown client", s.AddClientSecret(ctx, "nope", store.ClientSecret{Name: "x", Hash: hash(), CreatedAt: n}),
		store.ErrNotFound)

	got, err := s.GetClient(ctx, "s1")
	noErr(t, "GetClient", err)
	diff(t, "GetClient secrets", append(c.Secrets, ci), got.Secrets)

	list, err := s.ListClientSecrets(ctx, "s1")
	noErr(t, "ListClientSecrets", err)
	diff(t, "ListClientSecrets (no hashes)", []store.ClientSecret{{Name: store.SecretDefault, CreatedAt: n},
		{Name: "ci", CreatedAt: ci.CreatedAt, ExpiresAt: ci.ExpiresAt}}, list)
	_, err = s.ListClientSecrets(ctx, "nope")
	wantErr(t, "ListClientSecrets unknown client", err, store.ErrNotFound)

	noErr(t, "DeleteClientSecret", s.DeleteClientSecret(ctx, "s1", store.SecretDefault))
	wantErr(t, "DeleteClientSecret twice", s.DeleteClientSecret(ctx, "s1", store.SecretDefault), store.ErrNotFound)
	wantErr(t, "DeleteClientSecret unknown client", s.DeleteClientSecret(ctx, "nope", "ci"), store.ErrNotFound)
	noErr(t, "DeleteClientSecret ci", s.DeleteClientSecret(ctx, "s1", "ci"))
	list, err = s.ListClientSecrets(ctx, "s1")
	noErr(t, "ListClientSecrets of an app without secrets", err)
	if len(list) != 0 {
		t.Fatalf("secrets left: %+v", list)
	}
	got, err = s.GetClient(ctx, "s1")
	noErr(t, "GetClient without secrets", err)
	if got.Secrets != nil || got.Name != "Job" {
		t.Fatalf("GetClient without secrets = %+v", got)
	}
	other, err := s.ListClientSecrets(ctx, "s2")
	noErr(t, "ListClientSecrets other", err)
	if len(other) != 2 {
		t.Fatalf("other app's secrets = %+v, want default and ci", other)
	}
	// Deleting the app deletes its secrets: a new app of that id starts
	// without any.
	noErr(t, "DeleteClient", s.DeleteClient(ctx, "s2"))
	noErr(t, "CreateClient again", s.CreateClient(ctx, store.Client{ID: "s2", Name: "Again", Type: store.AppM2M, CreatedAt: n}))
	other, err = s.ListClientSecrets(ctx, "s2")
	noErr(t, "ListClientSecrets recreated", err)
	if len(other) != 0 {
		t.Fatalf("recreated app inherited secrets: %+v", other)
	}
}

func testUpdateClient(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	c := store.Client{ID: "u1", Name: "Web", Type: store.AppTraditional, CreatedAt: n, Secrets: defaultSecret(n),
		RedirectURIs: []string{"https://a.example/cb"}}
	noErr(t, "CreateClient", s.CreateClient(ctx, c))
	want := c
	want.Name, want.Description = "Web 2", "the web app"
	want.RedirectURIs, want.PostLogoutRedirectURIs = []string{"https://b.example/cb"}, []string{"https://b.example/"}
	want.CORSOrigins, want.ThirdParty = []string{"https://c.example"}, true
	want.IDTokenTTL, want.RefreshTokenTTL = 10*time.Minute, 30*24*time.Hour
	want.NoRefreshRotation, want.AlwaysIssueRefreshToken, want.RefreshReuseInterval = true, true, 30*time.Second
	want.CustomData = []byte(`{"tier":"gold"}`)
	got, err := s.UpdateClient(ctx, "u1", func(old store.Client) (store.Client, error) {
		diff(t, "UpdateClient reads the app without secrets", store.Client{ID: c.ID, Name: c.Name, Type: c.Type,
			CreatedAt: c.CreatedAt, RedirectURIs: c.RedirectURIs}, old)
		upd := want
		upd.ID, upd.Type, upd.CreatedAt = "other", store.AppSPA, n.Add(time.Hour) // ignored
		upd.Secrets = nil
		return upd, nil
	})
	noErr(t, "UpdateClient", err)
	returned := want
	returned.Secrets = nil
	diff(t, "UpdateClient result", returned, got)
	read, err := s.GetClient(ctx, "u1")
	noErr(t, "GetClient", err)
	diff(t, "GetClient after UpdateClient", want, read)

	boom := errors.New("boom")
	_, err = s.UpdateClient(ctx, "u1", func(store.Client) (store.Client, error) { return store.Client{Name: "lost"}, boom })
	if !errors.Is(err, boom) {
		t.Fatalf("UpdateClient with failing fn: %v", err)
	}
	read, err = s.GetClient(ctx, "u1")
	noErr(t, "GetClient", err)
	diff(t, "a failed update writes nothing", want, read)
	_, err = s.UpdateClient(ctx, "nope", func(c store.Client) (store.Client, error) { return c, nil })
	wantErr(t, "UpdateClient unknown client", err, store.ErrNotFound)

	// Concurrent updates of different fields both land.
	done := make(chan error, 2)
	for _, f := range []func(*store.Client){
		func(c *store.Client) { c.Description = "d" },
		func(c *store.Client) { c.IDTokenTTL = time.Minute },
	} {
		go func() {
			_, err := s.UpdateClient(ctx, "u1", func(c store.Client) (store.Client, error) { f(&c); return c, nil })
			done <- err
		}()
	}
	noErr(t, "concurrent UpdateClient", <-done)
	noErr(t, "concurrent UpdateClient", <-done)
	read, err = s.GetClient(ctx, "u1")
	noErr(t, "GetClient", err)
	if read.Description != "d" || read.IDTokenTTL != time.Minute {
		t.Fatalf("an update was lost: description %q, id token ttl %v", read.Description, read.IDTokenTTL)
	}
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

// testCreateClientWithRole: the app, its role and the assignment are
// written together, or (a failure in the middle) not at all.
func testCreateClientWithRole(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	roleResources(t, s)
	c := store.Client{ID: "m2m-1", Name: "Robot", Type: store.AppM2M, Secrets: defaultSecret(n), CreatedAt: n}
	r := store.Role{ID: "app-m2m-1", Name: "app:m2m-1", Description: "Permissions of app Robot", Type: store.RoleM2M,
		Permissions: []store.Permission{perm(apiA, "read"), perm(apiB, "admin")}, CreatedAt: n}
	noErr(t, "CreateClientWithRole", s.CreateClientWithRole(ctx, c, r))
	got, err := s.GetClient(ctx, c.ID)
	noErr(t, "GetClient", err)
	diff(t, "client", c, got)
	role, err := s.GetRole(ctx, r.ID)
	noErr(t, "GetRole", err)
	diff(t, "role", r, role)
	ps, err := s.ClientPermissions(ctx, c.ID)
	noErr(t, "ClientPermissions", err)
	diff(t, "ClientPermissions", r.Permissions, ps)

	// Failures after the client row is written leave nothing behind.
	for _, tc := range []struct {
		name string
		c    store.Client
		r    store.Role
		want error
	}{
		{"unregistered resource", store.Client{ID: "m2m-2", Name: "R2", Type: store.AppM2M, CreatedAt: n},
			store.Role{ID: "app-m2m-2", Name: "app:m2m-2", Type: store.RoleM2M,
				Permissions: []store.Permission{perm(apiA, "read"), perm("https://nowhere.example", "x")}, CreatedAt: n}, store.ErrNotFound},
		{"role name taken", store.Client{ID: "m2m-3", Name: "R3", Type: store.AppM2M, CreatedAt: n},
			store.Role{ID: "app-m2m-3", Name: r.Name, Type: store.RoleM2M, CreatedAt: n}, store.ErrAlreadyExists},
	} {
		wantErr(t, "CreateClientWithRole "+tc.name, s.CreateClientWithRole(ctx, tc.c, tc.r), tc.want)
		_, err := s.GetClient(ctx, tc.c.ID)
		wantErr(t, tc.name+": client left behind", err, store.ErrNotFound)
		_, err = s.GetRole(ctx, tc.r.ID)
		wantErr(t, tc.name+": role left behind", err, store.ErrNotFound)
	}
	wantErr(t, "CreateClientWithRole duplicate client",
		s.CreateClientWithRole(ctx, c, store.Role{ID: "other-role", Name: "other", Type: store.RoleM2M, CreatedAt: n}), store.ErrAlreadyExists)
	_, err = s.GetRole(ctx, "other-role")
	wantErr(t, "role of a duplicate client left behind", err, store.ErrNotFound)
	list, err := s.ListClients(ctx)
	noErr(t, "ListClients", err)
	c.Secrets = nil // lists carry no secrets
	diff(t, "clients after failures", []store.Client{c}, list)
	got, err = s.GetClient(ctx, c.ID)
	noErr(t, "GetClient", err)
	if len(got.Secrets) != 1 {
		t.Fatalf("secrets after failures = %+v, want the one created", got.Secrets)
	}
}

// testPutClientRole: creating, then replacing, an app's own role and
// assigning it is one call; replacing revokes the app's current tokens;
// a failure writes nothing.
func testPutClientRole(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	roleResources(t, s)
	c := store.Client{ID: "m2m-1", Name: "Robot", Type: store.AppM2M, Secrets: defaultSecret(n), CreatedAt: n}
	noErr(t, "CreateClient", s.CreateClient(ctx, c))
	r := store.Role{ID: "app-m2m-1", Name: "app:m2m-1", Type: store.RoleM2M, Permissions: []store.Permission{perm(apiA, "read")}, CreatedAt: n}
	noErr(t, "PutClientRole create", s.PutClientRole(ctx, c.ID, r, n))
	ps, err := s.ClientPermissions(ctx, c.ID)
	noErr(t, "ClientPermissions", err)
	diff(t, "ClientPermissions after create", r.Permissions, ps)

	cc := store.AccessToken{Hash: hash(), ClientID: c.ID, Scopes: []string{"read"}, Audience: apiA, CreatedAt: n, ExpiresAt: n.Add(time.Hour)}
	noErr(t, "CreateAccessToken", s.CreateAccessToken(ctx, cc))
	bad := r
	bad.Permissions = []store.Permission{perm(apiB, "admin"), perm("https://nowhere.example", "x")}
	wantErr(t, "PutClientRole unregistered resource", s.PutClientRole(ctx, c.ID, bad, n), store.ErrNotFound)
	ps, err = s.ClientPermissions(ctx, c.ID)
	noErr(t, "ClientPermissions", err)
	diff(t, "ClientPermissions after a failed replace", r.Permissions, ps)
	_, err = s.GetAccessToken(ctx, cc.Hash, n)
	noErr(t, "token after a failed replace", err)

	r.Permissions = []store.Permission{perm(apiA, "read"), perm(apiB, "admin")}
	noErr(t, "PutClientRole replace", s.PutClientRole(ctx, c.ID, r, n))
	ps, err = s.ClientPermissions(ctx, c.ID)
	noErr(t, "ClientPermissions", err)
	diff(t, "ClientPermissions after replace", r.Permissions, ps)
	_, err = s.GetAccessToken(ctx, cc.Hash, n)
	wantErr(t, "token after replace", err, store.ErrNotFound)
	roles, err := s.ListClientRoles(ctx, c.ID)
	noErr(t, "ListClientRoles", err)
	if len(roles) != 1 || roles[0].ID != r.ID {
		t.Fatalf("ListClientRoles = %+v", roles)
	}

	other := store.Role{ID: "app-none", Name: "app:none", Type: store.RoleM2M, CreatedAt: n}
	wantErr(t, "PutClientRole missing client", s.PutClientRole(ctx, "nobody", other, n), store.ErrNotFound)
	_, err = s.GetRole(ctx, other.ID)
	wantErr(t, "role for a missing client left behind", err, store.ErrNotFound)
}

// testDeleteClientWithRole: the app and its own role go in one
// transaction; another app that held the role loses its tokens; a missing
// client deletes nothing, not even the role.
func testDeleteClientWithRole(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	roleResources(t, s)
	c := store.Client{ID: "m2m-1", Name: "Robot", Type: store.AppM2M, Secrets: defaultSecret(n), CreatedAt: n}
	r := store.Role{ID: "app-m2m-1", Name: "app:m2m-1", Type: store.RoleM2M, Permissions: []store.Permission{perm(apiA, "read")}, CreatedAt: n}
	noErr(t, "CreateClientWithRole", s.CreateClientWithRole(ctx, c, r))
	other := store.Client{ID: "m2m-2", Name: "Other", Type: store.AppM2M, Secrets: defaultSecret(n), CreatedAt: n}
	noErr(t, "CreateClient other", s.CreateClient(ctx, other))
	noErr(t, "AssignClientRole other", s.AssignClientRole(ctx, other.ID, r.ID))
	tok := store.AccessToken{Hash: hash(), ClientID: other.ID, Scopes: []string{"read"}, Audience: apiA, CreatedAt: n, ExpiresAt: n.Add(time.Hour)}
	noErr(t, "CreateAccessToken other", s.CreateAccessToken(ctx, tok))

	wantErr(t, "DeleteClientWithRole missing client", s.DeleteClientWithRole(ctx, "nope", r.ID, n), store.ErrNotFound)
	_, err := s.GetRole(ctx, r.ID)
	noErr(t, "role after a refused delete", err)

	noErr(t, "DeleteClientWithRole", s.DeleteClientWithRole(ctx, c.ID, r.ID, n))
	_, err = s.GetClient(ctx, c.ID)
	wantErr(t, "client after delete", err, store.ErrNotFound)
	_, err = s.GetRole(ctx, r.ID)
	wantErr(t, "own role after delete", err, store.ErrNotFound)
	_, err = s.GetAccessToken(ctx, tok.Hash, n)
	wantErr(t, "token of another app that held the role", err, store.ErrNotFound)
	ps, err := s.ClientPermissions(ctx, other.ID)
	noErr(t, "ClientPermissions other", err)
	if len(ps) != 0 {
		t.Fatalf("other app keeps the deleted role's permissions: %v", ps)
	}
	noErr(t, "DeleteClientWithRole without a role", s.DeleteClientWithRole(ctx, other.ID, "no-such-role", n))
}
