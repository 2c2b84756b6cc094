package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/testkit"
)

func runStdin(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, Env{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(stdin)})
	return code, out.String(), errb.String()
}

// getSettings runs settings get against db: "--data DIR" or
// "--database-url DSN" (see storeFlag).
func getSettings(t *testing.T, db string) map[string]any {
	t.Helper()
	code, out, errs := run(t, append([]string{"settings", "get"}, storeFlag(db)...)...)
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); code != 0 || err != nil {
		t.Fatalf("settings get: %d %v %s", code, err, errs)
	}
	return doc
}

// storeFlag is the flag that points a command at db: a postgres:// URL
// or an SQLite directory.
func storeFlag(db string) []string {
	if strings.HasPrefix(db, "postgres") {
		return []string{"--database-url", db}
	}
	return []string{"--data", db}
}

// TestSettingsGetSet: get prints the API's document; set applies a patch
// through signinexp (objects merge), from a file or stdin.
func TestSettingsGetSet(t *testing.T) { testSettingsGetSet(t, t.TempDir()) }

func TestSettingsGetSetPostgres(t *testing.T) {
	testSettingsGetSet(t, testkit.NewSchema(t, testkit.PostgresDSN(t), "cli"))
}

func testSettingsGetSet(t *testing.T, dir string) {
	if doc := getSettings(t, dir); doc["signInMode"] != "SignInAndRegister" {
		t.Fatalf("defaults: %v", doc)
	}
	if doc := getSettingsFlags(t, dir, "--registration=false"); doc["signInMode"] != "SignIn" {
		t.Fatalf("defaults with --registration=false: %v", doc)
	}
	file := filepath.Join(t.TempDir(), "patch.json")
	os.WriteFile(file, []byte(`{"displayName": "Acme", "color": {"primaryColor": "#AA0000"}}`), 0o600)
	code, out, errs := run(t, append(append([]string{"settings", "set"}, storeFlag(dir)...), file)...)
	if code != 0 || !strings.Contains(out, `"displayName": "Acme"`) {
		t.Fatalf("set FILE: %d %s %s", code, out, errs)
	}
	code, _, errs = runStdin(t, `{"color": {"isDarkModeEnabled": false}}`, append(append([]string{"settings", "set"}, storeFlag(dir)...), "-")...)
	if code != 0 {
		t.Fatalf("set -: %d %s", code, errs)
	}
	doc := getSettings(t, dir)
	color := doc["color"].(map[string]any)
	if doc["displayName"] != "Acme" || color["primaryColor"] != "#aa0000" || color["isDarkModeEnabled"] != false {
		t.Fatalf("after two patches: %v", doc)
	}
	if code, _, errs = runStdin(t, `{"signInMode": "SignIn"}`, append([]string{"settings", "set"}, storeFlag(dir)...)...); code != 0 {
		t.Fatalf("set from stdin without -: %d %s", code, errs)
	}
	if getSettings(t, dir)["signInMode"] != "SignIn" {
		t.Fatal("stdin patch not applied")
	}
}

func getSettingsFlags(t *testing.T, dir string, flags ...string) map[string]any {
	t.Helper()
	code, out, errs := run(t, append(append([]string{"settings", "get"}, storeFlag(dir)...), flags...)...)
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); code != 0 || err != nil {
		t.Fatalf("settings get: %d %v %s", code, err, errs)
	}
	return doc
}

// TestSettingsSetBadInput: every bad input is one line on stderr, exit 2,
// and the stored settings stay as they were.
func TestSettingsSetBadInput(t *testing.T) {
	dir := t.TempDir()
	if code, _, errs := runStdin(t, `{"displayName": "Before"}`, "settings", "set", "--data", dir); code != 0 {
		t.Fatal(errs)
	}
	for name, c := range map[string]struct {
		stdin string
		args  []string
	}{
		"bad colour":      {`{"color": {"primaryColor": "red"}}`, nil},
		"not JSON":        {`displayName: x`, nil},
		"unknown field":   {`{"displayName": "After", "nope": 1}`, nil},
		"wrong type":      {`{"signUp": {"identifiers": "email"}}`, nil},
		"bad mode":        {`{"signInMode": "Anything", "displayName": "After"}`, nil},
		"two objects":     {`{"displayName": "After"} {}`, nil},
		"empty":           {``, nil},
		"array":           {`[]`, nil},
		"missing file":    {``, []string{filepath.Join(dir, "nope.json")}},
		"two arguments":   {``, []string{"a.json", "b.json"}},
		"unknown flag":    {``, []string{"--force"}},
		"bad http url":    {`{"termsOfUseUrl": "javascript:alert(1)"}`, nil},
		"control in name": {"{\"displayName\": \"A\\u0000B\"}", nil},
	} {
		code, out, errs := runStdin(t, c.stdin, append([]string{"settings", "set", "--data", dir}, c.args...)...)
		if code != ExitUsage || strings.Count(strings.TrimSpace(errs), "\n") != 0 || errs == "" || (c.args == nil && out != "") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2, one line, nothing printed", name, code, out, errs)
		}
	}
	if doc := getSettings(t, dir); doc["displayName"] != "Before" {
		t.Errorf("bad input changed the settings: %v", doc)
	}
	if code, _, _ := run(t, "settings", "frobnicate"); code != ExitUsage {
		t.Errorf("unknown subcommand: exit %d", code)
	}
}

// TestMaskSecrets: secrets are masked at any depth; booleans named
// "password" (a sign-in method's flag) are left alone.
func TestMaskSecrets(t *testing.T) {
	var doc any
	json.Unmarshal([]byte(`{"connectors":[{"clientId":"abc","clientSecret":"s3cr3t","config":{"apiKey":"k3y"}}],
		"signIn":{"methods":[{"identifier":"email","password":true}]},"passwordPolicy":{"length":{"min":8}},"empty":{"secret":""}}`), &doc)
	var out bytes.Buffer
	writeJSON(&out, maskSecrets(doc))
	s := out.String()
	if strings.Contains(s, "s3cr3t") || strings.Contains(s, "k3y") || !strings.Contains(s, `"clientId": "abc"`) ||
		!strings.Contains(s, `"password": true`) || !strings.Contains(s, `"min": 8`) {
		t.Errorf("masked:\n%s", s)
	}
}

// TestSettingsConnectorSecret: a connector's client secret set through
// `settings set` is sealed with the master secret and never printed:
// get shows only clientSecretSet. Without a master secret to seal it
// with (PostgreSQL, no --secret) the patch is refused.
func TestSettingsConnectorSecret(t *testing.T) {
	dir := t.TempDir()
	patch := `{"socialConnectors": [{"id": "upstream", "displayName": "Upstream", "issuer": "https://id.upstream.example",
		"clientId": "sesame", "clientSecret": "very-secret-value-42", "enabled": true}]}`
	code, out, errs := runStdin(t, patch, "settings", "set", "--data", dir, "--secret", "a-master-secret-of-at-least-32-characters")
	if code != 0 {
		t.Fatalf("set: %d %s", code, errs)
	}
	_, get, _ := run(t, "settings", "get", "--data", dir)
	for _, s := range []string{out, get} {
		if strings.Contains(s, "very-secret-value-42") || strings.Contains(s, "sealedSecret") || !strings.Contains(s, `"clientSecretSet": true`) {
			t.Errorf("output shows the secret or not that one is set:\n%s", s)
		}
	}
	// A patch without clientSecret keeps the stored one.
	if code, _, errs = runStdin(t, `{"socialConnectors": [{"id": "upstream", "displayName": "Renamed", "issuer": "https://id.upstream.example", "clientId": "sesame", "enabled": true}]}`,
		"settings", "set", "--data", dir, "--secret", "a-master-secret-of-at-least-32-characters"); code != 0 {
		t.Fatalf("rename: %d %s", code, errs)
	}
	if _, get, _ = run(t, "settings", "get", "--data", dir); !strings.Contains(get, `"clientSecretSet": true`) || !strings.Contains(get, "Renamed") {
		t.Errorf("rename lost the secret:\n%s", get)
	}
	// Sealed bytes are the server's to write.
	code, _, errs = runStdin(t, `{"socialConnectors": [{"id": "upstream", "displayName": "X", "issuer": "https://id.upstream.example", "clientId": "sesame", "sealedSecret": "AAAA"}]}`,
		"settings", "set", "--data", dir, "--secret", "a-master-secret-of-at-least-32-characters")
	if code != ExitUsage || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Errorf("sealedSecret in a patch: exit %d %q", code, errs)
	}
}

func TestSettingsConnectorSecretNeedsMasterPostgres(t *testing.T) {
	dsn := testkit.NewSchema(t, testkit.PostgresDSN(t), "cli")
	t.Setenv("SESAME_SECRET", "")
	patch := `{"socialConnectors": [{"id": "up", "displayName": "Up", "issuer": "https://id.upstream.example", "clientId": "c", "clientSecret": "s3cr3t-value"}]}`
	code, _, errs := runStdin(t, patch, "settings", "set", "--database-url", dsn)
	if code != ExitUsage || !strings.Contains(errs, "--secret") || strings.Contains(errs, "s3cr3t-value") {
		t.Errorf("exit %d, stderr %q; want 2 asking for --secret", code, errs)
	}
}
