package experience

// Registration with an emailed code: the account exists only once the
// code sent to its address is entered (docs/security.md, issue 11 part 2).

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/mail"
	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
	"github.com/sesameauth/sesame/internal/verification"
)

func (h *Handler) mountRegisterVerify(m httpx.Mux) {
	m.HandleFunc("GET "+routes.RegisterVerify, h.registerCodePage)
	m.Handle("POST "+routes.RegisterVerify, h.Origin.Handler(http.HandlerFunc(h.registerCode)))
}

// pendingRegistration is what the code step needs to create the account:
// never the password, only its hash. Exists marks an address that already
// has an account: its owner got a "someone tried to register" mail, no
// code, so the step can never succeed, and answers like any other.
type pendingRegistration struct {
	Username     string `json:"u,omitempty"`
	Email        string `json:"e"`
	PasswordHash string `json:"p,omitempty"`
	Exists       bool   `json:"x,omitempty"`
}

// registerWithCode takes over a valid registration form when mail is on:
// the address is taken or not, the answer is the same code page, and
// both cases send one mail (a code, or a notice to the address's owner),
// so neither the page nor its timing tells them apart. The password is
// hashed in both cases too.
func (h *Handler) registerWithCode(w http.ResponseWriter, r *http.Request, x signinexp.Settings, ar store.AuthRequest, c store.Client, username, email, pw string) {
	ctx := r.Context()
	if msg, ok, err := h.takeSend(w, r, email); err != nil {
		h.failure(w, r, err)
		return
	} else if !ok {
		h.record(r, audit.KeyRegister, ar, audit.ReasonThrottled, "", "")
		h.renderRegister(w, r, http.StatusTooManyRequests, x, ar, c, username, email, msg)
		return
	}
	u, err := NewUser(ctx, username, email, pw, h.PasswordParams, h.now())
	if err != nil {
		h.renderRegister(w, r, http.StatusBadRequest, x, ar, c, username, email, ruleMsg(err))
		return
	}
	p := pendingRegistration{Username: username, Email: email, PasswordHash: u.PasswordHash}
	if _, err := h.Store.GetUserByLogin(ctx, email); err == nil {
		p = pendingRegistration{Email: email, Exists: true}
	} else if !errors.Is(err, store.ErrNotFound) {
		h.failure(w, r, err)
		return
	}
	payload, _ := json.Marshal(p)
	iss, err := h.Codes.Issue(ctx, verification.Register, email, ar.ID, payload)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if err := h.sendNow(ctx, h.registerMail(r, ar, c, p, iss.Code)); err != nil {
		h.renderRegister(w, r, http.StatusServiceUnavailable, x, ar, c, username, email, ui.M("codes.error.send_failed"))
		return
	}
	h.seeOther(w, r, ar, h.codeURL(routes.RegisterVerify, ar.ID, iss.ID))
}

func (h *Handler) registerMail(r *http.Request, ar store.AuthRequest, c store.Client, p pendingRegistration, code string) mail.Message {
	m := codeMail(r, ar, c, p.Email, mail.RegisterCode, code)
	if p.Exists {
		m.Template, m.Data = mail.RegisterExists, map[string]any{"AppName": c.Name}
	}
	return m
}

func (h *Handler) registerCodePage(w http.ResponseWriter, r *http.Request) {
	x, ok := h.openSettings(w, r)
	if !ok {
		return
	}
	ar, c, ok := h.interaction(w, r)
	if !ok {
		return
	}
	h.renderRegisterCode(w, r, http.StatusOK, x, ar, c, verificationID(r), ui.Msg{}, ui.Msg{})
}

func (h *Handler) renderRegisterCode(w http.ResponseWriter, r *http.Request, status int, x signinexp.Settings, ar store.AuthRequest, c store.Client, vid string, msg, notice ui.Msg) {
	sentTo := h.codeTarget(r, vid, verification.Register, ar.ID)
	allowRedirect(w, r, ar)
	h.UI.Render(w, r, status, &CodeStepPage{Base: ui.Base{Title: "", Brand: h.brand(w, x), UILocales: ar.UILocales},
		Heading: "codes.register.heading", SentTo: sentTo, SentKey: "codes.code.sent_to", Minutes: int(verification.DefaultTTL.Minutes()),
		Action: h.Base.PageURL(routes.RegisterVerify, ar.ID), CSRFToken: h.CSRF.Token(w, r), VerificationID: vid,
		AppName: c.Name, Error: msg, Notice: notice, Submit: "codes.register.submit", BackURL: h.Base.PageURL(routes.Register, ar.ID)})
}

func (h *Handler) registerCode(w http.ResponseWriter, r *http.Request) {
	x, ok := h.openSettings(w, r)
	if !ok {
		return
	}
	ar, c, ok := h.postedInteraction(w, r)
	if !ok {
		return
	}
	if !h.mailOn() {
		http.NotFound(w, r)
		return
	}
	ctx := r.Context()
	vid := verificationID(r)
	if r.PostFormValue("resend") != "" {
		h.resendRegisterCode(w, r, x, ar, c, vid)
		return
	}
	if msg, ok, err := h.takeCheck(w, r); err != nil {
		h.failure(w, r, err)
		return
	} else if !ok {
		h.renderRegisterCode(w, r, http.StatusTooManyRequests, x, ar, c, vid, msg, ui.Msg{})
		return
	}
	v, err := h.Codes.Redeem(ctx, vid, verification.Register, ar.ID, r.PostFormValue("code"))
	if err != nil {
		if msg, ok := codeError(err); ok {
			h.record(r, audit.KeyRegister, ar, audit.ReasonWrongCode, "", "")
			h.renderRegisterCode(w, r, http.StatusBadRequest, x, ar, c, vid, msg, ui.Msg{})
			return
		}
		h.failure(w, r, err)
		return
	}
	var p pendingRegistration
	if json.Unmarshal(v.Payload, &p) != nil || p.Exists || p.PasswordHash == "" {
		// Unreachable for an address with an account (its code was
		// never sent), unless someone guessed it: answer as for a clash.
		h.renderRegister(w, r, http.StatusBadRequest, x, ar, c, "", "", ui.M("codes.error.cannot_register"))
		return
	}
	now := h.now()
	u := store.User{ID: opaque.NewID(), Username: p.Username, Email: p.Email, EmailVerified: true,
		PasswordHash: p.PasswordHash, CreatedAt: now, UpdatedAt: now}
	if err := h.Store.CreateUser(ctx, u); errors.Is(err, store.ErrAlreadyExists) {
		h.record(r, audit.KeyRegister, ar, audit.ReasonTaken, "", "")
		h.renderRegister(w, r, http.StatusBadRequest, x, ar, c, p.Username, "", ui.M("codes.error.cannot_register"))
		return
	} else if err != nil {
		h.failure(w, r, err)
		return
	}
	h.signedIn(w, r, ar, u, audit.KeyRegister, "pwd")
}

// resendRegisterCode issues a new code for the same pending registration
// (the old one stops working) and mails it.
func (h *Handler) resendRegisterCode(w http.ResponseWriter, r *http.Request, x signinexp.Settings, ar store.AuthRequest, c store.Client, vid string) {
	ctx := r.Context()
	old, err := h.Store.GetVerification(ctx, vid)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (old.Binding != ar.ID || old.Purpose != verification.Register || !old.ConsumedAt.IsZero())) {
		h.renderRegisterCode(w, r, http.StatusBadRequest, x, ar, c, vid, ui.M("codes.error.expired_code"), ui.Msg{})
		return
	} else if err != nil {
		h.failure(w, r, err)
		return
	}
	if msg, ok, err := h.takeSend(w, r, old.Target); err != nil {
		h.failure(w, r, err)
		return
	} else if !ok {
		h.renderRegisterCode(w, r, http.StatusTooManyRequests, x, ar, c, vid, msg, ui.Msg{})
		return
	}
	var p pendingRegistration
	if err := json.Unmarshal(old.Payload, &p); err != nil {
		h.failure(w, r, err)
		return
	}
	iss, err := h.Codes.Issue(ctx, verification.Register, old.Target, ar.ID, old.Payload)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if err := h.sendNow(ctx, h.registerMail(r, ar, c, p, iss.Code)); err != nil {
		h.renderRegisterCode(w, r, http.StatusServiceUnavailable, x, ar, c, iss.ID, ui.M("codes.error.send_failed"), ui.Msg{})
		return
	}
	h.renderRegisterCode(w, r, http.StatusOK, x, ar, c, iss.ID, ui.Msg{}, ui.M("codes.code.resent"))
}
