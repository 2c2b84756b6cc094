package ui_test

import (
	"bytes"
	"flag"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/sesameauth/sesame/internal/account"
	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/console"
	"github.com/sesameauth/sesame/internal/experience"
	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/oidc/endsession"
	"github.com/sesameauth/sesame/internal/oidc/oauth2"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
	"github.com/sesameauth/sesame/web"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func newRenderer(t *testing.T) *ui.Renderer {
	t.Helper()
	r, err := ui.New(web.FS(), app.Pages()...)
	if err != nil {
		t.Fatalf("New(web.FS()): %v", err)
	}
	return r
}

// TestWebFSVerifies: every page of the embedded tree parses and renders
// its zero value, and every catalogue loads. The server parses pages at
// their first render, so this test is where a broken template fails.
func TestWebFSVerifies(t *testing.T) {
	if err := newRenderer(t).Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestWebFS(t *testing.T) {
	if err := fstest.TestFS(web.FS(),
		"templates/shared/layout.html",
		"templates/shared/icons.html",
		"templates/experience/signin.html",
		"templates/experience/register.html",
		"templates/experience/consent.html",
		"templates/shared/error.html",
		"templates/oidc/signed_out.html",
		"templates/oidc/logout_confirm.html",
		"templates/oidc/form_post.html",
		"templates/app/home.html",
		"static/sesame.css",
		"static/favicon.svg",
	); err != nil {
		t.Fatal(err)
	}
}

// page is one renderable page with its data.
type page struct {
	name   string
	status int
	data   ui.Page // a pointer to the page struct, so tests can modify it
}

// samplePages returns every page with representative data.
func samplePages() []page {
	return append([]page{
		{"signin", http.StatusOK, &experience.SignInPage{
			Base: ui.Base{Title: "Sign in"}, Action: "/login?req=abc", CSRFToken: "tok-123",
			AppName: "Acme Notes", Identifier: "ada@example.com",
			Error: ui.M("signin.error.bad_credentials"), RegisterURL: "/register?req=abc",
		}},
		{"register", http.StatusOK, &experience.RegisterPage{
			Base: ui.Base{Title: "Create account"}, Action: "/register?req=abc", CSRFToken: "tok-123",
			AppName: "Acme Notes", Username: "ada", Email: "ada@example.com",
			Error: ui.M("register.error.mismatch"), SignInURL: "/login?req=abc",
			PasswordHint: ui.M("identity.password.hint", "min", 12),
		}},
		{"consent", http.StatusOK, &experience.ConsentPage{
			Base: ui.Base{Title: "Allow access"}, Action: "/consent?req=abc", CSRFToken: "tok-123",
			AppName: "Acme Notes", UserName: "ada",
			Scopes: []experience.ScopeItem{
				{Name: "openid", Description: ui.M("consent.scope.openid")},
				{Name: "profile", Description: ui.M("consent.scope.profile")},
				{Name: "offline_access"},
			},
			APIs: []experience.APIAccess{{Resource: "https://api.acme.example/notes", Scopes: []string{"read:notes", "write:notes"}},
				{Resource: "https://api.acme.example/admin"}},
		}},
		{"error", http.StatusBadRequest, &ui.ErrorPage{
			Base: ui.Base{Title: "Error", RequestID: "req_01HZX3"}, Heading: ui.M("oidc.error.bad_link.heading"),
			Message: ui.M("oidc.error.malformed.message"),
			Detail:  "invalid_request: redirect_uri is not registered for this app",
		}},
		{"signed_out", http.StatusOK, &endsession.SignedOutPage{Base: ui.Base{Title: "oidc.signed_out.title"}}},
		{"logout_confirm", http.StatusOK, &endsession.LogoutConfirmPage{Base: ui.Base{Title: "Sign out"}, Action: "/logout", CSRFToken: "tok-123"}},
		{"form_post", http.StatusOK, &oauth2.FormPostPage{
			Base: ui.Base{Title: "Continue", Nonce: "n0nce-Abc123"}, Action: "https://app.example/callback",
			Fields: []oauth2.FormField{{Name: "code", Value: "c0de"}, {Name: "state", Value: "st&te"}, {Name: "iss", Value: "https://id.example"}},
		}},
		{"home", http.StatusOK, &app.HomePage{Issuer: "https://id.example", DiscoveryURL: "https://id.example/.well-known/openid-configuration"}},
	}, slices.Concat(consoleSamples(), mfaSamples(), codeSamples(), passkeySamples(), accountSamples())...)
}

// codeSamples are the emailed-code pages (reset, sign-in with a code,
// registration's code step).
func codeSamples() []page {
	b := ui.Base{Nonce: "n0nce-codes"}
	return []page{
		{"email_step", http.StatusBadRequest, &experience.EmailStepPage{Base: b, Heading: "codes.reset.heading", Intro: "codes.reset.intro",
			Action: "/reset-password?interaction=i1", CSRFToken: "tok", AppName: "Acme", Email: "<ada>@example.com",
			Error: ui.M("codes.error.bad_email"), Submit: "codes.reset.send", BackURL: "/sign-in?interaction=i1"}},
		{"code_step", http.StatusOK, &experience.CodeStepPage{Base: b, Heading: "codes.reset.code_heading", SentTo: "ada@example.com",
			SentKey: "codes.code.sent_if_account", Minutes: 10, Action: "/reset-password?interaction=i1", CSRFToken: "tok", VerificationID: "v1",
			Error: ui.M("codes.error.too_many_sends", "minutes", 3), Notice: ui.M("codes.code.resent"), NewPassword: true,
			PasswordHint: ui.M("identity.password.hint", "min", 12), Submit: "codes.reset.submit", BackURL: "/sign-in?interaction=i1"}},
		{"social_link", http.StatusUnauthorized, &experience.SocialLinkPage{Base: b, Action: "/social/link?interaction=i1", CSRFToken: "tok",
			AppName: "Acme", ConnectorName: "Upstream <IdP>", Email: "dave@example.com", Error: ui.M("social.error.wrong_password"),
			SignInURL: "/sign-in?interaction=i1", ByCode: true}},
		{"continue", http.StatusOK, &experience.ContinuePage{Base: b, Refresh: "0; url=/oidc/auth/i1?a=1&b=2", URL: "/oidc/auth/i1?a=1&b=2"}},
	}
}

// accountSamples are the account pages (internal/account).
func accountSamples() []page {
	b := ui.Base{Nonce: "n0nce-account"}
	return []page{
		{"account_home", http.StatusOK, &account.HomePage{Base: b, CSRFToken: "tok", Actions: map[string]string{"name": "/account/name", "password": "/account/password"},
			Name: "Ada <L>", Login: "ada", Email: "ada@example.com", HasPassword: true, CanEmail: true, Reauthed: true, HasTOTP: true, BackupLeft: 7,
			Sessions: []account.SessionRow{{SID: "s1", CreatedAt: "2026-12-04", LastSeen: "2026-12-04", Apps: "Acme", Current: true}}, Notice: ui.M("account.notice.saved")}},
		{"account_reauth", http.StatusOK, &account.ReauthPage{Base: b, Action: "/account/reauth", CSRFToken: "tok", ReturnTo: "/account", HasPassword: true, HasTOTP: true}},
		{"account_totp", http.StatusOK, &account.TOTPPage{Base: b, Action: "/account/totp", CSRFToken: "tok", Secret: "JBSWY3DPEHPK3PXP", HomeURL: "/account", QR: []byte{0x89, 'P', 'N', 'G'}}},
		{"account_backup_codes", http.StatusOK, &account.BackupCodesPage{Base: b, Codes: []string{"aaaa-bbbb", "cccc-dddd"}, HomeURL: "/account"}},
		{"account_error", http.StatusOK, &account.ErrorPage{Base: b, Message: ui.M("account.error.reauth"), HomeURL: "/account", ReauthURL: "/account/reauth"}},
		{"account_email_code", http.StatusOK, &account.EmailCodePage{Base: b, Action: "/account/email/verify", CSRFToken: "tok", VerificationID: "v1", Email: "new@example.com", HomeURL: "/account"}},
	}
}

// consoleSamples are the console's pages (internal/console).
func consoleSamples() []page {
	b := func(title string) ui.Base { return ui.Base{Title: title, Nonce: "n0nce-console"} }
	nav := func(section string) console.Nav {
		return console.Nav{Console: "/console", Section: section, CSRFToken: "tok-123",
			Items: []console.NavItem{{Section: "apps", Label: "Applications", Path: "/apps"}}}
	}
	app := store.Client{ID: "app123", Name: "Acme Notes", Type: store.AppTraditional, RedirectURIs: []string{"https://app.example/cb"}}
	user := store.User{ID: "u1", Username: "ada", Email: "ada@example.com", Name: "Ada"}
	resource := store.Resource{ID: "r1", Name: "Orders", Indicator: "https://api.example/orders"}
	role := store.Role{ID: "ro1", Name: "Editor", Type: store.RoleUser}
	return []page{
		{"console_not_set_up", http.StatusOK, &console.NotSetUpPage{Base: b("Not set up")}},
		{"console_setup", http.StatusOK, &console.SetupPage{Base: b("Set up"), Action: "/console/setup", CSRFToken: "tok-123", Token: "t", Login: "ada", Error: ui.M("console.saved")}},
		{"console_not_admin", http.StatusOK, &console.NotAdminPage{Base: b("Not an administrator"), SignOut: "/console/sign-out", CSRFToken: "tok-123"}},
		{"console_signed_out", http.StatusOK, &console.SignedOutPage{Base: b("Signed out"), SignIn: "/console/"}},
		{"console_home", http.StatusOK, &console.HomePage{Base: b("Get started"), Nav: nav("home"), Apps: 2, Users: 1}},
		{"console_apps", http.StatusOK, &console.AppsPage{Base: b("Applications"), Nav: nav("apps"), Apps: []console.AppRow{{ID: "app123", Name: "Acme Notes", Type: "Traditional web"}}}},
		{"console_app_new", http.StatusOK, &console.NewAppPage{Base: b("Create"), Nav: nav("apps"), Name: "x", Error: ui.M("console.saved"),
			Types: []console.AppType{{Value: "traditional", Label: "Traditional web", Checked: true}, {Value: "spa", Label: "SPA"}}}},
		{"console_app", http.StatusOK, &console.AppPage{Base: b("Acme Notes"), Nav: nav("apps"), App: app, TypeLabel: "Traditional web",
			Secret: "s3cret", Redirects: "https://app.example/cb", Errors: map[string]ui.Msg{"redirect_uris": ui.M("console.saved")}, Saved: true, Guide: "/console/apps/app123/guide"}},
		{"console_guide", http.StatusOK, &console.GuidePage{Base: b("Guide"), Nav: nav("apps"), App: app, Endpoint: "https://id.example",
			CookieSecret: "c00k1e", Redirect: "http://localhost:3000/callback", Logout: "http://localhost:3000/", Framework: "go",
			GoURL: "/console/apps/app123/guide?framework=go", NextURL: "/console/apps/app123/guide?framework=next", AppURL: "/console/apps/app123"}},
		{"console_users", http.StatusOK, &console.UsersPage{Base: b("Users"), Nav: nav("users"), Query: "ad", Total: 41, Page: 2,
			Users: []console.UserRow{{ID: "u1", Username: "ada", Email: "ada@example.com", Name: "Ada"}}, Prev: "/console/users?page=1", Next: "/console/users?page=3"}},
		{"console_user_new", http.StatusOK, &console.NewUserPage{Base: b("Create a user"), Nav: nav("users"), Username: "ada", Error: ui.M("console.saved")}},
		{"console_user", http.StatusOK, &console.UserPage{Base: b("Ada"), Nav: nav("users"), User: user, Roles: []string{"Sesame administrator"}, Message: ui.M("console.saved")}},
		{"console_resources", http.StatusOK, &console.ResourcesPage{Base: b("API resources"), Nav: nav("resources"),
			Resources: []console.ResourceRow{{ID: "r1", Name: "Orders", Indicator: "https://api.example/orders", TTL: 3600, Scopes: 2}}}},
		{"console_resource_new", http.StatusOK, &console.NewResourcePage{Base: b("Create"), Nav: nav("resources"), Name: "Orders", TTL: "3600",
			Errors: map[string]ui.Msg{"indicator": ui.M("console.saved")}}},
		{"console_resource", http.StatusOK, &console.ResourcePage{Base: b("Orders"), Nav: nav("resources"), Resource: resource, Name: "Orders", TTL: "3600",
			Scopes: []store.ResourceScope{{ID: "s1", ResourceID: "r1", Name: "read:orders", Description: "Read"}}, ScopeName: "x",
			Errors: map[string]ui.Msg{"scope_name": ui.M("console.saved"), "scope-s1": ui.M("console.saved")}, Error: ui.M("console.saved"), Message: ui.M("console.saved")}},
		{"console_roles", http.StatusOK, &console.RolesPage{Base: b("Roles"), Nav: nav("roles"), Type: "user",
			Roles: []console.RoleRow{{ID: "ro1", Name: "Editor", Description: "Edits", IsDefault: true, Members: 3}}}},
		{"console_role_new", http.StatusOK, &console.NewRolePage{Base: b("Create"), Nav: nav("roles"), Name: "Editor", Type: "m2m",
			Errors: map[string]ui.Msg{"is_default": ui.M("console.saved")}}},
		{"console_role", http.StatusOK, &console.RolePage{Base: b("Editor"), Nav: nav("roles"), Role: role, Name: "Editor",
			Held:      []console.HeldScope{{ID: "s1", Name: "read:orders", Resource: "Orders"}},
			Available: []console.ScopeGroup{{Resource: "Orders", Indicator: "https://api.example/orders", Scopes: []store.ResourceScope{{ID: "s2", Name: "write:orders"}}}},
			Users:     []console.UserRow{{ID: "u1", Username: "ada"}}, Members: 1, Query: "bo", Found: []console.UserRow{{ID: "u2", Username: "bob"}},
			Errors: map[string]ui.Msg{"scopes": ui.M("console.saved")}, Message: ui.M("console.saved")}},
		{"console_signinexp", http.StatusOK, &console.SettingsPage{Base: b("Sign-in experience"), Nav: nav("signin"), DisplayName: "Acme",
			LogoURL: "https://acme.example/logo.svg", PrimaryColor: "#4f46e5", DarkPrimaryColor: "#6058ee", DarkMode: true, Username: true,
			MinLength: "8", CharTypes: "0", Words: "acme\nsecret", Errors: map[string]ui.Msg{"primary_color": ui.M("console.saved")}, Saved: true,
			Preview: "/console/sign-in-experience/preview"}},
		{"console_audit", http.StatusOK, &console.AuditPage{Base: b("Audit log"), Nav: nav("audit"), User: "u1", Events: []string{"Interaction.SignIn.Submit"},
			Entries: []console.AuditRow{{ID: "l1", Key: "Admin.SignInExperience.Update", Result: "Success", Actor: "user:u1", Target: "signInExperience",
				Before: "{\"a\": 1}", After: "{\"a\": 2}"}, {ID: "l2", Key: "Interaction.SignIn.Submit", Result: "Error", Error: "wrong_password", User: "u1", IP: "192.0.2.1"}},
			Total: 120, Page: 2, Prev: "/console/audit?page=1", Next: "/console/audit?page=3"}},
		{"console_admins", http.StatusOK, &console.AdminsPage{Base: b("Administrators"), Nav: nav("admins"),
			Admins: []console.AdminRow{{ID: "u1", Username: "root", Enabled: true, Self: true}, {ID: "u2", Email: "b@example.com"}},
			Errors: map[string]ui.Msg{"login": ui.M("console.saved")}, Error: ui.M("console.saved"), Message: ui.M("console.saved")}},
	}
}

// TestSamplesCoverEveryPage: every page the server registers is among the
// samples the tests below render.
func TestSamplesCoverEveryPage(t *testing.T) {
	have := map[string]bool{}
	for _, p := range samplePages() {
		have[p.data.Template()] = true
	}
	for _, p := range append(app.Pages(), &ui.ErrorPage{}) {
		if !have[p.Template()] {
			t.Errorf("page %s has no sample", p.Template())
		}
	}
}

// render serves p through the request middleware (request id, client
// address, logger in the context) and returns the response and the log.
func render(r *ui.Renderer, status int, p ui.Page) (*httptest.ResponseRecorder, string) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	h := httpx.RequestContext(log, httpx.ClientIP{})(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.Render(w, req, status, p)
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	return w, logs.String()
}

func renderPage(t *testing.T, r *ui.Renderer, p page) *httptest.ResponseRecorder {
	t.Helper()
	w, logs := render(r, p.status, p.data)
	if w.Code == http.StatusInternalServerError || logs != "" {
		t.Fatalf("%s: %d %s", p.name, w.Code, logs)
	}
	return w
}

func TestRenderAll(t *testing.T) {
	r := newRenderer(t)
	wantStatus := map[string]int{"error": http.StatusBadRequest, "email_step": http.StatusBadRequest, "social_link": http.StatusUnauthorized}
	wantText := map[string][]string{
		"signin":         {"Sign in", "to continue to <strong>Acme Notes</strong>", `value="ada@example.com"`, "Incorrect username, email or password.", `href="/register?req=abc"`, "Create account", `name="password"`, `autocomplete="current-password"`, `autocomplete="username"`},
		"register":       {"Create your account", `name="username"`, `name="email"`, `name="password"`, `name="password_confirm"`, `autocomplete="new-password"`, `autocomplete="email"`, `value="ada"`, `href="/login?req=abc"`, "Already have an account?", "At least 12 characters."},
		"consent":        {"Acme Notes wants to access your account", "Signed in as <strong>ada</strong>", "See your name, username and picture", "offline_access", "https://api.acme.example/notes", "read:notes", "write:notes", "https://api.acme.example/admin", "No permissions", `name="decision" value="allow"`, `name="decision" value="deny"`},
		"error":          {"This sign-in link is not valid", "The app sent a malformed sign-in request.", "invalid_request: redirect_uri is not registered for this app", "req_01HZX3"},
		"signed_out":     {"You have signed out."},
		"logout_confirm": {"Sign out of Sesame?", `name="logout" value="yes"`, "Sign out</button>"},
		"form_post":      {`action="https://app.example/callback"`, `name="code" value="c0de"`, `name="state" value="st&amp;te"`, "Continue</button>", `<script nonce="n0nce-Abc123">`},
		"email_step":     {"Reset your password", `value="&lt;ada&gt;@example.com"`, `autocomplete="email"`, "Enter a valid email address.", "Send code</button>"},
		"code_step": {"If ada@example.com has an account", "valid for 10 minutes", `autocomplete="one-time-code"`, `inputmode="numeric"`, `name="v" value="v1"`,
			"Try again in 3 min.", "A new code is on its way.", `autocomplete="new-password"`, "Set new password</button>", `name="resend"`},
		"home": {"Sesame is running", "https://id.example", `href="https://id.example/.well-known/openid-configuration"`},
	}
	for _, p := range samplePages() {
		t.Run(p.name, func(t *testing.T) {
			w := renderPage(t, r, p)
			status := wantStatus[p.name]
			if status == 0 {
				status = http.StatusOK
			}
			if w.Code != status {
				t.Errorf("status = %d, want %d", w.Code, status)
			}
			if got := w.Header().Get("Content-Type"); got != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q", got)
			}
			if got := w.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q", got)
			}
			body := w.Body.String()
			if !strings.HasPrefix(body, "<!doctype html>\n<html lang=\"en\">") {
				t.Errorf("page does not start with doctype and lang=en:\n%.80s", body)
			}
			if !strings.Contains(body, `<link rel="stylesheet" href="/static/sesame.css?v=`) {
				t.Error("stylesheet link missing")
			}
			for _, s := range wantText[p.name] {
				if !strings.Contains(body, s) {
					t.Errorf("missing %q", s)
				}
			}
			checkHTML(t, p.name, body, nonceOf(p.data))
		})
	}
}

func nonceOf(data any) string {
	return reflect.ValueOf(data).Elem().FieldByName("Base").FieldByName("Nonce").String()
}

func TestTitleAndLang(t *testing.T) {
	r := newRenderer(t)
	w, _ := render(r, http.StatusOK, &experience.SignInPage{Base: ui.Base{Title: "signin.title", Lang: "de"}})
	body := w.Body.String()
	for _, s := range []string{`<html lang="de">`, "<title>Anmelden · Sesame</title>", "mit Ihrem Sesame-Konto"} {
		if !strings.Contains(body, s) {
			t.Errorf("missing %q", s)
		}
	}
	w, _ = render(r, http.StatusOK, &app.HomePage{})
	if !strings.Contains(w.Body.String(), "<title>Sesame</title>") {
		t.Error("empty Title should render just Sesame")
	}
}

func TestSignInWithoutError(t *testing.T) {
	r := newRenderer(t)
	w, _ := render(r, http.StatusOK, &experience.SignInPage{Action: "/login", CSRFToken: "t"})
	body := w.Body.String()
	for _, s := range []string{`role="alert"`, "aria-invalid", "aria-describedby", "Create account"} {
		if strings.Contains(body, s) {
			t.Errorf("page without Error/RegisterURL contains %q", s)
		}
	}
	checkHTML(t, "signin", body, "")
}

var (
	tagRE    = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>`)
	attrRE   = regexp.MustCompile(`([^\s=/>"']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?`)
	scriptRE = regexp.MustCompile(`(?i)<script`)
	formRE   = regexp.MustCompile(`(?s)<form\b.*?</form>`)
)

type tag struct {
	name  string
	attrs map[string]string // unescaped values
}

func parseTags(body string) []tag {
	var tags []tag
	for _, m := range tagRE.FindAllStringSubmatch(body, -1) {
		tg := tag{name: strings.ToLower(m[1]), attrs: map[string]string{}}
		for _, a := range attrRE.FindAllStringSubmatch(m[2], -1) {
			v := strings.Trim(a[2], `"'`)
			tg.attrs[strings.ToLower(a[1])] = html.UnescapeString(v)
		}
		tags = append(tags, tg)
	}
	return tags
}

// checkHTML asserts the CSP, accessibility and form rules on one page.
func checkHTML(t *testing.T, name, body, nonce string) {
	t.Helper()
	if strings.Contains(strings.ToLower(body), "<style") {
		t.Errorf("%s: contains a <style> element", name)
	}
	tags := parseTags(body)
	ids := map[string]bool{}
	labelFor := map[string]bool{}
	var scripts int
	for _, tg := range tags {
		for a, v := range tg.attrs {
			if a == "style" {
				t.Errorf("%s: <%s> has an inline style attribute", name, tg.name)
			}
			if strings.HasPrefix(a, "on") {
				t.Errorf("%s: <%s> has an event-handler attribute %s", name, tg.name, a)
			}
			switch a {
			case "href", "src", "action", "formaction", "xlink:href":
				if strings.HasPrefix(strings.ToLower(strings.TrimSpace(v)), "javascript:") {
					t.Errorf("%s: <%s %s=%q> is a javascript: URL", name, tg.name, a, v)
				}
			}
		}
		if id, ok := tg.attrs["id"]; ok {
			if ids[id] {
				t.Errorf("%s: duplicate id %q", name, id)
			}
			ids[id] = true
		}
		switch tg.name {
		case "label":
			labelFor[tg.attrs["for"]] = true
		case "script":
			scripts++
			// passkey.js runs on the passkey pages and reveals the sign-in
			// page's passkey link (internal/experience/passkey.go).
			passkeyJS := (name == "signin" || strings.HasPrefix(name, "passkey")) && strings.Contains(tg.attrs["src"], "passkey")
			if name != "form_post" && !strings.HasPrefix(name, "console_") && !passkeyJS {
				t.Errorf("%s: has a <script>", name)
			} else if got := tg.attrs["nonce"]; got == "" || got != nonce {
				t.Errorf("%s: script nonce = %q, want %q", name, got, nonce)
			}
		}
	}
	if n := len(scriptRE.FindAllString(body, -1)); n != scripts {
		t.Errorf("%s: %d <script substrings but %d script tags", name, n, scripts)
	}
	if (name == "form_post" || strings.HasPrefix(name, "console_")) && scripts != 1 {
		t.Errorf("%s: %d scripts, want 1", name, scripts)
	}
	for _, tg := range tags {
		if tg.name == "html" && tg.attrs["lang"] == "" {
			t.Errorf("%s: <html> without lang", name)
		}
		if tg.name == "input" {
			switch tg.attrs["type"] {
			case "hidden", "submit":
				continue
			}
			if _, hidden := tg.attrs["hidden"]; hidden {
				continue // not shown (a password manager's username hint)
			}
			id := tg.attrs["id"]
			if id == "" || !labelFor[id] {
				t.Errorf("%s: input %q has no <label for>", name, tg.attrs["name"])
			}
		}
		if tg.name == "label" && !ids[tg.attrs["for"]] {
			t.Errorf("%s: <label for=%q> points at no element", name, tg.attrs["for"])
		}
		if ref, ok := tg.attrs["aria-describedby"]; ok {
			for _, id := range strings.Fields(ref) {
				if !ids[id] {
					t.Errorf("%s: aria-describedby=%q names no element", name, id)
				}
			}
		}
		if ref, ok := tg.attrs["aria-labelledby"]; ok && !ids[ref] {
			t.Errorf("%s: aria-labelledby=%q names no element", name, ref)
		}
	}
	// Every form other than form_post (and a GET search) carries the CSRF
	// token.
	forms := formRE.FindAllString(body, -1)
	if name != "form_post" {
		for _, f := range forms {
			if !strings.Contains(f, `method="get"`) && !strings.Contains(f, `<input type="hidden" name="csrf_token" value="`) {
				t.Errorf("%s: form without csrf_token input:\n%s", name, f)
			}
		}
	}
	switch name {
	case "signin", "register", "consent", "logout_confirm", "form_post", "mfa", "mfa_enroll", "email_step", "code_step",
		"passkey_signin", "passkey_mfa":
		if len(forms) != 1 {
			t.Errorf("%s: %d forms, want 1", name, len(forms))
		}
	case "console_home", "console_apps", "console_app_new", "console_app", "console_guide", "console_users",
		"console_user_new", "console_user", "console_setup", "console_not_admin",
		"console_resources", "console_resource_new", "console_resource", "console_roles", "console_role_new", "console_role",
		"console_signinexp", "console_audit", "console_admins",
		"account_home", "account_reauth", "account_totp", "account_email_code", "social_link":
		// The console's pages have forms (sign-out, the page's own): each
		// has its CSRF token, checked above.
	default:
		if len(forms) != 0 {
			t.Errorf("%s: %d forms, want 0", name, len(forms))
		}
	}
	// The error alert is announced and tied to the inputs.
	if strings.Contains(body, `class="alert"`) && !strings.Contains(body, `role="alert"`) {
		t.Errorf("%s: alert without role=alert", name)
	}
}

// fill sets every string in v (fields, slices, nested structs) to s.
func fill(v reflect.Value, s string) {
	switch v.Kind() {
	case reflect.Pointer:
		fill(v.Elem(), s)
	case reflect.String:
		v.SetString(s)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), s)
		}
	case reflect.Slice:
		if v.Len() == 0 {
			v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		}
		for i := range v.Len() {
			fill(v.Index(i), s)
		}
	}
}

var payloads = []string{
	`"><svg/onload=alert(1)>`,
	`javascript:alert(1)`,
	`</script><script>alert(1)</script>`,
	`'><img src=x onerror=alert(1)>`,
}

func TestXSS(t *testing.T) {
	r := newRenderer(t)
	for _, payload := range payloads {
		for _, p := range samplePages() {
			t.Run(p.name, func(t *testing.T) {
				fill(reflect.ValueOf(p.data), payload)
				if p.name == "form_post" {
					// A payload Action is refused outright; a real URL that
					// carries the payload must be escaped.
					w, logs := render(r, p.status, p.data)
					if !strings.Contains(logs, "render page") {
						t.Errorf("FormPost with Action %q: no error logged", payload)
					}
					if w.Code != http.StatusInternalServerError || w.Body.String() != "internal error\n" {
						t.Errorf("FormPost with Action %q: %d %q", payload, w.Code, w.Body.String())
					}
					p.data.(*oauth2.FormPostPage).Action = "https://app.example/cb?x=" + payload
				}
				body := renderPage(t, r, p).Body.String()
				if payload != "javascript:alert(1)" && strings.Contains(body, payload) {
					t.Errorf("raw payload %q in output", payload)
				}
				for _, bad := range []string{"<svg/onload", "<script>alert", "<img src=x", "onerror=alert(1)>"} {
					if strings.Contains(body, bad) {
						t.Errorf("%q in output", bad)
					}
				}
				checkHTML(t, p.name, body, nonceOf(p.data))
			})
		}
	}
}

func TestFormPostRejectsBadAction(t *testing.T) {
	r := newRenderer(t)
	for _, action := range []string{"", "/relative", "javascript:alert(1)", "data:text/html,x", "com.example.app:/cb", "https://"} {
		w, logs := render(r, http.StatusOK, &oauth2.FormPostPage{Action: action, Fields: []oauth2.FormField{{Name: "code", Value: "secret-code"}}})
		if !strings.Contains(logs, "render page") || !strings.Contains(logs, "oidc/form_post") {
			t.Errorf("Action %q: no error logged: %s", action, logs)
		}
		if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "secret-code") {
			t.Errorf("Action %q: %d %q", action, w.Code, w.Body.String())
		}
	}
}

var versionRE = regexp.MustCompile(`\?v=[0-9a-f]+`)

func TestGolden(t *testing.T) {
	r := newRenderer(t)
	for _, p := range samplePages() {
		if p.name != "signin" && p.name != "error" {
			continue
		}
		t.Run(p.name, func(t *testing.T) {
			got := versionRE.ReplaceAll(renderPage(t, r, p).Body.Bytes(), []byte("?v=VERSION"))
			file := filepath.Join("testdata", p.name+".golden.html")
			if *update {
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the rendered page (run go test -update if the change is intended)\n--- got ---\n%s", file, got)
			}
		})
	}
}

// testFS returns a minimal valid template tree with files replaced
// (deleted when the new content is empty).
func testFS(overrides map[string]string) fstest.MapFS {
	m := fstest.MapFS{
		"templates/shared/layout.html": {Data: []byte(`{{define "layout"}}<html lang="{{.Lang}}">{{template "content" .}}</html>{{end}}`)},
		"static/sesame.css":            {Data: []byte(`body{}`)},
	}
	for _, p := range append(app.Pages(), &ui.ErrorPage{}) {
		m["templates/"+p.Template()+".html"] = &fstest.MapFile{Data: []byte(`{{define "content"}}ok{{end}}`)}
	}
	for k, v := range overrides {
		if v == "" {
			delete(m, k)
		} else {
			m[k] = &fstest.MapFile{Data: []byte(v)}
		}
	}
	return m
}

// TestNewChecksTheTree: New refuses a tree of the wrong shape; Verify
// refuses one whose pages do not parse or render.
func TestNewChecksTheTree(t *testing.T) {
	r, err := ui.New(testFS(nil), app.Pages()...)
	if err != nil {
		t.Fatalf("minimal tree: %v", err)
	}
	if err := r.Verify(); err != nil {
		t.Fatalf("minimal tree: Verify: %v", err)
	}
	for name, o := range map[string]map[string]string{
		"missing page":      {"templates/experience/consent.html": ""},
		"missing layout":    {"templates/shared/layout.html": ""},
		"missing css":       {"static/sesame.css": ""},
		"no layout defined": {"templates/shared/layout.html": `{{define "shell"}}{{end}}`},
		"broken partial":    {"templates/oidc/partial.html": `{{define "x"}}{{if}}{{end}}`},
	} {
		if _, err := ui.New(testFS(o), app.Pages()...); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
	for name, o := range map[string]map[string]string{
		"parse error":    {"templates/experience/signin.html": `{{define "content"}}{{if}}{{end}}`},
		"no content":     {"templates/app/home.html": `{{define "other"}}{{end}}`},
		"unknown field":  {"templates/shared/error.html": `{{define "content"}}{{.NoSuchField}}{{end}}`},
		"unknown func":   {"templates/shared/error.html": `{{define "content"}}{{nosuchfunc}}{{end}}`},
		"unknown static": {"templates/shared/layout.html": `{{define "layout"}}{{static "nope.css"}}{{template "content" .}}{{end}}`},
		"bad catalogue":  {"i18n/de/x.json": `{"k": 1}`},
	} {
		r, err := ui.New(testFS(o), app.Pages()...)
		if err != nil {
			t.Errorf("%s: New: %v", name, err)
			continue
		}
		if err := r.Verify(); err == nil {
			t.Errorf("%s: Verify succeeded", name)
		}
	}
	// A page whose template is missing from the tree fails New even when
	// no file names it.
	if _, err := ui.New(testFS(nil), append(app.Pages(), &extraPage{})...); err == nil {
		t.Error("unregistered template: New succeeded")
	}
}

// TestPagesParseAtFirstRender: a page that does not parse fails only its
// own render (a plain 500, logged); the others render.
func TestPagesParseAtFirstRender(t *testing.T) {
	r, err := ui.New(testFS(map[string]string{"templates/experience/signin.html": `{{define "content"}}{{if}}{{end}}`}), app.Pages()...)
	if err != nil {
		t.Fatal(err)
	}
	w, logs := render(r, http.StatusOK, &experience.SignInPage{})
	if w.Code != http.StatusInternalServerError || !strings.Contains(logs, "template=experience/signin") {
		t.Errorf("broken page: %d, log %q", w.Code, logs)
	}
	if w, logs := render(r, http.StatusOK, &ui.ErrorPage{}); w.Code != http.StatusOK || w.Body.String() != `<html lang="en">ok</html>` {
		t.Errorf("other page: %d %q, log %q", w.Code, w.Body.String(), logs)
	}
}

// TestFirstRendersConcurrent: pages rendered for the first time by many
// requests at once parse once and render alike (run with -race).
func TestFirstRendersConcurrent(t *testing.T) {
	r := newRenderer(t)
	var wg sync.WaitGroup
	for range 4 {
		for _, p := range samplePages() { // each its own page values: Render fills them
			wg.Go(func() {
				w, logs := render(r, p.status, p.data)
				if w.Code != p.status || logs != "" {
					t.Errorf("%s: %d %s", p.name, w.Code, logs)
				}
			})
		}
	}
	wg.Wait()
}

// extraPage is a page with no template in testFS.
type extraPage struct{ ui.Base }

func (*extraPage) Template() string { return "console/extra" }

// failingSignIn is a sign-in template that fails only when Error is set,
// so the trial render in Verify passes.
var failingSignIn = map[string]string{
	"templates/experience/signin.html": `{{define "content"}}{{if not .Error.IsZero}}{{index .Identifier 99}}{{end}}{{end}}`,
}

func TestRenderErrorIs500(t *testing.T) {
	r, err := ui.New(testFS(failingSignIn), app.Pages()...)
	if err != nil {
		t.Fatal(err)
	}
	w, logs := render(r, http.StatusOK, &experience.SignInPage{Error: ui.M("x"), Identifier: "short"})
	if logs == "" {
		t.Fatal("no error from a failing template")
	}
	if w.Code != http.StatusInternalServerError || w.Body.String() != "internal error\n" {
		t.Errorf("got %d %q, want 500 internal error", w.Code, w.Body.String())
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q", ct)
	}
}

// TestRenderErrorLogged: a template failing at render time is logged with
// the template name and the request id the response carries.
func TestRenderErrorLogged(t *testing.T) {
	r, err := ui.New(testFS(failingSignIn), app.Pages()...)
	if err != nil {
		t.Fatal(err)
	}
	w, logs := render(r, http.StatusOK, &experience.SignInPage{Error: ui.M("x"), Identifier: "short"})
	id := w.Header().Get("X-Request-Id")
	if id == "" {
		t.Fatal("no X-Request-Id")
	}
	for _, s := range []string{"level=ERROR", `msg="render page"`, "template=experience/signin", "request_id=" + id, "index out of range"} {
		if !strings.Contains(logs, s) {
			t.Errorf("log lacks %q:\n%s", s, logs)
		}
	}
}

// TestRenderFillsBase: Render takes the nonce, the request id and the
// language from the request when the page leaves them empty.
func TestRenderFillsBase(t *testing.T) {
	r := newRenderer(t)
	serve := func(p ui.Page) *httptest.ResponseRecorder {
		h := httpx.Chain(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			r.Render(w, req, http.StatusOK, p)
		}), httpx.RequestContext(slog.New(slog.DiscardHandler), httpx.ClientIP{}), httpx.Secure(false))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		return w
	}
	w := serve(&oauth2.FormPostPage{Action: "https://app.example/cb"})
	nonce := regexp.MustCompile(`'nonce-([^']+)'`).FindStringSubmatch(w.Header().Get("Content-Security-Policy"))
	if nonce == nil {
		t.Fatal("no nonce in the CSP")
	}
	body := w.Body.String()
	if !strings.Contains(body, `<script nonce="`+nonce[1]+`">`) || !strings.Contains(body, `<html lang="en">`) {
		t.Errorf("page lacks the request's nonce %q or lang=en:\n%s", nonce[1], body)
	}
	w = serve(&ui.ErrorPage{})
	if id := w.Header().Get("X-Request-Id"); id == "" || !strings.Contains(w.Body.String(), "<code>"+id+"</code>") {
		t.Errorf("error page does not show the request id %q", id)
	}
}

func TestStatic(t *testing.T) {
	r := newRenderer(t)
	srv := http.StripPrefix("/static/", r.Static())
	for _, tc := range []struct {
		path, method string
		status       int
		ctype        string
	}{
		{"/static/sesame.css?v=123", http.MethodGet, 200, "text/css; charset=utf-8"},
		{"/static/favicon.svg", http.MethodGet, 200, "image/svg+xml"},
		{"/static/favicon.svg", http.MethodHead, 200, "image/svg+xml"},
		{"/static/nope.css", http.MethodGet, 404, ""},
		{"/static/", http.MethodGet, 404, ""},
		{"/static/../templates/layout.html", http.MethodGet, 404, ""},
		{"/static/sesame.css", http.MethodPost, 405, ""},
	} {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
		if w.Code != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, w.Code, tc.status)
			continue
		}
		cc := w.Header().Get("Cache-Control")
		if tc.status == 200 {
			if cc != "public, max-age=86400" {
				t.Errorf("%s: Cache-Control = %q", tc.path, cc)
			}
			if got := w.Header().Get("Content-Type"); got != tc.ctype {
				t.Errorf("%s: Content-Type = %q, want %q", tc.path, got, tc.ctype)
			}
		} else if strings.Contains(cc, "public") {
			t.Errorf("%s: error response is publicly cacheable", tc.path)
		}
	}
	// The page links the stylesheet at the versioned URL the handler serves.
	w, _ := render(r, http.StatusOK, &app.HomePage{})
	href := regexp.MustCompile(`href="(/static/sesame\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(w.Body.String())
	if href == nil {
		t.Fatal("no versioned stylesheet link")
	}
	w = httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, href[1], nil))
	if w.Code != 200 || !strings.Contains(w.Body.String(), "prefers-color-scheme") {
		t.Errorf("GET %s: %d", href[1], w.Code)
	}
}

// TestLangChoice: the authorization request's ui_locales outranks the
// language switch's cookie, which outranks Accept-Language; nothing
// supported is English.
func TestLangChoice(t *testing.T) {
	for _, c := range []struct {
		uiLocales, cookie, accept, want string
	}{
		{"", "", "", "en"},
		{"", "", "zh-CN,zh;q=0.9", "zh-Hans"},
		{"", "de", "zh-CN", "de"},
		{"fr de", "zh-Hans", "en", "de"},
		{"fr", "xx", "fr-FR", "en"},
	} {
		req := httptest.NewRequest("GET", "/", nil)
		if c.cookie != "" {
			req.AddCookie(&http.Cookie{Name: ui.LangCookie, Value: c.cookie})
		}
		if c.accept != "" {
			req.Header.Set("Accept-Language", c.accept)
		}
		if got := ui.Lang(req, c.uiLocales); got != c.want {
			t.Errorf("Lang(ui_locales %q, cookie %q, Accept-Language %q) = %s, want %s", c.uiLocales, c.cookie, c.accept, got, c.want)
		}
	}
	r := newRenderer(t)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept-Language", "de-DE")
	w := httptest.NewRecorder()
	r.Render(w, req, http.StatusOK, &app.HomePage{})
	if !strings.Contains(w.Body.String(), `<html lang="de"`) {
		t.Error("Accept-Language de did not reach <html lang>")
	}
}
