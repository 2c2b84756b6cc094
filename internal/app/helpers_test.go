package app_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/experience"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/password"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
	"github.com/sesameauth/sesame/internal/testkit"
)

// unsafeClaims decodes a JWT's claims without verifying it (the tests that
// verify signatures are elsewhere).
func unsafeClaims(t testing.TB, raw string, alg jose.SignatureAlgorithm) map[string]any {
	t.Helper()
	parsed, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{alg})
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := parsed.UnsafeClaimsWithoutVerification(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

// fastHash keeps tests quick; production uses password.Default.
var fastHash = password.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

type env struct {
	t       *testing.T
	URL     string // endpoint
	Issuer  string
	Store   store.Store
	Server  *app.Server
	DataDir string // the SQLite database's directory
	DBURL   string // the PostgreSQL database's URL (onPostgres), else empty
}

type envOption func(*config.Config, *app.Options)

func newEnv(t testing.TB, opts ...envOption) *env {
	return newEnvWithLog(t, slog.New(slog.NewTextHandler(io.Discard, nil)), opts...)
}

func newEnvWithLog(t testing.TB, log *slog.Logger, opts ...envOption) *env {
	t.Helper()
	return newEnvWrapped(t, log, nil, opts...)
}

// newEnvWrapped is newEnv with the server's store wrapped by wrap (for
// fault injection); env.Store stays the real store.
func newEnvWrapped(t testing.TB, log *slog.Logger, wrap func(store.Store) store.Store, opts ...envOption) *env {
	t.Helper()
	return newEnvAt(t, t.TempDir(), log, wrap, opts...)
}

// newEnvAt is newEnvWrapped on the SQLite database in dataDir, which may
// hold one already (a restored backup, say).
func newEnvAt(t testing.TB, dataDir string, log *slog.Logger, wrap func(store.Store) store.Store, opts ...envOption) *env {
	t.Helper()
	ctx := context.Background()
	ts := httptest.NewUnstartedServer(nil)
	endpoint := "http://" + ts.Listener.Addr().String()
	cfg := config.Config{Addr: "127.0.0.1:0", Endpoint: endpoint, DataDir: t.TempDir(), LogFormat: "text", LogLevel: "info",
		SigningAlg: "ES384", AllowRegistration: true, KeyPublishDelay: time.Minute}
	o := app.Options{PasswordParams: fastHash}
	for _, f := range opts {
		f(&cfg, &o)
	}
	// SQLite in dataDir unless an option (onPostgres) set a database URL.
	st, err := sqlstore.Open(ctx, sqlstore.Options{DataDir: dataDir, DatabaseURL: cfg.DatabaseURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var served store.Store = st
	if wrap != nil {
		served = wrap(st)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	srv, err := app.New(ctx, cfg, served, log, o)
	if err != nil {
		t.Fatal(err)
	}
	// What New leaves to the background, done now so that tests see one
	// key set (an RS256 key beside the default one).
	if err := srv.Keys().EnsureAlg(ctx, "RS256"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close(context.Background()) }) // writes what the test recorded before the store closes
	ts.Config.Handler = srv.Handler()
	ts.Start()
	t.Cleanup(ts.Close)
	e := &env{URL: endpoint, Issuer: endpoint + "/oidc", Store: st, Server: srv, DataDir: dataDir, DBURL: cfg.DatabaseURL}
	if tt, ok := t.(*testing.T); ok {
		e.t = tt
	}
	return e
}

// onPostgres runs the env's server on a fresh PostgreSQL schema (the test
// is skipped when $SESAME_TEST_POSTGRES_DSN is not set).
func onPostgres(t testing.TB) envOption {
	dsn := testkit.NewSchema(t, testkit.PostgresDSN(t), "app")
	return func(c *config.Config, _ *app.Options) {
		c.DatabaseURL, c.Secret = dsn, "test-master-secret-of-at-least-32-bytes"
	}
}

// app registers a client and returns its id and secret.
func (e *env) app(t testing.TB, typ store.AppType, redirects, logouts []string) (string, string) {
	t.Helper()
	c := store.Client{ID: directory.NewAppID(), Name: "Test " + string(typ), Type: typ, RedirectURIs: redirects,
		PostLogoutRedirectURIs: logouts, CreatedAt: time.Now()}
	secret := ""
	if typ.Confidential() {
		secret = directory.NewSecret()
		c.Secrets = []store.ClientSecret{{Name: store.SecretDefault, Hash: provider.HashSecret(secret)}}
	}
	if err := e.Store.CreateClient(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c.ID, secret
}

// permit gives an M2M app the permissions (resource → scopes) through an
// m2m role of its own, as `apps create --permission` does.
// A second call replaces the permissions.
func (e *env) permit(t testing.TB, clientID string, perms map[string][]string) {
	t.Helper()
	ctx := context.Background()
	if r, err := e.Store.GetRoleByName(ctx, "app:"+clientID); err == nil {
		if err := e.Store.SetRolePermissions(ctx, r.ID, permissions(perms), time.Now()); err != nil {
			t.Fatal(err)
		}
		return
	}
	r := e.role(t, "app:"+clientID, store.RoleM2M, perms)
	if err := e.Store.AssignClientRole(ctx, clientID, r.ID); err != nil {
		t.Fatal(err)
	}
}

// role creates a role holding perms (resource → scopes).
func (e *env) role(t testing.TB, name string, typ store.RoleType, perms map[string][]string) store.Role {
	t.Helper()
	r := store.Role{ID: opaque.NewID(), Name: name, Type: typ, Permissions: permissions(perms), CreatedAt: time.Now()}
	if err := e.Store.CreateRole(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

// grantUser gives the user a new user role holding perms.
func (e *env) grantUser(t testing.TB, userID string, perms map[string][]string) store.Role {
	t.Helper()
	r := e.role(t, "role-"+opaque.NewID(), store.RoleUser, perms)
	if err := e.Store.AssignUserRole(context.Background(), userID, r.ID); err != nil {
		t.Fatal(err)
	}
	return r
}

func permissions(perms map[string][]string) []store.Permission {
	var out []store.Permission
	for _, res := range slices.Sorted(maps.Keys(perms)) {
		for _, s := range perms[res] {
			out = append(out, store.Permission{Resource: res, Scope: s})
		}
	}
	return out
}

func (e *env) user(t testing.TB, username, pw string) store.User {
	t.Helper()
	u, err := experience.NewUser(context.Background(), username, username+"@example.com", pw, fastHash, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	u.Name = "User " + username
	u.EmailVerified = true // as `users create --email-verified` does
	if err := e.Store.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func (e *env) resource(t testing.TB, indicator string, scopes ...string) {
	t.Helper()
	if err := e.Store.CreateResource(context.Background(), store.Resource{ID: opaque.NewID(), Indicator: indicator,
		Name: indicator, Scopes: scopes, AccessTokenTTL: time.Hour, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

// browser is the kit's form client on the env's server, with helpers that
// fail the test on a transport error.
type browser struct{ *testkit.Browser }

func (e *env) browser(t testing.TB) *browser { return &browser{testkit.NewBrowser(e.URL, nil)} }

// get fetches u, following redirects inside Sesame.
func (b *browser) get(t testing.TB, u string) *http.Response {
	t.Helper()
	resp, err := b.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// page reads an HTML response, returning body, form action and CSRF token.
func page(t testing.TB, resp *http.Response) (body, action, csrf string) {
	t.Helper()
	return testkit.ReadPage(resp)
}

// post submits a form as the Sesame page would (same-origin).
func (b *browser) post(t testing.TB, action string, form url.Values) *http.Response {
	t.Helper()
	resp, err := b.Post(action, form)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// login answers the sign-in page in resp and returns the final response
// (normally a redirect to the app).
func (b *browser) login(t testing.TB, resp *http.Response, ident, pw string) *http.Response {
	t.Helper()
	if !strings.HasPrefix(resp.Request.URL.Path, "/sign-in") {
		t.Fatalf("expected the sign-in page, got %s (status %d)", resp.Request.URL, resp.StatusCode)
	}
	resp, err := b.SignIn(resp, ident, pw)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// callback asserts resp redirects to the app and returns the redirect URL.
func callback(t testing.TB, resp *http.Response, prefix string) *url.URL {
	t.Helper()
	u, err := testkit.RedirectTo(resp, prefix)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func pkce() (verifier, challenge string) { return testkit.PKCE() }

// authURL builds an authorization request.
func (e *env) authURL(clientID, redirect string, extra url.Values) string {
	v := url.Values{"client_id": {clientID}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {"openid offline_access profile email"}, "state": {"st-" + opaque.NewID()}}
	for k, vs := range extra {
		v[k] = vs
	}
	return e.Issuer + "/auth?" + v.Encode()
}

// postForm calls a back-channel endpoint.
func (e *env) postForm(t testing.TB, path string, form url.Values, basicID, basicSecret string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicID != "" {
		req.SetBasicAuth(basicID, basicSecret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: non-JSON body %q", path, b)
		}
	}
	return resp.StatusCode, m, resp.Header
}

// flow runs authorize → sign in → code and returns the code and verifier.
func (e *env) flow(t testing.TB, b *browser, clientID, redirect string, login bool, user, pw string, extra url.Values) (code, verifier string, cb *url.URL) {
	t.Helper()
	verifier, challenge := pkce()
	if extra == nil {
		extra = url.Values{}
	}
	extra.Set("code_challenge", challenge)
	extra.Set("code_challenge_method", "S256")
	resp := b.get(t, e.authURL(clientID, redirect, extra))
	if login {
		resp = b.login(t, resp, user, pw)
	}
	cb = callback(t, resp, redirect)
	if cb.Query().Get("error") != "" {
		t.Fatalf("authorization error: %s", cb.RawQuery)
	}
	return cb.Query().Get("code"), verifier, cb
}

func (e *env) exchange(t testing.TB, clientID, secret, code, verifier, redirect string) (int, map[string]any) {
	t.Helper()
	basic := clientID
	if secret == "" {
		basic = "" // public client: client_id in the body only
	}
	st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"code_verifier": {verifier}, "redirect_uri": {redirect}, "client_id": {clientID}}, basic, secret)
	return st, body
}

func userinfo(t testing.TB, e *env, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.Issuer+"/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// countingStore counts the store calls tests make claims about: pending
// authorization requests stored, and client reads.
type countingStore struct {
	store.Store
	authRequests, lists, gets atomic.Int64
}

func (s *countingStore) CreateAuthRequest(ctx context.Context, a store.AuthRequest) error {
	err := s.Store.CreateAuthRequest(ctx, a)
	if err == nil {
		s.authRequests.Add(1)
	}
	return err
}

func (s *countingStore) ListClients(ctx context.Context) ([]store.Client, error) {
	s.lists.Add(1)
	return s.Store.ListClients(ctx)
}

func (s *countingStore) GetClient(ctx context.Context, id string) (store.Client, error) {
	s.gets.Add(1)
	return s.Store.GetClient(ctx, id)
}

// openSQLiteFile opens the SQLite database of data directory dir beside
// the server, for tests that read or check what is stored; closed at the
// end of the test.
func openSQLiteFile(t testing.TB, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dir, sqlstore.DatabaseFile)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
