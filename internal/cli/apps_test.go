package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store/sqlstore"
)

// TestAppsUpdateAndSecrets: `apps update` changes only the flags given and
// refuses bad values with one line and exit 2; named secrets are added
// (shown once), listed without their values and deleted.
func TestAppsUpdateAndSecrets(t *testing.T) {
	dir := t.TempDir()
	mustRun := func(args ...string) string {
		t.Helper()
		code, out, errs := run(t, append(args, "--data", dir)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		return out
	}
	fails := func(args ...string) {
		t.Helper()
		if code, _, errs := run(t, append(args, "--data", dir)...); code != 2 || strings.Count(strings.TrimRight(errs, "\n"), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line", args, code, errs)
		}
	}
	var app map[string]any
	json.Unmarshal([]byte(mustRun("apps", "create", "--name", "web", "--type", "traditional", "--redirect-uri", "https://a.example/cb", "--json")), &app)
	id := app["id"].(string)

	mustRun("apps", "update", id, "--description", "the web app", "--id-token-ttl", "600", "--rotate-refresh-token=false")
	var got map[string]any
	json.Unmarshal([]byte(mustRun("apps", "update", id, "--name", "Web 2", "--json")), &got)
	if got["name"] != "Web 2" || got["redirect_uris"].([]any)[0] != "https://a.example/cb" {
		t.Errorf("after update: %v", got)
	}
	fails("apps", "update", id, "--id-token-ttl", "5")
	fails("apps", "update", id, "--refresh-token-ttl-days", "181")
	fails("apps", "update", id, "--custom-data", "[1]")
	fails("apps", "update", id, "--refresh-reuse-interval", "3601")
	fails("apps", "update", id, "--refresh-reuse-interval", "-1")
	fails("apps", "update", id, "--id-token-alg", "HS256")
	mustRun("apps", "update", id, "--refresh-reuse-interval", "30", "--id-token-alg", "RS256")
	if st, err := sqlstore.Open(t.Context(), sqlstore.Options{DataDir: dir}); err != nil {
		t.Fatal(err)
	} else {
		c, err := st.GetClient(t.Context(), id)
		st.Close()
		if err != nil || c.RefreshReuseInterval != 30*time.Second || c.IDTokenAlg != "RS256" {
			t.Errorf("--refresh-reuse-interval 30 --id-token-alg RS256 stored %v %q (%v)", c.RefreshReuseInterval, c.IDTokenAlg, err)
		}
	}
	// Back-channel logout: each flag changes only itself; a bad URI is one
	// line and exit 2, and changes nothing.
	stored := func() (string, bool) {
		t.Helper()
		st, err := sqlstore.Open(t.Context(), sqlstore.Options{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		c, err := st.GetClient(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		return c.BackChannelLogoutURI, c.BackChannelLogoutSessionRequired
	}
	mustRun("apps", "update", id, "--backchannel-logout-uri", "https://a.example/bc", "--backchannel-logout-session-required")
	if u, req := stored(); u != "https://a.example/bc" || !req {
		t.Errorf("after --backchannel-logout-uri --backchannel-logout-session-required: %q %v", u, req)
	}
	for _, bad := range []string{"http://a.example/bc", "https://a.example/bc#f", "https://u@a.example/bc", "a.example/bc"} {
		fails("apps", "update", id, "--backchannel-logout-uri", bad, "--backchannel-logout-session-required=false")
	}
	mustRun("apps", "update", id, "--name", "Web 3")
	if u, req := stored(); u != "https://a.example/bc" || !req {
		t.Errorf("refused or unrelated updates changed the back-channel settings: %q %v", u, req)
	}
	mustRun("apps", "update", id, "--backchannel-logout-session-required=false")
	if u, req := stored(); u != "https://a.example/bc" || req {
		t.Errorf("after --backchannel-logout-session-required=false: %q %v", u, req)
	}
	mustRun("apps", "update", id, "--backchannel-logout-uri", "")
	if u, req := stored(); u != "" || req {
		t.Errorf(`after --backchannel-logout-uri "": %q %v`, u, req)
	}
	var spa map[string]any
	json.Unmarshal([]byte(mustRun("apps", "create", "--name", "spa", "--type", "spa", "--redirect-uri", "https://s.example/cb",
		"--backchannel-logout-uri", "http://localhost:5000/bc", "--backchannel-logout-session-required", "--json")), &spa)
	if st, err := sqlstore.Open(t.Context(), sqlstore.Options{DataDir: dir}); err != nil {
		t.Fatal(err)
	} else {
		c, err := st.GetClient(t.Context(), spa["id"].(string))
		st.Close()
		if err != nil || c.BackChannelLogoutURI != "http://localhost:5000/bc" || !c.BackChannelLogoutSessionRequired {
			t.Errorf("apps create --backchannel-logout-uri stored %q %v (%v)", c.BackChannelLogoutURI, c.BackChannelLogoutSessionRequired, err)
		}
	}
	fails("apps", "create", "--name", "bad", "--type", "traditional", "--backchannel-logout-uri", "https://a.example/bc#f")
	fails("apps", "create", "--name", "job", "--type", "m2m", "--backchannel-logout-uri", "https://a.example/bc")
	names := map[string]bool{}
	for _, line := range strings.Split(mustRun("apps", "list"), "\n") {
		if f := strings.Fields(line); len(f) >= 3 {
			names[f[2]] = true
		}
	}
	if names["bad"] || names["job"] || !names["spa"] {
		t.Errorf("refused creates made apps: %v", names)
	}
	fails("apps", "update", id, "--redirect-uri", "http://evil.example/cb")
	fails("apps", "update", id)
	fails("apps", "update", "nope", "--name", "x")

	out := mustRun("apps", "add-secret", id, "--name", "ci", "--expires-in", "24h")
	i := strings.Index(out, "App secret: ")
	if i < 0 || len(strings.Fields(out[i+len("App secret: "):])[0]) != 32 || !strings.Contains(out, "works until") {
		t.Fatalf("add-secret said %q", out)
	}
	secret := strings.Fields(out[i+len("App secret: "):])[0]
	fails("apps", "add-secret", id, "--name", "ci")
	fails("apps", "add-secret", id, "--name", "")
	list := mustRun("apps", "secrets", id)
	if !strings.Contains(list, "default\t") || !strings.Contains(list, "ci\t") || strings.Contains(list, secret) {
		t.Errorf("secrets listed %q", list)
	}
	mustRun("apps", "delete-secret", id, "--name", "ci")
	fails("apps", "delete-secret", id, "--name", "ci")
	if list := mustRun("apps", "secrets", id); strings.Contains(list, "ci\t") {
		t.Errorf("deleted secret still listed: %q", list)
	}
}
