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

	"github.com/sesameauth/sesame/internal/audit"
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

// codeMail is the mail carrying code for address to, in the language of
// the pending request's pages.
func codeMail(r *http.Request, ar store.AuthRequest, c store.Client, to, template, code string) mail.Message {
	return mail.Message{To: to, Lang: ui.Lang(r, ar.UILocales), Template: template,
		Data: map[string]any{"Code": code, "Minutes": int(verification.DefaultTTL.Minutes()), "AppName": c.Name}}
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
	p := h.signInView(w, r, x.ForIdentifiers(ar.Identifiers), ar, c, ident)
	p.Notice = notice
	h.UI.Render(w, r, http.StatusOK, p)
}

// codeFlow is one emailed-code flow's pages: its route, the code's
// purpose and mail, and the catalogue keys of its address and code steps.
type codeFlow struct {
	route, purpose, mailTemplate, auditKey string
	heading, intro, send                   string // the address step
	codeHeading, sentKey, submit           string // the code step
	newPassword                            bool   // the code step also sets a password
}

var (
	resetFlow = codeFlow{route: routes.ResetPassword, purpose: verification.Reset, mailTemplate: mail.ResetCode,
		auditKey: audit.KeyPasswordReset, heading: "codes.reset.heading", intro: "codes.reset.intro", send: "codes.reset.send",
		codeHeading: "codes.reset.code_heading", sentKey: "codes.code.sent_if_account", submit: "codes.reset.submit", newPassword: true}
	signInCodeFlow = codeFlow{route: routes.SignInCode, purpose: verification.SignIn, mailTemplate: mail.SigninCode,
		auditKey: audit.KeySignIn, heading: "codes.signin.heading", intro: "codes.signin.intro", send: "codes.signin.send",
		codeHeading: "codes.signin.code_heading", sentKey: "codes.code.sent_if_account", submit: "codes.signin.submit"}
	// linkFlow proves an account before an upstream identity is linked
	// to it (social.go); it has no address step: the address is known.
	linkFlow = codeFlow{route: routes.SocialLink, purpose: verification.Link, mailTemplate: mail.SigninCode,
		auditKey: audit.KeySignIn, codeHeading: "social.link.heading", sentKey: "codes.code.sent_to", submit: "social.link.submit"}
)

// renderAddressStep is f's first page: the address the code goes to.
func (h *Handler) renderAddressStep(w http.ResponseWriter, r *http.Request, status int, f codeFlow, x signinexp.Settings, ar store.AuthRequest, c store.Client, email string, msg ui.Msg) {
	allowRedirect(w, r, ar)
	h.UI.Render(w, r, status, &EmailStepPage{Base: ui.Base{Brand: h.brand(w, x), UILocales: ar.UILocales},
		Heading: f.heading, Intro: f.intro, Action: h.Base.PageURL(f.route, ar.ID),
		CSRFToken: h.CSRF.Token(w, r), AppName: c.Name, Email: email, Error: msg, Submit: f.send,
		BackURL: h.Base.PageURL(routes.SignIn, ar.ID)})
}

// renderCodeStep is f's code page for code record vid.
func (h *Handler) renderCodeStep(w http.ResponseWriter, r *http.Request, status int, f codeFlow, x signinexp.Settings, ar store.AuthRequest, c store.Client, vid string, msg, notice ui.Msg) {
	allowRedirect(w, r, ar)
	p := &CodeStepPage{Base: ui.Base{Brand: h.brand(w, x), UILocales: ar.UILocales},
		Heading: f.codeHeading, SentTo: h.codeTarget(r, vid, f.purpose, ar.ID), SentKey: f.sentKey,
		Minutes: int(verification.DefaultTTL.Minutes()), Action: h.Base.PageURL(f.route, ar.ID),
		CSRFToken: h.CSRF.Token(w, r), VerificationID: vid, AppName: c.Name, Error: msg, Notice: notice,
		NewPassword: f.newPassword, Submit: f.submit, BackURL: h.Base.PageURL(routes.SignIn, ar.ID)}
	if f.newPassword {
		p.PasswordHint = passwordHint(x.PasswordPolicy)
	}
	h.UI.Render(w, r, status, p)
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
