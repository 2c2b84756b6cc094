package experience

// The sign-in page and form.

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/identity"
	"github.com/sesameauth/sesame/internal/password"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
)

func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request) {
	ar, c, ok := h.interaction(w, r)
	if !ok {
		return
	}
	x, ok := h.settings(w, r)
	if !ok || h.openFirstScreen(w, r, x, ar) {
		return
	}
	if r.URL.Query().Get("notice") == "reset" {
		h.renderSignInNotice(w, r, x, ar, c, ar.LoginHint, ui.M("codes.reset.done"))
		return
	}
	h.renderSignIn(w, r, http.StatusOK, x.ForIdentifiers(ar.Identifiers), ar, c, ar.LoginHint, ui.Msg{})
}

func (h *Handler) renderSignIn(w http.ResponseWriter, r *http.Request, status int, x signinexp.Settings, ar store.AuthRequest, c store.Client, ident string, msg ui.Msg) {
	p := h.signInView(w, r, x, ar, c, ident)
	p.Error = msg
	h.UI.Render(w, r, status, p)
}

// signInView is the sign-in page for x and ar, with every link the
// settings turn on and ident filled in.
func (h *Handler) signInView(w http.ResponseWriter, r *http.Request, x signinexp.Settings, ar store.AuthRequest, c store.Client, ident string) *SignInPage {
	allowRedirect(w, r, ar)
	p := &SignInPage{Base: ui.Base{Title: "signin.title", Brand: h.brand(w, x), UILocales: ar.UILocales},
		Action: h.Base.PageURL(routes.SignIn, ar.ID), CSRFToken: h.CSRF.Token(w, r), AppName: c.Name,
		Identifier: ident, IdentifierLabel: identifierLabel(x)}
	if x.RegistrationOpen() {
		p.RegisterURL = h.Base.PageURL(routes.Register, ar.ID)
	}
	h.codeLinks(p, x, ar)
	p.Social = h.socialButtons(x, ar)
	p.PasskeyURL = h.passkeySignInURL(x.PasskeySignIn.Enabled, ar)
	return p
}

// identifierLabel is the catalogue key naming what the sign-in form
// accepts.
func identifierLabel(x signinexp.Settings) string { return "signin.label." + identifierKinds(x) }

// The sign-in form's errors by identifierKinds.
var (
	emptyKeys = map[string]string{"username": "signin.error.empty.username", "email": "signin.error.empty.email",
		"username_or_email": "signin.error.empty.username_or_email"}
	kindKeys = map[string]string{"username": "signin.error.kind.username", "email": "signin.error.kind.email",
		"username_or_email": "signin.error.kind.username_or_email"}
)

// identifierKinds is what the sign-in form accepts: "username", "email"
// or "username_or_email" (a suffix of catalogue keys).
func identifierKinds(x signinexp.Settings) string {
	switch u, e := x.Accepts(signinexp.Username), x.Accepts(signinexp.Email); {
	case u && !e:
		return "username"
	case e && !u:
		return "email"
	}
	return "username_or_email"
}

// identifierKind is what an identifier typed on the sign-in form is: an
// address when it has an '@' (usernames cannot).
func identifierKind(ident string) string {
	if strings.Contains(ident, "@") {
		return signinexp.Email
	}
	return signinexp.Username
}

var msgBadCredentials = ui.M("signin.error.bad_credentials")

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	ar, c, ok := h.postedInteraction(w, r)
	if !ok {
		return
	}
	x, ok := h.settings(w, r)
	if !ok {
		return
	}
	x = x.ForIdentifiers(ar.Identifiers) // the kinds the app asked for, within the settings
	ctx := r.Context()
	ident := identity.Canonical(r.PostFormValue("identifier"))
	pw := r.PostFormValue("password")
	if ident == "" || pw == "" || len(ident) > 320 {
		h.renderSignIn(w, r, http.StatusBadRequest, x, ar, c, ident, ui.M(emptyKeys[identifierKinds(x)]))
		return
	}
	// Refused before any lookup or throttle, so it tells nothing about
	// accounts.
	if !x.Accepts(identifierKind(ident)) {
		h.renderSignIn(w, r, http.StatusBadRequest, x, ar, c, ident, ui.M(kindKeys[identifierKinds(x)]))
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
		h.record(r, audit.KeySignIn, ar, audit.ReasonThrottled, "", "")
		h.tooMany(w, r, x, ar, c, ident, retry, now, "signin.error.too_many_ip")
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
		h.record(r, audit.KeySignIn, ar, audit.ReasonThrottled, user.ID, "")
		h.tooMany(w, r, x, ar, c, ident, retry, now, "signin.error.too_many_user")
		return
	}
	// Too many password checks at once (password.ErrBusy): the attempt
	// did not happen, so it costs neither budget, and the form says so.
	busy := func(err error) bool {
		if !errors.Is(err, password.ErrBusy) {
			return false
		}
		releaseIP()
		if err := h.Store.ReleaseAttempt(ctx, key, t.Window, now); err != nil {
			h.Log.WarnContext(ctx, "cannot release sign-in attempt", "err", err)
		}
		w.Header().Set("Retry-After", "1")
		h.renderSignIn(w, r, http.StatusServiceUnavailable, x, ar, c, ident, ui.M("signin.error.busy"))
		return true
	}
	if user.ID == "" {
		if busy(password.VerifyDummy(ctx, pw)) {
			return
		}
		// The identifier tried is not recorded: people type passwords
		// into the wrong field.
		h.record(r, audit.KeySignIn, ar, audit.ReasonUnknownUser, "", "")
		h.renderSignIn(w, r, http.StatusUnauthorized, x, ar, c, ident, msgBadCredentials)
		return
	}
	if err := password.Verify(ctx, pw, user.PasswordHash); busy(err) {
		return
	} else if err != nil {
		reason := audit.ReasonWrongPassword
		if !errors.Is(err, password.ErrMismatch) {
			httpx.LogFailure(ctx, h.Log, "password verification failed", err, "user", user.ID)
			reason = audit.ReasonServerError
		}
		h.record(r, audit.KeySignIn, ar, reason, user.ID, "")
		h.renderSignIn(w, r, http.StatusUnauthorized, x, ar, c, ident, msgBadCredentials)
		return
	}
	releaseIP() // the right password is not a failure
	if user.Suspended {
		h.record(r, audit.KeySignIn, ar, audit.ReasonSuspended, user.ID, "")
		h.renderSignIn(w, r, http.StatusForbidden, x, ar, c, ident, ui.M("signin.error.suspended"))
		return
	}
	if err := h.Store.ResetAttempts(ctx, key); err != nil {
		h.Log.WarnContext(ctx, "cannot reset sign-in attempts", "err", err)
	}
	h.signedIn(w, r, ar, user, audit.KeySignIn, "pwd")
}

// retryAfter is the Retry-After value, in whole seconds, at least 1.
func retryAfter(retry, now time.Time) string {
	return fmt.Sprint(max(1, int(math.Ceil(retry.Sub(now).Seconds()))))
}

func (h *Handler) tooMany(w http.ResponseWriter, r *http.Request, x signinexp.Settings, ar store.AuthRequest, c store.Client, ident string, retry, now time.Time, key string) {
	mins := int(math.Ceil(retry.Sub(now).Minutes()))
	if mins < 1 {
		mins = 1
	}
	w.Header().Set("Retry-After", retryAfter(retry, now))
	h.renderSignIn(w, r, http.StatusTooManyRequests, x, ar, c, ident,
		ui.M(key, "minutes", mins))
}

// complete starts the SSO session with the authentication methods used
// (amr: RFC 8176 values, in the order used; they reach every ID token of
// the session's grants), records the successful sign-in or registration
// (key) and resumes the authorization request.
func (h *Handler) complete(w http.ResponseWriter, r *http.Request, ar store.AuthRequest, user store.User, key string, amr []string) {
	if !h.startSignedIn(w, r, ar, user, key, amr) {
		return
	}
	allowRedirect(w, r, ar)
	http.Redirect(w, r, h.Base.ResumeURL(ar.ID), http.StatusSeeOther)
}

// startSignedIn is complete without the redirect: it starts the session,
// records the sign-in and clears the request's forced login and pending
// second factor. On failure it has answered already.
func (h *Handler) startSignedIn(w http.ResponseWriter, r *http.Request, ar store.AuthRequest, user store.User, key string, amr []string) bool {
	ctx := r.Context()
	sess, err := h.Sessions.Start(ctx, w, r, user.ID, amr)
	if err != nil {
		h.failure(w, r, err)
		return false
	}
	h.record(r, key, ar, "", user.ID, sess.SID)
	now := h.now()
	if _, err := h.Store.UpdateUser(ctx, user.ID, func(u store.User) (store.User, error) {
		u.LastSignInAt = now
		return u, nil
	}); err != nil {
		h.Log.WarnContext(ctx, "cannot record sign-in time", "err", err)
	}
	if _, err := h.Store.UpdateAuthRequest(ctx, ar.ID, func(a store.AuthRequest) (store.AuthRequest, error) {
		a.ForceLogin = false
		a.PendingUserID, a.PendingAMR = "", nil
		return a, nil
	}); err != nil {
		h.failure(w, r, err)
		return false
	}
	return true
}
