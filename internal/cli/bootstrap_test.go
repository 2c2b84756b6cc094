package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
)

// TestCLIBootstrapsFreshDatabase: `admins create` and `apps create
// --management-api` work on a data directory serve never started on (they
// seed the roles with the CLI's endpoint); serve then starts on another
// endpoint, moves the Management API there, prints no setup URL, and the
// app's Management API token works.
func TestCLIBootstrapsFreshDatabase(t *testing.T) {
	dir := t.TempDir()
	run := func(stdin string, args ...string) (int, string, string) {
		var out, errs bytes.Buffer
		code := Main(t.Context(), append(args, "--data", dir), Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errs, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		return code, out.String(), errs.String()
	}
	if code, _, errs := run("correct horse battery\n", "admins", "create", "--username", "root", "--password-stdin", "--endpoint", "http://old.test:3001"); code != 0 {
		t.Fatalf("admins create on a fresh dir: %d %s", code, errs)
	}
	code, out, errs := run("", "apps", "create", "--name", "ops", "--type", "m2m", "--management-api", "--json", "--endpoint", "http://old.test:3001")
	if code != 0 {
		t.Fatalf("apps create --management-api on a fresh dir: %d %s", code, errs)
	}
	var app appJSON
	if err := json.Unmarshal([]byte(out), &app); err != nil || app.Secret == "" {
		t.Fatalf("apps create output %q: %v", out, err)
	}
	if code, _, errs := run("", "admins", "create", "--username", "x", "--password-stdin", "--endpoint", "ftp://nope"); code != 2 || !strings.Contains(errs, "--endpoint") {
		t.Fatalf("bad --endpoint: %d %q, want exit 2", code, errs)
	}

	const endpoint = "http://localhost:3001"
	addr, stop := startServe(t, dir, endpoint+"/")
	if addr == "" {
		out, _ := stop()
		t.Fatalf("serve did not start:\n%s", out)
	}
	base := "http://" + addr
	cc := clientcredentials.Config{ClientID: app.ID, ClientSecret: app.Secret, TokenURL: base + "/oidc/token", Scopes: []string{admin.Scope},
		EndpointParams: url.Values{"resource": {admin.APIIndicator(endpoint)}}}
	tok, err := cc.Token(t.Context())
	if err != nil {
		t.Fatalf("Management API token for the CLI-made app: %v", err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/api/roles", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), admin.AdminRoleName) {
		t.Fatalf("GET /api/roles: %d %s", resp.StatusCode, body)
	}
	if out, _ := stop(); strings.Contains(out, "setup?token") {
		t.Fatalf("setup URL printed although the CLI created an administrator:\n%s", out)
	}
}

// TestSeededRolesProtectedCLI: the CLI refuses making the seeded roles
// default roles or changing their permissions (role.protected).
func TestSeededRolesProtectedCLI(t *testing.T) {
	d := cliDir{t, t.TempDir()}
	d.ok("apps", "create", "--name", "ops", "--type", "m2m", "--management-api") // seeds the roles
	for _, role := range []string{admin.AdminRoleID, admin.M2MRoleName} {
		d.fails("default role", "roles", "update", role, "--default")
		d.fails("permissions cannot be removed", "roles", "revoke", role, admin.LogtoAudience)
		d.fails("permissions cannot be changed", "roles", "permit", role, admin.LogtoAudience+"="+admin.Scope)
	}
	if out := d.ok("roles", "list", "--json"); strings.Contains(out, `"is_default": true`) {
		t.Fatalf("a seeded role became default:\n%s", out)
	}
}

// TestAdminsCreatePasswordPolicy: `admins create` follows the sign-in
// experience's password policy, as `users create` does.
func TestAdminsCreatePasswordPolicy(t *testing.T) {
	d := cliDir{t, t.TempDir()}
	d.ok("users", "list") // creates the database
	st, err := sqlstore.Open(t.Context(), sqlstore.Options{DataDir: d.dir})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = (&signinexp.Service{Store: st}).Update(t.Context(), []byte(`{"passwordPolicy":{"length":{"min":12,"max":256}}}`))
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	admins := func(pw string) (int, string) {
		var out, errs bytes.Buffer
		code := Main(t.Context(), []string{"admins", "create", "--username", "boss", "--password-stdin", "--data", d.dir},
			Env{Stdin: strings.NewReader(pw + "\n"), Stdout: &out, Stderr: &errs, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		return code, errs.String()
	}
	if code, errs := admins("ten-chars!"); code != 2 || !strings.Contains(errs, "12") {
		t.Fatalf("10-character password under a 12-character policy: exit %d %q, want 2", code, errs)
	}
	if code, errs := admins("twelve-chars"); code != 0 {
		t.Fatalf("12-character password: exit %d %q", code, errs)
	}
}
