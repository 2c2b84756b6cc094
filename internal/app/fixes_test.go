package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/signinexp"
)

// setPolicyMin12 stores a password policy of at least 12 characters.
func (e *env) setPolicyMin12(t *testing.T) {
	t.Helper()
	if _, _, err := (&signinexp.Service{Store: e.Store}).Update(t.Context(), []byte(`{"passwordPolicy":{"length":{"min":12,"max":256}}}`)); err != nil {
		t.Fatal(err)
	}
}

// TestConsoleSetupPasswordPolicy: the real first-run setup refuses an
// administrator password the sign-in experience's policy refuses.
func TestConsoleSetupPasswordPolicy(t *testing.T) {
	e := newEnv(t, withConsoleMaster)
	e.seedConsole(t)
	e.setPolicyMin12(t)
	setup, err := admin.Admins{Store: e.Store}.SetupURL(t.Context(), e.URL)
	if err != nil || setup == "" {
		t.Fatalf("SetupURL: %q %v", setup, err)
	}
	u, _ := url.Parse(setup)
	b := e.browser(t)
	resp := b.get(t, setup)
	body, action, csrf := page(t, resp)
	if csrf == "" {
		t.Fatalf("setup page: %d %.800s", resp.StatusCode, body)
	}
	form := url.Values{"csrf_token": {csrf}, "token": {u.Query().Get("token")}, "login": {"boss"}, "password": {"ten-chars!"}, "password_repeat": {"ten-chars!"}}
	resp = b.post(t, action, form)
	if body, _, _ = page(t, resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "12") {
		t.Fatalf("10-character password under a 12-character policy: %d %.800s", resp.StatusCode, body)
	}
	if l, _ := (admin.Admins{Store: e.Store}).ListAdmins(t.Context()); len(l) != 0 {
		t.Fatalf("refused setup created %v", l)
	}
	form.Set("password", "twelve-chars")
	form.Set("password_repeat", "twelve-chars")
	resp = b.post(t, action, form)
	if body, _, _ = page(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Sesame is set up") {
		t.Fatalf("12-character password: %d %.800s", resp.StatusCode, body)
	}
}
