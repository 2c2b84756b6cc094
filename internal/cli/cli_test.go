package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/password"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
)

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, Env{Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

func TestAppsCreateJSON(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := run(t, "apps", "create", "--name", "Guide", "--type", "traditional",
		"--redirect-uri", "http://localhost:3000/callback", "--post-logout-redirect-uri", "http://localhost:3000/", "--data", dir, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var app map[string]any
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&app); err != nil || dec.More() {
		t.Fatalf("--json must print exactly one JSON object: %q", out)
	}
	id, _ := app["id"].(string)
	secret, _ := app["secret"].(string)
	if len(id) != 21 || len(secret) != 32 || strings.Trim(secret, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		t.Errorf("id %q secret %q", id, secret)
	}
	// Public apps have an empty secret.
	_, out, _ = run(t, "apps", "create", "--name", "SPA", "--type", "spa", "--redirect-uri", "https://spa.example/cb", "--data", dir, "--json")
	json.Unmarshal([]byte(out), &app)
	if app["secret"] != "" {
		t.Errorf("spa secret %v", app["secret"])
	}
	// The secret is stored hashed only.
	db, _ := os.ReadFile(filepath.Join(dir, "sesame.db"))
	wal, _ := os.ReadFile(filepath.Join(dir, "sesame.db-wal"))
	if bytes.Contains(db, []byte(secret)) || bytes.Contains(wal, []byte(secret)) {
		t.Error("the client secret is stored in plain text")
	}
	// List and delete.
	code, out, _ = run(t, "apps", "list", "--data", dir, "--json")
	var list []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 2 || list[0]["secret"] != "" {
		t.Fatalf("list: %d %s", code, out)
	}
	if code, _, errs := run(t, "apps", "delete", id, "--data", dir); code != 0 {
		t.Fatalf("delete: %d %s", code, errs)
	}
	if code, _, errs := run(t, "apps", "delete", id, "--data", dir); code != 2 || !strings.Contains(errs, "no app") {
		t.Fatalf("delete missing: %d %q", code, errs)
	}
}

func TestUsersAndResources(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := run(t, "users", "create", "--username", "Alice", "--password", "correct horse", "--email", "Alice@Example.com", "--data", dir, "--json")
	if code != 0 {
		t.Fatalf("%d %s", code, errs)
	}
	var u map[string]any
	json.Unmarshal([]byte(out), &u)
	if u["id"] == "" || u["username"] != "alice" || u["email"] != "alice@example.com" || u["email_verified"] != false {
		t.Errorf("user %v", u)
	}
	// --email-verified is the admin vouching for the address.
	code, out, errs = run(t, "users", "create", "--username", "vera", "--password", "correct horse", "--email", "vera@example.com", "--email-verified", "--data", dir, "--json")
	json.Unmarshal([]byte(out), &u)
	if code != 0 || u["email_verified"] != true {
		t.Errorf("--email-verified: %d %v %s", code, u, errs)
	}
	if code, _, errs := run(t, "users", "create", "--username", "ALICE", "--password", "another one", "--data", dir); code != 2 || !strings.Contains(errs, "exists") {
		t.Errorf("duplicate user: %d %q", code, errs)
	}
	if code, out, _ := run(t, "users", "list", "--data", dir, "--json"); code != 0 || strings.Contains(out, "argon2") || !strings.Contains(out, "alice") {
		t.Errorf("users list: %d %s", code, out)
	}
	code, out, errs = run(t, "resources", "create", "--indicator", "https://api.example.com", "--name", "API", "--scope", "read", "--data", dir, "--json")
	if code != 0 || !strings.Contains(out, `"indicator": "https://api.example.com"`) {
		t.Fatalf("resource: %d %s %s", code, out, errs)
	}
	if code, _, _ := run(t, "resources", "create", "--indicator", "https://api.example.com", "--name", "again", "--data", dir); code != 2 {
		t.Errorf("duplicate resource: %d", code)
	}
	if code, out, _ := run(t, "resources", "list", "--data", dir); code != 0 || !strings.Contains(out, "https://api.example.com") {
		t.Errorf("resources list: %d %s", code, out)
	}
}

// TestBadInputWritesNothing: every malformed command exits 2 with one line
// on stderr and leaves no database behind.
func TestBadInputWritesNothing(t *testing.T) {
	for _, args := range [][]string{
		{"nope"},
		{},
		{"apps"},
		{"apps", "frobnicate"},
		{"apps", "create", "--type", "traditional"},
		{"apps", "create", "--name", "x", "--type", "desktop"},
		{"apps", "create", "--name", "x", "--type", "spa", "--redirect-uri", "http://evil.example/cb"},
		{"apps", "create", "--name", "x", "--type", "spa", "--redirect-uri", "https://a.example/cb#frag"},
		{"apps", "create", "--name", "x", "--type", "spa", "--redirect-uri", "javascript:alert(1)"},
		{"apps", "create", "--name", "x", "--type", "m2m", "--redirect-uri", "https://a.example/cb"},
		{"apps", "create", "--name", "x", "--type", "spa", "--unknown-flag"},
		{"apps", "create", "--name", "x", "--type", "spa", "--database-url", "mysql://x"},
		{"apps", "delete"},
		{"users", "create", "--username", "a", "--password", "long enough"},
		{"users", "create", "--username", "bob", "--password", "short"},
		{"users", "create", "--username", "bob", "--password", "long enough", "--email", "nope"},
		{"users", "create", "--username", "bob", "--password", "long enough", "--email-verified"},
		{"resources", "create", "--indicator", "not a uri", "--name", "x"},
		{"resources", "create", "--indicator", "https://a.example", "--name", ""},
		{"resources", "create", "--indicator", "https://a.example", "--name", "x", "--scope", "openid"},
		{"serve", "--endpoint", "ftp://x"},
		{"serve", "--endpoint", "http://localhost:3001/{id}"},
		{"serve", "--addr", "nonsense"},
		{"serve", "--signing-alg", "HS256"},
		{"serve", "--secret", "short"},
		{"serve", "--session-idle-timeout", "10s"},
		{"serve", "--session-lifetime", "-1h"},
		{"serve", "--session-lifetime", "3days"},
		{"keys", "rotate", "--signing-alg", "none"},
		{"apps", "list", "extra-arg"},
		{"apps", "create", "--name", "x", "--type", "m2m", "--permission", "https://api.example=read"},
		{"apps", "create", "--name", "x", "--type", "spa", "--redirect-uri", "https://a.example/cb", "--permission", "https://api.example"},
		{"apps", "create", "--name", "x", "--type", "m2m", "--permission", "=read"},
		{"apps", "permit", "someid", "--resource", "https://api.example"},
		{"apps", "permit", "someid"},
		{"roles"},
		{"roles", "create", "--type", "user"},
		{"roles", "create", "--name", "x", "--type", "admin"},
		{"roles", "create", "--name", "x", "--type", "user", "--permission", "https://api.example=read"},
		{"roles", "create", "--name", "x", "--type", "user", "--permission", "https://api.example"},
		{"roles", "delete"},
		{"roles", "delete", "x"},
		{"roles", "permit", "x"},
		{"roles", "permit", "x", "https://api.example=read"},
		{"roles", "revoke", "x", "https://api.example"},
		{"users", "assign-role", "alice"},
		{"users", "assign-role", "alice", "reader"},
		{"users", "unassign-role", "alice", "reader"},
		{"apps", "assign-role", "someid", "job"},
		{"apps", "unassign-role", "someid"},
	} {
		dir := filepath.Join(t.TempDir(), "data")
		full := append(append([]string{}, args...), "--data", dir)
		if len(args) == 0 || args[0] == "nope" || len(args) == 1 || (len(args) == 2 && args[1] == "frobnicate") {
			full = args
		}
		code, _, errs := run(t, full...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if lines := strings.Count(strings.TrimRight(errs, "\n"), "\n"); lines != 0 || errs == "" || strings.Contains(errs, "goroutine") {
			t.Errorf("%v: stderr must be one line, got %q", args, errs)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("%v: bad input created %s", args, dir)
		}
	}
}

// TestBadEnvironment: a SESAME_* value that does not parse is a one-line
// error naming the variable, not a silent fallback to the default.
func TestBadEnvironment(t *testing.T) {
	for _, c := range []struct {
		name, value string
		args        []string
	}{
		{"SESAME_SESSION_IDLE_TIMEOUT", "3days", []string{"serve"}},
		{"SESAME_SESSION_LIFETIME", "forever", []string{"serve"}},
		{"SESAME_REGISTRATION", "maybe", []string{"serve"}},
		{"SESAME_KEY_PUBLISH_DELAY", "soon", []string{"keys", "rotate"}},
		{"SESAME_SIGNING_ALG", "HS256", []string{"keys", "rotate"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(c.name, c.value)
			dir := filepath.Join(t.TempDir(), "data")
			code, _, errs := run(t, append(c.args, "--data", dir)...)
			if code != 2 || !strings.Contains(errs, c.name) || strings.Count(strings.TrimRight(errs, "\n"), "\n") != 0 {
				t.Errorf("%s=%s: exit %d, stderr %q; want 2 and one line naming the variable", c.name, c.value, code, errs)
			}
			if _, err := os.Stat(dir); err == nil {
				t.Errorf("bad environment created %s", dir)
			}
		})
	}
}

// TestAppPermissions: M2M apps reach only the API resources and scopes
// they were permitted; the CLI refuses permissions that name an unknown
// resource or scope.
func TestAppPermissions(t *testing.T) {
	dir := t.TempDir()
	mustRun := func(args ...string) string {
		t.Helper()
		code, out, errs := run(t, append(args, "--data", dir)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		return out
	}
	fails := func(want string, args ...string) {
		t.Helper()
		code, _, errs := run(t, append(args, "--data", dir)...)
		if code != 2 || !strings.Contains(errs, want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", args, code, errs, want)
		}
	}
	mustRun("resources", "create", "--indicator", "https://api.example", "--name", "API", "--scope", "read", "--scope", "write")
	mustRun("resources", "create", "--indicator", "https://billing.example", "--name", "Billing", "--scope", "charge")
	fails("no API resource", "apps", "create", "--name", "job", "--type", "m2m", "--permission", "https://nope.example=read")
	fails("defines no scope", "apps", "create", "--name", "job", "--type", "m2m", "--permission", "https://api.example=admin")

	var app map[string]any
	json.Unmarshal([]byte(mustRun("apps", "create", "--name", "job", "--type", "m2m", "--permission", "https://api.example=read", "--json")), &app)
	id, _ := app["id"].(string)
	if got := fmt.Sprint(app["permissions"]); got != "map[https://api.example:[read]]" {
		t.Fatalf("created with permissions %s", got)
	}
	mustRun("apps", "permit", id, "--resource", "https://billing.example", "--scope", "charge")
	mustRun("apps", "permit", id, "--resource", "https://api.example", "--remove")
	fails("defines no scope", "apps", "permit", id, "--resource", "https://billing.example", "--scope", "refund")
	fails("--remove takes no --scope", "apps", "permit", id, "--resource", "https://billing.example", "--scope", "charge", "--remove")
	var list []map[string]any
	json.Unmarshal([]byte(mustRun("apps", "list", "--json")), &list)
	if len(list) != 1 || fmt.Sprint(list[0]["permissions"]) != "map[https://billing.example:[charge]]" {
		t.Errorf("apps list after permit and remove: %v", list)
	}
	app = nil
	json.Unmarshal([]byte(mustRun("apps", "create", "--name", "web", "--type", "spa", "--redirect-uri", "https://a.example/cb", "--json")), &app)
	if _, ok := app["permissions"]; ok {
		t.Errorf("a spa app lists permissions: %v", app)
	}
	fails("permissions are for m2m apps", "apps", "permit", app["id"].(string), "--resource", "https://api.example", "--scope", "read")
	fails("no app with id", "apps", "permit", "nope", "--resource", "https://api.example", "--scope", "read")
	// A permission is a scope of a resource: a resource alone grants nothing.
	fails("needs at least one --scope", "apps", "permit", id, "--resource", "https://api.example")
}

// TestAppsRotateSecret: a new secret is printed once; public apps, unknown
// apps and a bad grace period are usage errors.
func TestAppsRotateSecret(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := run(t, "apps", "create", "--name", "web", "--type", "traditional", "--redirect-uri", "https://a.example/cb", "--data", dir, "--json")
	var app map[string]any
	json.Unmarshal([]byte(out), &app)
	if code != 0 {
		t.Fatalf("create: %d %s", code, errs)
	}
	id := app["id"].(string)
	code, out, errs = run(t, "apps", "rotate-secret", id, "--grace", "1h", "--data", dir, "--json")
	var rotated map[string]any
	json.Unmarshal([]byte(out), &rotated)
	if code != 0 || rotated["id"] != id || rotated["secret"] == app["secret"] || len(rotated["secret"].(string)) != 32 {
		t.Fatalf("rotate-secret: %d %v %s", code, rotated, errs)
	}
	_, out, _ = run(t, "apps", "rotate-secret", id, "--grace", "0", "--data", dir)
	if !strings.Contains(out, "App secret: ") || !strings.Contains(out, "no longer works") {
		t.Errorf("rotate-secret --grace 0 said %q", out)
	}
	_, out, _ = run(t, "apps", "create", "--name", "spa", "--type", "spa", "--redirect-uri", "https://a.example/cb", "--data", dir, "--json")
	var spa map[string]any
	json.Unmarshal([]byte(out), &spa)
	for _, args := range [][]string{
		{"apps", "rotate-secret", spa["id"].(string)},
		{"apps", "rotate-secret", "nope"},
		{"apps", "rotate-secret", id, "--grace", "-1h"},
		{"apps", "rotate-secret"},
	} {
		if code, _, errs := run(t, append(args, "--data", dir)...); code != 2 || strings.Count(strings.TrimRight(errs, "\n"), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line", args, code, errs)
		}
	}
}

// TestUsersUpdate: an admin sets a new password (which signs the user out
// everywhere), vouches for an email, changes it (unverified again) and the
// name; bad input writes nothing.
func TestUsersUpdate(t *testing.T) {
	dir := t.TempDir()
	mustRun := func(args ...string) string {
		t.Helper()
		code, out, errs := run(t, append(args, "--data", dir)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		return out
	}
	user := func() map[string]any {
		t.Helper()
		var list []map[string]any
		json.Unmarshal([]byte(mustRun("users", "list", "--json")), &list)
		if len(list) != 1 {
			t.Fatalf("users list: %v", list)
		}
		return list[0]
	}
	mustRun("users", "create", "--username", "ursula", "--password", "first password", "--email", "u@example.com")
	mustRun("users", "update", "ursula", "--email-verified")
	if u := user(); u["email_verified"] != true {
		t.Errorf("after --email-verified: %v", u)
	}
	mustRun("users", "update", "u@example.com", "--email", "New@Example.com", "--name", "Ursula K.")
	if u := user(); u["email"] != "new@example.com" || u["email_verified"] != false || u["name"] != "Ursula K." {
		t.Errorf("a changed email must be unverified again: %v", u)
	}
	if out := mustRun("users", "update", "ursula", "--password", "second password"); !strings.Contains(out, "signed out everywhere") {
		t.Errorf("password change said %q", out)
	}
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"users", "update", "ursula", "--password-stdin", "--data", dir},
		Env{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader("third password\n")})
	if code != 0 {
		t.Fatalf("--password-stdin: %d %s", code, errb.String())
	}
	st, err := sqlstore.Open(context.Background(), sqlstore.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.GetUserByLogin(context.Background(), "ursula")
	st.Close()
	if err != nil || password.Verify(context.Background(), "third password", u.PasswordHash) != nil {
		t.Errorf("the password from standard input was not set (%v)", err)
	}
	for _, args := range [][]string{
		{"users", "update", "ursula"},
		{"users", "update", "nobody", "--name", "x"},
		{"users", "update", "ursula", "--password", "short"},
		{"users", "update", "ursula", "--email", "not-an-email"},
		{"users", "update", "ursula", "--email", "admin\u200b@example.com"},
		{"users", "update", "ursula", "--password", "long enough", "--password-stdin"},
	} {
		if code, _, errs := run(t, append(args, "--data", dir)...); code != 2 || strings.Count(strings.TrimRight(errs, "\n"), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line", args, code, errs)
		}
	}
	mustRun("users", "create", "--username", "other", "--password", "other password", "--email", "taken@example.com")
	if code, _, errs := run(t, "users", "update", "ursula", "--email", "taken@example.com", "--data", dir); code != 2 || !strings.Contains(errs, "another user") {
		t.Errorf("email clash: %d %q", code, errs)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"apps", "create", "--help"}, {"users", "create", "-h"},
		{"resources", "create", "--help"}, {"keys", "rotate", "--help"}, {"migrate", "--help"}, {"apps", "--help"},
		{"roles", "--help"}, {"roles", "create", "--help"}, {"roles", "list", "--help"}, {"roles", "delete", "--help"},
		{"roles", "permit", "--help"}, {"roles", "revoke", "--help"}, {"users", "assign-role", "--help"},
		{"users", "unassign-role", "--help"}, {"apps", "assign-role", "--help"}, {"apps", "unassign-role", "--help"},
		{"apps", "permit", "--help"}} {
		code, out, errs := run(t, args...)
		if code != 0 || !strings.Contains(out, "Usage") || errs != "" {
			t.Errorf("%v: %d %q %q", args, code, out, errs)
		}
	}
}

func TestKeysRotateAndMigrate(t *testing.T) {
	dir := t.TempDir()
	if code, _, errs := run(t, "migrate", "--data", dir); code != 0 {
		t.Fatalf("migrate: %s", errs)
	}
	if code, _, errs := run(t, "migrate", "--data", dir); code != 0 {
		t.Fatalf("second migrate: %s", errs)
	}
	code, out, errs := run(t, "keys", "rotate", "--data", dir)
	if code != 0 || !strings.Contains(out, "published now") {
		t.Fatalf("rotate: %d %s %s", code, out, errs)
	}
	code, out, _ = run(t, "keys", "list", "--data", dir)
	if code != 0 || strings.Count(out, "ES384") != 2 {
		t.Errorf("after one rotation on a fresh database, 2 keys expected:\n%s", out)
	}
}

// TestKeysRotateAlg: a rotation takes the configured algorithm
// (SESAME_SIGNING_ALG), else the newest key's; an explicit --signing-alg
// wins over both.
func TestKeysRotateAlg(t *testing.T) {
	dir := t.TempDir()
	algs := func() []string {
		t.Helper()
		st, err := sqlstore.Open(context.Background(), sqlstore.Options{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		ks, err := st.ListKeys(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, k := range ks {
			out = append(out, k.Alg)
		}
		return out
	}
	rotate := func(args ...string) {
		t.Helper()
		if code, out, errs := run(t, append([]string{"keys", "rotate", "--data", dir}, args...)...); code != 0 {
			t.Fatalf("keys rotate %v: exit %d %s %s", args, code, out, errs)
		}
	}
	t.Setenv("SESAME_SIGNING_ALG", "RS256")
	rotate()
	rotate("--signing-alg", "ES256")
	t.Setenv("SESAME_SIGNING_ALG", "")
	rotate()
	if got, want := strings.Join(algs(), " "), "RS256 RS256 ES256 ES256"; got != want {
		t.Errorf("key algorithms %q, want %q", got, want)
	}
}

func TestUsersSuspendDelete(t *testing.T) {
	dir := t.TempDir()
	run(t, "users", "create", "--username", "zed", "--password", "long enough", "--data", dir)
	if code, out, errs := run(t, "users", "suspend", "zed", "--data", dir); code != 0 || !strings.Contains(out, "suspended") {
		t.Fatalf("suspend: %d %s %s", code, out, errs)
	}
	if _, out, _ := run(t, "users", "list", "--json", "--data", dir); !strings.Contains(out, `"suspended": true`) {
		t.Errorf("list after suspend: %s", out)
	}
	if code, _, _ := run(t, "users", "unsuspend", "zed", "--data", dir); code != 0 {
		t.Fatal("unsuspend failed")
	}
	if code, _, _ := run(t, "users", "delete", "zed", "--data", dir); code != 0 {
		t.Fatal("delete failed")
	}
	if code, _, errs := run(t, "users", "delete", "zed", "--data", dir); code != 2 || !strings.Contains(errs, "no user") {
		t.Errorf("delete missing: %d %q", code, errs)
	}
}
