package app_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/store"
)

// TestConsoleAppSecrets: an app's named secrets in the console. A new
// secret is shown once, on the answer to the POST (not cached), and
// authenticates; the app's page lists names and times only; deleting it
// stops it at once; rotation shows the new default secret once.
func TestConsoleAppSecrets(t *testing.T) {
	e, b, csrf := signedInConsole(t)
	ctx := context.Background()
	appID, first := e.app(t, store.AppTraditional, []string{"https://app.example/cb"}, nil)
	path := "/console/apps/" + appID

	resp, body := b.postPage(t, path+"/secrets", csrf, url.Values{"name": {"ci"}, "expires_in_days": {"30"}})
	m := regexp.MustCompile(`<code id="app-secret">([0-9A-Za-z]{32})</code>`).FindStringSubmatch(body)
	if resp.StatusCode != http.StatusCreated || m == nil || !strings.Contains(body, "Secret “ci”") || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("add secret: %d %q\n%.1500s", resp.StatusCode, resp.Header.Get("Cache-Control"), body)
	}
	ci := m[1]
	c, err := e.Store.GetClient(ctx, appID)
	if err != nil {
		t.Fatal(err)
	}
	var stored *store.ClientSecret
	for i := range c.Secrets {
		if c.Secrets[i].Name == "ci" {
			stored = &c.Secrets[i]
		}
	}
	if stored == nil || !bytes.Equal(stored.Hash, provider.HashSecret(ci)) || time.Until(stored.ExpiresAt) < 29*24*time.Hour {
		t.Fatalf("stored secret %+v", stored)
	}
	e.wantAudit(t, "Admin.Application.AddSecret", rootActor(t, e), "application:"+appID)
	if !e.clientAuthOK(t, appID, ci) {
		t.Fatal("the new secret does not authenticate the app")
	}

	// Listed by name, never shown again. A page without errors marks no
	// field invalid (an empty error used to mark every one).
	resp, body = b.getPage(t, e, path)
	if resp.StatusCode != http.StatusOK || strings.Contains(body, ci) || strings.Contains(body, first) || !strings.Contains(body, "<code>ci</code>") ||
		!strings.Contains(body, "<code>default</code>") {
		t.Fatalf("app page after adding: %d\n%.2000s", resp.StatusCode, body)
	}
	if strings.Contains(body, "aria-invalid") {
		t.Errorf("the app page marks a field invalid with no error:\n%s", body)
	}

	// Field errors: a duplicate name, a bad expiry; nothing added.
	for _, f := range []url.Values{{"name": {"ci"}}, {"name": {"x"}, "expires_in_days": {"soon"}}, {"name": {""}}} {
		resp, body = b.postPage(t, path+"/secrets", csrf, f)
		if resp.StatusCode != http.StatusBadRequest || strings.Count(body, `aria-invalid="true"`) != 1 {
			t.Errorf("add secret %v: %d\n%.800s", f, resp.StatusCode, body)
		}
	}
	if l, _ := e.Store.ListClientSecrets(ctx, appID); len(l) != 2 {
		t.Errorf("secrets after refused adds: %d, want 2", len(l))
	}

	// Delete: the secret stops working.
	if resp, body = b.postPage(t, path+"/secrets/delete", csrf, url.Values{"name": {"ci"}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("delete secret: %d %.500s", resp.StatusCode, body)
	}
	if l, _ := e.Store.ListClientSecrets(ctx, appID); len(l) != 1 || l[0].Name != store.SecretDefault {
		t.Errorf("secrets after delete: %+v", l)
	}
	if e.clientAuthOK(t, appID, ci) {
		t.Error("a deleted secret still authenticates the app")
	}

	// Rotate: the new default secret is shown once; the old one keeps
	// working for the grace period.
	resp, body = b.postPage(t, path+"/secrets/rotate", csrf, url.Values{"grace_hours": {"2"}})
	m = regexp.MustCompile(`<code id="app-secret">([0-9A-Za-z]{32})</code>`).FindStringSubmatch(body)
	if resp.StatusCode != http.StatusCreated || m == nil || m[1] == first {
		t.Fatalf("rotate: %d\n%.1500s", resp.StatusCode, body)
	}
	if l, _ := e.Store.ListClientSecrets(ctx, appID); len(l) != 2 {
		t.Errorf("secrets after rotation: %+v, want default and previous", l)
	}
	if !e.clientAuthOK(t, appID, m[1]) || !e.clientAuthOK(t, appID, first) {
		t.Error("after rotation, the new and (during the grace period) the old default secret must both authenticate")
	}
}

// TestConsoleAppSettings: description, token lifetimes, refresh and
// back-channel logout settings saved through directory.Apps.Update, field
// errors next to the field (what was typed kept), and an audit entry with
// before and after.
func TestConsoleAppSettings(t *testing.T) {
	e, b, csrf := signedInConsole(t)
	ctx := context.Background()
	appID, _ := e.app(t, store.AppTraditional, []string{"https://app.example/cb"}, nil)
	path := "/console/apps/" + appID

	resp, body := b.postPage(t, path+"/settings", csrf, url.Values{"description": {"Billing"}, "id_token_ttl": {"600"},
		"refresh_token_ttl_days": {"30"}, "refresh_reuse_interval": {"20"}, "id_token_alg": {"RS256"}, "always_issue_refresh_token": {"on"},
		"backchannel_logout_uri": {"https://app.example/bc-logout"}, "backchannel_logout_session_required": {"on"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("save settings: %d %.800s", resp.StatusCode, body)
	}
	c, err := e.Store.GetClient(ctx, appID)
	if err != nil || c.Description != "Billing" || c.IDTokenTTL != 600*time.Second || c.RefreshTokenTTL != 30*24*time.Hour ||
		!c.NoRefreshRotation || !c.AlwaysIssueRefreshToken || c.RefreshReuseInterval != 20*time.Second || c.IDTokenAlg != "RS256" ||
		c.BackChannelLogoutURI != "https://app.example/bc-logout" || !c.BackChannelLogoutSessionRequired {
		t.Fatalf("stored settings %+v, %v", c, err)
	}
	en := e.wantAudit(t, "Admin.Application.Update", rootActor(t, e), "application:"+appID)
	if !strings.Contains(string(en.After), `"idTokenTtl":600`) || !strings.Contains(string(en.Before), `"idTokenTtl":0`) ||
		!strings.Contains(string(en.After), `"backchannelLogoutUri":"https://app.example/bc-logout"`) ||
		!strings.Contains(string(en.After), `"backchannelLogoutSessionRequired":true`) || !strings.Contains(string(en.Before), `"backchannelLogoutUri":""`) {
		t.Errorf("audit before/after: %s → %s", en.Before, en.After)
	}
	// The form shows what is stored.
	if _, body = b.getPage(t, e, path); !strings.Contains(body, `value="600"`) || !strings.Contains(body, `value="Billing"`) ||
		!strings.Contains(body, `name="backchannel_logout_uri" type="url" maxlength="2048" spellcheck="false" value="https://app.example/bc-logout"`) ||
		!strings.Contains(body, `name="backchannel_logout_session_required" checked>`) {
		t.Errorf("settings form does not show the stored values:\n%.5000s", body)
	}

	// A bad back-channel logout URI: the directory's message at the field,
	// everything typed shown again, nothing stored.
	resp, body = b.postPage(t, path+"/settings", csrf, url.Values{"description": {"Billing v2"}, "id_token_ttl": {"900"},
		"refresh_token_ttl_days": {"30"}, "refresh_reuse_interval": {"20"}, "id_token_alg": {"ES256"},
		"backchannel_logout_uri": {"http://app.example/bc-logout"}})
	if resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body, `name="backchannel_logout_uri" type="url" maxlength="2048" spellcheck="false" value="http://app.example/bc-logout"`) ||
		!strings.Contains(body, "http is allowed only for localhost") || !strings.Contains(body, `value="Billing v2"`) || !strings.Contains(body, `value="900"`) ||
		!strings.Contains(body, `<option value="ES256" selected>`) || strings.Contains(body, `name="backchannel_logout_session_required" checked>`) {
		t.Errorf("bad back-channel logout URI: %d, want 400 with the error at the field and the typed values\n%.6000s", resp.StatusCode, body)
	}
	if c2, _ := e.Store.GetClient(ctx, appID); c2.BackChannelLogoutURI != c.BackChannelLogoutURI || !c2.BackChannelLogoutSessionRequired ||
		c2.Description != "Billing" || c2.IDTokenTTL != c.IDTokenTTL || c2.IDTokenAlg != "RS256" {
		t.Errorf("a refused save changed the app: %+v", c2)
	}

	for field, v := range map[string]string{"id_token_ttl": "5", "refresh_token_ttl_days": "999", "refresh_reuse_interval": "3601"} {
		resp, body = b.postPage(t, path+"/settings", csrf, url.Values{field: {v}, "rotate_refresh_token": {"on"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="`+field+`" name="`+field+`" type="number" inputmode="numeric" value="`+v+`" aria-invalid="true"`) {
			t.Errorf("%s=%s: %d, want 400 with the error at the field\n%.2500s", field, v, resp.StatusCode, body)
		}
	}
	if c2, _ := e.Store.GetClient(ctx, appID); c2.IDTokenTTL != c.IDTokenTTL || c2.RefreshTokenTTL != c.RefreshTokenTTL || c2.NoRefreshRotation != c.NoRefreshRotation || c2.RefreshReuseInterval != c.RefreshReuseInterval {
		t.Errorf("a refused save changed the app: %+v", c2)
	}
	// Emptied and unticked: no URI, flag off.
	resp, body = b.postPage(t, path+"/settings", csrf, url.Values{"description": {"Billing"}, "backchannel_logout_uri": {""}})
	if c2, _ := e.Store.GetClient(ctx, appID); resp.StatusCode != http.StatusOK || c2.BackChannelLogoutURI != "" || c2.BackChannelLogoutSessionRequired {
		t.Errorf("clearing the back-channel settings: %d %q %v\n%.800s", resp.StatusCode, c2.BackChannelLogoutURI, c2.BackChannelLogoutSessionRequired, body)
	}
}

// TestConsoleUserSessions: a user's page lists their live sessions with
// the apps signed in to.
func TestConsoleUserSessions(t *testing.T) {
	e, b, _ := signedInConsole(t)
	root, err := e.Store.GetUserByLogin(context.Background(), "root")
	if err != nil {
		t.Fatal(err)
	}
	resp, body := b.getPage(t, e, "/console/users/"+root.ID)
	// root's own console sign-in is a session that signed in to the console.
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Active sessions") || !strings.Contains(body, "<td>Sesame console</td>") {
		t.Fatalf("user page: %d\n%.3000s", resp.StatusCode, body)
	}
	alice := e.user(t, "alice", "alice-password-1")
	if _, body = b.getPage(t, e, "/console/users/"+alice.ID); !strings.Contains(body, "No active sessions.") {
		t.Errorf("a user without sessions:\n%.2000s", body)
	}
}
