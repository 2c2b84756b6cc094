package experience

// Password reset by an emailed code (docs/security.md, UI-09 and UI-11):
// the address, then the code with the new password in one step, so no
// "verified but not yet reset" state exists to skip to. The reset ends
// every session and revokes every grant of the user (store.SetUserPassword).

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/identity"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
	"github.com/sesameauth/sesame/internal/verification"
)

func (h *Handler) mountCodeFlows(m httpx.Mux) {
	h.mountRegisterVerify(m)
	m.HandleFunc("GET "+routes.ResetPassword, h.resetPage)
	m.Handle("POST "+routes.ResetPassword, h.Origin.Handler(http.HandlerFunc(h.reset)))
	m.HandleFunc("GET "+routes.SignInCode, h.signInCodePage)
	m.Handle("POST "+routes.SignInCode, h.Origin.Handler(http.HandlerFunc(h.signInCode)))
}

// codeUser is the payload of reset and sign-in codes: the account the
// address had when the code was asked for ("" for none: then no mail was
// sent, and the code step fails like a wrong code).
type codeUser struct {
	UserID string `json:"u,omitempty"`
}

// mailPage loads what every step of the reset and code sign-in flows
// needs; on failure it has answered.
func (h *Handler) mailPage(w http.ResponseWriter, r *http.Request, post bool) (signinexp.Settings, store.AuthRequest, store.Client, bool) {
	var (
		ar store.AuthRequest
		c  store.Client
		ok bool
	)
	if post {
		ar, c, ok = h.postedInteraction(w, r)
	} else {
		ar, c, ok = h.interaction(w, r)
	}
	if !ok {
		return signinexp.Settings{}, ar, c, false
	}
	if !h.mailOn() {
		h.errorPage(w, r, http.StatusNotFound, ui.M("experience.error.off.heading"), ui.M("experience.error.off.no_mail"))
		return signinexp.Settings{}, ar, c, false
	}
	x, ok := h.settings(w, r)
	return x, ar, c, ok
}

// issueForAddress is the first step of reset and code sign-in: throttle,
// look the address up, issue a code bound to this request whether or not
// it has an account, and mail it only if it has (in the background, so
// the answer's timing tells nothing). It returns the code's id.
func (h *Handler) issueForAddress(w http.ResponseWriter, r *http.Request, ar store.AuthRequest, c store.Client, purpose, template, email string) (string, ui.Msg, int, error) {
	ctx := r.Context()
	if msg, ok, err := h.takeSend(w, r, email); err != nil || !ok {
		return "", msg, http.StatusTooManyRequests, err
	}
	var p codeUser
	user, err := h.Store.GetUserByLogin(ctx, email)
	switch {
	case err == nil && user.Email == email && !user.Suspended:
		p.UserID = user.ID
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return "", ui.Msg{}, 0, err
	}
	payload, _ := json.Marshal(p)
	iss, err := h.Codes.Issue(ctx, purpose, email, ar.ID, payload)
	if err != nil {
		return "", ui.Msg{}, 0, err
	}
	if p.UserID != "" {
		h.sendLater(ctx, codeMail(r, ar, c, email, template, iss.Code))
	}
	return iss.ID, ui.Msg{}, 0, nil
}

func (h *Handler) resetPage(w http.ResponseWriter, r *http.Request) {
	x, ar, c, ok := h.mailPage(w, r, false)
	if !ok {
		return
	}
	if vid := verificationID(r); vid != "" {
		h.renderCodeStep(w, r, http.StatusOK, resetFlow, x, ar, c, vid, ui.Msg{}, ui.Msg{})
		return
	}
	h.renderAddressStep(w, r, http.StatusOK, resetFlow, x, ar, c, emailHint(ar.LoginHint), ui.Msg{})
}

// codeTarget is the address code vid went to, when it belongs to this
// flow ("" otherwise).
func (h *Handler) codeTarget(r *http.Request, vid, purpose, binding string) string {
	if v, err := h.Store.GetVerification(r.Context(), vid); err == nil && v.Binding == binding && v.Purpose == purpose {
		return v.Target
	}
	return ""
}

func (h *Handler) reset(w http.ResponseWriter, r *http.Request) {
	x, ar, c, ok := h.mailPage(w, r, true)
	if !ok {
		return
	}
	vid := verificationID(r)
	if vid == "" {
		// Step 1: the address.
		email := identity.Canonical(r.PostFormValue("email"))
		if identity.ValidateEmail(email) != nil {
			h.renderAddressStep(w, r, http.StatusBadRequest, resetFlow, x, ar, c, email, ui.M("codes.error.bad_email"))
			return
		}
		id, msg, status, err := h.issueForAddress(w, r, ar, c, resetFlow.purpose, resetFlow.mailTemplate, email)
		if err != nil {
			h.failure(w, r, err)
			return
		}
		if id == "" {
			h.renderAddressStep(w, r, status, resetFlow, x, ar, c, email, msg)
			return
		}
		h.seeOther(w, r, ar, h.codeURL(routes.ResetPassword, ar.ID, id))
		return
	}
	if r.PostFormValue("resend") != "" {
		h.resendAddressCode(w, r, resetFlow, x, ar, c, vid)
		return
	}
	// Step 2: the code and the new password, checked before the code is
	// spent so a weak password does not cost the user their code.
	pw, confirm := r.PostFormValue("password"), r.PostFormValue("password_confirm")
	target := h.codeTarget(r, vid, resetFlow.purpose, ar.ID)
	if err := identity.CheckPassword(x.PasswordPolicy, pw, target); err != nil {
		h.renderCodeStep(w, r, http.StatusBadRequest, resetFlow, x, ar, c, vid, ruleMsg(err), ui.Msg{})
		return
	}
	if pw != confirm {
		h.renderCodeStep(w, r, http.StatusBadRequest, resetFlow, x, ar, c, vid, ui.M("codes.error.passwords_differ"), ui.Msg{})
		return
	}
	user, ok := h.redeemAddressCode(w, r, resetFlow, x, ar, c, vid)
	if !ok {
		return
	}
	ctx := r.Context()
	hash, err := identity.HashPassword(ctx, pw, h.PasswordParams)
	if err != nil {
		h.renderCodeStep(w, r, http.StatusBadRequest, resetFlow, x, ar, c, vid, ruleMsg(err), ui.Msg{})
		return
	}
	// Ends every session and revokes every grant with its tokens.
	if err := h.Store.SetUserPassword(ctx, user.ID, hash, h.now()); err != nil {
		h.failure(w, r, err)
		return
	}
	h.record(r, audit.KeyPasswordReset, ar, "", user.ID, "")
	if h.Sessions != nil {
		h.Sessions.End(ctx, w, r) //nolint:errcheck // the store already ended the user's sessions
	}
	// A redirect, so reloading the sign-in page does not post the spent
	// code again.
	h.seeOther(w, r, ar, h.Base.PageURL(routes.SignIn, ar.ID)+"&notice=reset")
}

// redeemAddressCode is the code step of reset and code sign-in: throttle
// the check, redeem the code for this request, load the account it was
// issued for. On failure it has answered with render.
func (h *Handler) redeemAddressCode(w http.ResponseWriter, r *http.Request, f codeFlow, x signinexp.Settings, ar store.AuthRequest, c store.Client, vid string) (store.User, bool) {
	ctx := r.Context()
	if msg, ok, err := h.takeCheck(w, r); err != nil {
		h.failure(w, r, err)
		return store.User{}, false
	} else if !ok {
		h.renderCodeStep(w, r, http.StatusTooManyRequests, f, x, ar, c, vid, msg, ui.Msg{})
		return store.User{}, false
	}
	v, err := h.Codes.Redeem(ctx, vid, f.purpose, ar.ID, r.PostFormValue("code"))
	var p codeUser
	if err == nil {
		if json.Unmarshal(v.Payload, &p) != nil || p.UserID == "" {
			err = verification.ErrWrongCode // no mail was sent: someone guessed
		}
	}
	if err != nil {
		if msg, ok := codeError(err); ok {
			h.record(r, f.auditKey, ar, audit.ReasonWrongCode, "", "")
			h.renderCodeStep(w, r, http.StatusBadRequest, f, x, ar, c, vid, msg, ui.Msg{})
			return store.User{}, false
		}
		h.failure(w, r, err)
		return store.User{}, false
	}
	user, err := h.Store.GetUser(ctx, p.UserID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (user.Suspended || user.Email != v.Target)) {
		// Deleted, suspended or re-addressed since the code was sent.
		h.renderCodeStep(w, r, http.StatusBadRequest, f, x, ar, c, vid, ui.M("codes.error.expired_code"), ui.Msg{})
		return store.User{}, false
	}
	if err != nil {
		h.failure(w, r, err)
		return store.User{}, false
	}
	return user, true
}

// resendAddressCode issues a new code for the flow's address (mailed only
// if it has an account, like the first) and shows the code step again.
func (h *Handler) resendAddressCode(w http.ResponseWriter, r *http.Request, f codeFlow, x signinexp.Settings, ar store.AuthRequest, c store.Client, vid string) {
	target := h.codeTarget(r, vid, f.purpose, ar.ID)
	if target == "" {
		h.renderCodeStep(w, r, http.StatusBadRequest, f, x, ar, c, vid, ui.M("codes.error.expired_code"), ui.Msg{})
		return
	}
	id, msg, status, err := h.issueForAddress(w, r, ar, c, f.purpose, f.mailTemplate, target)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if id == "" {
		h.renderCodeStep(w, r, status, f, x, ar, c, vid, msg, ui.Msg{})
		return
	}
	h.renderCodeStep(w, r, http.StatusOK, f, x, ar, c, id, ui.Msg{}, ui.M("codes.code.resent"))
}
