//go:build e2e

// Package mgmtclient tests the Go client of the Management API
// (sdk/management, through go.work) against a running sesame binary: an
// M2M app created with `sesame apps create --management-api` drives
// applications, users, roles and the log, and the client's typed errors
// are checked on real answers.
//
//	go test -tags e2e -v ./e2e/mgmtclient/
package mgmtclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/sesameauth/sesame/e2e/internal/e2etest"
	"github.com/sesameauth/sesame/sdk/management"
)

func TestMain(m *testing.M) { e2etest.Main(m) }

// env is a running Sesame and a client signed in as an M2M app holding
// the Management API role.
type env struct {
	s      *e2etest.Sesame
	app    e2etest.App
	client *management.Client
}

func start(t *testing.T) *env {
	t.Helper()
	s := e2etest.StartSesame(t, nil)
	var app e2etest.App
	s.CLI.JSON(t, &app, "apps", "create", "--name", "sdk automation", "--type", "m2m", "--management-api")
	if app.ID == "" || app.Secret == "" {
		t.Fatalf("apps create --management-api --json: %+v, want an id and a secret", app)
	}
	c, err := management.New(management.Config{Endpoint: s.URL, AppID: app.ID, AppSecret: app.Secret})
	if err != nil {
		t.Fatal(err)
	}
	return &env{s: s, app: app, client: c}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// collect runs an iterator to its end.
func collect[T any](t *testing.T, seq func(yield func(T, error) bool)) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// wantErr fails unless err is an *management.Error with the status and
// code that matches sentinel.
func wantErr(t *testing.T, what string, err error, sentinel error, status int, code string) {
	t.Helper()
	var e *management.Error
	if !errors.As(err, &e) || !errors.Is(err, sentinel) || e.Status != status || e.Code != code {
		t.Fatalf("%s: err %#v, want *management.Error %d %s matching %v", what, err, status, code, sentinel)
	}
}

func TestApplications(t *testing.T) {
	e := start(t)
	ctx, c := ctxT(t), e.client

	var created []string
	for i := range 5 {
		a, err := c.Applications.Create(ctx, management.ApplicationCreate{
			Name: fmt.Sprintf("sdk web %d", i), Type: management.AppTraditional,
			OIDCClientMetadata: &management.OIDCClientMetadata{
				RedirectURIs:           []string{fmt.Sprintf("https://app%d.example.com/callback", i)},
				PostLogoutRedirectURIs: []string{fmt.Sprintf("https://app%d.example.com", i)},
			},
		})
		if err != nil {
			t.Fatalf("create app %d: %v", i, err)
		}
		if a.ID == "" || a.Secret == "" || a.Type != management.AppTraditional || a.CreatedAt.IsZero() || time.Since(a.CreatedAt) > time.Hour {
			t.Fatalf("created app %+v: want an id, a secret, the type and a recent createdAt", a)
		}
		created = append(created, a.ID)
	}

	got, err := c.Applications.Get(ctx, created[0])
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "sdk web 0" || got.Secret != "" || !slices.Equal(got.OIDCClientMetadata.RedirectURIs, []string{"https://app0.example.com/callback"}) {
		t.Fatalf("get: %+v", got)
	}

	// One page of two, and the total; then every app through the
	// iterator, two at a time (several pages).
	page, total, err := c.Applications.ListPage(ctx, management.ListOptions{Page: 1, PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 2 || total < 6 { // the five, the M2M app, and whatever the server seeds
		t.Fatalf("ListPage: %d apps of %d, want 2 of at least 6", len(page), total)
	}
	all := collect(t, c.Applications.List(ctx, management.ListOptions{PageSize: 2}))
	ids := map[string]bool{}
	for _, a := range all {
		ids[a.ID] = true
	}
	if len(all) != total || len(ids) != total {
		t.Fatalf("the iterator gave %d apps (%d distinct), want the %d of Total-Number", len(all), len(ids), total)
	}
	for _, id := range append(created, e.app.ID) {
		if !ids[id] {
			t.Fatalf("app %s missing from the iterated list", id)
		}
	}

	// Update: a nil field stays, an empty list clears.
	up, err := c.Applications.Update(ctx, created[1], management.ApplicationUpdate{
		Name:               management.Ptr("sdk web 1 renamed"),
		OIDCClientMetadata: &management.OIDCClientMetadata{PostLogoutRedirectURIs: []string{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if up.Name != "sdk web 1 renamed" || len(up.OIDCClientMetadata.PostLogoutRedirectURIs) != 0 ||
		!slices.Equal(up.OIDCClientMetadata.RedirectURIs, []string{"https://app1.example.com/callback"}) {
		t.Fatalf("update: %+v", up)
	}
	if got, err := c.Applications.Get(ctx, created[1]); err != nil || got.Name != "sdk web 1 renamed" {
		t.Fatalf("get after update: %+v, %v", got, err)
	}

	// A validation error names its field.
	_, err = c.Applications.Update(ctx, created[1], management.ApplicationUpdate{
		OIDCClientMetadata: &management.OIDCClientMetadata{RedirectURIs: []string{"not a url"}},
	})
	var ve *management.Error
	if !errors.As(err, &ve) || ve.Status != 400 || ve.Field() == "" {
		t.Fatalf("bad redirect URI: err %#v, want a 400 naming the field", err)
	}

	// Named secrets: the value once, never in the list.
	sec, err := c.Applications.CreateSecret(ctx, created[2], management.SecretCreate{Name: "ci", ExpiresAt: time.Now().Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if sec.Value == "" || sec.Name != "ci" || sec.ExpiresAt.Before(time.Now().Add(47*time.Hour)) {
		t.Fatalf("created secret %+v", sec)
	}
	secs, err := c.Applications.ListSecrets(ctx, created[2])
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(secs, func(s management.ApplicationSecret) bool { return s.Name == "ci" })
	if i < 0 || secs[i].Value != "" {
		t.Fatalf("secrets %+v: want ci, without its value", secs)
	}
	if err := c.Applications.DeleteSecret(ctx, created[2], "ci"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "delete the deleted secret", c.Applications.DeleteSecret(ctx, created[2], "ci"), management.ErrNotFound, 404, "entity.not_exists")

	// Delete, then a typed error for the missing app.
	if err := c.Applications.Delete(ctx, created[3]); err != nil {
		t.Fatal(err)
	}
	_, err = c.Applications.Get(ctx, created[3])
	wantErr(t, "get a deleted app", err, management.ErrNotFound, 404, "entity.not_exists_with_id")
	wantErr(t, "delete a deleted app", c.Applications.Delete(ctx, created[3]), management.ErrNotFound, 404, "entity.not_exists_with_id")

	// The M2M app holds the seeded role.
	roles, err := c.Applications.ListRoles(ctx, e.app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(roles) != 1 || roles[0].Type != management.RoleMachineToMachine {
		t.Fatalf("the M2M app's roles: %+v, want the Management API role", roles)
	}
	holders := collect(t, c.Roles.Applications(ctx, roles[0].ID, management.AppListOptions{}))
	if !slices.ContainsFunc(holders, func(a management.Application) bool { return a.ID == e.app.ID }) {
		t.Fatalf("the role's applications %+v do not include the M2M app", holders)
	}

	// Every change was logged against the app, filterable by the app.
	logs := collect(t, c.Logs.List(ctx, management.LogListOptions{ApplicationID: created[1], ListOptions: management.ListOptions{PageSize: 1}}))
	if len(logs) < 2 || logs[0].Payload.Actor != "app:"+e.app.ID || logs[0].CreatedAt.IsZero() {
		t.Fatalf("log of app %s: %+v, want its create and update by app:%s", created[1], logs, e.app.ID)
	}
	for _, l := range logs {
		if l.Payload.ApplicationID != created[1] {
			t.Fatalf("filtered log holds %+v", l)
		}
	}
}

func TestUsersAndRoles(t *testing.T) {
	e := start(t)
	ctx, c := ctxT(t), e.client

	var users []*management.User
	for i := range 5 {
		u, err := c.Users.Create(ctx, management.UserCreate{
			Username: fmt.Sprintf("sdkuser%d", i), PrimaryEmail: fmt.Sprintf("sdkuser%d@example.com", i),
			Password: "correct horse battery staple", Name: fmt.Sprintf("SDK User %d", i),
		})
		if err != nil {
			t.Fatalf("create user %d: %v", i, err)
		}
		users = append(users, u)
	}
	// A user who must not match the searches below.
	if _, err := c.Users.Create(ctx, management.UserCreate{Username: "other", Password: "correct horse battery staple"}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Users.Create(ctx, management.UserCreate{Username: "sdkuser0", Password: "correct horse battery staple"})
	if !management.IsConflict(err) {
		t.Fatalf("a taken username: err %v, want a conflict", err)
	}

	u, err := c.Users.Get(ctx, users[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if u.Username != "sdkuser0" || u.PrimaryEmail != "sdkuser0@example.com" || u.HasPassword == nil || !*u.HasPassword || u.CreatedAt.IsZero() {
		t.Fatalf("get: %+v", u)
	}

	all := collect(t, c.Users.List(ctx, management.UserListOptions{ListOptions: management.ListOptions{PageSize: 2}}))
	if len(all) != 6 {
		t.Fatalf("iterated %d users over pages of 2, want 6", len(all))
	}
	seen := map[string]bool{}
	for _, u := range all {
		seen[u.ID] = true
	}
	if len(seen) != 6 {
		t.Fatalf("iterated users %v: want 6 distinct", all)
	}

	// Search: a prefix on the username, over pages; an exact email.
	prefix := management.UserListOptions{
		ListOptions: management.ListOptions{PageSize: 2},
		Search:      management.Search{Value: management.Prefix("sdkuser"), Fields: []string{"username"}},
	}
	found := collect(t, c.Users.List(ctx, prefix))
	_, total, err := c.Users.ListPage(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 5 || total != 5 {
		t.Fatalf("prefix search: %d users iterated, total %d, want 5 and 5", len(found), total)
	}
	exact, _, err := c.Users.ListPage(ctx, management.UserListOptions{Search: management.Search{
		Value: "SDKUSER3@example.com", Fields: []string{"primaryEmail"}, Mode: management.Exact}})
	if err != nil {
		t.Fatal(err)
	}
	if len(exact) != 1 || exact[0].ID != users[3].ID {
		t.Fatalf("exact, case-insensitive email search: %+v", exact)
	}
	_, _, err = c.Users.ListPage(ctx, management.UserListOptions{Search: management.Search{Value: "x", Mode: management.Posix}})
	var se *management.Error
	if !errors.As(err, &se) || se.Status != 400 {
		t.Fatalf("an unsupported mode: err %v, want a 400", err)
	}

	// Update, password, suspension.
	up, err := c.Users.Update(ctx, users[1].ID, management.UserUpdate{Name: management.Ptr("Renamed")})
	if err != nil || up.Name != "Renamed" || up.PrimaryEmail != "sdkuser1@example.com" {
		t.Fatalf("update: %+v, %v", up, err)
	}
	if _, err := c.Users.SetPassword(ctx, users[1].ID, "a new long passphrase"); err != nil {
		t.Fatal(err)
	}
	for pw, want := range map[string]bool{"a new long passphrase": true, "correct horse battery staple": false} {
		ok, err := c.Users.VerifyPassword(ctx, users[1].ID, pw)
		if err != nil || ok != want {
			t.Fatalf("verify %q: %v, %v; want %v", pw, ok, err, want)
		}
	}
	s, err := c.Users.SetSuspended(ctx, users[1].ID, true)
	if err != nil || !s.IsSuspended {
		t.Fatalf("suspend: %+v, %v", s, err)
	}

	// A role: create, assign, list both ways, remove.
	role, err := c.Roles.Create(ctx, management.RoleCreate{Name: "sdk editor", Description: "edits", Type: management.RoleUser})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Users.AssignRoles(ctx, users[2].ID, role.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.Roles.AssignUsers(ctx, role.ID, users[3].ID); err != nil {
		t.Fatal(err)
	}
	rs, err := c.Users.ListRoles(ctx, users[2].ID)
	if err != nil || len(rs) != 1 || rs[0].ID != role.ID || rs[0].Name != "sdk editor" {
		t.Fatalf("the user's roles: %+v, %v", rs, err)
	}
	holders := collect(t, c.Roles.Users(ctx, role.ID, management.UserListOptions{ListOptions: management.ListOptions{PageSize: 1}}))
	if len(holders) != 2 {
		t.Fatalf("the role's users: %+v, want users 2 and 3", holders)
	}
	listed := collect(t, c.Roles.List(ctx, management.ListOptions{}))
	i := slices.IndexFunc(listed, func(r management.Role) bool { return r.ID == role.ID })
	if i < 0 || listed[i].UsersCount != 2 {
		t.Fatalf("roles list: %+v, want sdk editor with 2 users", listed)
	}
	if err := c.Users.RemoveRole(ctx, users[2].ID, role.ID); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "remove a role not held", c.Users.RemoveRole(ctx, users[2].ID, role.ID), management.ErrNotFound, 404, "entity.not_found")
	if rs, err := c.Users.ListRoles(ctx, users[2].ID); err != nil || len(rs) != 0 {
		t.Fatalf("roles after removal: %+v, %v", rs, err)
	}

	// Delete, then the typed error for a missing user.
	if err := c.Users.Delete(ctx, users[4].ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Users.Get(ctx, users[4].ID)
	wantErr(t, "get a deleted user", err, management.ErrNotFound, 404, "entity.not_exists_with_id")
}

func TestResourcesAndKeys(t *testing.T) {
	e := start(t)
	ctx, c := ctxT(t), e.client
	res, err := c.Resources.Create(ctx, management.ResourceCreate{Name: "Orders", Indicator: "https://orders.example.com", AccessTokenTTL: management.Ptr(600)})
	if err != nil {
		t.Fatal(err)
	}
	if res.AccessTokenTTL != 600 || res.Indicator != "https://orders.example.com" {
		t.Fatalf("resource %+v", res)
	}
	sc, err := c.Resources.CreateScope(ctx, res.ID, management.ScopeCreate{Name: "read:orders", Description: "Read orders"})
	if err != nil {
		t.Fatal(err)
	}
	role, err := c.Roles.Create(ctx, management.RoleCreate{Name: "orders reader", Type: management.RoleMachineToMachine, ScopeIDs: []string{sc.ID}})
	if err != nil {
		t.Fatal(err)
	}
	scopes, err := c.Roles.Scopes(ctx, role.ID)
	if err != nil || len(scopes) != 1 || scopes[0].Name != "read:orders" || scopes[0].ResourceID != res.ID {
		t.Fatalf("the role's scopes: %+v, %v", scopes, err)
	}
	_, err = c.Resources.Create(ctx, management.ResourceCreate{Name: "Orders again", Indicator: "https://orders.example.com"})
	if !management.IsConflict(err) {
		t.Fatalf("a taken indicator: err %v, want a conflict", err)
	}
	keys, err := c.OIDCKeys.List(ctx, management.PrivateKeys)
	if err != nil || len(keys) == 0 || keys[0].ID == "" || keys[0].SigningKeyAlgorithm == "" {
		t.Fatalf("keys: %+v, %v", keys, err)
	}
	// A rotation adds a key for every algorithm (the default one, and the
	// RS256 key every server publishes, which may have been made in the
	// background after the list above); the new default key comes first.
	rotated, err := c.OIDCKeys.Rotate(ctx, management.PrivateKeys, "")
	if err != nil || len(rotated) <= len(keys) || rotated[0].SigningKeyAlgorithm != keys[0].SigningKeyAlgorithm {
		t.Fatalf("rotate: %+v, %v", rotated, err)
	}
	for _, k := range keys {
		if k.ID == rotated[0].ID {
			t.Fatalf("rotate: the first key %s is not a new one (before: %+v)", k.ID, keys)
		}
	}
}

// Credentials and tokens that do not grant the API are typed errors.
func TestAuthErrors(t *testing.T) {
	e := start(t)
	ctx := ctxT(t)

	bad, err := management.New(management.Config{Endpoint: e.s.URL,
		TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "not-a-token"})})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Users.Get(ctx, "anyone")
	wantErr(t, "a bad token", err, management.ErrUnauthorized, 401, "auth.unauthorized")

	wrong, err := management.New(management.Config{Endpoint: e.s.URL, AppID: e.app.ID, AppSecret: e.app.Secret + "x"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = wrong.Users.Get(ctx, "anyone")
	wantErr(t, "a wrong app secret", err, management.ErrInvalidClient, 401, "oidc.invalid_client")

	// Logto's indicator works as Sesame's own.
	logto, err := management.New(management.Config{Endpoint: e.s.URL, AppID: e.app.ID, AppSecret: e.app.Secret, Resource: "https://default.logto.app/api"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := logto.Users.ListPage(ctx, management.UserListOptions{}); err != nil {
		t.Fatalf("with Logto's indicator: %v", err)
	}
}

// An app without the Management API role gets no token for the API, nor
// does one whose role is taken away; a token without the scope "all" is
// 403.
func TestForbidden(t *testing.T) {
	e := start(t)
	ctx := ctxT(t)

	var plain e2etest.App
	e.s.CLI.JSON(t, &plain, "apps", "create", "--name", "plain m2m", "--type", "m2m")
	c, err := management.New(management.Config{Endpoint: e.s.URL, AppID: plain.ID, AppSecret: plain.Secret})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Users.Get(ctx, "anyone")
	wantErr(t, "an app without the role", err, management.ErrInvalidTarget, 400, "oidc.invalid_target")

	var second e2etest.App
	e.s.CLI.JSON(t, &second, "apps", "create", "--name", "second automation", "--type", "m2m", "--management-api")
	c2, err := management.New(management.Config{Endpoint: e.s.URL, AppID: second.ID, AppSecret: second.Secret})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c2.Users.ListPage(ctx, management.UserListOptions{}); err != nil {
		t.Fatal(err)
	}
	roles, err := e.client.Applications.ListRoles(ctx, second.ID)
	if err != nil || len(roles) != 1 {
		t.Fatalf("roles of the second app: %+v, %v", roles, err)
	}
	if err := e.client.Applications.RemoveRole(ctx, second.ID, roles[0].ID); err != nil {
		t.Fatal(err)
	}
	// Sesame revokes the app's token with the role: the call is answered
	// 401, the client fetches a new token, and that is refused.
	_, _, err = c2.Users.ListPage(ctx, management.UserListOptions{})
	wantErr(t, "after the role was taken", err, management.ErrInvalidTarget, 400, "oidc.invalid_target")

	// A token for the API without the scope "all".
	c3, err := management.New(management.Config{Endpoint: e.s.URL, AppID: e.app.ID, AppSecret: e.app.Secret, Scope: "openid"})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c3.Users.ListPage(ctx, management.UserListOptions{})
	wantErr(t, "a token without all", err, management.ErrForbidden, 403, "auth.forbidden")
}
