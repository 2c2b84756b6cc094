package experience

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/authz"
	"github.com/sesameauth/sesame/internal/connector"
	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/mail"
	"github.com/sesameauth/sesame/internal/mfa"
	"github.com/sesameauth/sesame/internal/oidc/oauth2"
	"github.com/sesameauth/sesame/internal/oidc/oauth2err"
	"github.com/sesameauth/sesame/internal/passkey"
	"github.com/sesameauth/sesame/internal/password"
	"github.com/sesameauth/sesame/internal/regulate"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/session"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
	"github.com/sesameauth/sesame/internal/verification"
)

// Throttle policy for failed sign-ins (fixed windows, in the database).
type Throttle struct {
	UserLimit int           // attempts per account per window; default 5
	IPLimit   int           // attempts per client IP per window; default 50
	Window    time.Duration // default 15m
}

// Store is what the hosted pages read and write.
type Store interface {
	GetClient(ctx context.Context, id string) (store.Client, error)
	GetUserByLogin(ctx context.Context, login string) (store.User, error)
	GetUser(ctx context.Context, id string) (store.User, error)
	CreateUser(ctx context.Context, u store.User) error
	UpdateUser(ctx context.Context, id string, fn func(store.User) (store.User, error)) (store.User, error)
	store.AuthRequests
	store.Consents
	store.Throttle
	authz.UserRoles
	GetVerification(ctx context.Context, id string) (store.Verification, error)
	SetUserPassword(ctx context.Context, id, hash string, now time.Time) error
	GetIdentity(ctx context.Context, connectorID, subject string) (store.Identity, error)
	CreateIdentity(ctx context.Context, i store.Identity) error
	CreateUserWithIdentity(ctx context.Context, u store.User, i store.Identity) error
}

// Handler serves the hosted pages.
type Handler struct {
	Store    Store
	Log      *slog.Logger
	Now      func() time.Time
	Sessions *session.Manager
	UI       *ui.Renderer
	CSRF     *httpx.CSRF
	IP       httpx.ClientIP
	Origin   *http.CrossOriginProtection
	Base     routes.Base // the public endpoint's path, for links and redirects
	// Settings are the sign-in experience settings, read on every page
	// and form (no cache), so a change applies at once.
	Settings       *signinexp.Service
	Throttle       Throttle
	PasswordParams password.Params
	Audit          *audit.Log // sign-ins and registrations, queued (never waited on)

	// Mail sends the codes of registration, reset and passwordless
	// sign-in; nil when no mail is configured (those pages are then
	// off). Send is bounded by its own timeout: a failure is "try again".
	Mail mail.Sender
	// Codes and Limits are the emailed codes and their send and check
	// limits (codes.go); the code flows need them with Mail.
	Codes  *verification.Service
	Limits *regulate.Limiter

	// Connectors signs in through upstream OpenID providers (social.go);
	// nil: no social sign-in.
	Connectors *connector.Service

	// First screens (Logto's first_screen and direct_sign_in; the core
	// part). ResetAvailable reports whether the reset-password page can
	// open first for these settings; nil: it cannot (the sign-in page
	// opens instead).
	ResetAvailable func(signinexp.Settings) bool

	// MFA part (mfa.go): second factors after the first. Nil: no gate
	// (sign-in completes after the first factor).
	MFA *mfa.Service

	// Passkeys (passkey.go): passkey sign-in and passkeys as second
	// factor; nil turns both off.
	Passkeys *passkey.Service
}

// Mount registers the routes.
func (h *Handler) Mount(m httpx.Mux) {
	m.HandleFunc("GET "+routes.SignIn, h.signInPage)
	m.Handle("POST "+routes.SignIn, h.Origin.Handler(http.HandlerFunc(h.signIn)))
	m.HandleFunc("GET "+routes.Register, h.registerPage)
	m.Handle("POST "+routes.Register, h.Origin.Handler(http.HandlerFunc(h.register)))
	m.HandleFunc("GET "+routes.Static+"brand.css", h.brandCSS)
	m.HandleFunc("GET "+routes.Consent, h.consentPage)
	m.Handle("POST "+routes.Consent, h.Origin.Handler(http.HandlerFunc(h.consent)))
	h.mountMFA(m)
	h.mountCodeFlows(m)
	h.mountSocial(m)
	h.mountPasskey(m)
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) throttle() Throttle {
	t := h.Throttle
	if t.UserLimit == 0 {
		t.UserLimit = 5
	}
	if t.IPLimit == 0 {
		t.IPLimit = 50
	}
	if t.Window == 0 {
		t.Window = 15 * time.Minute
	}
	return t
}

// record queues the audit entry of a sign-in or registration for ar's app:
// a success when reason is empty, else a failure for reason.
func (h *Handler) record(r *http.Request, key string, ar store.AuthRequest, reason, userID, sid string) {
	e := audit.Entry{Key: key, UserID: userID, ApplicationID: ar.ClientID, SessionID: sid,
		IP: httpx.ClientAddr(r.Context()), UserAgent: r.UserAgent()}
	if reason != "" {
		e.Result, e.Error = audit.Failure, reason
	}
	h.Audit.Record(r.Context(), e)
}

func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, status int, heading, msg ui.Msg) {
	oauth2.ErrorPage(h.UI, w, r, status, heading, msg, "")
}

func (h *Handler) failure(w http.ResponseWriter, r *http.Request, err error) {
	e := oauth2err.From(err)
	httpx.LogFailure(r.Context(), h.Log, "experience: failure", err, "path", r.URL.Path)
	h.errorPage(w, r, e.Status, ui.M("experience.error.unavailable.heading"), ui.M("experience.error.unavailable.message"))
}

// interaction loads the pending authorization request named in the URL and
// checks it belongs to this browser. On failure it has answered already.
func (h *Handler) interaction(w http.ResponseWriter, r *http.Request) (store.AuthRequest, store.Client, bool) {
	id := r.URL.Query().Get("interaction")
	if id == "" || len(id) > 128 {
		h.errorPage(w, r, http.StatusBadRequest, ui.M("experience.error.no_interaction.heading"), ui.M("experience.error.no_interaction.message"))
		return store.AuthRequest{}, store.Client{}, false
	}
	if !h.Sessions.OwnsInteraction(r, id) {
		h.errorPage(w, r, http.StatusBadRequest, ui.M("experience.error.expired.heading"), ui.M("experience.error.other_browser.message"))
		return store.AuthRequest{}, store.Client{}, false
	}
	ar, err := h.Store.GetAuthRequest(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		h.errorPage(w, r, http.StatusBadRequest, ui.M("experience.error.expired.heading"), ui.M("experience.error.expired.message"))
		return store.AuthRequest{}, store.Client{}, false
	}
	if err != nil {
		h.failure(w, r, err)
		return store.AuthRequest{}, store.Client{}, false
	}
	c, err := h.Store.GetClient(r.Context(), ar.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		h.errorPage(w, r, http.StatusBadRequest, ui.M("experience.error.unknown_app.heading"), ui.M("experience.error.unknown_app.message"))
		return store.AuthRequest{}, store.Client{}, false
	}
	if err != nil {
		h.failure(w, r, err)
		return store.AuthRequest{}, store.Client{}, false
	}
	return ar, c, true
}

// allowRedirect lets this page's forms end, through our 303s, at the app:
// Chromium applies form-action to the redirects that follow a submission.
func allowRedirect(w http.ResponseWriter, r *http.Request, ar store.AuthRequest) {
	httpx.AllowFormAction(w, r, oauth2.Origin(ar.RedirectURI))
}

// postedInteraction checks a posted form (checkForm) and loads its
// interaction (interaction). On failure it has answered already.
func (h *Handler) postedInteraction(w http.ResponseWriter, r *http.Request) (store.AuthRequest, store.Client, bool) {
	if !h.checkForm(w, r) {
		return store.AuthRequest{}, store.Client{}, false
	}
	return h.interaction(w, r)
}

// checkForm parses the posted form and verifies its CSRF token.
func (h *Handler) checkForm(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		h.errorPage(w, r, http.StatusBadRequest, ui.M("experience.error.bad_form.heading"), ui.M("experience.error.bad_form.message"))
		return false
	}
	if !h.CSRF.Valid(r) {
		h.errorPage(w, r, http.StatusForbidden, ui.M("experience.error.csrf.heading"), ui.M("experience.error.csrf.message"))
		return false
	}
	return true
}

// settings reads the sign-in experience settings. On failure it has
// answered already.
func (h *Handler) settings(w http.ResponseWriter, r *http.Request) (signinexp.Settings, bool) {
	x, err := h.Settings.Get(r.Context())
	if err != nil {
		h.failure(w, r, err)
		return signinexp.Settings{}, false
	}
	return x, true
}

// brand is the page header's branding from x. The logos may be on any
// https host, so the page's CSP allows https images.
func (h *Handler) brand(w http.ResponseWriter, x signinexp.Settings) ui.Brand {
	httpx.AllowRemoteImages(w)
	b := ui.Brand{Name: x.DisplayName, LogoURL: x.Branding.LogoURL, DarkLogoURL: x.Branding.DarkLogoURL,
		CSSURL: h.Base.Path(routes.Static) + "brand.css?v=" + strconv.FormatInt(x.Version, 10)}
	if !x.Color.IsDarkModeEnabled {
		b.LightOnly, b.DarkLogoURL = true, ""
	}
	return b
}

// brandCSS serves the brand colours as a stylesheet. Pages link it with
// ?v=<settings version>, so a change is a new URL; the response itself is
// not cached long, as the version in the query is not checked.
func (h *Handler) brandCSS(w http.ResponseWriter, r *http.Request) {
	x, err := h.Settings.Get(r.Context())
	if err != nil {
		h.Log.ErrorContext(r.Context(), "experience: brand.css", "err", err)
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Write([]byte(x.CSS()))
}
