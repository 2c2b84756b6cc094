package experience

// Sign-in with an emailed code (passwordless), when the settings enable
// it for email: signIn.methods[email].verificationCode.

import (
	"net/http"

	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/identity"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
)

// codeSignIn loads a step of the code sign-in flow; on failure (including
// the method being off) it has answered.
func (h *Handler) codeSignIn(w http.ResponseWriter, r *http.Request, post bool) (signinexp.Settings, store.AuthRequest, store.Client, bool) {
	x, ar, c, ok := h.mailPage(w, r, post)
	if ok && !h.passwordlessOn(x) {
		h.errorPage(w, r, http.StatusNotFound, ui.M("experience.error.off.heading"), ui.M("experience.error.off.code_signin"))
		return x, ar, c, false
	}
	return x, ar, c, ok
}

func (h *Handler) signInCodePage(w http.ResponseWriter, r *http.Request) {
	x, ar, c, ok := h.codeSignIn(w, r, false)
	if !ok {
		return
	}
	if vid := verificationID(r); vid != "" {
		h.renderCodeStep(w, r, http.StatusOK, signInCodeFlow, x, ar, c, vid, ui.Msg{}, ui.Msg{})
		return
	}
	h.renderAddressStep(w, r, http.StatusOK, signInCodeFlow, x, ar, c, emailHint(ar.LoginHint), ui.Msg{})
}

func (h *Handler) signInCode(w http.ResponseWriter, r *http.Request) {
	x, ar, c, ok := h.codeSignIn(w, r, true)
	if !ok {
		return
	}
	vid := verificationID(r)
	if vid == "" {
		email := identity.Canonical(r.PostFormValue("email"))
		if identity.ValidateEmail(email) != nil {
			h.renderAddressStep(w, r, http.StatusBadRequest, signInCodeFlow, x, ar, c, email, ui.M("codes.error.bad_email"))
			return
		}
		id, msg, status, err := h.issueForAddress(w, r, ar, c, signInCodeFlow.purpose, signInCodeFlow.mailTemplate, email)
		if err != nil {
			h.failure(w, r, err)
			return
		}
		if id == "" {
			h.renderAddressStep(w, r, status, signInCodeFlow, x, ar, c, email, msg)
			return
		}
		h.seeOther(w, r, ar, h.codeURL(routes.SignInCode, ar.ID, id))
		return
	}
	if r.PostFormValue("resend") != "" {
		h.resendAddressCode(w, r, signInCodeFlow, x, ar, c, vid)
		return
	}
	user, ok := h.redeemAddressCode(w, r, signInCodeFlow, x, ar, c, vid)
	if !ok {
		return
	}
	// An emailed code proves the address (RFC 8176 "otp": a one-time
	// code); the account's second factor, if any, is still asked.
	h.signedIn(w, r, ar, user, audit.KeySignIn, "otp")
}
