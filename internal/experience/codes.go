package experience

// What the emailed-code flows share: registration with a code
// (register_verify.go), password reset (reset.go) and sign-in with a code
// (signin_code.go). The rules live in packages verification (the codes)
// and regulate (how often); this file sends, throttles and renders.

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/identity"
	"github.com/sesameauth/sesame/internal/mail"
	"github.com/sesameauth/sesame/internal/regulate"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
	"github.com/sesameauth/sesame/internal/verification"
)

// mailOn reports whether the emailed-code flows are on: a mail sender and
// the code service are configured.
func (h *Handler) mailOn() bool { return h.Mail != nil && h.Codes != nil && h.Limits != nil }

// passwordlessOn reports whether x lets people sign in with an emailed code.
func (h *Handler) passwordlessOn(x signinexp.Settings) bool {
	if !h.mailOn() {
		return false
	}
	for _, m := range x.SignIn.Methods {
		if m.Identifier == signinexp.Email && m.VerificationCode {
			return true
		}
	}
	return false
}

// takeSend takes a send slot for address from this client; on refusal it
// has set Retry-After and returns the message to show.
func (h *Handler) takeSend(w http.ResponseWriter, r *http.Request, address string) (ui.Msg, bool, error) {
	d, err := h.Limits.Take(r.Context(),
		regulate.Limit{Rule: regulate.SendPerIP, Subject: h.IP.Of(r)},
		regulate.Limit{Rule: regulate.SendPerAddress, Subject: address})
	if err != nil || d.OK {
		return ui.Msg{}, d.OK, err
	}
	w.Header().Set("Retry-After", d.RetryAfter(h.now()))
	return ui.M("codes.error.too_many_sends", "minutes", minutesUntil(d.RetryAt, h.now())), false, nil
}

// takeCheck takes a code-check slot for this client (each code also
// allows only five wrong tries).
func (h *Handler) takeCheck(w http.ResponseWriter, r *http.Request) (ui.Msg, bool, error) {
	d, err := h.Limits.Take(r.Context(), regulate.Limit{Rule: regulate.CheckPerIP, Subject: h.IP.Of(r)})
	if err != nil || d.OK {
		return ui.Msg{}, d.OK, err
	}
	w.Header().Set("Retry-After", d.RetryAfter(h.now()))
	return ui.M("codes.error.too_many_checks", "minutes", minutesUntil(d.RetryAt, h.now())), false, nil
}

func minutesUntil(t, now time.Time) int {
	return max(1, int((t.Sub(now)+time.Minute-1)/time.Minute))
}

// sendNow mails m and waits (bounded by the sender's timeout): for flows
// whose every answer sends a mail, so waiting tells nothing.
func (h *Handler) sendNow(ctx context.Context, m mail.Message) error { return h.Mail.Send(ctx, m) }

// sendLater mails m without holding the request: for flows where some
// addresses get no mail (unknown ones), so the answer's timing cannot tell
// which (docs/security.md, UI-09). A failure is logged by the sender.
func (h *Handler) sendLater(ctx context.Context, m mail.Message) {
	ctx = context.WithoutCancel(ctx)
	go h.Mail.Send(ctx, m) //nolint:errcheck // logged by the sender
}

// codeError is the message for a failed redemption, or false for an
// error that is not the user's.
func codeError(err error) (ui.Msg, bool) {
	switch {
	case errors.Is(err, verification.ErrWrongCode):
		return ui.M("codes.error.wrong_code"), true
	case errors.Is(err, verification.ErrExpired):
		return ui.M("codes.error.expired_code"), true
	}
	return ui.Msg{}, false
}

// ruleMsg is the message of a broken identity rule (password policy,
// address syntax).
func ruleMsg(err error) ui.Msg {
	var e *identity.Error
	if errors.As(err, &e) {
		return ui.M(IdentityKey(e.Code), e.Args...)
	}
	return ui.M("codes.error.cannot_register")
}

// renderRegisterMsg is renderRegister with a catalogue message.
func (h *Handler) renderRegisterMsg(w http.ResponseWriter, r *http.Request, status int, x signinexp.Settings, ar store.AuthRequest, c store.Client, username, email string, m ui.Msg) {
	h.renderRegister(w, r, status, x, ar, c, username, email, m)
}

// codeLinks adds the reset and code sign-in links to the sign-in page
// when they are on.
func (h *Handler) codeLinks(p *SignInPage, x signinexp.Settings, ar store.AuthRequest) {
	if !h.mailOn() {
		return
	}
	p.ForgotURL = h.Base.PageURL(routes.ResetPassword, ar.ID)
	if h.passwordlessOn(x) {
		p.CodeURL = h.Base.PageURL(routes.SignInCode, ar.ID)
	}
}

// renderSignInNotice shows the sign-in page with a status line (after a
// password reset), the identifier filled in.
func (h *Handler) renderSignInNotice(w http.ResponseWriter, r *http.Request, x signinexp.Settings, ar store.AuthRequest, c store.Client, ident string, notice ui.Msg) {
	allowRedirect(w, r, ar)
	x = x.ForIdentifiers(ar.Identifiers)
	p := &SignInPage{Base: ui.Base{Title: "signin.title", Brand: h.brand(w, x), UILocales: ar.UILocales},
		Action: h.Base.PageURL(routes.SignIn, ar.ID), CSRFToken: h.CSRF.Token(w, r), AppName: c.Name,
		Identifier: ident, IdentifierLabel: identifierLabel(x), Notice: notice}
	if x.RegistrationOpen() {
		p.RegisterURL = h.Base.PageURL(routes.Register, ar.ID)
	}
	h.codeLinks(p, x, ar)
	p.Social = h.socialButtons(x, ar)
	p.PasskeyURL = h.passkeySignInURL(x.PasskeySignIn.Enabled, ar)
	h.UI.Render(w, r, http.StatusOK, p)
}

// codeURL is the code step of a flow: page, the pending request and the
// code record's id.
func (h *Handler) codeURL(page, interaction, verificationID string) string {
	return h.Base.PageURL(page, interaction) + "&v=" + url.QueryEscape(verificationID)
}

// verificationID is the v parameter of a code step ("" when absent or
// implausible).
func verificationID(r *http.Request) string {
	v := r.URL.Query().Get("v")
	if r.Method == http.MethodPost {
		v = r.PostFormValue("v")
	}
	if len(v) > 64 {
		return ""
	}
	return v
}

// seeOther ends a POST with a 303 to target (a path of ours).
func (h *Handler) seeOther(w http.ResponseWriter, r *http.Request, ar store.AuthRequest, target string) {
	allowRedirect(w, r, ar)
	httpx.NoStore(w)
	http.Redirect(w, r, target, http.StatusSeeOther)
}
