package console

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/oidc/oauth2"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/secret"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
)

// Authorizer is admin.Gate: who a Management API access token acts for.
type Authorizer interface {
	Authorize(ctx context.Context, token string) (admin.Principal, error)
}

// Setup is the first-run setup (admin.Setup and the check behind it).
// A nil Setup means the server has nothing to set up.
type Setup interface {
	// Needed reports whether no administrator exists yet.
	Needed(ctx context.Context) (bool, error)
	// Create makes the first administrator with the one-time setup token;
	// login is a username or an email. Bad input is a *directory.Error.
	Create(ctx context.Context, token, login, password string) error
}

// URIUpdater saves an app's redirect and post sign-out redirect URIs,
// validating them (directory.Apps.Update, being added by the apps work).
// Bad input is a *directory.Error; nil means saving is not available.
type URIUpdater interface {
	SetURIs(ctx context.Context, c store.Client, redirects, logouts []string) error
}

// Settings is the sign-in experience (signinexp.Service).
type Settings interface {
	Get(ctx context.Context) (signinexp.Settings, error)
	// Update applies a JSON patch in Logto's shape; bad input is a
	// *directory.Error whose Code names the field.
	Update(ctx context.Context, patch []byte) (before, after signinexp.Settings, err error)
}

// Admins manages administrators (admin.Admins).
type Admins interface {
	CreateAdmin(ctx context.Context, na admin.NewAdmin) (store.User, error)
	ListAdmins(ctx context.Context) ([]store.User, error)
	Disable(ctx context.Context, who string) (store.User, error)
	Enable(ctx context.Context, who string) (store.User, error)
}

// Store is what the console pages read besides the directory operations.
type Store interface {
	GetClient(ctx context.Context, id string) (store.Client, error)
	ListUserRoles(ctx context.Context, userID string) ([]store.Role, error)
	ListUsersPage(ctx context.Context, q store.ListQuery) ([]store.User, int, error)
	DeleteUserSessions(ctx context.Context, userID string) error
}

// Handler serves the console.
type Handler struct {
	Endpoint string      // cfg.Endpoint: every link and redirect is built from it
	Base     routes.Base // the endpoint's path
	Issuer   string
	// Master is the server's master secret: the session key is derived
	// from it. ClientSecret is ClientSecret(Master), which admin.Ensure
	// stores hashed for the console's client.
	Master []byte
	// PreviousMasters still open console sessions sealed before a
	// change-over of the master secret.
	PreviousMasters [][]byte
	ClientSecret    string
	// Server is the server's root handler; the console calls the token
	// endpoint and JWKS through it in process.
	Server http.Handler
	Gate   Authorizer
	Setup  Setup // nil until admin.Setup is wired
	Apps   directory.Apps
	URIs   URIUpdater // nil until directory.Apps.Update lands
	Users  directory.Users
	// Resources, Roles, Settings and Admins back the resources, roles,
	// sign-in experience and administrators pages.
	Resources directory.Resources
	Roles     directory.Roles
	Settings  Settings
	Admins    Admins
	// Audit records every change (RecordNow) and serves the audit log
	// page; nil records nothing.
	Audit  *audit.Log
	Store  Store
	UI     *ui.Renderer
	CSRF   *httpx.CSRF
	Origin *http.CrossOriginProtection
	Secure bool // https endpoint: __Host- cookies
	Log    *slog.Logger
	Now    func() time.Time

	box *secret.Box
	oc  *oidcClient
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// path is a console route's path for links and redirects.
func (h *Handler) path(p string) string { return h.Base.Path(routes.Console + p) }

// url is a console route's absolute URL, from the configured endpoint.
func (h *Handler) url(p string) string {
	return strings.TrimSuffix(h.Endpoint, "/") + routes.Console + p
}

// Mount registers the routes.
func (h *Handler) Mount(m httpx.Mux) {
	h.box = secret.NewBox(h.Master, "console-session", h.PreviousMasters...)
	h.oc = h.newOIDCClient()
	c := routes.Console
	post := func(p string, f http.HandlerFunc) { m.Handle("POST "+c+p, h.Origin.Handler(f)) }
	m.HandleFunc("GET "+c+"/callback", h.callback)
	m.HandleFunc("GET "+c+"/signed-out", h.signedOut)
	post("/sign-out", h.signOut)
	m.HandleFunc("GET "+c+"/setup", h.setupPage)
	post("/setup", h.setup)

	m.Handle("GET "+c, http.RedirectHandler(h.path("/"), http.StatusMovedPermanently))
	m.HandleFunc("GET "+c+"/{$}", h.admin(h.home))
	m.HandleFunc("GET "+c+"/apps", h.admin(h.appsPage))
	m.HandleFunc("GET "+c+"/apps/new", h.admin(h.newAppPage))
	post("/apps", h.admin(h.createApp))
	m.HandleFunc("GET "+c+"/apps/{id}", h.admin(h.appPage))
	m.HandleFunc("GET "+c+"/apps/{id}/guide", h.admin(h.guidePage))
	post("/apps/{id}/uris", h.admin(h.saveURIs))
	post("/apps/{id}/cors", h.admin(h.saveCORS))
	post("/apps/{id}/settings", h.admin(h.saveAppSettings))
	post("/apps/{id}/secrets", h.admin(h.addSecret))
	post("/apps/{id}/secrets/delete", h.admin(h.deleteSecret))
	post("/apps/{id}/secrets/rotate", h.admin(h.rotateSecret))
	post("/apps/{id}/delete", h.admin(h.deleteApp))
	m.HandleFunc("GET "+c+"/users", h.admin(h.usersPage))
	m.HandleFunc("GET "+c+"/users/new", h.admin(h.newUserPage))
	post("/users", h.admin(h.createUser))
	m.HandleFunc("GET "+c+"/users/{id}", h.admin(h.userPage))
	post("/users/{id}/password", h.admin(h.setPassword))
	post("/users/{id}/suspend", h.admin(h.suspend))
	post("/users/{id}/sessions", h.admin(h.endSessions))
	post("/users/{id}/delete", h.admin(h.deleteUser))
	post("/users/{id}/profile", h.admin(h.saveProfile))
	post("/users/{id}/roles", h.admin(h.assignUserRole))
	post("/users/{id}/roles/{role}/delete", h.admin(h.unassignUserRole))

	m.HandleFunc("GET "+c+"/resources", h.admin(h.resourcesPage))
	m.HandleFunc("GET "+c+"/resources/new", h.admin(h.newResourcePage))
	post("/resources", h.admin(h.createResource))
	m.HandleFunc("GET "+c+"/resources/{id}", h.admin(h.resourcePage))
	post("/resources/{id}", h.admin(h.updateResource))
	post("/resources/{id}/delete", h.admin(h.deleteResource))
	post("/resources/{id}/scopes", h.admin(h.createScope))
	post("/resources/{id}/scopes/{scope}", h.admin(h.updateScope))
	post("/resources/{id}/scopes/{scope}/delete", h.admin(h.deleteScope))

	m.HandleFunc("GET "+c+"/roles", h.admin(h.rolesPage))
	m.HandleFunc("GET "+c+"/roles/new", h.admin(h.newRolePage))
	post("/roles", h.admin(h.createRole))
	m.HandleFunc("GET "+c+"/roles/{id}", h.admin(h.rolePage))
	post("/roles/{id}", h.admin(h.updateRole))
	post("/roles/{id}/delete", h.admin(h.deleteRole))
	post("/roles/{id}/scopes", h.admin(h.addRoleScopes))
	post("/roles/{id}/scopes/{scope}/delete", h.admin(h.removeRoleScope))
	post("/roles/{id}/users", h.admin(h.assignRoleUser))
	post("/roles/{id}/users/{user}/delete", h.admin(h.unassignRoleUser))
	post("/roles/{id}/apps", h.admin(h.assignRoleApp))
	post("/roles/{id}/apps/{app}/delete", h.admin(h.unassignRoleApp))

	m.HandleFunc("GET "+c+"/sign-in-experience", h.admin(h.settingsPage))
	post("/sign-in-experience", h.admin(h.saveSettings))
	m.HandleFunc("GET "+c+"/sign-in-experience/preview", h.admin(h.previewSignIn))
	post("/sign-in-experience/connectors", h.admin(h.saveConnector))
	post("/sign-in-experience/connectors/{id}/delete", h.admin(h.deleteConnector))

	m.HandleFunc("GET "+c+"/audit", h.admin(h.auditPage))

	m.HandleFunc("GET "+c+"/admins", h.admin(h.adminsPage))
	post("/admins", h.admin(h.addAdmin))
	post("/admins/{id}/disable", h.admin(h.disableAdmin))
}

// request is one authorized console request.
type request struct {
	p    admin.Principal
	csrf string // the token for this page's forms
}

type adminHandler func(w http.ResponseWriter, r *http.Request, rq *request)

// admin wraps a console page: the console must be set up, the browser
// signed in, and its access token accepted by the Gate. A POST must also
// carry a valid CSRF token.
func (h *Handler) admin(next adminHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if h.Setup != nil {
			needed, err := h.Setup.Needed(ctx)
			if err != nil {
				h.failure(w, r, err)
				return
			}
			if needed {
				h.render(w, r, http.StatusServiceUnavailable, &NotSetUpPage{Base: ui.Base{Title: h.t(r, "console.not_set_up.title")}})
				return
			}
		}
		sess, ok := h.readSession(r)
		if !ok {
			h.signIn(w, r)
			return
		}
		if !sess.Expiry.After(h.now().Add(30 * time.Second)) {
			fresh, err := h.refresh(ctx, sess)
			if err != nil {
				h.Log.InfoContext(ctx, "console: refresh failed, signing in again", "err", err)
				h.signIn(w, r)
				return
			}
			sess = fresh
			h.writeSession(w, sess)
		}
		p, err := h.Gate.Authorize(ctx, sess.Access)
		switch {
		case errors.Is(err, admin.ErrForbidden):
			h.render(w, r, http.StatusForbidden, &NotAdminPage{Base: ui.Base{Title: h.t(r, "console.not_admin.title")},
				SignOut: h.path("/sign-out"), CSRFToken: h.CSRF.Token(w, r)})
			return
		case errors.Is(err, admin.ErrUnauthorized):
			h.signIn(w, r)
			return
		case err != nil:
			h.failure(w, r, err)
			return
		}
		if r.Method == http.MethodPost && !h.checkForm(w, r) {
			return
		}
		next(w, r, &request{p: p, csrf: h.CSRF.Token(w, r)})
	}
}

// checkForm parses a posted form and verifies its CSRF token.
func (h *Handler) checkForm(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		h.errorPage(w, r, http.StatusBadRequest, "console.error.form_unreadable", "console.error.form_unreadable.message")
		return false
	}
	if !h.CSRF.Valid(r) {
		h.errorPage(w, r, http.StatusForbidden, "console.error.form_expired", "console.error.form_expired.message")
		return false
	}
	return true
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, p ui.Page) {
	h.UI.Render(w, r, status, p)
}

// t is the text of a catalogue key in the language of r's pages (the
// sesame_lang cookie, then Accept-Language), for titles that join a name
// and a text.
func (h *Handler) t(r *http.Request, key string, args ...any) string {
	return h.UI.I18n().Printer(ui.Lang(r, "")).T(key, args...)
}

// errorPage shows the shared error page with the catalogue texts
// "<key>.heading" and msgKey.
func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, status int, key, msgKey string, args ...any) {
	oauth2.ErrorPage(h.UI, w, r, status, ui.M(key+".heading"), ui.M(msgKey, args...), "")
}

// refused is the form message for err, a domain package's bad-input
// error: its Message stays as the package wrote it (English, the same
// text the management API answers), after a translated lead-in.
func refused(err error) ui.Msg { return ui.M("console.error.refused", "detail", formMessage(err)) }

// failure answers an unexpected error (store down, …) without details.
func (h *Handler) failure(w http.ResponseWriter, r *http.Request, err error) {
	httpx.LogFailure(r.Context(), h.Log, "console: failure", err, "path", r.URL.Path)
	status := http.StatusInternalServerError
	if errors.Is(err, store.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		status = http.StatusServiceUnavailable
	}
	h.errorPage(w, r, status, "console.error.unavailable", "console.error.unavailable.message")
}

// seeOther answers a successful POST (post/redirect/get).
func (h *Handler) seeOther(w http.ResponseWriter, r *http.Request, p string) {
	http.Redirect(w, r, h.path(p), http.StatusSeeOther)
}
