package experience

// Sign-in with an emailed code (passwordless), when the settings enable
// it for email: signIn.methods[email].verificationCode.

import (
	"net/http"

	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/identity"
	"github.com/sesameauth/sesame/internal/mail"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
	"github.com/sesameauth/sesame/internal/verification"
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
		h.renderSignInCode(w, r, http.StatusOK, x, ar, c, vid, ui.Msg{}, ui.Msg{})
		return
	}
	h.renderSignInEmail(w, r, http.StatusOK, x, ar, c, emailHint(ar.LoginHint), ui.Msg{})
}

func (h *Handler) renderSignInEmail(w http.ResponseWriter, r *http.Request, status int, x signinexp.Settings, ar store.AuthRequest, c store.Client, email string, msg ui.Msg) {
	allowRedirect(w, r, ar)
	h.UI.Render(w, r, status, &EmailStepPage{Base: ui.Base{Brand: h.brand(w, x), UILocales: ar.UILocales},
		Heading: "codes.signin.heading", Intro: "codes.signin.intro", Action: h.Base.PageURL(routes.SignInCode, ar.ID),
		CSRFToken: h.CSRF.Token(w, r), AppName: c.Name, Email: email, Error: msg, Submit: "codes.signin.send",
		BackURL: h.Base.PageURL(routes.SignIn, ar.ID)})
}

func (h *Handler) renderSignInCode(w http.ResponseWriter, r *http.Request, status int, x signinexp.Settings, ar store.AuthRequest, c store.Client, vid string, msg, notice ui.Msg) {
	allowRedirect(w, r, ar)
	h.UI.Render(w, r, status, &CodeStepPage{Base: ui.Base{Brand: h.brand(w, x), UILocales: ar.UILocales},
		Heading: "codes.signin.code_heading", SentTo: h.codeTarget(r, vid, verification.SignIn, ar.ID), SentKey: "codes.code.sent_if_account",
		Minutes: int(verification.DefaultTTL.Minutes()), Action: h.Base.PageURL(routes.SignInCode, ar.ID),
		CSRFToken: h.CSRF.Token(w, r), VerificationID: vid, AppName: c.Name, Error: msg, Notice: notice,
		Submit: "codes.signin.submit", BackURL: h.Base.PageURL(routes.SignIn, ar.ID)})
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
			h.renderSignInEmail(w, r, http.StatusBadRequest, x, ar, c, email, ui.M("codes.error.bad_email"))
			return
		}
		id, msg, status, err := h.issueForAddress(w, r, ar, c, verification.SignIn, mail.SigninCode, email)
		if err != nil {
			h.failure(w, r, err)
			return
		}
		if id == "" {
			h.renderSignInEmail(w, r, status, x, ar, c, email, msg)
			return
		}
		h.seeOther(w, r, ar, h.codeURL(routes.SignInCode, ar.ID, id))
		return
	}
	if r.PostFormValue("resend") != "" {
		h.resendAddressCode(w, r, x, ar, c, vid, verification.SignIn, mail.SigninCode, h.renderSignInCode)
		return
	}
	user, ok := h.redeemAddressCode(w, r, x, ar, c, vid, verification.SignIn, h.renderSignInCode)
	if !ok {
		return
	}
	// An emailed code proves the address (RFC 8176 "otp": a one-time
	// code); the account's second factor, if any, is still asked.
	h.signedIn(w, r, ar, user, audit.KeySignIn, "otp")
}
