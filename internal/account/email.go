package account

// Email change: a code goes to the NEW address (package verification,
// purpose email_change, bound to this session); the stored address stays
// until the code is entered.

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/identity"
	"github.com/sesameauth/sesame/internal/mail"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
	"github.com/sesameauth/sesame/internal/verification"
)

// Codes is verification.Service.
type Codes interface {
	Issue(ctx context.Context, purpose, target, binding string, payload []byte) (verification.Issued, error)
	Redeem(ctx context.Context, id, purpose, binding, code string) (store.Verification, error)
}

// EmailCodePage asks for the code sent to the new address (input "code",
// hidden "v" the code's record).
type EmailCodePage struct {
	ui.Base
	Action, CSRFToken, VerificationID, Email, HomeURL string
	Error                                             ui.Msg
}

// Template implements ui.Page.
func (*EmailCodePage) Template() string { return "account/email_code" }

func (p *EmailCodePage) page() (*ui.Base, string) { return &p.Base, "account.title.email" }

// emailSends bounds the codes one user can have mailed.
const (
	emailSendLimit  = 5
	emailSendWindow = time.Hour
)

// emailStart sends a code to the new address (after a step-up).
func (h *Handler) emailStart(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx := r.Context()
	if h.Mail == nil || h.Codes == nil {
		h.renderHome(w, r, rq, http.StatusServiceUnavailable, ui.Msg{}, ui.M("account.email.error.no_mail"))
		return
	}
	addr := identity.Canonical(r.PostFormValue("email"))
	if err := identity.ValidateEmail(addr); err != nil || addr == "" {
		h.renderHome(w, r, rq, http.StatusBadRequest, ui.Msg{}, ui.M("account.email.error.invalid"))
		return
	}
	if addr == rq.user.Email {
		h.renderHome(w, r, rq, http.StatusBadRequest, ui.Msg{}, ui.M("account.email.error.same"))
		return
	}
	ok, _, err := h.Store.ReserveAttempt(ctx, "email-change:user:"+rq.user.ID, emailSendLimit, emailSendWindow, h.now())
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !ok {
		h.renderHome(w, r, rq, http.StatusTooManyRequests, ui.Msg{}, ui.M("account.email.error.too_many"))
		return
	}
	iss, err := h.Codes.Issue(ctx, verification.EmailChange, addr, rq.sess.SID, nil)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if err := h.Mail.Send(ctx, mail.Message{To: addr, Lang: ui.Lang(r, ""), Template: mail.EmailChangeCode,
		Data: map[string]any{"Code": iss.Code, "Minutes": int(verification.DefaultTTL.Minutes()), "AppName": "Sesame"}}); err != nil {
		h.Log.WarnContext(ctx, "account: email change code not sent", "err", err)
		h.renderHome(w, r, rq, http.StatusServiceUnavailable, ui.Msg{}, ui.M("account.email.error.not_sent"))
		return
	}
	h.renderEmailCode(w, r, rq, http.StatusOK, iss.ID, addr, ui.Msg{})
}

func (h *Handler) renderEmailCode(w http.ResponseWriter, r *http.Request, rq *request, status int, id, addr string, msg ui.Msg) {
	h.render(w, r, status, &EmailCodePage{Action: h.path("/email/verify"), CSRFToken: rq.csrf, VerificationID: id, Email: addr,
		HomeURL: h.path(""), Error: msg})
}

// emailVerify redeems the code (bound to this session) and only then
// stores the new address, verified.
func (h *Handler) emailVerify(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx := r.Context()
	if h.Codes == nil {
		h.errorPage(w, r, http.StatusServiceUnavailable, "account.email.error.no_mail")
		return
	}
	id := r.PostFormValue("v")
	v, err := h.Codes.Redeem(ctx, id, verification.EmailChange, rq.sess.SID, r.PostFormValue("code"))
	switch {
	case errors.Is(err, verification.ErrWrongCode):
		h.renderEmailCode(w, r, rq, http.StatusBadRequest, id, "", ui.M("account.email.error.wrong_code"))
		return
	case errors.Is(err, verification.ErrExpired):
		h.renderHome(w, r, rq, http.StatusBadRequest, ui.Msg{}, ui.M("account.email.error.expired"))
		return
	case err != nil:
		h.failure(w, r, err)
		return
	}
	addr, verified := v.Target, true
	err = h.Users.Edit(ctx, rq.user, directory.UserUpdate{Email: &addr, EmailVerified: &verified})
	if errors.Is(err, directory.ErrUserExists) {
		h.renderHome(w, r, rq, http.StatusConflict, ui.Msg{}, ui.M("account.email.error.taken"))
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	h.record(r, rq, audit.KeyAccountEmail, "")
	h.done(w, r, "email")
}
