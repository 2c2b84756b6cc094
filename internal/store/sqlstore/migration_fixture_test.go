package sqlstore

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/sesameauth/sesame/internal/store"
)

// Migration fixtures (catalogue FT-03, Hydra "migratest" style): for every
// testdata/fixtures/<N>.sql, a fresh database is migrated to version N and
// the fixture, written as version N stored its rows, is loaded; then the
// database is migrated to the latest version and every fixture row must
// read back through the store API. checks[N] holds the expectations for
// fixture N. With migration N+1, add fixtures/<N+1>.sql and checks[N+1];
// never edit an older fixture.
var fixtureChecks = map[int64]func(t *testing.T, s *Store){1: checkFixture00001, 2: checkFixture00002, 3: checkFixture00003, 4: checkFixture00004, 5: checkFixture00005,
	6: checkFixture00006, 7: checkFixture00007, 8: checkFixture00008,
	10: checkFixture00010, 11: checkFixture00011, 12: checkFixture00012, 13: checkFixture00013, 14: checkFixture00014, 15: checkFixture00015,
	16: checkFixture00016, 17: checkFixture00017, 18: checkFixture00018, 19: checkFixture00019, 20: checkFixture00020,
	21: checkFixture00021, 22: checkFixture00022, 23: checkFixture00023, 24: checkFixture00024, 25: checkFixture00025, 26: checkFixture00026, 27: checkFixture00027}

var fixtureName = regexp.MustCompile(`^(\d+)\.sql$`)
var hexLiteral = regexp.MustCompile(`\{\{hex:([0-9a-f]*)\}\}`)

func fixtureVersions(t *testing.T) []int64 {
	ents, err := os.ReadDir("testdata/fixtures")
	if err != nil {
		t.Fatal(err)
	}
	var vs []int64
	for _, e := range ents {
		if m := fixtureName.FindStringSubmatch(e.Name()); m != nil {
			v, _ := strconv.ParseInt(m[1], 10, 64)
			vs = append(vs, v)
		}
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i] < vs[j] })
	return vs
}

// loadFixture runs fixture v against db in the dialect's blob syntax.
func loadFixture(t *testing.T, d *dialect, db *sql.DB, v int64) {
	b, err := os.ReadFile(filepath.Join("testdata/fixtures", fmt.Sprintf("%05d.sql", v)))
	if err != nil {
		t.Fatal(err)
	}
	q := hexLiteral.ReplaceAllStringFunc(string(b), func(m string) string {
		h := hexLiteral.FindStringSubmatch(m)[1]
		if d.name == "sqlite" {
			return "X'" + h + "'"
		}
		return `'\x` + h + `'::bytea`
	})
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("load fixture %05d.sql (%s): %v", v, d.name, err)
	}
}

func gooseProvider(t *testing.T, d *dialect, db *sql.DB) *goose.Provider {
	fsys, err := fs.Sub(migrationsFS, d.dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(d.goose, db, fsys, goose.WithDisableGlobalRegistry(true), goose.WithLogger(goose.NopLogger()))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// migrationCount is how many migrations the dialect embeds.
func migrationCount(t *testing.T, d *dialect) int {
	ents, err := fs.ReadDir(migrationsFS, d.dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".sql") {
			n++
		}
	}
	if n == 0 {
		t.Fatalf("no migrations under %s", d.dir)
	}
	return n
}

func runFixtures(t *testing.T, d *dialect, db *sql.DB, open func() *Store) {
	versions := fixtureVersions(t)
	if len(versions) == 0 {
		t.Fatal("no fixtures")
	}
	p := gooseProvider(t, d, db)
	sources := p.ListSources()
	latest := sources[len(sources)-1].Version
	for _, v := range versions {
		if fixtureChecks[v] == nil {
			t.Fatalf("fixture %05d.sql has no entry in fixtureChecks", v)
		}
		if _, err := p.UpTo(t.Context(), v); err != nil {
			t.Fatalf("migrate to %d: %v", v, err)
		}
		loadFixture(t, d, db, v)
	}
	if _, err := p.Up(t.Context()); err != nil {
		t.Fatalf("migrate to latest (%d): %v", latest, err)
	}
	s := open()
	for _, v := range versions {
		t.Run(fmt.Sprintf("fixture %05d read at version %d", v, latest), func(t *testing.T) { fixtureChecks[v](t, s) })
	}
	// Migrating an up-to-date database is a no-op.
	var before, after int
	db.QueryRow(`SELECT count(*) FROM goose_db_version`).Scan(&before)
	if _, err := p.Up(t.Context()); err != nil {
		t.Fatal(err)
	}
	db.QueryRow(`SELECT count(*) FROM goose_db_version`).Scan(&after)
	if before != after {
		t.Errorf("second migration changed goose_db_version: %d → %d rows", before, after)
	}
}

func TestMigrationFixturesSQLite(t *testing.T) {
	dir := t.TempDir()
	db, err := openSQLite(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	defer db.Close()
	runFixtures(t, sqliteDialect, db, func() *Store { return openSQLiteT(t, dir) })
}

func TestMigrationFixturesPostgres(t *testing.T) {
	dsn := pgSchema(t)
	db, err := sql.Open(postgresDriver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runFixtures(t, postgresDialect, db, func() *Store { return openPostgresT(t, dsn) })
}

func ts(n int64) time.Time { return time.Unix(0, n).UTC() }

var (
	fxCreated = ts(1700000000000000000)
	fxNever   = ts(4102444800000000000)
)

func checkFixture00007(t *testing.T, s *Store) {
	c, err := s.GetClient(t.Context(), "fixture-cors")
	if err != nil {
		t.Fatalf("GetClient: %v", err)
	}
	if got := fmt.Sprint(c.CORSOrigins); got != "[https://app.example http://localhost:5173]" {
		t.Errorf("cors origins = %s", got)
	}
	// Clients from before version 7 have no explicit origins.
	old, err := s.GetClient(t.Context(), "fixture-client")
	if err != nil {
		t.Fatalf("GetClient fixture-client: %v", err)
	}
	if old.CORSOrigins != nil {
		t.Errorf("pre-version-7 client has cors origins %v", old.CORSOrigins)
	}
}

func checkFixture00011(t *testing.T, s *Store) {
	u, err := s.GetUser(t.Context(), "fixture-user-11")
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if u.CustomData["plan"] != "pro" || u.CustomData["seats"] != float64(3) || u.Profile.GivenName != "Dora" || u.Profile.Address.Country != "FR" {
		t.Errorf("user 11: custom data %v, profile %+v", u.CustomData, u.Profile)
	}
	// Users from before version 11 have neither.
	old, err := s.GetUser(t.Context(), "fixture-user")
	if err != nil {
		t.Fatalf("GetUser fixture-user: %v", err)
	}
	if old.CustomData != nil || old.Profile != (store.UserProfile{}) {
		t.Errorf("pre-version-11 user: custom data %v, profile %+v", old.CustomData, old.Profile)
	}
}

func checkFixture00008(t *testing.T, s *Store) {
	ar, err := s.GetAuthRequest(t.Context(), "fixture-ar-8")
	if err != nil {
		t.Fatalf("GetAuthRequest: %v", err)
	}
	if !ar.ConsentDenied || ar.State != "st8" || ar.ResponseMode != "form_post" {
		t.Errorf("denied request = %+v", ar)
	}
	// Requests from before version 8 were not denied.
	old, err := s.GetAuthRequest(t.Context(), "fixture-ar")
	if err != nil {
		t.Fatalf("GetAuthRequest fixture-ar: %v", err)
	}
	if old.ConsentDenied {
		t.Error("pre-version-8 request reads as denied")
	}
}

func checkFixture00013(t *testing.T, s *Store) {
	es, total, err := s.ListAudit(t.Context(), store.AuditQuery{UserID: "fixture-user"})
	if err != nil || total != 1 || len(es) != 1 {
		t.Fatalf("ListAudit by user: %d of %d, %v", len(es), total, err)
	}
	if e := es[0]; e.ID != "fixture-audit-2" || e.Error != "wrong_password" || e.ApplicationID != "fixture-client" ||
		e.IP != "2001:db8::7" || e.Before != nil || e.After != nil || !e.CreatedAt.Equal(ts(1700000000000000012)) {
		t.Errorf("sign-in entry = %+v", e)
	}
	es, _, err = s.ListAudit(t.Context(), store.AuditQuery{Actor: "user:fixture-user"})
	if err != nil || len(es) != 1 {
		t.Fatalf("ListAudit by actor: %v, %v", es, err)
	}
	if e := es[0]; e.Key != "Admin.SignInExperience.Update" || e.Target != "signInExperience" ||
		string(e.Before) != `{"brandColor":"#000000"}` || string(e.After) != `{"brandColor":"#123456"}` || e.UserAgent != "fixture-agent/1.0" {
		t.Errorf("admin entry = %+v", e)
	}
}

func checkFixture00005(t *testing.T, s *Store) {
	c, err := s.GetClient(t.Context(), "fixture-rotating")
	if err != nil {
		t.Fatalf("GetClient: %v", err)
	}
	// Since version 10 both are named secrets; both still authenticate
	// (live at a time before the previous one's expiry).
	cur, prev := secretNamed(c, store.SecretDefault), secretNamed(c, store.SecretPrevious)
	if !bytes.Equal(cur.Hash, bytes.Repeat([]byte{2}, 32)) || !cur.ExpiresAt.IsZero() || !cur.CreatedAt.Equal(fxCreated) ||
		!bytes.Equal(prev.Hash, bytes.Repeat([]byte{1}, 32)) || !prev.ExpiresAt.Equal(fxNever) ||
		!cur.Live(fxCreated) || !prev.Live(fxCreated) || prev.Live(fxNever) || len(c.Secrets) != 2 {
		t.Errorf("rotating client = %+v", c)
	}
	// Clients from before version 5 have no previous secret.
	old, err := s.GetClient(t.Context(), "fixture-client")
	if err != nil {
		t.Fatalf("GetClient fixture-client: %v", err)
	}
	if len(old.Secrets) != 1 || old.Secrets[0].Name != store.SecretDefault {
		t.Errorf("pre-version-5 client has secrets %+v, want only the default", old.Secrets)
	}
}

// secretNamed is c's secret of that name (zero if none).
func secretNamed(c store.Client, name string) store.ClientSecret {
	for _, sec := range c.Secrets {
		if sec.Name == name {
			return sec
		}
	}
	return store.ClientSecret{}
}

// perms is a readable form of permissions for fixture checks.
func perms(ps []store.Permission) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "%s %s; ", p.Resource, p.Scope)
	}
	return b.String()
}

// clientRoles reads an app's roles and effective permissions.
func clientRoles(t *testing.T, s *Store, id string) ([]store.Role, string) {
	t.Helper()
	roles, err := s.ListClientRoles(t.Context(), id)
	if err != nil {
		t.Fatalf("ListClientRoles %s: %v", id, err)
	}
	ps, err := s.ClientPermissions(t.Context(), id)
	if err != nil {
		t.Fatalf("ClientPermissions %s: %v", id, err)
	}
	return roles, perms(ps)
}

func checkFixture00006(t *testing.T, s *Store) {
	ctx := t.Context()
	clerk, err := s.GetRoleByName(ctx, "Billing clerk")
	if err != nil {
		t.Fatalf("GetRoleByName: %v", err)
	}
	if clerk.ID != "fixture-role-user" || clerk.Type != store.RoleUser || clerk.Description != "Charges customers" ||
		!clerk.CreatedAt.Equal(fxCreated) || perms(clerk.Permissions) != "https://api.example read; https://billing.example charge; " {
		t.Errorf("user role = %+v", clerk)
	}
	ps, err := s.UserPermissions(ctx, "fixture-user-3")
	if err != nil || perms(ps) != "https://api.example read; https://billing.example charge; " {
		t.Errorf("UserPermissions = %v, %v", ps, err)
	}
	// fixture-m2m holds its own role from the 00006 conversion and the
	// refund role: the union.
	roles, got := clientRoles(t, s, "fixture-m2m")
	if len(roles) != 2 || got != "https://api.example read; https://api.example write; https://billing.example refund; " {
		t.Errorf("fixture-m2m roles %+v, permissions %s", roles, got)
	}

	ar, err := s.GetAuthRequest(ctx, "fixture-ar-6")
	if err != nil || perms(ar.Permissions) != "https://billing.example charge; " || fmt.Sprint(ar.Scopes) != "[openid]" {
		t.Errorf("auth request = %+v, %v", ar, err)
	}
	g, err := s.GetGrant(ctx, "fixture-grant-6")
	if err != nil || perms(g.Permissions) != "https://api.example read; https://billing.example charge; " {
		t.Errorf("grant = %+v, %v", g, err)
	}
	rt, err := s.GetRefreshToken(ctx, []byte{6, 6, 6, 7})
	if err != nil || perms(rt.Permissions) != "https://billing.example charge; " {
		t.Errorf("refresh token = %+v, %v", rt, err)
	}
	con, err := s.GetConsent(ctx, "fixture-user-3", "fixture-spa")
	if err != nil || perms(con.Permissions) != "https://billing.example charge; " || fmt.Sprint(con.Scopes) != "[openid]" {
		t.Errorf("consent = %+v, %v", con, err)
	}
	now := time.Now()
	code, err := s.RedeemCode(ctx, []byte{6, 6, 6, 6}, now, func(c store.AuthCode) (store.CodeIssue, error) {
		return store.CodeIssue{AccessToken: &store.AccessToken{Hash: []byte("fixture-issued-6"), GrantID: c.GrantID, ClientID: c.ClientID,
			UserID: c.UserID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}}, nil
	})
	if err != nil || perms(code.Permissions) != "https://billing.example charge; " {
		t.Errorf("code = %+v, %v", code, err)
	}
}

// checkFixture00004: version 6 moved each app's clients.permissions into
// the app's own m2m role "app:<id>": the scopes of resources that exist
// (https://other.example was never registered and had no scope). An app
// with no permissions got no role.
func checkFixture00004(t *testing.T, s *Store) {
	roles, got := clientRoles(t, s, "fixture-m2m-4")
	if got != "https://api.example read; " {
		t.Errorf("fixture-m2m-4 permissions = %s", got)
	}
	if len(roles) != 1 || roles[0].ID != "app-fixture-m2m-4" || roles[0].Name != "app:fixture-m2m-4" ||
		roles[0].Type != store.RoleM2M || roles[0].Description != "Permissions of app Fixture M2M 4" {
		t.Errorf("fixture-m2m-4 roles = %+v", roles)
	}
	roles, got = clientRoles(t, s, "fixture-m2m-none")
	if len(roles) != 0 || got != "" {
		t.Errorf("fixture-m2m-none: roles %+v, permissions %s", roles, got)
	}
}

func checkFixture00003(t *testing.T, s *Store) {
	u, err := s.GetUserByLogin(t.Context(), "carol@example.com")
	if err != nil {
		t.Fatalf("GetUserByLogin: %v", err)
	}
	if u.ID != "fixture-user-3" || !u.EmailVerified || !u.PhoneVerified || u.Phone != "+15550103" {
		t.Errorf("user = %+v", u)
	}
	// Version 4 gave M2M apps that existed before it every scope of every
	// resource that existed then (what they could get before).
	// Version 6 moved them into the app's own role.
	own, err := s.GetRole(t.Context(), "app-fixture-m2m")
	if err != nil {
		t.Fatalf("GetRole app-fixture-m2m: %v", err)
	}
	if got := perms(own.Permissions); got != "https://api.example read; https://api.example write; " {
		t.Errorf("pre-version-4 M2M app permissions = %s, want every scope of fixture-res", got)
	}
}

func checkFixture00002(t *testing.T, s *Store) {
	sess, err := s.GetSession(t.Context(), []byte{0x1a, 0x1a, 0x1a, 0x1a})
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	if sess.SID != "fixture-sid-2" || !sess.LastSeenAt.Equal(ts(1700000000000000042)) || !sess.CreatedAt.Equal(fxCreated) {
		t.Errorf("session = %+v", sess)
	}
}

func checkFixture00001(t *testing.T, s *Store) {
	ctx := t.Context()
	now := time.Now()
	eq := func(what string, got, want any) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}

	c, err := s.GetClient(ctx, "fixture-client")
	if err != nil {
		t.Fatalf("GetClient: %v", err)
	}
	eq("client", []any{c.Name, c.Type, len(secretNamed(c, store.SecretDefault).Hash), c.RedirectURIs, c.PostLogoutRedirectURIs, c.ThirdParty, c.CreatedAt},
		[]any{"Fixture app", store.AppTraditional, 32, []string{"https://app.example/cb"}, []string{"https://app.example/"}, false, fxCreated})
	spa, err := s.GetClient(ctx, "fixture-spa")
	if err != nil {
		t.Fatalf("GetClient spa: %v", err)
	}
	for _, id := range []string{"fixture-client", "fixture-spa"} {
		if roles, got := clientRoles(t, s, id); len(roles) != 0 || got != "" {
			t.Errorf("app %s other than M2M got roles %+v, permissions %s", id, roles, got)
		}
	}
	if spa.Secrets != nil || spa.PostLogoutRedirectURIs != nil || !spa.ThirdParty || spa.Type != store.AppSPA {
		t.Errorf("spa client = %+v", spa)
	}

	u, err := s.GetUserByLogin(ctx, "alice")
	if err != nil {
		t.Fatalf("GetUserByLogin: %v", err)
	}
	// Version 3 added email_verified: addresses from before are unverified.
	eq("user", []any{u.ID, u.Email, u.Name, u.Suspended, u.CreatedAt, u.UpdatedAt, u.LastSignInAt.IsZero(), strings.HasPrefix(u.PasswordHash, "$argon2id$"), u.EmailVerified},
		[]any{"fixture-user", "alice@example.com", "Alice", false, fxCreated, ts(1700000000000000005), true, true, false})
	u2, err := s.GetUserByLogin(ctx, "bob@example.com")
	if err != nil {
		t.Fatalf("GetUserByLogin bob: %v", err)
	}
	eq("user 2", []any{u2.ID, u2.Username, u2.Phone, u2.Picture, u2.Suspended, u2.LastSignInAt},
		[]any{"fixture-user-2", "", "+15550100", "https://pic.example/b.png", true, ts(1700000000000000009)})

	r, err := s.GetResourceByIndicator(ctx, "https://api.example")
	if err != nil {
		t.Fatalf("GetResourceByIndicator: %v", err)
	}
	eq("resource", []any{r.ID, r.Name, r.Scopes, r.AccessTokenTTL}, []any{"fixture-res", "API", []string{"read", "write"}, time.Hour})

	ks, err := s.ListKeys(ctx)
	// Later fixtures add keys of their own after this one.
	if err != nil || len(ks) == 0 || ks[0].ID != "fixture-kid" {
		t.Fatalf("ListKeys: %v %v", ks, err)
	}
	eq("key", []any{ks[0].ID, ks[0].Alg, bytes.Equal(ks[0].PrivateKey, []byte{0xde, 0xad, 0xbe, 0xef}), ks[0].ActivatesAt, ks[0].RetiredAt.IsZero(), ks[0].ExpiresAt.IsZero()},
		[]any{"fixture-kid", "ES384", true, fxCreated, true, true})

	ar, err := s.GetAuthRequest(ctx, "fixture-ar")
	if err != nil {
		t.Fatalf("GetAuthRequest: %v", err)
	}
	eq("auth request", []any{ar.ClientID, ar.RedirectURI, ar.Scopes, ar.Resources, ar.State, ar.Nonce, ar.CodeChallenge, ar.CodeChallengeMethod,
		ar.ResponseMode, ar.Prompt, ar.MaxAge, ar.LoginHint, ar.UILocales, ar.ForceLogin, ar.ExpiresAt},
		[]any{"fixture-client", "https://app.example/cb", []string{"openid", "profile"}, []string{"https://api.example"}, "st", "n0", "challenge", "S256",
			"query", []string{"login"}, -1, "alice", "fr", true, fxNever})

	sess, err := s.GetSession(ctx, []byte{10, 10, 10, 10})
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	// Version 2 added last_seen_at; a version-1 session was last seen when
	// it was created.
	eq("session", []any{sess.SID, sess.UserID, sess.AuthTime, sess.ExpiresAt, sess.LastSeenAt}, []any{"fixture-sid", "fixture-user", fxCreated, fxNever, fxCreated})

	g, err := s.GetGrant(ctx, "fixture-grant")
	if err != nil {
		t.Fatalf("GetGrant: %v", err)
	}
	// Version 6 added permissions: rows from before carry none, so a
	// token refreshed after the upgrade has no API scope until a role
	// grants it (docs/security.md, item 8.1).
	if g.Permissions != nil || ar.Permissions != nil {
		t.Errorf("pre-version-6 rows carry permissions: grant %v, auth request %v", g.Permissions, ar.Permissions)
	}
	eq("grant", []any{g.ClientID, g.UserID, g.SID, g.Scopes, g.Resources, g.ExpiresAt, g.RevokedAt.IsZero()},
		[]any{"fixture-client", "fixture-user", "fixture-sid", []string{"openid", "offline_access"}, []string{"https://api.example"}, fxNever, true})

	rt, err := s.GetRefreshToken(ctx, []byte{12, 12, 12, 12})
	if err != nil {
		t.Fatalf("GetRefreshToken: %v", err)
	}
	eq("refresh token", []any{rt.GrantID, rt.Scopes, rt.Resources, rt.ConsumedAt.IsZero(), rt.Permissions == nil},
		[]any{"fixture-grant", []string{"openid", "offline_access"}, []string{"https://api.example"}, true, true})

	at, err := s.GetAccessToken(ctx, []byte{13, 13, 13, 13}, now)
	if err != nil {
		t.Fatalf("GetAccessToken: %v", err)
	}
	eq("access token", []any{at.GrantID, at.UserID, at.Scopes, at.Audience}, []any{"fixture-grant", "fixture-user", []string{"openid"}, ""})
	cc, err := s.GetAccessToken(ctx, []byte{14, 14, 14, 14}, now)
	if err != nil {
		t.Fatalf("GetAccessToken (client_credentials): %v", err)
	}
	eq("client_credentials token", []any{cc.GrantID, cc.Audience, cc.Scopes}, []any{"", "https://api.example", []string{"read"}})

	con, err := s.GetConsent(ctx, "fixture-user", "fixture-spa")
	if err != nil {
		t.Fatalf("GetConsent: %v", err)
	}
	eq("consent", []any{con.Scopes, con.Resources == nil, con.Permissions == nil}, []any{[]string{"openid", "profile"}, true, true})

	// The code is redeemable once, with every field intact, and its grant
	// still live.
	var got store.AuthCode
	if _, err := s.RedeemCode(ctx, []byte{11, 11, 11, 11}, now, func(c store.AuthCode) (store.CodeIssue, error) {
		got = c
		return store.CodeIssue{AccessToken: &store.AccessToken{Hash: []byte("fixture-issued"), GrantID: c.GrantID, ClientID: c.ClientID,
			UserID: c.UserID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}}, nil
	}); err != nil {
		t.Fatalf("RedeemCode: %v", err)
	}
	eq("code", []any{got.GrantID, got.SID, got.RedirectURI, got.Scopes, got.Nonce, got.CodeChallenge, got.CodeChallengeMethod, got.AuthTime, got.Permissions == nil},
		[]any{"fixture-grant", "fixture-sid", "https://app.example/cb", []string{"openid", "offline_access"}, "n0", "challenge", "S256", fxCreated, true})
	if _, err := s.RedeemCode(ctx, []byte{11, 11, 11, 11}, now, nil); err != store.ErrReplayed {
		t.Errorf("second redemption of the fixture code: %v, want ErrReplayed", err)
	}

	// The throttle row is readable under its key.
	if _, _, err := s.CheckAttempts(ctx, "user:fixture-user", 2, time.Hour, now); err != nil {
		t.Fatalf("CheckAttempts: %v", err)
	}
}

func TestPostgresDSNConnectTimeout(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u@h:5432/db?sslmode=disable": "connect_timeout=3",
		"postgres://u@h/db?connect_timeout=10":   "connect_timeout=10",
		"postgresql://u@h/db":                    "connect_timeout=3",
	} {
		if got := postgresDSN(in); !strings.Contains(got, want) {
			t.Errorf("postgresDSN(%q) = %q, want it to contain %q", in, got, want)
		}
	}
}

// TestMigrationDown00006: the down migration of 00006 drops what its up
// added, on both dialects, so migrating up again works.
func TestMigrationDown00006(t *testing.T) {
	check := func(t *testing.T, d *dialect, db *sql.DB) {
		p := gooseProvider(t, d, db)
		if _, err := p.Up(t.Context()); err != nil {
			t.Fatal(err)
		}
		loadFixture(t, d, db, 1)
		if _, err := p.DownTo(t.Context(), 5); err != nil {
			t.Fatalf("down to 5: %v", err)
		}
		if _, err := db.Exec(`SELECT 1 FROM roles`); err == nil {
			t.Error("roles survived the down migration")
		}
		if _, err := db.Exec(`SELECT permissions FROM grants`); err == nil {
			t.Error("grants.permissions survived the down migration")
		}
		if _, err := p.Up(t.Context()); err != nil {
			t.Fatalf("up again: %v", err)
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		db, err := openSQLite(t.TempDir(), true)
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		defer db.Close()
		check(t, sqliteDialect, db)
	})
	t.Run("postgres", func(t *testing.T) {
		db, err := sql.Open(postgresDriver, pgSchema(t))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		check(t, postgresDialect, db)
	})
}

func checkFixture00021(t *testing.T, s *Store) {
	i, err := s.GetIdentity(t.Context(), "fixture-upstream", "upstream-sub-1")
	if err != nil || i.UserID != "fixture-user" || i.Email != "alice@upstream.example" || i.CreatedAt.UnixNano() != 1700000000000000021 {
		t.Fatalf("GetIdentity(fixture) = %+v, %v", i, err)
	}
}

func checkFixture00018(t *testing.T, s *Store) {
	// The live code keeps its count and redeems once; the used one stays used.
	n := time.Unix(1800000000, 0)
	if _, err := s.ConsumeVerification(t.Context(), "fixture-v-live", []byte{0x18, 0x99}, 5, n); !errors.Is(err, store.ErrWrongCode) {
		t.Fatalf("wrong code on the live fixture = %v, want ErrWrongCode", err)
	}
	v, err := s.ConsumeVerification(t.Context(), "fixture-v-live", []byte{0x18, 0x01}, 5, n)
	if err != nil || v.Attempts != 2 || v.Target != "alice@example.com" || string(v.Payload) != "{}" {
		t.Fatalf("ConsumeVerification(live) = %+v, %v", v, err)
	}
	if _, err := s.ConsumeVerification(t.Context(), "fixture-v-used", []byte{0x18, 0x02}, 5, n); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("used fixture = %v, want ErrNotFound", err)
	}
}

func checkFixture00015(t *testing.T, s *Store) {
	// The fixture's token (hash of "fixture-setup") is unused: it sets up
	// the first administrator once.
	h := sha256.Sum256([]byte("fixture-setup"))
	n := time.Unix(1800000000, 0)
	if err := s.CreateRole(t.Context(), store.Role{ID: "fixture-admins", Name: "fixture-admins", Type: store.RoleUser, CreatedAt: n}); err != nil {
		t.Fatal(err)
	}
	u := store.User{ID: "fixture-admin", Username: "fixture-admin", PasswordHash: "x", CreatedAt: n, UpdatedAt: n}
	if err := s.SetupFirstAdmin(t.Context(), h[:], n, u, "fixture-admins"); err != nil {
		t.Fatalf("SetupFirstAdmin with the fixture token: %v", err)
	}
	if err := s.SetupFirstAdmin(t.Context(), h[:], n, u, "fixture-admins"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second use = %v, want ErrNotFound", err)
	}
}

func checkFixture00010(t *testing.T, s *Store) {
	c, err := s.GetClient(t.Context(), "fixture-settings")
	if err != nil {
		t.Fatalf("GetClient: %v", err)
	}
	if c.Description != "Billing jobs" || c.IDTokenTTL != 600*time.Second || c.RefreshTokenTTL != 30*24*time.Hour ||
		!c.NoRefreshRotation || !c.AlwaysIssueRefreshToken || string(c.CustomData) != `{"tier":"gold"}` {
		t.Errorf("client settings = %+v", c)
	}
	ci := secretNamed(c, "ci")
	if len(c.Secrets) != 2 || !bytes.Equal(secretNamed(c, store.SecretDefault).Hash, bytes.Repeat([]byte{3}, 32)) ||
		!bytes.Equal(ci.Hash, bytes.Repeat([]byte{4}, 32)) || !ci.ExpiresAt.Equal(fxNever) || !ci.CreatedAt.Equal(fxCreated) {
		t.Errorf("secrets = %+v", c.Secrets)
	}
	// Apps from before version 10 read with the server defaults.
	old, err := s.GetClient(t.Context(), "fixture-client")
	if err != nil {
		t.Fatalf("GetClient fixture-client: %v", err)
	}
	if old.Description != "" || old.IDTokenTTL != 0 || old.RefreshTokenTTL != 0 || old.NoRefreshRotation ||
		old.AlwaysIssueRefreshToken || old.CustomData != nil {
		t.Errorf("pre-version-10 client settings = %+v", old)
	}
}

func checkFixture00012(t *testing.T, s *Store) {
	ctx := t.Context()
	// Scopes stored as JSON before version 12 became rows, in order.
	for res, want := range map[string]string{"fixture-res": "read write ", "fixture-res-6": "charge refund ",
		"fixture-res-12": "send read "} {
		l, err := s.ListResourceScopes(ctx, res)
		got := ""
		for _, sc := range l {
			got += sc.Name + " "
			if sc.ID == "" || sc.ResourceID != res {
				t.Errorf("%s scope %+v", res, sc)
			}
		}
		if err != nil || got != want {
			t.Errorf("ListResourceScopes(%s) = %q, %v; want %q", res, got, err, want)
		}
	}
	sc, err := s.GetResourceScope(ctx, "fixture-scope-send")
	if err != nil || sc.Description != "Send mail" || !sc.CreatedAt.Equal(fxCreated) {
		t.Errorf("GetResourceScope = %+v, %v", sc, err)
	}
	// Role permissions from before version 12 survive and resolve to scope
	// rows.
	held, err := s.ListRoleScopes(ctx, "fixture-role-user")
	got := ""
	for _, sc := range held {
		got += sc.ResourceID + " " + sc.Name + "; "
	}
	if err != nil || got != "fixture-res read; fixture-res-6 charge; " {
		t.Errorf("ListRoleScopes(fixture-role-user) = %q, %v", got, err)
	}
	r, err := s.GetRole(ctx, "fixture-role-12")
	if err != nil || !r.IsDefault || perms(r.Permissions) != "https://mail.example send; " {
		t.Errorf("default role = %+v, %v", r, err)
	}
	if old, err := s.GetRole(ctx, "fixture-role-user"); err != nil || old.IsDefault {
		t.Errorf("pre-version-12 role = %+v, %v", old, err)
	}
}

func checkFixture00014(t *testing.T, s *Store) {
	x, err := s.GetSignInExperience(t.Context())
	if err != nil {
		t.Fatalf("GetSignInExperience: %v", err)
	}
	if string(x.Doc) != `{"displayName":"Fixture"}` || x.Version != 3 || !x.UpdatedAt.Equal(time.Unix(0, 1700000000000000000)) {
		t.Errorf("sign-in experience = %+v", x)
	}
}

func checkFixture00016(t *testing.T, s *Store) {
	// The unfiltered list's total is the triggers' count: it must agree
	// with the rows, through the fixtures' inserts and delete and through
	// a user created and deleted now.
	total := func() int {
		t.Helper()
		_, n, err := s.ListUsersPage(t.Context(), store.ListQuery{PageSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		var want int
		if err := s.r.QueryRowContext(t.Context(), `SELECT count(*) FROM users`).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Fatalf("total = %d, count(*) = %d", n, want)
		}
		return n
	}
	before := total()
	if _, err := s.GetUser(t.Context(), "fixture-counted"); err != nil {
		t.Fatalf("GetUser(fixture-counted): %v", err)
	}
	if err := s.CreateUser(t.Context(), store.User{ID: "fixture-count-now", Username: "count-now", CreatedAt: time.Unix(1800000000, 0)}); err != nil {
		t.Fatal(err)
	}
	if n := total(); n != before+1 {
		t.Fatalf("after CreateUser: total %d, want %d", n, before+1)
	}
	if err := s.DeleteUser(t.Context(), "fixture-count-now"); err != nil {
		t.Fatal(err)
	}
	if n := total(); n != before {
		t.Fatalf("after DeleteUser: total %d, want %d", n, before)
	}
}
