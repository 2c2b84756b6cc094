package console

import (
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
	"github.com/sesameauth/sesame/web"
)

// samplePages are console pages with every optional part filled, so the
// templates' conditional texts render too. The data is chosen to contain
// none of englishWords.
func samplePages() []ui.Page {
	nav := Nav{Console: "/console", Section: "apps", CSRFToken: "tok", Items: navItems}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	types := append([]AppType(nil), appTypes...)
	types[0].Checked = true
	return []ui.Page{
		&NotSetUpPage{},
		&SetupPage{Action: "/console/setup", Token: "t", Login: "ada", Error: ui.M("console.passwords_differ")},
		&SetupPage{Done: true, Console: "/console/"},
		&NotAdminPage{SignOut: "/console/sign-out"},
		&SignedOutPage{SignIn: "/console/"},
		&HomePage{Nav: nav, Apps: 2, Users: 1},
		&HomePage{Nav: nav, Apps: 1, Users: 3},
		&AppsPage{Nav: nav, Apps: []AppRow{{ID: "a1", Name: "Shop", Type: typeLabel(store.AppSPA), CreatedAt: at}}},
		&AppsPage{Nav: nav},
		&NewAppPage{Nav: nav, Name: "Shop", Types: types, Error: ui.M("console.passwords_differ")},
		&UsersPage{Nav: nav, Query: "ada", Total: 3, Page: 2, Prev: "/p", Next: "/n",
			Users: []UserRow{{ID: "u1", Username: "ada", Email: "ada@example.com", Name: "Ada", CreatedAt: at},
				{ID: "u2", Username: "bob", Suspended: true, CreatedAt: at}}},
		&UsersPage{Nav: nav, Query: "zz"},
		&UsersPage{Nav: nav},
		&NewUserPage{Nav: nav, Username: "ada", Error: ui.M("console.passwords_differ")},
		&UserPage{Nav: nav, User: store.User{ID: "u1", Username: "ada", Email: "ada@example.com", Name: "Ada", EmailVerified: true,
			LastSignInAt: at, CreatedAt: at}, Message: ui.M("console.user.done.password"), Error: ui.M("console.confirm_tick"),
			HeldRoles: []RoleRef{{ID: "r1", Name: "Reader"}, {ID: "r2", Name: "Admin", Admin: true}}, Assignable: []RoleRef{{ID: "r3", Name: "Writer"}},
			Sessions: []SessionRow{{CreatedAt: at, LastSeenAt: at, ExpiresAt: at, Apps: []string{"Shop"}}, {CreatedAt: at}},
			Username: "ada", Errors: map[string]ui.Msg{"roles": ui.M("console.user.role.choose"), "email": ui.M("console.passwords_differ")}},
		&UserPage{Nav: nav, User: store.User{ID: "u2", Suspended: true, CreatedAt: at}},
		&AdminsPage{Nav: nav, Admins: []AdminRow{{ID: "u1", Username: "ada", Email: "ada@example.com", Name: "Ada", Enabled: true, Self: true},
			{ID: "u2", Email: "bob@example.com"}}, Message: ui.M("console.admins.done.granted"), Error: ui.M("console.admins.login_required"),
			Errors: map[string]ui.Msg{"create": ui.M("console.passwords_differ"), "login": ui.M("console.admins.login_required")}},
		&AuditPage{Nav: nav, User: "u1", Events: []string{"Interaction.SignIn"}, Total: 3, Prev: "/p", Next: "/n",
			Entries: []AuditRow{{Key: "Interaction.SignIn", Time: at, Failed: true, Error: "x", Actor: "u1", Target: "t", User: "u1", App: "a1",
				IP: "127.0.0.1", UserAgent: "Mozilla", Before: "{}", After: "{}"}, {Key: "Interaction.SignIn", Time: at}}},
		&AuditPage{Nav: nav, Error: ui.M("console.audit.bad_from")},
		&AuditPage{Nav: nav, Event: "x"},
		&AuditPage{Nav: nav},
		&ResourcesPage{Nav: nav, Resources: []ResourceRow{{ID: "x1", Name: "Orders", Indicator: "https://api.example.com", TTL: 3600, Scopes: 2, Protected: true}}},
		&ResourcesPage{Nav: nav},
		&NewResourcePage{Nav: nav, Name: "Orders", TTL: "3600", Errors: map[string]ui.Msg{"ttl": badTTL, "name": ui.M("console.confirm_tick")}},
		&ResourcePage{Nav: nav, Resource: store.Resource{ID: "x1", Name: "Orders", Indicator: "https://api.example.com"}, Name: "Orders", TTL: "60",
			Scopes: []store.ResourceScope{{ID: "s1", Name: "read:orders", Description: "Lesen"}}, Message: ui.M("console.saved"), Error: ui.M("console.confirm_tick"),
			Errors: map[string]ui.Msg{"scope-s1": badTTL, "scope_name": badTTL, "ttl": badTTL}},
		&ResourcePage{Nav: nav, Resource: store.Resource{ID: "x2", Name: "Orders"}, Protected: true},
		&RolesPage{Nav: nav, Type: "user", Roles: []RoleRow{{ID: "r1", Name: "Reader", Description: "Lesen", IsDefault: true, Protected: true, Members: 2}}},
		&RolesPage{Nav: nav, Type: "m2m", Roles: []RoleRow{{ID: "r1", Name: "Reader"}}},
		&RolesPage{Nav: nav, Type: "user"},
		&RolesPage{Nav: nav, Type: "m2m"},
		&NewRolePage{Nav: nav, Name: "Reader", Type: "m2m", IsDefault: true, Errors: map[string]ui.Msg{"name": badTTL, "description": badTTL, "type": badTTL, "is_default": badTTL}},
		&RolePage{Nav: nav, Role: store.Role{ID: "r1", Name: "Reader", Type: store.RoleUser}, Protected: true, Name: "Reader", IsDefault: true,
			Held:      []HeldScope{{ID: "s1", Name: "read:orders", Resource: "Orders"}},
			Available: []ScopeGroup{{Resource: "Orders", Indicator: "https://api.example.com", Scopes: []store.ResourceScope{{ID: "s2", Name: "write:orders", Description: "Schreiben"}}}},
			Users:     []UserRow{{ID: "u1", Username: "ada", Email: "ada@example.com"}}, Members: 1, Query: "ada", Found: []UserRow{{ID: "u2", Name: "Bob", Username: "bob"}},
			Message: ui.M("console.saved"), Error: ui.M("console.confirm_tick"), Errors: map[string]ui.Msg{"scopes": ui.M("console.role.choose_scope"), "name": badTTL}},
		&RolePage{Nav: nav, Role: store.Role{ID: "r1", Name: "Reader", Type: store.RoleUser}, Query: "zz"},
		&RolePage{Nav: nav, Role: store.Role{ID: "r2", Name: "Robot", Type: store.RoleM2M}, Apps: []AppRow{{ID: "a1", Name: "Shop"}}, Candidates: []AppRow{{ID: "a2", Name: "Job"}}},
		&RolePage{Nav: nav, Role: store.Role{ID: "r2", Name: "Robot", Type: store.RoleM2M}},
		&AppPage{Nav: nav, App: store.Client{ID: "a1", Name: "Shop", Type: store.AppTraditional, CreatedAt: at}, TypeLabel: typeLabel(store.AppTraditional),
			Secret: "s3cr3t", SecretName: "ci", Saved: true, Guide: "/g",
			Secrets: []store.ClientSecret{{Name: "default", CreatedAt: at}, {Name: "ci", CreatedAt: at, ExpiresAt: at}},
			Errors: map[string]ui.Msg{"secrets": badTTL, "name": badTTL, "expires_in_days": badTTL, "grace_hours": badTTL, "settings": badTTL,
				"description": badTTL, "id_token_ttl": badTTL, "redirect_uris": badTTL, "cors_origins": badTTL, "confirm": badTTL}},
		&AppPage{Nav: nav, App: store.Client{ID: "a1", Name: "Shop", Type: store.AppTraditional, CreatedAt: at}, TypeLabel: typeLabel(store.AppTraditional), Secret: "x"},
		&AppPage{Nav: nav, App: store.Client{ID: "a2", Name: "Job", Type: store.AppM2M, CreatedAt: at}, TypeLabel: typeLabel(store.AppM2M)},
		&GuidePage{Nav: nav, App: store.Client{ID: "a1", Name: "Shop"}, Endpoint: "https://id.example.com", Framework: "go", Saved: true,
			Redirect: "http://localhost:3000/callback", Logout: "http://localhost:3000/",
			Errors: map[string]ui.Msg{"redirect_uris": badTTL, "post_logout_redirect_uris": badTTL}},
		&GuidePage{Nav: nav, App: store.Client{ID: "a1", Name: "Shop"}, Endpoint: "https://id.example.com", Framework: "next"},
		&SettingsPage{Nav: nav, DisplayName: "Shop", Username: true, Email: true, Registration: true, MinLength: "8", CharTypes: "2",
			Saved: true, Preview: "/p", Error: ui.M("console.signinexp.bad_min_length"),
			Errors:     map[string]ui.Msg{"display_name": badTTL, "logo_url": badTTL, "min_length": badTTL, "words": badTTL, "mfa_factors": badTTL},
			Connectors: []ConnectorRow{{ID: "corp", DisplayName: "Corp", Issuer: "https://corp.example.com", Enabled: true, SecretSet: true}},
			Connector:  ConnectorForm{ID: "corp", Editing: true, Error: badTTL, Errors: map[string]ui.Msg{"connector_issuer": badTTL}}},
	}
}

// englishWords are words of the English console texts that no German
// text contains (as whole, case-sensitive words).
var englishWords = regexp.MustCompile(`\b(the|and|your|Applications|Application|Users|User|Roles|Save|Delete|Create|Sign|Search|Copy|Add|Remove|Enter|Choose|Tick|Password|Email|Created|Active|Suspended|Type|Permissions|Settings|Secret|Name \(optional\))\b`)

var (
	scriptOrStyle = regexp.MustCompile(`(?s)<(script|style)\b.*?</(script|style)>`)
	tag           = regexp.MustCompile(`(?s)<[^>]*>`)
)

// textNodes returns the text of an HTML page outside its tags, scripts
// and styles, unescaped (code examples included: they are shown text).
func textNodes(page string) string {
	page = scriptOrStyle.ReplaceAllString(page, " ")
	return html.UnescapeString(tag.ReplaceAllString(page, " "))
}

func renderIn(t *testing.T, rn *ui.Renderer, lang string, p ui.Page) string {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/console/", nil)
	req.Header.Set("Accept-Language", lang)
	w := httptest.NewRecorder()
	rn.Render(w, req, http.StatusOK, p)
	if w.Code != http.StatusOK {
		t.Fatalf("%s: status %d: %s", p.Template(), w.Code, w.Body)
	}
	return w.Body.String()
}

// TestConsoleGerman: with Accept-Language: de the console pages are
// German (lang="de", a German heading) and their text carries none of a
// set of English words; the same pages in English do carry some (so the
// check can fail).
func TestConsoleGerman(t *testing.T) {
	rn, err := ui.New(web.FS(), Pages()...)
	if err != nil {
		t.Fatal(err)
	}
	home := renderIn(t, rn, "de-DE,de;q=0.9,en;q=0.5", &HomePage{Nav: Nav{Console: "/console", Items: navItems}})
	if !strings.Contains(home, `<html lang="de">`) || !strings.Contains(home, "<h1 class=\"title\">Erste Schritte</h1>") ||
		!strings.Contains(home, ">Anwendungen</a>") {
		t.Fatalf("home page in de:\n%s", home)
	}
	englishSeen := 0
	covered := map[string]bool{}
	for _, p := range samplePages() {
		covered[p.Template()] = true
	}
	for _, p := range Pages() {
		if !covered[p.Template()] {
			t.Errorf("samplePages lacks %s", p.Template())
		}
	}
	en := samplePages() // Render sets a page's Lang: each language its own pages
	for i, p := range samplePages() {
		text := textNodes(renderIn(t, rn, "de", p))
		if m := englishWords.FindAllString(text, -1); m != nil {
			t.Errorf("%s in de has English words %q:\n%s", p.Template(), m, text)
		}
		if englishWords.MatchString(textNodes(renderIn(t, rn, "en", en[i]))) {
			englishSeen++
		}
	}
	if englishSeen < len(samplePages())/2 {
		t.Errorf("only %d pages in en have any of the English words: the check is blind", englishSeen)
	}
}

// TestConsoleLanguageChoice: the console follows the pages' language
// choice — the sesame_lang cookie over Accept-Language, English without
// either.
func TestConsoleLanguageChoice(t *testing.T) {
	rn, err := ui.New(web.FS(), Pages()...)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ cookie, accept, lang, heading string }{
		{"zh-Hans", "de", "zh-Hans", "Sesame 尚未设置"},
		{"", "de-AT", "de", "Sesame ist noch nicht eingerichtet"},
		{"", "", "en", "Sesame is not set up yet"},
	} {
		req := httptest.NewRequest(http.MethodGet, "/console/", nil)
		if c.cookie != "" {
			req.AddCookie(&http.Cookie{Name: ui.LangCookie, Value: c.cookie})
		}
		if c.accept != "" {
			req.Header.Set("Accept-Language", c.accept)
		}
		w := httptest.NewRecorder()
		rn.Render(w, req, http.StatusServiceUnavailable, &NotSetUpPage{})
		body := w.Body.String()
		if !strings.Contains(body, `<html lang="`+c.lang+`">`) || !strings.Contains(body, c.heading) {
			t.Errorf("cookie %q, Accept-Language %q: want %s with %q:\n%s", c.cookie, c.accept, c.lang, c.heading, body)
		}
	}
}
