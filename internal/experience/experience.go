package experience

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/sesameauth/sesame/internal/authz"
	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/identity"
	"github.com/sesameauth/sesame/internal/oidc/oauth2"
	"github.com/sesameauth/sesame/internal/oidc/oauth2err"
	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/password"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/session"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
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
	CreateUser(ctx context.Context, u store.User) error
	UpdateUser(ctx context.Context, id string, fn func(store.User) (store.User, error)) (store.User, error)
	store.AuthRequests
	store.Consents
	store.Throttle
	authz.UserRoles
}

// Handler serves the hosted pages.
type Handler struct {
	Store             Store
	Log               *slog.Logger
	Now               func() time.Time
	Sessions          *session.Manager
	UI                *ui.Renderer
	CSRF              *httpx.CSRF
	IP                httpx.ClientIP
	Origin            *http.CrossOriginProtection
	Base              routes.Base // the public endpoint's path, for links and redirects
	AllowRegistration bool
	Throttle          Throttle
	PasswordParams    password.Params
}

// Mount registers the routes.
func (h *Handler) Mount(m httpx.Mux) {
	m.HandleFunc("GET "+routes.SignIn, h.signInPage)
	m.Handle("POST "+routes.SignIn, h.Origin.Handler(http.HandlerFunc(h.signIn)))
	m.HandleFunc("GET "+routes.Register, h.registerPage)
	m.Handle("POST "+routes.Register, h.Origin.Handler(http.HandlerFunc(h.register)))
	m.HandleFunc("GET "+routes.Consent, h.consentPage)
	m.Handle("POST "+routes.Consent, h.Origin.Handler(http.HandlerFunc(h.consent)))
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

func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, status int, heading, msg string) {
	oauth2.ErrorPage(h.UI, w, r, status, heading, msg, "")
}

func (h *Handler) failure(w http.ResponseWriter, r *http.Request, err error) {
	e := oauth2err.From(err)
	h.Log.ErrorContext(r.Context(), "experience: failure", "path", r.URL.Path, "err", err)
	h.errorPage(w, r, e.Status, "Sign-in is unavailable", "Sesame could not complete this step. Please try again in a moment.")
}

// interaction loads the pending authorization request named in the URL and
// checks it belongs to this browser. On failure it has answered already.
func (h *Handler) interaction(w http.ResponseWriter, r *http.Request) (store.AuthRequest, store.Client, bool) {
	id := r.URL.Query().Get("interaction")
	if id == "" || len(id) > 128 {
		h.errorPage(w, r, http.StatusBadRequest, "Start from your app",
			"This page is part of signing in to an app. Go to the app and choose Sign in.")
		return store.AuthRequest{}, store.Client{}, false
	}
	if !h.Sessions.OwnsInteraction(r, id) {
		h.errorPage(w, r, http.StatusBadRequest, "This sign-in has expired",
			"This sign-in was started in another browser or tab, or has already finished. Go back to the app and sign in again.")
		return store.AuthRequest{}, store.Client{}, false
	}
	ar, err := h.Store.GetAuthRequest(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		h.errorPage(w, r, http.StatusBadRequest, "This sign-in has expired",
			"Sign-in requests are valid for one hour and can be used once. Go back to the app and sign in again.")
		return store.AuthRequest{}, store.Client{}, false
	}
	if err != nil {
		h.failure(w, r, err)
		return store.AuthRequest{}, store.Client{}, false
	}
	c, err := h.Store.GetClient(r.Context(), ar.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		h.errorPage(w, r, http.StatusBadRequest, "Unknown app", "The app that started this sign-in is no longer registered.")
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

// checkForm parses the posted form and verifies its CSRF token.
func (h *Handler) checkForm(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		h.errorPage(w, r, http.StatusBadRequest, "This form could not be read", "The submitted form is malformed or too large.")
		return false
	}
	if !h.CSRF.Valid(r) {
		h.errorPage(w, r, http.StatusForbidden, "This form has expired",
			"Sesame could not verify that this form came from its own page. Go back to the app and sign in again.")
		return false
	}
	return true
}

// ---- sign in ----

func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request) {
	ar, c, ok := h.interaction(w, r)
	if !ok {
		return
	}
	h.renderSignIn(w, r, http.StatusOK, ar, c, ar.LoginHint, "")
}

func (h *Handler) renderSignIn(w http.ResponseWriter, r *http.Request, status int, ar store.AuthRequest, c store.Client, ident, msg string) {
	allowRedirect(w, r, ar)
	p := &SignInPage{Base: ui.Base{Title: "Sign in"},
		Action: h.Base.PageURL(routes.SignIn, ar.ID), CSRFToken: h.CSRF.Token(w, r), AppName: c.Name,
		Identifier: ident, Error: msg}
	if h.AllowRegistration {
		p.RegisterURL = h.Base.PageURL(routes.Register, ar.ID)
	}
	h.UI.Render(w, r, status, p)
}

const msgBadCredentials = "Incorrect username, email or password."

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	if !h.checkForm(w, r) {
		return
	}
	ar, c, ok := h.interaction(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	ident := identity.Canonical(r.PostFormValue("identifier"))
	pw := r.PostFormValue("password")
	if ident == "" || pw == "" || len(ident) > 320 {
		h.renderSignIn(w, r, http.StatusBadRequest, ar, c, ident, "Enter your username or email and your password.")
		return
	}
	t := h.throttle()
	now := h.now()
	ipKey := "ip:" + h.IP.Of(r)
	// Reserve the per-IP slot before hashing too: checking the count and
	// recording the failure afterwards let N concurrent guesses from one
	// address all reach the password check (docs/security.md, item 8.4).
	// An attempt that is not a failed password check gives its slot back
	// (releaseIP), so successful sign-ins do not use up a shared address's
	// budget; a reset instead would let anyone holding one valid account
	// wipe the failures of an attacker behind the same address.
	if ok, retry, err := h.Store.ReserveAttempt(ctx, ipKey, t.IPLimit, t.Window, now); err != nil {
		h.failure(w, r, err)
		return
	} else if !ok {
		h.tooMany(w, r, ar, c, ident, retry, now, "Too many sign-in attempts from your network.")
		return
	}
	releaseIP := func() {
		if err := h.Store.ReleaseAttempt(ctx, ipKey, t.Window, now); err != nil {
			// The slot stays counted: the limit errs on the closed side.
			h.Log.WarnContext(ctx, "cannot release sign-in attempt", "err", err)
		}
	}
	user, err := h.Store.GetUserByLogin(ctx, ident)
	key := "login:" + ident
	if err == nil {
		key = "user:" + user.ID
	} else if !errors.Is(err, store.ErrNotFound) {
		releaseIP()
		h.failure(w, r, err)
		return
	}
	// Reserve before hashing: of N concurrent guesses at most UserLimit
	// reach the password check (catalogue UI-06).
	if ok, retry, err := h.Store.ReserveAttempt(ctx, key, t.UserLimit, t.Window, now); err != nil {
		releaseIP()
		h.failure(w, r, err)
		return
	} else if !ok {
		releaseIP() // no password was checked
		h.tooMany(w, r, ar, c, ident, retry, now, "Too many failed sign-in attempts for this account.")
		return
	}
	if user.ID == "" {
		password.VerifyDummy(ctx, pw)
		h.renderSignIn(w, r, http.StatusUnauthorized, ar, c, ident, msgBadCredentials)
		return
	}
	if err := password.Verify(ctx, pw, user.PasswordHash); err != nil {
		if !errors.Is(err, password.ErrMismatch) {
			h.Log.ErrorContext(ctx, "password verification failed", "user", user.ID, "err", err)
		}
		h.renderSignIn(w, r, http.StatusUnauthorized, ar, c, ident, msgBadCredentials)
		return
	}
	releaseIP() // the right password is not a failure
	if user.Suspended {
		h.renderSignIn(w, r, http.StatusForbidden, ar, c, ident, "This account is suspended. Contact the administrator.")
		return
	}
	if err := h.Store.ResetAttempts(ctx, key); err != nil {
		h.Log.WarnContext(ctx, "cannot reset sign-in attempts", "err", err)
	}
	h.complete(w, r, ar, user)
}

// retryAfter is the Retry-After value, in whole seconds, at least 1.
func retryAfter(retry, now time.Time) string {
	return fmt.Sprint(max(1, int(math.Ceil(retry.Sub(now).Seconds()))))
}

func (h *Handler) tooMany(w http.ResponseWriter, r *http.Request, ar store.AuthRequest, c store.Client, ident string, retry, now time.Time, what string) {
	mins := int(math.Ceil(retry.Sub(now).Minutes()))
	if mins < 1 {
		mins = 1
	}
	w.Header().Set("Retry-After", retryAfter(retry, now))
	h.renderSignIn(w, r, http.StatusTooManyRequests, ar, c, ident,
		fmt.Sprintf("%s Try again in %d minute%s.", what, mins, map[bool]string{true: "", false: "s"}[mins == 1]))
}

// complete starts the SSO session and resumes the authorization request.
func (h *Handler) complete(w http.ResponseWriter, r *http.Request, ar store.AuthRequest, user store.User) {
	ctx := r.Context()
	if _, err := h.Sessions.Start(ctx, w, r, user.ID); err != nil {
		h.failure(w, r, err)
		return
	}
	now := h.now()
	if _, err := h.Store.UpdateUser(ctx, user.ID, func(u store.User) (store.User, error) {
		u.LastSignInAt = now
		return u, nil
	}); err != nil {
		h.Log.WarnContext(ctx, "cannot record sign-in time", "err", err)
	}
	if _, err := h.Store.UpdateAuthRequest(ctx, ar.ID, func(a store.AuthRequest) (store.AuthRequest, error) {
		a.ForceLogin = false
		return a, nil
	}); err != nil {
		h.failure(w, r, err)
		return
	}
	allowRedirect(w, r, ar)
	http.Redirect(w, r, h.Base.ResumeURL(ar.ID), http.StatusSeeOther)
}

// ---- create account ----

func (h *Handler) registerPage(w http.ResponseWriter, r *http.Request) {
	if !h.AllowRegistration {
		h.errorPage(w, r, http.StatusNotFound, "Registration is closed", "This Sesame server does not allow creating accounts. Ask the administrator for one.")
		return
	}
	ar, c, ok := h.interaction(w, r)
	if !ok {
		return
	}
	h.renderRegister(w, r, http.StatusOK, ar, c, "", "", "")
}

func (h *Handler) renderRegister(w http.ResponseWriter, r *http.Request, status int, ar store.AuthRequest, c store.Client, username, email, msg string) {
	allowRedirect(w, r, ar)
	h.UI.Render(w, r, status, &RegisterPage{Base: ui.Base{Title: "Create account"},
		Action: h.Base.PageURL(routes.Register, ar.ID), CSRFToken: h.CSRF.Token(w, r), AppName: c.Name,
		Username: username, Email: email, Error: msg, SignInURL: h.Base.PageURL(routes.SignIn, ar.ID),
		PasswordHint: "At least 8 characters."})
}

func (h *Handler) register(w http.ResponseWriter, r *http.Request) {
	if !h.AllowRegistration {
		h.errorPage(w, r, http.StatusNotFound, "Registration is closed", "This Sesame server does not allow creating accounts.")
		return
	}
	if !h.checkForm(w, r) {
		return
	}
	ar, c, ok := h.interaction(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	username := identity.Canonical(r.PostFormValue("username"))
	email := identity.Canonical(r.PostFormValue("email"))
	pw, confirm := r.PostFormValue("password"), r.PostFormValue("password_confirm")
	bad := func(msg string) { h.renderRegister(w, r, http.StatusBadRequest, ar, c, username, email, msg) }
	if err := identity.ValidateUsername(username); err != nil {
		bad(err.Error())
		return
	}
	if email != "" {
		if err := identity.ValidateEmail(email); err != nil {
			bad(err.Error())
			return
		}
	}
	if err := identity.ValidatePassword(pw); err != nil {
		bad(err.Error())
		return
	}
	if pw != confirm {
		bad("The two passwords do not match.")
		return
	}
	t := h.throttle()
	now := h.now()
	if ok, retry, err := h.Store.ReserveAttempt(ctx, "register-ip:"+h.IP.Of(r), t.IPLimit, t.Window, now); err != nil {
		h.failure(w, r, err)
		return
	} else if !ok {
		w.Header().Set("Retry-After", retryAfter(retry, now))
		h.renderRegister(w, r, http.StatusTooManyRequests, ar, c, username, email, "Too many accounts created from your network. Try again later.")
		return
	}
	if msg, err := h.taken(ctx, username, email); err != nil {
		h.failure(w, r, err)
		return
	} else if msg != "" {
		bad(msg)
		return
	}
	u, err := NewUser(ctx, username, email, pw, h.PasswordParams, h.now())
	if err != nil {
		bad(err.Error())
		return
	}
	if err := h.Store.CreateUser(ctx, u); errors.Is(err, store.ErrAlreadyExists) {
		// Taken meanwhile by a concurrent registration: which of the two
		// identifiers clashed is not known here, and must not be told.
		bad(msgCannotRegister)
		return
	} else if err != nil {
		h.failure(w, r, err)
		return
	}
	h.complete(w, r, ar, u)
}

// taken returns the refusal for a username or email that already has an
// account, or "". Usernames are public (the page says so), so a taken one
// is named. Whether an email address has an account is not told: an
// existing address gets the same refusal as any other clash found only
// when the row is written (docs/security.md, item 8.9). Until addresses
// are verified by mail, a fresh address still differs in that it creates
// the account and signs in.
func (h *Handler) taken(ctx context.Context, username, email string) (string, error) {
	if _, err := h.Store.GetUserByLogin(ctx, username); err == nil {
		return msgUsernameTaken, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	if email != "" {
		if _, err := h.Store.GetUserByLogin(ctx, email); err == nil {
			return msgCannotRegister, nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
	}
	return "", nil
}

// Registration refusals.
const (
	msgUsernameTaken  = "That username is taken. Choose another one."
	msgCannotRegister = "We could not create an account with these details."
)

// NewUser builds a user row with a fresh id and hashed password. Username
// and email must already be canonical and valid (see package identity). A
// password the hasher refuses is identity.ErrPasswordUnusable.
func NewUser(ctx context.Context, username, email, pw string, params password.Params, now time.Time) (store.User, error) {
	hash, err := identity.HashPassword(ctx, pw, params)
	if err != nil {
		return store.User{}, err
	}
	return store.User{ID: opaque.NewID(), Username: username, Email: email, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}, nil
}

// ---- consent (third-party apps only) ----

var scopeDescriptions = map[string]string{
	oauth2.ScopeOpenID:        "Know who you are",
	oauth2.ScopeProfile:       "See your name, username and picture",
	oauth2.ScopeEmail:         "See your email address",
	oauth2.ScopePhone:         "See your phone number",
	oauth2.ScopeOfflineAccess: "Stay signed in when you are not using it",
}

func (h *Handler) consentPage(w http.ResponseWriter, r *http.Request) {
	ar, c, ok := h.interaction(w, r)
	if !ok {
		return
	}
	_, user, signedIn, err := h.Sessions.Current(r.Context(), r)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !signedIn {
		http.Redirect(w, r, h.Base.PageURL(routes.SignIn, ar.ID), http.StatusSeeOther)
		return
	}
	var items []ScopeItem
	for _, s := range ar.Scopes {
		items = append(items, ScopeItem{Name: s, Description: scopeDescriptions[s]})
	}
	// Only what the user's roles grant is asked for (docs/security.md,
	// item 8.1), per API (item 8.2).
	granted, err := authz.Grantable(r.Context(), h.Store, user.ID, ar.Permissions)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	groups := authz.Group(granted)
	var apis []APIAccess
	for _, ind := range ar.Resources {
		api := APIAccess{Resource: ind}
		for _, g := range groups {
			if g.Resource == ind {
				api.Scopes = g.Scopes
			}
		}
		apis = append(apis, api)
	}
	name := user.Name
	if name == "" {
		name = user.Username
	}
	if name == "" {
		name = user.Email
	}
	allowRedirect(w, r, ar)
	h.UI.Render(w, r, http.StatusOK, &ConsentPage{Base: ui.Base{Title: "Allow access"},
		Action: h.Base.PageURL(routes.Consent, ar.ID), CSRFToken: h.CSRF.Token(w, r), AppName: c.Name, UserName: name,
		Scopes: items, APIs: apis})
}

func (h *Handler) consent(w http.ResponseWriter, r *http.Request) {
	if !h.checkForm(w, r) {
		return
	}
	ar, _, ok := h.interaction(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	_, user, signedIn, err := h.Sessions.Current(ctx, r)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !signedIn {
		http.Redirect(w, r, h.Base.PageURL(routes.SignIn, ar.ID), http.StatusSeeOther)
		return
	}
	allowRedirect(w, r, ar)
	if r.PostFormValue("decision") != "allow" {
		// Only the authorization endpoint answers the app: record the
		// refusal and resume there (it sends access_denied).
		if _, err := h.Store.UpdateAuthRequest(ctx, ar.ID, func(a store.AuthRequest) (store.AuthRequest, error) {
			a.ConsentDenied = true
			return a, nil
		}); err != nil {
			h.failure(w, r, err)
			return
		}
		http.Redirect(w, r, h.Base.ResumeURL(ar.ID), http.StatusSeeOther)
		return
	}
	prev, err := h.Store.GetConsent(ctx, user.ID, ar.ClientID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		h.failure(w, r, err)
		return
	}
	// Consent covers the (resource, scope) pairs the user was shown: those
	// their roles grant now (docs/security.md, items 8.1 and 8.2).
	granted, err := authz.Grantable(ctx, h.Store, user.ID, ar.Permissions)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	cs := store.Consent{UserID: user.ID, ClientID: ar.ClientID, CreatedAt: h.now(),
		Scopes: union(prev.Scopes, ar.Scopes), Permissions: authz.Union(prev.Permissions, granted),
		Resources: union(prev.Resources, ar.Resources)}
	if err := h.Store.PutConsent(ctx, cs); err != nil {
		h.failure(w, r, err)
		return
	}
	if _, err := h.Store.UpdateAuthRequest(ctx, ar.ID, func(a store.AuthRequest) (store.AuthRequest, error) {
		a.Prompt = slices.DeleteFunc(a.Prompt, func(p string) bool { return p == "consent" })
		return a, nil
	}); err != nil {
		h.failure(w, r, err)
		return
	}
	http.Redirect(w, r, h.Base.ResumeURL(ar.ID), http.StatusSeeOther)
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
