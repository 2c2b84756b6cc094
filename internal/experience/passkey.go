package experience

// Passkeys (issue 11 part 5): sign-in with a passkey (discoverable, no
// identifier) and a passkey as the second factor. Each has a page (GET)
// with a button that passkey.js drives: it POSTs the form's CSRF token to
// "<page>/options" (JSON answer: the WebAuthn options, and a cookie with
// the ceremony's ticket), calls navigator.credentials.get and posts the
// result back in an ordinary form, so the end of the ceremony is the same
// form handling as every other page. The rules are package passkey's.

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"

	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/mfa"
	"github.com/sesameauth/sesame/internal/passkey"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
)

// PasskeyPage runs one passkey ceremony: OptionsURL begins it (POST,
// JSON), the hidden form posts its result ("response") to Action. Without
// JavaScript or WebAuthn the button stays hidden and BackURL leads on.
type PasskeyPage struct {
	ui.Base
	Action, OptionsURL, CSRFToken, AppName string
	SecondFactor                           bool   // the MFA variant, else sign-in
	BackURL                                string // the password form or the other factors
	Error                                  ui.Msg
}

// Template implements ui.Page.
func (*PasskeyPage) Template() string { return "experience/passkey" }

func passkeyPages() []ui.Page { return []ui.Page{&PasskeyPage{}} }

// auditPasskeyRefused is the audit reason of a refused passkey.
const auditPasskeyRefused = "passkey_refused"

// passkeyCookie holds the ticket of the browser's pending ceremony.
const passkeyCookie = "sesame_passkey"

// maxPasskeyResponse bounds the posted credential JSON.
const maxPasskeyResponse = 64 << 10

func (h *Handler) mountPasskey(m httpx.Mux) {
	if h.Passkeys == nil {
		return
	}
	m.HandleFunc("GET "+routes.PasskeySignIn, h.passkeySignInPage)
	m.Handle("POST "+routes.PasskeySignIn+"/options", h.Origin.Handler(http.HandlerFunc(h.passkeySignInOptions)))
	m.Handle("POST "+routes.PasskeySignIn, h.Origin.Handler(http.HandlerFunc(h.passkeySignIn)))
	m.HandleFunc("GET "+routes.PasskeyMFA, h.passkeyMFAPage)
	m.Handle("POST "+routes.PasskeyMFA+"/options", h.Origin.Handler(http.HandlerFunc(h.passkeyMFAOptions)))
	m.Handle("POST "+routes.PasskeyMFA, h.Origin.Handler(http.HandlerFunc(h.passkeyMFA)))
}

// passkeySignInURL is the sign-in page's "Sign in with a passkey" link
// when the settings offer it.
func (h *Handler) passkeySignInURL(on bool, ar store.AuthRequest) string {
	if h.Passkeys == nil || !on {
		return ""
	}
	return h.Base.PageURL(routes.PasskeySignIn, ar.ID)
}

// passkeyMFAURL is the MFA page's "Use a passkey" link when the user has
// one (fs: the user's factors).
func (h *Handler) passkeyMFAURL(fs []mfa.Factor, ar store.AuthRequest) string {
	if h.Passkeys == nil || !slices.Contains(fs, mfa.WebAuthn) {
		return ""
	}
	return h.Base.PageURL(routes.PasskeyMFA, ar.ID)
}

func (h *Handler) renderPasskey(w http.ResponseWriter, r *http.Request, status int, p *PasskeyPage, ar store.AuthRequest) {
	allowRedirect(w, r, ar)
	httpx.AllowFetch(w)
	p.UILocales = ar.UILocales
	route := routes.PasskeySignIn
	if p.SecondFactor {
		route = routes.PasskeyMFA
	}
	p.Action = h.Base.PageURL(route, ar.ID)
	p.OptionsURL = h.Base.Path(route+"/options") + "?interaction=" + ar.ID
	p.CSRFToken = h.CSRF.Token(w, r)
	pr := h.UI.I18n().Printer(ui.Lang(r, ar.UILocales))
	if p.SecondFactor {
		p.Title = pr.T("passkey.mfa.title")
	} else {
		p.Title = pr.T("passkey.signin.title")
	}
	h.UI.Render(w, r, status, p)
}

// passkeyOn checks that passkey sign-in is offered; else a 404 page.
func (h *Handler) passkeyOn(w http.ResponseWriter, r *http.Request, ar store.AuthRequest) bool {
	x, ok := h.settings(w, r)
	if !ok {
		return false
	}
	if !x.PasskeySignIn.Enabled {
		h.mfaError(w, r, ar, http.StatusNotFound, ui.M("passkey.error.off.heading"), ui.M("passkey.error.off.message"))
		return false
	}
	return true
}

func (h *Handler) passkeySignInPage(w http.ResponseWriter, r *http.Request) {
	ar, c, ok := h.interaction(w, r)
	if !ok || !h.passkeyOn(w, r, ar) {
		return
	}
	x, _ := h.settings(w, r)
	h.renderPasskey(w, r, http.StatusOK, &PasskeyPage{Base: ui.Base{Brand: h.brand(w, x)}, AppName: c.Name,
		BackURL: h.Base.PageURL(routes.SignIn, ar.ID)}, ar)
}

// writeOptions sets the ticket cookie and answers the options as JSON.
func (h *Handler) writeOptions(w http.ResponseWriter, r *http.Request, opts any, ticket string, err error) {
	if err != nil {
		httpx.LogFailure(r.Context(), h.Log, "passkey: begin ceremony", err)
		http.Error(w, `{"error":"server_error"}`, http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: passkeyCookie, Value: ticket, Path: h.Base.Path(routes.Passkey),
		MaxAge: int(passkey.CeremonyTTL.Seconds()), HttpOnly: true, Secure: h.CSRF.Secure, SameSite: http.SameSiteStrictMode})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(opts)
}

// ticket takes the ceremony's ticket from its cookie and clears it: the
// ceremony is consumed whatever the outcome.
func (h *Handler) ticket(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(passkeyCookie)
	http.SetCookie(w, &http.Cookie{Name: passkeyCookie, Path: h.Base.Path(routes.Passkey), MaxAge: -1,
		HttpOnly: true, Secure: h.CSRF.Secure, SameSite: http.SameSiteStrictMode})
	if err != nil || len(c.Value) > 128 {
		return ""
	}
	return c.Value
}

func (h *Handler) passkeySignInOptions(w http.ResponseWriter, r *http.Request) {
	ar, _, ok := h.postedInteraction(w, r)
	if !ok || !h.passkeyOn(w, r, ar) {
		return
	}
	ca, t, err := h.Passkeys.BeginDiscoverableLogin(r.Context())
	h.writeOptions(w, r, ca, t, err)
}

// postedResponse is the posted credential JSON; "" when absent or too big.
func postedResponse(r *http.Request) []byte {
	v := r.PostFormValue("response")
	if len(v) > maxPasskeyResponse {
		return nil
	}
	return []byte(v)
}

// refused maps a passkey error to a page message, or reports a failure.
func refused(err error) (ui.Msg, bool) {
	switch {
	case errors.Is(err, passkey.ErrCeremony):
		return ui.M("passkey.error.expired"), true
	case errors.Is(err, passkey.ErrInvalid), errors.Is(err, passkey.ErrUnknownCredential), errors.Is(err, passkey.ErrCloned):
		return ui.M("passkey.error.refused"), true
	}
	return ui.Msg{}, false
}

func (h *Handler) passkeySignIn(w http.ResponseWriter, r *http.Request) {
	ar, c, ok := h.postedInteraction(w, r)
	if !ok || !h.passkeyOn(w, r, ar) {
		return
	}
	res, err := h.Passkeys.FinishDiscoverableLogin(r.Context(), h.ticket(w, r), postedResponse(r))
	if err != nil {
		msg, ok := refused(err)
		if !ok {
			h.failure(w, r, err)
			return
		}
		h.record(r, audit.KeySignIn, ar, auditPasskeyRefused, "", "")
		x, _ := h.settings(w, r)
		h.renderPasskey(w, r, http.StatusUnauthorized, &PasskeyPage{Base: ui.Base{Brand: h.brand(w, x)}, AppName: c.Name,
			BackURL: h.Base.PageURL(routes.SignIn, ar.ID), Error: msg}, ar)
		return
	}
	// A passkey whose authenticator verified the user (PIN, biometric) is
	// two factors by itself, "hwk" and "user" (docs/security.md): the
	// sign-in is complete. Discoverable sign-in requires UV, so the
	// gate is only reached should that ever change.
	if res.UserVerified {
		h.complete(w, r, ar, res.User, audit.KeySignIn, res.AMR)
		return
	}
	h.signedIn(w, r, ar, res.User, audit.KeySignIn, passkey.AMRHardwareKey)
}

func (h *Handler) passkeyMFAPage(w http.ResponseWriter, r *http.Request) {
	s, ok := h.pendingMFA(w, r, false)
	if !ok {
		return
	}
	h.renderPasskey(w, r, http.StatusOK, &PasskeyPage{Base: ui.Base{Brand: h.brand(w, s.x)}, AppName: s.c.Name,
		SecondFactor: true, BackURL: h.Base.PageURL(routes.MFA, s.ar.ID)}, s.ar)
}

func (h *Handler) passkeyMFAOptions(w http.ResponseWriter, r *http.Request) {
	s, ok := h.pendingMFA(w, r, true)
	if !ok {
		return
	}
	ca, t, err := h.Passkeys.BeginLogin(r.Context(), s.user)
	if errors.Is(err, passkey.ErrUnknownCredential) {
		http.Error(w, `{"error":"no_passkey"}`, http.StatusConflict)
		return
	}
	h.writeOptions(w, r, ca, t, err)
}

func (h *Handler) passkeyMFA(w http.ResponseWriter, r *http.Request) {
	s, ok := h.pendingMFA(w, r, true)
	if !ok {
		return
	}
	res, err := h.Passkeys.FinishLogin(r.Context(), s.user.ID, h.ticket(w, r), postedResponse(r))
	if err != nil {
		msg, ok := refused(err)
		if !ok {
			h.failure(w, r, err)
			return
		}
		h.record(r, audit.KeySignIn, s.ar, auditPasskeyRefused, s.user.ID, "")
		h.renderPasskey(w, r, http.StatusUnauthorized, &PasskeyPage{Base: ui.Base{Brand: h.brand(w, s.x)}, AppName: s.c.Name,
			SecondFactor: true, BackURL: h.Base.PageURL(routes.MFA, s.ar.ID), Error: msg}, s.ar)
		return
	}
	// The first factor's amr, the passkey's, and "mfa".
	amr := slices.Clone(s.ar.PendingAMR)
	for _, v := range append(res.AMR, mfa.AMRMFA) {
		if !slices.Contains(amr, v) {
			amr = append(amr, v)
		}
	}
	h.complete(w, r, s.ar, s.user, audit.KeySignIn, amr)
}
