package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/mail"
	"github.com/sesameauth/sesame/internal/mfa"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/session"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
)

// Store is what the pages read and write directly: the user's sessions
// and the step-up attempt budget.
type Store interface {
	ListUserSessions(ctx context.Context, userID string, now time.Time) ([]store.UserSession, error)
	DeleteUserSession(ctx context.Context, userID, sid string) error
	ReserveAttempt(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (ok bool, retryAt time.Time, err error)
}

// Users is directory.Users: password checks and changes (with the
// password policy) and the profile name.
type Users interface {
	CheckPassword(ctx context.Context, u store.User, pw string) (bool, error)
	SetPassword(ctx context.Context, id, pw string) error
	Edit(ctx context.Context, u store.User, upd directory.UserUpdate) error
}

// MFA is mfa.Service.
type MFA interface {
	Factors(ctx context.Context, userID string) ([]mfa.Factor, error)
	BeginTOTP(u store.User) (mfa.Enrolment, error)
	TOTPEnrolment(u store.User, secret string) (mfa.Enrolment, error)
	ConfirmTOTP(ctx context.Context, userID, secret, code string) error
	VerifyTOTP(ctx context.Context, userID, code string) error
	Remove(ctx context.Context, userID string, f mfa.Factor) error
	GenerateBackupCodes(ctx context.Context, userID string) ([]string, error)
	BackupCodesLeft(ctx context.Context, userID string) (int, error)
}

// Handler serves the account pages.
type Handler struct {
	Endpoint string      // cfg.Endpoint: the sign-in redirect is built from it
	Base     routes.Base // the endpoint's path
	Sessions *session.Manager
	Store    Store
	Users    Users
	MFA      MFA
	// Codes and Mail send the email change's code; nil Mail: no mail is
	// configured and the email cannot be changed here.
	Codes Codes
	Mail  mail.Sender
	// Passkeys lists, removes and adds passkeys; nil: passkeys are off.
	Passkeys Passkeys
	// Audit records every change and step-up; nil records nothing.
	Audit  *audit.Log
	UI     *ui.Renderer
	CSRF   *httpx.CSRF
	Origin *http.CrossOriginProtection
	Secure bool // https endpoint: __Host- cookie
	Log    *slog.Logger
	Now    func() time.Time
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// path is an account route's path for links and redirects.
func (h *Handler) path(p string) string { return h.Base.Path(routes.Account + p) }

// Mount registers the routes.
func (h *Handler) Mount(m httpx.Mux) {
	a := routes.Account
	post := func(p string, f userHandler) { m.Handle("POST "+a+p, h.Origin.Handler(h.user(f))) }
	m.Handle("GET "+a, h.user(h.home))
	m.HandleFunc("GET "+a+"/callback", h.callback)
	m.Handle("GET "+a+"/reauth", h.user(h.reauthPage))
	post("/reauth", h.reauth)
	post("/name", h.setName)
	post("/password", h.sensitive(h.setPassword))
	post("/email", h.sensitive(h.emailStart))
	post("/email/verify", h.emailVerify)
	m.Handle("GET "+a+"/totp", h.user(h.sensitive(h.totpPage)))
	post("/totp", h.sensitive(h.totpConfirm))
	post("/totp/remove", h.sensitive(h.totpRemove))
	post("/backup-codes", h.sensitive(h.backupCodes))
	post("/passkeys/options", h.sensitive(h.passkeyOptions))
	post("/passkeys", h.sensitive(h.passkeyAdd))
	post("/passkeys/remove", h.sensitive(h.passkeyRemove))
	post("/sessions/end", h.endSession)
	post("/sessions/end-others", h.sensitive(h.endOthers))
}

// request is one request of a signed-in user.
type request struct {
	sess store.Session
	user store.User
	csrf string
}

type userHandler func(w http.ResponseWriter, r *http.Request, rq *request)

// user wraps a page of the signed-in user: without an SSO session a GET
// goes to sign in and back, a POST is refused; a POST must carry a valid
// CSRF token.
func (h *Handler) user(next userHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, u, ok, err := h.Sessions.Current(r.Context(), r)
		if err != nil {
			h.failure(w, r, err)
			return
		}
		if !ok {
			if r.Method == http.MethodGet {
				h.signIn(w, r)
				return
			}
			h.errorPage(w, r, http.StatusUnauthorized, "account.error.signed_out")
			return
		}
		if r.Method == http.MethodPost {
			if err := r.ParseForm(); err != nil {
				h.errorPage(w, r, http.StatusBadRequest, "account.error.bad_form")
				return
			}
			if !h.CSRF.Valid(r) {
				h.errorPage(w, r, http.StatusForbidden, "account.error.csrf")
				return
			}
		}
		next(w, r, &request{sess: sess, user: u, csrf: h.CSRF.Token(w, r)})
	}
}

// sensitive refuses a change without a recent step-up (UI-13 in
// docs/security.md): 403 and nothing changed; a GET goes to the step-up
// page and back.
func (h *Handler) sensitive(next userHandler) userHandler {
	return func(w http.ResponseWriter, r *http.Request, rq *request) {
		if h.Sessions.Reauthenticated(rq.sess) {
			next(w, r, rq)
			return
		}
		if r.Method == http.MethodGet {
			http.Redirect(w, r, h.path("/reauth")+"?return_to="+url.QueryEscape(routes.Account+strings.TrimPrefix(r.URL.Path, h.path(""))), http.StatusSeeOther)
			return
		}
		h.render(w, r, http.StatusForbidden, &ErrorPage{Message: ui.M("account.error.reauth_needed"), ReauthURL: h.path("/reauth")})
	}
}

// safeReturn is a return_to the pages accept: a path of the account
// pages, nothing else (RP-17 in docs/security.md). Anything else is the
// account home.
func safeReturn(p string) string {
	if p == routes.Account || (strings.HasPrefix(p, routes.Account+"/") && !strings.ContainsAny(p, "\\\r\n?#") &&
		!strings.Contains(p, "//") && !strings.Contains(p, "..")) {
		return p
	}
	return routes.Account
}

const loginCookie = "sesame_account_login"

func (h *Handler) cookieName() string {
	if h.Secure {
		return "__Host-" + loginCookie
	}
	return loginCookie
}

func (h *Handler) cookiePath() string {
	if h.Secure {
		return "/"
	}
	return h.path("")
}

// signIn sends the browser through the sign-in experience as the
// account client. The state, bound to this browser by a cookie, carries
// the page to come back to.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	state := rand.Text()
	ret := safeReturn(strings.TrimPrefix(r.URL.Path, string(h.Base)))
	http.SetCookie(w, &http.Cookie{Name: h.cookieName(), Value: state + "." + base64.RawURLEncoding.EncodeToString([]byte(ret)),
		Path: h.cookiePath(), MaxAge: 3600, HttpOnly: true, Secure: h.Secure, SameSite: http.SameSiteLaxMode})
	// PKCE is sent for servers that require it; the code is never redeemed.
	sum := sha256.Sum256([]byte(rand.Text()))
	q := url.Values{"client_id": {admin.AccountClientID}, "redirect_uri": {admin.AccountRedirect(h.Endpoint)},
		"response_type": {"code"}, "scope": {"openid"}, "state": {state},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	http.Redirect(w, r, h.Base.Path(routes.Authorize)+"?"+q.Encode(), http.StatusSeeOther)
}

// callback ends the sign-in: the state must be this browser's; the SSO
// session the sign-in started is then what the pages use.
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(h.cookieName())
	var state, ret string
	if err == nil {
		s, enc, _ := strings.Cut(c.Value, ".")
		if b, err := base64.RawURLEncoding.DecodeString(enc); err == nil {
			state, ret = s, string(b)
		}
	}
	got := r.URL.Query().Get("state")
	if state == "" || subtle.ConstantTimeCompare([]byte(got), []byte(state)) != 1 {
		h.errorPage(w, r, http.StatusBadRequest, "account.error.login_expired")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: h.cookieName(), Value: "", Path: h.cookiePath(), MaxAge: -1, HttpOnly: true, Secure: h.Secure,
		SameSite: http.SameSiteLaxMode})
	if r.URL.Query().Get("error") != "" {
		h.errorPage(w, r, http.StatusBadRequest, "account.error.login_failed")
		return
	}
	_, _, ok, err := h.Sessions.Current(r.Context(), r)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !ok {
		h.errorPage(w, r, http.StatusBadRequest, "account.error.login_failed")
		return
	}
	http.Redirect(w, r, h.Base.Path(safeReturn(ret)), http.StatusSeeOther)
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, p titled) {
	b, key := p.page()
	b.Title = h.UI.I18n().Printer(ui.Lang(r, "")).T(key)
	h.UI.Render(w, r, status, p.(ui.Page))
}

func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, status int, key string) {
	h.render(w, r, status, &ErrorPage{Message: ui.M(key), HomeURL: h.path("")})
}

// failure answers an unexpected error (store down, …) without details.
func (h *Handler) failure(w http.ResponseWriter, r *http.Request, err error) {
	httpx.LogFailure(r.Context(), h.Log, "account: failure", err, "path", r.URL.Path)
	status := http.StatusInternalServerError
	if errors.Is(err, store.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		status = http.StatusServiceUnavailable
	}
	h.errorPage(w, r, status, "account.error.unavailable")
}

// record writes an audit entry for the user's own action; reason marks a
// failure.
func (h *Handler) record(r *http.Request, rq *request, key, reason string) {
	e := audit.Entry{Key: key, UserID: rq.user.ID, Actor: "user:" + rq.user.ID, SessionID: rq.sess.SID,
		IP: httpx.ClientAddr(r.Context()), UserAgent: r.UserAgent()}
	if reason != "" {
		e.Result, e.Error = audit.Failure, reason
	}
	h.Audit.Record(r.Context(), e)
}

// done answers a successful POST (post/redirect/get) with a notice key.
func (h *Handler) done(w http.ResponseWriter, r *http.Request, notice string) {
	http.Redirect(w, r, h.path("")+"?done="+url.QueryEscape(notice), http.StatusSeeOther)
}
