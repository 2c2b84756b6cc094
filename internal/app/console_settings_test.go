package app_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/mfa"
	"github.com/sesameauth/sesame/internal/signinexp"
)

// TestConsoleMFASettings: the console's sign-in experience page shows
// and saves the MFA policy through signinexp's rules; a form without the
// MFA section leaves the policy alone.
func TestConsoleMFASettings(t *testing.T) {
	e, b, csrf := signedInConsole(t)
	settings := func() signinexp.Settings {
		t.Helper()
		x, err := (&signinexp.Service{Store: e.Store, AllowRegistration: true}).Get(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	resp, body := b.getPage(t, e, "/console/sign-in-experience")
	wantStatus(t, "page", resp, body, http.StatusOK, `name="mfa_totp" value="true" checked`, `name="mfa_webauthn" value="true" checked`,
		`name="mfa_backup_code" value="true" checked`, `id="mfa_policy_user" type="radio" name="mfa_policy" value="UserControlled" checked`,
		`<label for="mfa_totp">`)

	// The section's texts are catalogue texts (web/i18n/*/settings.json).
	req, _ := http.NewRequest("GET", e.URL+"/console/sign-in-experience", nil)
	req.Header.Set("Accept-Language", "de")
	resp, err := b.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _, _ = page(t, resp)
	wantStatus(t, "page in German", resp, body, http.StatusOK, "Mehr-Faktor-Authentifizierung")

	form := func(extra url.Values) url.Values {
		f := url.Values{"display_name": {"Acme"}, "primary_color": {"#112233"}, "dark_primary_color": {"#445566"},
			"identifier_username": {"true"}, "min_length": {"8"}, "char_types": {"0"}, "mfa_section": {"1"}}
		for k, v := range extra {
			f[k] = v
		}
		return f
	}
	// Refused by signinexp's rules, shown at the field, nothing stored.
	for _, c := range []struct {
		extra url.Values
		want  string
	}{
		{url.Values{"mfa_backup_code": {"true"}}, "BackupCode needs Totp or WebAuthn"},
		{url.Values{"mfa_policy": {"Mandatory"}}, "Mandatory needs Totp or WebAuthn"},
	} {
		resp, body = b.postPage(t, "/console/sign-in-experience", csrf, form(c.extra))
		wantStatus(t, c.want, resp, body, http.StatusBadRequest, c.want, `class="field-error"`)
	}
	if got := settings().MFA; got.Policy != mfa.UserControlled || len(got.Factors) != 3 {
		t.Fatalf("refused forms changed the policy: %+v", got)
	}

	resp, body = b.postPage(t, "/console/sign-in-experience", csrf, form(url.Values{"mfa_totp": {"true"}, "mfa_backup_code": {"true"}, "mfa_policy": {"Mandatory"}}))
	wantStatus(t, "mandatory TOTP", resp, body, http.StatusOK, "Saved.", `id="mfa_policy_mandatory" type="radio" name="mfa_policy" value="Mandatory" checked`)
	if strings.Contains(body, `name="mfa_webauthn" value="true" checked`) {
		t.Error("WebAuthn still shown as offered")
	}
	if got := settings().MFA; got.Policy != mfa.Mandatory || !slices.Equal(got.Factors, []mfa.Factor{mfa.TOTP, mfa.BackupCode}) {
		t.Fatalf("stored policy %+v", got)
	}

	// A form without the section (an older page) keeps the policy.
	f := form(nil)
	f.Del("mfa_section")
	resp, body = b.postPage(t, "/console/sign-in-experience", csrf, f)
	wantStatus(t, "no MFA section", resp, body, http.StatusOK, "Saved.")
	if got := settings().MFA; got.Policy != mfa.Mandatory || len(got.Factors) != 2 {
		t.Fatalf("a form without the MFA section changed it: %+v", got)
	}

	// No factor ticked: MFA off.
	resp, body = b.postPage(t, "/console/sign-in-experience", csrf, form(url.Values{"mfa_policy": {"UserControlled"}}))
	wantStatus(t, "MFA off", resp, body, http.StatusOK, "Saved.")
	if got := settings().MFA; got.Policy != mfa.UserControlled || len(got.Factors) != 0 {
		t.Fatalf("MFA off stored as %+v", got)
	}
}

// TestConsolePasswordlessSetting: the console's toggle for sign-in with
// an emailed code sets signIn.methods[email].verificationCode; it needs
// email sign-in; a form without the toggle keeps the stored choice; the
// hosted sign-in page then offers the code (mail configured).
func TestConsolePasswordlessSetting(t *testing.T) {
	e, b, csrf := signedInConsole(t, withMailDir(t.TempDir()))
	codeOn := func() bool {
		t.Helper()
		x, err := (&signinexp.Service{Store: e.Store, AllowRegistration: true}).Get(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range x.SignIn.Methods {
			if m.VerificationCode {
				return m.Identifier == signinexp.Email
			}
		}
		return false
	}
	resp, body := b.getPage(t, e, "/console/sign-in-experience")
	wantStatus(t, "page", resp, body, http.StatusOK, `<label for="passwordless">`)
	if strings.Contains(body, `name="passwordless" value="true" checked`) {
		t.Fatal("passwordless on by default")
	}
	form := func(extra url.Values) url.Values {
		f := url.Values{"display_name": {"Acme"}, "primary_color": {"#112233"}, "dark_primary_color": {"#445566"},
			"identifier_username": {"true"}, "identifier_email": {"true"}, "min_length": {"8"}, "char_types": {"0"},
			"passwordless_section": {"1"}}
		for k, v := range extra {
			f[k] = v
		}
		return f
	}
	f := form(url.Values{"passwordless": {"true"}})
	f.Del("identifier_email")
	resp, body = b.postPage(t, "/console/sign-in-experience", csrf, f)
	wantStatus(t, "without email", resp, body, http.StatusBadRequest, "needs “Email and password”", `class="field-error"`)
	if codeOn() {
		t.Fatal("a refused form turned passwordless on")
	}

	resp, body = b.postPage(t, "/console/sign-in-experience", csrf, form(url.Values{"passwordless": {"true"}}))
	wantStatus(t, "on", resp, body, http.StatusOK, "Saved.", `name="passwordless" value="true" checked`)
	if !codeOn() {
		t.Fatal("not stored")
	}
	signIn, _ := e.signInPage(t, e.browser(t))
	sb, _, _ := page(t, signIn)
	if !strings.Contains(sb, "Sign in with an emailed code") {
		t.Errorf("the sign-in page does not offer the code:\n%.2000s", sb)
	}

	old := form(nil)
	old.Del("passwordless_section")
	resp, body = b.postPage(t, "/console/sign-in-experience", csrf, old)
	wantStatus(t, "form without the toggle", resp, body, http.StatusOK, "Saved.")
	if !codeOn() {
		t.Fatal("a form without the toggle turned passwordless off")
	}

	resp, body = b.postPage(t, "/console/sign-in-experience", csrf, form(nil))
	wantStatus(t, "off", resp, body, http.StatusOK, "Saved.")
	if codeOn() {
		t.Fatal("unticking did not turn passwordless off")
	}
}
