package console

import (
	"time"

	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
)

// Pages returns every console page, as zero values for ui.New.
func Pages() []ui.Page {
	return []ui.Page{&NotSetUpPage{}, &SetupPage{}, &NotAdminPage{}, &SignedOutPage{}, &HomePage{},
		&AppsPage{}, &NewAppPage{}, &AppPage{}, &GuidePage{}, &UsersPage{}, &NewUserPage{}, &UserPage{},
		&ResourcesPage{}, &NewResourcePage{}, &ResourcePage{}, &RolesPage{}, &NewRolePage{}, &RolePage{},
		&SettingsPage{}, &AuditPage{}, &AdminsPage{}}
}

// Nav is what the console layout's navigation bar needs; every signed-in
// page embeds it.
type Nav struct {
	Console   string // the console's path, e.g. "/console"
	Section   string // the current entry's Section
	CSRFToken string // for the sign-out form and the page's own forms
	Items     []NavItem
}

// NavItem is one entry of the navigation bar.
type NavItem struct {
	Section, Label, Path string // Label is a catalogue key; Path is under the console, e.g. "/apps"
}

// navItems is the navigation bar, in order: a new section adds a line.
var navItems = []NavItem{
	{"home", "console.nav.home", "/"},
	{"apps", "console.nav.apps", "/apps"},
	{"users", "console.nav.users", "/users"},
	{"resources", "console.nav.resources", "/resources"},
	{"roles", "console.nav.roles", "/roles"},
	{"signin", "console.nav.signin", "/sign-in-experience"},
	{"audit", "console.nav.audit", "/audit"},
	{"admins", "console.nav.admins", "/admins"},
}

// NotSetUpPage is every console page while no administrator exists.
type NotSetUpPage struct{ ui.Base }

func (*NotSetUpPage) Template() string { return "console/not_set_up" }

// SetupPage creates the first administrator.
type SetupPage struct {
	ui.Base
	Action, CSRFToken, Token string
	Login                    string
	Error                    ui.Msg
	Done                     bool
	Console                  string
}

func (*SetupPage) Template() string { return "console/setup" }

// NotAdminPage refuses a signed-in user who is not an administrator.
type NotAdminPage struct {
	ui.Base
	SignOut, CSRFToken string
}

func (*NotAdminPage) Template() string { return "console/not_admin" }

// SignedOutPage follows a console sign-out.
type SignedOutPage struct {
	ui.Base
	SignIn string
}

func (*SignedOutPage) Template() string { return "console/signed_out" }

// HomePage is "Get started".
type HomePage struct {
	ui.Base
	Nav
	Apps, Users int
}

func (*HomePage) Template() string { return "console/home" }

// AppRow is one line of the apps list.
type AppRow struct {
	ID, Name, Type string // Type: the catalogue key of the app type's label
	CreatedAt      time.Time
}

// AppsPage lists the apps.
type AppsPage struct {
	ui.Base
	Nav
	Apps []AppRow
}

func (*AppsPage) Template() string { return "console/apps" }

// AppType is one choice on the new-app form; Label and Help are
// catalogue keys.
type AppType struct {
	Value, Label, Help string
	Checked            bool
}

// NewAppPage creates an app.
type NewAppPage struct {
	ui.Base
	Nav
	Name  string
	Types []AppType
	Error ui.Msg
}

func (*NewAppPage) Template() string { return "console/app_new" }

// FieldError is a form's error, shown by its field.
type FieldError struct{ Field, Message string }

// AppPage is an app's details.
type AppPage struct {
	ui.Base
	Nav
	App       store.Client
	TypeLabel string // a catalogue key
	Secret    string // only on the page that follows the creation
	// SecretName names Secret when it is a named secret (added or rotated).
	SecretName string
	// Secrets are the app's secrets: names and times, never the values.
	Secrets       []store.ClientSecret
	NewSecretName string // the name typed, when adding a secret failed
	Settings      AppSettingsForm
	Redirects     string // one per line, as in the form
	Logouts       string
	CORS          string
	Errors        map[string]ui.Msg // by field name
	Saved         bool
	Guide         string
}

func (*AppPage) Template() string { return "console/app" }

// GuidePage is an app's integration guide.
type GuidePage struct {
	ui.Base
	Nav
	App          store.Client
	Endpoint     string
	Issuer       string
	CookieSecret string
	Redirect     string // the suggested redirect URI
	Logout       string
	Redirects    string
	Logouts      string
	Errors       map[string]ui.Msg
	Saved        bool
	Framework    string // "go" or "next"
	GoURL        string
	NextURL      string
	AppURL       string
}

func (*GuidePage) Template() string { return "console/guide" }

// UserRow is one line of the users list.
type UserRow struct {
	ID, Username, Email, Name string
	Suspended                 bool
	CreatedAt                 time.Time
}

// UsersPage lists users.
type UsersPage struct {
	ui.Base
	Nav
	Query      string
	Users      []UserRow
	Total      int
	Page       int
	Prev, Next string // links, empty at the ends
}

func (*UsersPage) Template() string { return "console/users" }

// NewUserPage creates a user.
type NewUserPage struct {
	ui.Base
	Nav
	Username, Email, Name string
	Error                 ui.Msg
}

func (*NewUserPage) Template() string { return "console/user_new" }

// UserPage is a user's details.
type UserPage struct {
	ui.Base
	Nav
	User    store.User
	Roles   []string
	Error   ui.Msg
	Message ui.Msg
	// HeldRoles and Assignable are the roles the user holds and the user
	// roles they can be given; Sessions their live sessions.
	HeldRoles, Assignable []RoleRef
	Sessions              []SessionRow
	// The profile form, from the stored user or as typed; Errors by field.
	Username, Email, Name, Phone, Avatar string
	ProfileJSON, CustomData              string
	Errors                               map[string]ui.Msg
}

func (*UserPage) Template() string { return "console/user" }

// RoleRef is a role on a user's page; Admin marks the administrator
// role, managed on the Administrators page.
type RoleRef struct {
	ID, Name string
	Admin    bool
}

// SessionRow is one of a user's live sessions with the names of its apps.
type SessionRow struct {
	CreatedAt, LastSeenAt, ExpiresAt time.Time
	Apps                             []string
}
