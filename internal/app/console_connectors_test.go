package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/signinexp"
)

// TestConsoleConnectors: the console adds, edits and deletes social
// connectors through signinexp's rules; the client secret is write-only
// (never on a page, sealed in the database, kept when left empty); bad
// input is shown at its field and changes nothing; every change is
// audited with the public view only.
func TestConsoleConnectors(t *testing.T) {
	e, b, csrf := signedInConsole(t)
	actor := rootActor(t, e)
	const secret = "upstream-client-secret-9f3a"
	stored := func() signinexp.Settings {
		t.Helper()
		x, err := (&signinexp.Service{Store: e.Store, AllowRegistration: true}).Get(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	resp, body := b.getPage(t, e, "/console/sign-in-experience")
	wantStatus(t, "page", resp, body, http.StatusOK, "No connector yet.", `<label for="connector_client_secret">`, `type="password"`)

	add := url.Values{"connector_id": {"upstream"}, "connector_display_name": {`Upstream <script>x</script>`},
		"connector_issuer": {"https://id.upstream.example/"}, "connector_client_id": {"sesame-client"},
		"connector_client_secret": {secret}, "connector_enabled": {"true"}}
	bad := func(field, value, want, input string) {
		t.Helper()
		f := url.Values{}
		for k, v := range add {
			f[k] = v
		}
		f.Set(field, value)
		resp, body := b.postPage(t, "/console/sign-in-experience/connectors", csrf, f)
		wantStatus(t, field+"="+value, resp, body, http.StatusBadRequest, want, `class="field-error"`, `id="`+input+`"`)
		if strings.Contains(body, secret) {
			t.Fatal("the secret was echoed on an error page")
		}
	}
	bad("connector_issuer", "http://id.upstream.example", "Https only", "connector_issuer")
	bad("connector_id", "Up Stream", "1 to 32 of", "connector_id")
	bad("connector_client_id", "", "1 to 256 printable", "connector_client_id")
	if n := len(stored().SocialConnectors); n != 0 {
		t.Fatalf("refused forms stored %d connectors", n)
	}

	resp, body = b.postPage(t, "/console/sign-in-experience/connectors", csrf, add)
	wantStatus(t, "add", resp, body, http.StatusOK, "Saved.", "<code>upstream</code>", "https://id.upstream.example", "Set",
		"Upstream &lt;script&gt;x&lt;/script&gt;")
	if strings.Contains(body, secret) || strings.Contains(body, "<script>x") {
		t.Fatal("the page shows the secret or unescaped text")
	}
	x := stored()
	if len(x.SocialConnectors) != 1 || len(x.SocialConnectors[0].SealedSecret) == 0 || x.SocialConnectors[0].Issuer != "https://id.upstream.example" {
		t.Fatalf("stored: %+v", x.SocialConnectors)
	}
	row, err := e.Store.GetSignInExperience(context.Background())
	if err != nil || strings.Contains(string(row.Doc), secret) {
		t.Fatalf("the secret is in the database in clear (or %v)", err)
	}
	en := e.wantAudit(t, "Admin.SignInExperience.Update", actor, "signInExperience")
	if strings.Contains(string(en.After), secret) || strings.Contains(string(en.After), "sealedSecret") || !strings.Contains(string(en.After), `"clientSecretSet":true`) {
		t.Fatalf("audit after: %s", en.After)
	}

	// Edit: the form is filled, never with the secret; an empty secret
	// keeps the stored one.
	resp, body = b.getPage(t, e, "/console/sign-in-experience?connector=upstream")
	wantStatus(t, "edit form", resp, body, http.StatusOK, "Edit the connector", `value="sesame-client"`, `value="openid email profile"`)
	if strings.Contains(body, secret) {
		t.Fatal("the edit form holds the secret")
	}
	sealed := string(x.SocialConnectors[0].SealedSecret)
	edit := url.Values{"connector_id": {"upstream"}, "connector_display_name": {"Upstream ID"}, "connector_issuer": {"https://id.upstream.example"},
		"connector_client_id": {"sesame-client"}, "connector_scopes": {"openid email"}}
	resp, body = b.postPage(t, "/console/sign-in-experience/connectors", csrf, edit)
	wantStatus(t, "edit", resp, body, http.StatusOK, "Saved.", "Upstream ID")
	x = stored()
	if c := x.SocialConnectors[0]; string(c.SealedSecret) != sealed || c.Enabled || c.DisplayName != "Upstream ID" || strings.Join(c.Scopes, " ") != "openid email" {
		t.Fatalf("after edit: %+v", c)
	}

	// Delete.
	resp, body = b.postPage(t, "/console/sign-in-experience/connectors/upstream/delete", csrf, nil)
	wantStatus(t, "delete", resp, body, http.StatusOK, "Saved.", "No connector yet.")
	if n := len(stored().SocialConnectors); n != 0 {
		t.Fatalf("%d connectors after delete", n)
	}
	// Without the CSRF token nothing happens.
	add.Del("csrf_token") // postPage set it
	resp = b.post(t, "/console/sign-in-experience/connectors", add)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || len(stored().SocialConnectors) != 0 {
		t.Fatalf("post without CSRF: %d", resp.StatusCode)
	}
}
