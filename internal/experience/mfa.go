package experience

// The second factor (issue 11 part 5): the gate every first factor ends in
// (signedIn), the MFA page that asks for a TOTP or backup code, and TOTP
// enrolment at sign-in when the policy or the app requires a factor. The
// rules are package mfa's; this file parses forms and writes pages.

import (
	"encoding/base64"
	"errors"
	"html/template"
	"math"
	"net/http"

	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/mfa"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
)

// MFAPage asks for the second factor: a TOTP code (input "code", hidden
// "method" = "totp") or a backup code (method "backup").
type MFAPage struct {
	ui.Base
	Action, CSRFToken, AppName string
	Backup                     bool   // the backup-code form, else the TOTP form
	HasTOTP                    bool   // the user has an authenticator app
	SwitchURL                  string // the other form
	PasskeyURL                 string // a passkey instead (the passkey part fills it)
	Error                      ui.Msg
}

// Template implements ui.Page.
func (*MFAPage) Template() string { return "experience/mfa" }

// MFAEnrollPage enrols an authenticator app at sign-in: the QR code, the
// secret as text (hidden input "secret" carries it back) and input "code".
type MFAEnrollPage struct {
	ui.Base
	Action, CSRFToken, AppName string
	Secret                     string
	QRPNG                      []byte // the otpauth:// URL as a QR code PNG (<img src="{{.QRURL}}">)
	Error                      ui.Msg
}

// QRURL is QRPNG as a data: URL. Trusted as a URL because it is built
// here from base64 only, whatever the bytes (the CSP allows img data:).
func (p *MFAEnrollPage) QRURL() template.URL {
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(p.QRPNG)) // #nosec G203
}

// Template implements ui.Page.
func (*MFAEnrollPage) Template() string { return "experience/mfa_enroll" }

// MFABackupCodesPage shows freshly generated backup codes, once.
type MFABackupCodesPage struct {
	ui.Base
	AppName     string
	Codes       []string
	ContinueURL string // back to the app (the sign-in is complete)
}

// Template implements ui.Page.
func (*MFABackupCodesPage) Template() string { return "experience/mfa_backup_codes" }

func mfaPages() []ui.Page { return []ui.Page{&MFAPage{}, &MFAEnrollPage{}, &MFABackupCodesPage{}} }

func (h *Handler) mountMFA(m httpx.Mux) {
	m.HandleFunc("GET "+routes.MFA, h.mfaPage)
	m.Handle("POST "+routes.MFA, h.Origin.Handler(http.HandlerFunc(h.mfaSubmit)))
	m.HandleFunc("GET "+routes.MFAEnroll, h.mfaEnrollPage)
	m.Handle("POST "+routes.MFAEnroll, h.Origin.Handler(http.HandlerFunc(h.mfaEnroll)))
}

// signedIn is where every first factor ends once it proved who the user
// is: methods are the RFC 8176 amr values of that factor ("pwd", "otp",
// "hwk", "swk", "fed"; a passkey with user verification may add "user",
// and a first factor that is two already, by mfa.MultiFactor, needs no
// second). When mfa.Next asks for a second factor it records
// the pending state on this authorization request only (the pending state
// signs no one in) and sends the browser to the MFA or enrolment page;
// else it completes the sign-in.
func (h *Handler) signedIn(w http.ResponseWriter, r *http.Request, ar store.AuthRequest, user store.User, key string, methods ...string) {
	if h.MFA == nil || mfa.MultiFactor(methods) {
		h.complete(w, r, ar, user, key, methods)
		return
	}
	x, ok := h.settings(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	step, err := h.MFA.Next(ctx, user.ID, x.MFA, ar.ACRValues)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if step == mfa.Done {
		h.complete(w, r, ar, user, key, methods)
		return
	}
	if _, err := h.Store.UpdateAuthRequest(ctx, ar.ID, func(a store.AuthRequest) (store.AuthRequest, error) {
		a.PendingUserID, a.PendingAMR = user.ID, methods
		return a, nil
	}); err != nil {
		h.failure(w, r, err)
		return
	}
	if key != audit.KeySignIn {
		// A registration is done here; the sign-in is recorded when the
		// second factor completes it.
		h.record(r, key, ar, "", user.ID, "")
	}
	route := routes.MFA
	if step == mfa.Enrol {
		route = routes.MFAEnroll
	}
	http.Redirect(w, r, h.Base.PageURL(route, ar.ID), http.StatusSeeOther)
}

// mfaState is a pending second factor: the request, its app, the user whose
// first factor passed for it and the settings.
type mfaState struct {
	ar   store.AuthRequest
	c    store.Client
	user store.User
	x    signinexp.Settings
}

// pendingMFA loads the interaction (checking the form first when posted)
// and its pending user. A request with no first factor passed — a browser
// going straight to /mfa or /mfa/enroll — is a 400 page. On failure it
// has answered already.
func (h *Handler) pendingMFA(w http.ResponseWriter, r *http.Request, posted bool) (mfaState, bool) {
	var s mfaState
	var ok bool
	if posted {
		s.ar, s.c, ok = h.postedInteraction(w, r)
	} else {
		s.ar, s.c, ok = h.interaction(w, r)
	}
	if !ok {
		return s, false
	}
	if h.MFA == nil || s.ar.PendingUserID == "" {
		h.mfaError(w, r, s.ar, http.StatusBadRequest, ui.M("mfa.error.no_pending.heading"), ui.M("mfa.error.no_pending.message"))
		return s, false
	}
	user, err := h.Store.GetUser(r.Context(), s.ar.PendingUserID)
	if errors.Is(err, store.ErrNotFound) || err == nil && user.Suspended {
		h.mfaError(w, r, s.ar, http.StatusForbidden, ui.M("mfa.error.account.heading"), ui.M("mfa.error.account.message"))
		return s, false
	}
	if err != nil {
		h.failure(w, r, err)
		return s, false
	}
	s.user = user
	s.x, ok = h.settings(w, r)
	return s, ok
}

// mfaError is an error page in the request's language.
func (h *Handler) mfaError(w http.ResponseWriter, r *http.Request, ar store.AuthRequest, status int, heading, msg ui.Msg) {
	h.UI.Render(w, r, status, &ui.ErrorPage{Base: ui.Base{Title: heading.Key, UILocales: ar.UILocales}, Heading: heading, Message: msg})
}

func (h *Handler) mfaPage(w http.ResponseWriter, r *http.Request) {
	s, ok := h.pendingMFA(w, r, false)
	if !ok {
		return
	}
	h.renderMFA(w, r, http.StatusOK, s, r.URL.Query().Get("method") == "backup", ui.Msg{})
}

func (h *Handler) renderMFA(w http.ResponseWriter, r *http.Request, status int, s mfaState, backup bool, msg ui.Msg) {
	fs, err := h.MFA.Factors(r.Context(), s.user.ID)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	hasTOTP := false
	for _, f := range fs {
		hasTOTP = hasTOTP || f == mfa.TOTP
	}
	allowRedirect(w, r, s.ar)
	p := &MFAPage{Base: ui.Base{UILocales: s.ar.UILocales, Brand: h.brand(w, s.x)},
		Action: h.Base.PageURL(routes.MFA, s.ar.ID), CSRFToken: h.CSRF.Token(w, r), AppName: s.c.Name,
		Backup: backup || !hasTOTP, HasTOTP: hasTOTP, Error: msg}
	p.Title = h.UI.I18n().Printer(ui.Lang(r, s.ar.UILocales)).T("mfa.verify.title")
	p.PasskeyURL = h.passkeyMFAURL(fs, s.ar)
	if p.Backup && hasTOTP {
		p.SwitchURL = h.Base.PageURL(routes.MFA, s.ar.ID)
	} else if !p.Backup {
		p.SwitchURL = h.Base.PageURL(routes.MFA, s.ar.ID) + "&method=backup"
	}
	h.UI.Render(w, r, status, p)
}

// mfaThrottled takes one attempt of the user's budget of second-factor
// codes (TOTP and backup codes share it, per user, in the database: UI-07
// in docs/security.md), unless the account is locked for passwords. Over the limit it answers 429 with Retry-After
// through render and returns false.
func (h *Handler) mfaThrottled(w http.ResponseWriter, r *http.Request, s mfaState, render func(status int, msg ui.Msg)) (key string, ok bool) {
	t, now := h.throttle(), h.now()
	key = "mfa:user:" + s.user.ID
	// An account locked by failed passwords (signin.go's key) stays locked
	// here too, for a sign-in whose password passed before the lock.
	ok, retry, err := h.Store.CheckAttempts(r.Context(), "user:"+s.user.ID, t.UserLimit, t.Window, now)
	if err == nil && ok {
		ok, retry, err = h.Store.ReserveAttempt(r.Context(), key, t.UserLimit, t.Window, now)
	}
	if err != nil {
		h.failure(w, r, err)
		return key, false
	}
	if !ok {
		h.record(r, audit.KeySignIn, s.ar, audit.ReasonThrottled, s.user.ID, "")
		w.Header().Set("Retry-After", retryAfter(retry, now))
		render(http.StatusTooManyRequests, ui.M("mfa.error.too_many", "minutes", max(1, int(math.Ceil(retry.Sub(now).Minutes())))))
		return key, false
	}
	return key, true
}

func (h *Handler) mfaSubmit(w http.ResponseWriter, r *http.Request) {
	s, ok := h.pendingMFA(w, r, true)
	if !ok {
		return
	}
	ctx := r.Context()
	backup := r.PostFormValue("method") == "backup"
	code := r.PostFormValue("code")
	render := func(status int, msg ui.Msg) { h.renderMFA(w, r, status, s, backup, msg) }
	if len(code) > 64 || mfa.NormalizeCode(code) == "" {
		render(http.StatusBadRequest, ui.M("mfa.error.empty"))
		return
	}
	key, ok := h.mfaThrottled(w, r, s, render)
	if !ok {
		return
	}
	var err error
	if backup {
		err = h.MFA.UseBackupCode(ctx, s.user.ID, code)
	} else {
		err = h.MFA.VerifyTOTP(ctx, s.user.ID, code)
	}
	switch {
	case errors.Is(err, mfa.ErrReplayed):
		h.record(r, audit.KeySignIn, s.ar, audit.ReasonWrongMFACode, s.user.ID, "")
		render(http.StatusUnauthorized, ui.M("mfa.error.replayed"))
		return
	case errors.Is(err, mfa.ErrInvalidCode), errors.Is(err, mfa.ErrNotEnrolled):
		h.record(r, audit.KeySignIn, s.ar, audit.ReasonWrongMFACode, s.user.ID, "")
		render(http.StatusUnauthorized, ui.M("mfa.error.invalid"))
		return
	case err != nil:
		h.failure(w, r, err)
		return
	}
	if err := h.Store.ResetAttempts(ctx, key); err != nil {
		h.Log.WarnContext(ctx, "cannot reset second-factor attempts", "err", err)
	}
	h.complete(w, r, s.ar, s.user, audit.KeySignIn, mfa.WithSecondFactor(s.ar.PendingAMR))
}

// enrolmentDue checks that this sign-in must enrol a factor now (mfa.Next
// says Enrol): a user who has a factor is asked for it and cannot enrol a
// new one here instead. On failure it has answered already.
func (h *Handler) enrolmentDue(w http.ResponseWriter, r *http.Request, s mfaState) bool {
	step, err := h.MFA.Next(r.Context(), s.user.ID, s.x.MFA, s.ar.ACRValues)
	if err != nil {
		h.failure(w, r, err)
		return false
	}
	if step != mfa.Enrol {
		h.mfaError(w, r, s.ar, http.StatusBadRequest, ui.M("mfa.error.no_pending.heading"), ui.M("mfa.error.no_pending.message"))
		return false
	}
	return true
}

func (h *Handler) mfaEnrollPage(w http.ResponseWriter, r *http.Request) {
	s, ok := h.pendingMFA(w, r, false)
	if !ok || !h.enrolmentDue(w, r, s) {
		return
	}
	e, err := h.MFA.BeginTOTP(s.user)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	h.renderEnroll(w, r, http.StatusOK, s, e, ui.Msg{})
}

func (h *Handler) renderEnroll(w http.ResponseWriter, r *http.Request, status int, s mfaState, e mfa.Enrolment, msg ui.Msg) {
	p := &MFAEnrollPage{Base: ui.Base{UILocales: s.ar.UILocales, Brand: h.brand(w, s.x)},
		Action: h.Base.PageURL(routes.MFAEnroll, s.ar.ID), CSRFToken: h.CSRF.Token(w, r), AppName: s.c.Name,
		Secret: e.Secret, QRPNG: e.QR, Error: msg}
	p.Title = h.UI.I18n().Printer(ui.Lang(r, s.ar.UILocales)).T("mfa.enroll.title")
	h.UI.Render(w, r, status, p)
}

func (h *Handler) mfaEnroll(w http.ResponseWriter, r *http.Request) {
	s, ok := h.pendingMFA(w, r, true)
	if !ok || !h.enrolmentDue(w, r, s) {
		return
	}
	ctx := r.Context()
	e, err := h.MFA.TOTPEnrolment(s.user, r.PostFormValue("secret"))
	if err != nil {
		h.mfaError(w, r, s.ar, http.StatusBadRequest, ui.M("mfa.error.form.heading"), ui.M("mfa.error.form.message"))
		return
	}
	render := func(status int, msg ui.Msg) { h.renderEnroll(w, r, status, s, e, msg) }
	code := r.PostFormValue("code")
	if len(code) > 64 || mfa.NormalizeCode(code) == "" {
		render(http.StatusBadRequest, ui.M("mfa.error.empty"))
		return
	}
	key, ok := h.mfaThrottled(w, r, s, render)
	if !ok {
		return
	}
	err = h.MFA.ConfirmTOTP(ctx, s.user.ID, e.Secret, code)
	switch {
	case errors.Is(err, mfa.ErrInvalidCode):
		render(http.StatusUnauthorized, ui.M("mfa.error.invalid"))
		return
	case err != nil:
		h.failure(w, r, err)
		return
	}
	if err := h.Store.ResetAttempts(ctx, key); err != nil {
		h.Log.WarnContext(ctx, "cannot reset second-factor attempts", "err", err)
	}
	var codes []string
	if s.x.MFA.Offers(mfa.BackupCode) {
		if codes, err = h.MFA.GenerateBackupCodes(ctx, s.user.ID); err != nil {
			h.failure(w, r, err)
			return
		}
	}
	// The code just entered proved the new factor: the sign-in completes
	// with both. The backup codes are shown once, on the way back to the app.
	amr := mfa.WithSecondFactor(s.ar.PendingAMR)
	if len(codes) == 0 {
		h.complete(w, r, s.ar, s.user, audit.KeySignIn, amr)
		return
	}
	if !h.startSignedIn(w, r, s.ar, s.user, audit.KeySignIn, amr) {
		return
	}
	p := &MFABackupCodesPage{Base: ui.Base{UILocales: s.ar.UILocales, Brand: h.brand(w, s.x)},
		AppName: s.c.Name, Codes: codes, ContinueURL: h.Base.ResumeURL(s.ar.ID)}
	p.Title = h.UI.I18n().Printer(ui.Lang(r, s.ar.UILocales)).T("mfa.backup.title")
	h.UI.Render(w, r, http.StatusOK, p)
}
