package experience

// Social and enterprise sign-in through an upstream OpenID provider
// (package connector), and linking an upstream identity to an existing
// account only after its owner proves it (docs/security.md, UI-12, UI-14).

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/connector"
	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/identity"
	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/password"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
)

const (
	socialFlowCookie = "sesame_social"
	socialLinkCookie = "sesame_social_link"
)

func (h *Handler) mountSocial(m httpx.Mux) {
	m.HandleFunc("GET "+routes.SocialStart, h.socialStart)
	m.HandleFunc("GET "+routes.SocialCallback, h.socialCallback)
	m.HandleFunc("GET "+routes.SocialLink, h.socialLinkPage)
	m.Handle("POST "+routes.SocialLink, h.Origin.Handler(http.HandlerFunc(h.socialLink)))
}

// socialButtons are the sign-in page's "Continue with …" links.
func (h *Handler) socialButtons(x signinexp.Settings, ar store.AuthRequest) []SocialButton {
	if h.Connectors == nil {
		return nil
	}
	var bs []SocialButton
	for _, c := range x.SocialConnectors {
		if c.Enabled {
			bs = append(bs, SocialButton{Name: c.DisplayName,
				URL: h.Base.PageURL(routes.SocialStart, ar.ID) + "&connector=" + c.ID})
		}
	}
	return bs
}

// setCookie sets (or with an empty value clears) one of the social
// cookies: HttpOnly, Lax (the callback is a top-level navigation back
// from the upstream), scoped to the social paths.
func (h *Handler) setSocialCookie(w http.ResponseWriter, name, value string) {
	c := &http.Cookie{Name: name, Value: value, Path: h.Base.Path("/social/"), HttpOnly: true,
		Secure: h.Sessions != nil && h.Sessions.Secure, SameSite: http.SameSiteLaxMode, MaxAge: int(connector.FlowTTL / time.Second)}
	if value == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// socialFailed shows the sign-in page with msg (the flow is over).
func (h *Handler) socialFailed(w http.ResponseWriter, r *http.Request, ar store.AuthRequest, c store.Client, status int, msg ui.Msg) {
	x, ok := h.settings(w, r)
	if !ok {
		return
	}
	h.renderSignIn(w, r, status, x.ForIdentifiers(ar.Identifiers), ar, c, "", msg)
}

func (h *Handler) socialStart(w http.ResponseWriter, r *http.Request) {
	ar, c, ok := h.interaction(w, r)
	if !ok {
		return
	}
	x, ok := h.settings(w, r)
	if !ok {
		return
	}
	conn, ok := x.Connector(r.URL.Query().Get("connector"))
	if !ok || h.Connectors == nil {
		h.socialFailed(w, r, ar, c, http.StatusBadRequest, ui.M("social.error.unknown_connector"))
		return
	}
	authURL, sealed, err := h.Connectors.Begin(r.Context(), conn, ar.ID)
	if err != nil {
		h.Log.WarnContext(r.Context(), "social: cannot start", "connector", conn.ID, "err", err)
		h.socialFailed(w, r, ar, c, http.StatusBadGateway, ui.M("social.error.unavailable", "name", conn.DisplayName))
		return
	}
	h.setSocialCookie(w, socialFlowCookie, sealed)
	httpx.NoStore(w)
	http.Redirect(w, r, authURL, http.StatusSeeOther)
}

// socialCallback is where the upstream sends the browser back.
func (h *Handler) socialCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cookie, err := r.Cookie(socialFlowCookie)
	if err != nil || h.Connectors == nil {
		h.errorPage(w, r, http.StatusBadRequest, ui.M("experience.error.expired.heading"), ui.M("social.error.expired"))
		return
	}
	h.setSocialCookie(w, socialFlowCookie, "") // one use, whatever happens
	flow, err := h.Connectors.Open(cookie.Value)
	if err != nil || !h.Sessions.OwnsInteraction(r, flow.Interaction) {
		h.errorPage(w, r, http.StatusBadRequest, ui.M("experience.error.expired.heading"), ui.M("social.error.expired"))
		return
	}
	ar, err := h.Store.GetAuthRequest(ctx, flow.Interaction)
	if err != nil {
		h.errorPage(w, r, http.StatusBadRequest, ui.M("experience.error.expired.heading"), ui.M("social.error.expired"))
		return
	}
	c, err := h.Store.GetClient(ctx, ar.ClientID)
	if err != nil {
		h.errorPage(w, r, http.StatusBadRequest, ui.M("experience.error.unknown_app.heading"), ui.M("experience.error.unknown_app.message"))
		return
	}
	x, ok := h.settings(w, r)
	if !ok {
		return
	}
	conn, ok := x.Connector(flow.Connector)
	if !ok {
		// Disabled or removed meanwhile (UI-12).
		h.socialFailed(w, r, ar, c, http.StatusBadRequest, ui.M("social.error.unknown_connector"))
		return
	}
	q := r.URL.Query()
	if q.Get("error") != "" {
		h.record(r, audit.KeySignIn, ar, audit.ReasonUpstream, "", "")
		h.socialFailed(w, r, ar, c, http.StatusBadRequest, ui.M("social.error.cancelled", "name", conn.DisplayName))
		return
	}
	claims, err := h.Connectors.Complete(ctx, conn, flow, q.Get("state"), q.Get("code"))
	if err != nil {
		h.Log.WarnContext(ctx, "social: callback refused", "connector", conn.ID, "err", err)
		h.record(r, audit.KeySignIn, ar, audit.ReasonUpstream, "", "")
		h.socialFailed(w, r, ar, c, http.StatusBadRequest, ui.M("social.error.failed", "name", conn.DisplayName))
		return
	}
	// The browser arrived here at the end of a redirect chain that began
	// with a form post on the upstream's page, and Chromium checks every
	// hop of such a chain against that page's form-action, which cannot
	// name our apps: a redirect onwards is shown as a page that continues
	// by itself instead, ending the chain (docs/security.md, social part).
	cw := &redirectCatcher{ResponseWriter: w}
	h.socialSignIn(cw, r, x, ar, c, conn, claims)
	if cw.location != "" {
		h.continueTo(w, r, x, ar, cw.location)
	}
}

// redirectCatcher holds back a redirect to one of our own paths so the
// caller can continue there from a page instead.
type redirectCatcher struct {
	http.ResponseWriter
	location string
}

func (rc *redirectCatcher) WriteHeader(status int) {
	if loc := rc.Header().Get("Location"); status >= 300 && status < 400 && strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "//") {
		rc.location = loc
		rc.Header().Del("Location")
		return
	}
	rc.ResponseWriter.WriteHeader(status)
}

func (rc *redirectCatcher) Write(b []byte) (int, error) {
	if rc.location != "" {
		return len(b), nil // the redirect's own short body
	}
	return rc.ResponseWriter.Write(b)
}

// continueTo answers with a page that goes on to path (ours) by itself,
// without script: a meta refresh, and a link.
func (h *Handler) continueTo(w http.ResponseWriter, r *http.Request, x signinexp.Settings, ar store.AuthRequest, path string) {
	allowRedirect(w, r, ar)
	h.UI.Render(w, r, http.StatusOK, &ContinuePage{Base: ui.Base{Brand: h.brand(w, x), UILocales: ar.UILocales},
		Refresh: "0; url=" + path, URL: path})
}

// socialSignIn decides what an upstream identity does here: sign in its
// linked user, create one, or ask the owner of the same address to prove
// the account before linking. An unverified upstream address never links
// and never takes an address that has an account (UI-12).
func (h *Handler) socialSignIn(w http.ResponseWriter, r *http.Request, x signinexp.Settings, ar store.AuthRequest, c store.Client, conn signinexp.Connector, cl connector.Claims) {
	ctx := r.Context()
	link, err := h.Store.GetIdentity(ctx, conn.ID, cl.Subject)
	if err == nil {
		user, err := h.Store.GetUser(ctx, link.UserID)
		if err != nil {
			h.failure(w, r, err)
			return
		}
		if user.Suspended {
			h.record(r, audit.KeySignIn, ar, audit.ReasonSuspended, user.ID, "")
			h.socialFailed(w, r, ar, c, http.StatusForbidden, ui.M("codes.signin.suspended"))
			return
		}
		h.signedIn(w, r, ar, user, audit.KeySignIn, "fed")
		return
	}
	if !errors.Is(err, store.ErrNotFound) {
		h.failure(w, r, err)
		return
	}
	email := identity.Canonical(cl.Email)
	if identity.ValidateEmail(email) != nil {
		email = ""
	}
	if email != "" {
		existing, err := h.Store.GetUserByLogin(ctx, email)
		switch {
		case err == nil && cl.EmailVerified && existing.Email == email:
			h.setSocialCookie(w, socialLinkCookie, h.Connectors.SealLink(connector.Link{Interaction: ar.ID,
				Connector: conn.ID, Subject: cl.Subject, Email: email, UserID: existing.ID}))
			h.seeOther(w, r, ar, h.Base.PageURL(routes.SocialLink, ar.ID))
			return
		case err == nil:
			h.socialFailed(w, r, ar, c, http.StatusConflict, ui.M("social.error.email_in_use", "name", conn.DisplayName))
			return
		case !errors.Is(err, store.ErrNotFound):
			h.failure(w, r, err)
			return
		}
	}
	if !x.RegistrationOpen() {
		h.socialFailed(w, r, ar, c, http.StatusForbidden, ui.M("social.error.no_account", "name", conn.DisplayName))
		return
	}
	if email == "" {
		// A Sesame account needs an address or a username; the upstream
		// gave no usable address.
		h.socialFailed(w, r, ar, c, http.StatusBadRequest, ui.M("social.error.no_email", "name", conn.DisplayName))
		return
	}
	now := h.now()
	u := store.User{ID: opaque.NewID(), Email: email, EmailVerified: cl.EmailVerified, Name: cl.Name,
		Picture: httpsOnly(cl.Picture), CreatedAt: now, UpdatedAt: now}
	if err := h.Store.CreateUserWithIdentity(ctx, u, store.Identity{ConnectorID: conn.ID, Subject: cl.Subject, Email: email, CreatedAt: now}); errors.Is(err, store.ErrAlreadyExists) {
		h.socialFailed(w, r, ar, c, http.StatusConflict, ui.M("social.error.email_in_use", "name", conn.DisplayName))
		return
	} else if err != nil {
		h.failure(w, r, err)
		return
	}
	h.signedIn(w, r, ar, u, audit.KeyRegister, "fed")
}

// httpsOnly keeps an upstream picture URL only when it is https.
func httpsOnly(u string) string {
	if len(u) > 2048 || len(u) < 9 || u[:8] != "https://" {
		return ""
	}
	return u
}

// pendingLink reads the link cookie for this request; on failure it has
// answered.
func (h *Handler) pendingLink(w http.ResponseWriter, r *http.Request, ar store.AuthRequest) (connector.Link, signinexp.Settings, signinexp.Connector, bool) {
	ck, err := r.Cookie(socialLinkCookie)
	var l connector.Link
	if err == nil && h.Connectors != nil {
		l, err = h.Connectors.OpenLink(ck.Value)
	}
	if err != nil || h.Connectors == nil || l.Interaction != ar.ID {
		h.errorPage(w, r, http.StatusBadRequest, ui.M("experience.error.expired.heading"), ui.M("social.error.expired"))
		return l, signinexp.Settings{}, signinexp.Connector{}, false
	}
	x, ok := h.settings(w, r)
	if !ok {
		return l, x, signinexp.Connector{}, false
	}
	conn, ok := x.Connector(l.Connector)
	if !ok {
		h.errorPage(w, r, http.StatusBadRequest, ui.M("experience.error.expired.heading"), ui.M("social.error.expired"))
		return l, x, conn, false
	}
	return l, x, conn, true
}

func (h *Handler) socialLinkPage(w http.ResponseWriter, r *http.Request) {
	ar, c, ok := h.interaction(w, r)
	if !ok {
		return
	}
	l, x, conn, ok := h.pendingLink(w, r, ar)
	if !ok {
		return
	}
	h.renderSocialLink(w, r, http.StatusOK, x, ar, c, conn, l, ui.Msg{})
}

func (h *Handler) renderSocialLink(w http.ResponseWriter, r *http.Request, status int, x signinexp.Settings, ar store.AuthRequest, c store.Client, conn signinexp.Connector, l connector.Link, msg ui.Msg) {
	allowRedirect(w, r, ar)
	h.UI.Render(w, r, status, &SocialLinkPage{Base: ui.Base{Brand: h.brand(w, x), UILocales: ar.UILocales},
		Action: h.Base.PageURL(routes.SocialLink, ar.ID), CSRFToken: h.CSRF.Token(w, r), AppName: c.Name,
		ConnectorName: conn.DisplayName, Email: l.Email, Error: msg, SignInURL: h.Base.PageURL(routes.SignIn, ar.ID),
		ByCode: h.mailOn()})
}

// linkByCode proves the account by a code mailed to its address (the
// owner's: the upstream vouched for it, and the page has named it), for
// accounts without a password or people who forgot it.
func (h *Handler) linkByCode(w http.ResponseWriter, r *http.Request, x signinexp.Settings, ar store.AuthRequest, c store.Client, conn signinexp.Connector, l connector.Link, user store.User) {
	ctx := r.Context()
	vid := verificationID(r)
	if vid == "" || r.PostFormValue("resend") != "" {
		if msg, ok, err := h.takeSend(w, r, l.Email); err != nil {
			h.failure(w, r, err)
			return
		} else if !ok {
			h.renderSocialLink(w, r, http.StatusTooManyRequests, x, ar, c, conn, l, msg)
			return
		}
		payload, _ := json.Marshal(codeUser{UserID: user.ID})
		iss, err := h.Codes.Issue(ctx, linkFlow.purpose, l.Email, ar.ID, payload)
		if err != nil {
			h.failure(w, r, err)
			return
		}
		if err := h.sendNow(ctx, codeMail(r, ar, c, l.Email, linkFlow.mailTemplate, iss.Code)); err != nil {
			h.renderSocialLink(w, r, http.StatusServiceUnavailable, x, ar, c, conn, l, ui.M("codes.error.send_failed"))
			return
		}
		notice := ui.Msg{}
		if vid != "" {
			notice = ui.M("codes.code.resent")
		}
		h.renderCodeStep(w, r, http.StatusOK, linkFlow, x, ar, c, iss.ID, ui.Msg{}, notice)
		return
	}
	proved, ok := h.redeemAddressCode(w, r, linkFlow, x, ar, c, vid)
	if !ok {
		return
	}
	if proved.ID != user.ID {
		h.renderCodeStep(w, r, http.StatusBadRequest, linkFlow, x, ar, c, vid, ui.M("codes.error.expired_code"), ui.Msg{})
		return
	}
	h.linkAndSignIn(w, r, ar, conn, l, user, "otp")
}

// linkAndSignIn links the upstream identity to user, who just proved the
// account by method, and signs in.
func (h *Handler) linkAndSignIn(w http.ResponseWriter, r *http.Request, ar store.AuthRequest, conn signinexp.Connector, l connector.Link, user store.User, method string) {
	if err := h.Store.CreateIdentity(r.Context(), store.Identity{ConnectorID: conn.ID, Subject: l.Subject, UserID: user.ID,
		Email: l.Email, CreatedAt: h.now()}); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
		h.failure(w, r, err)
		return
	}
	h.setSocialCookie(w, socialLinkCookie, "")
	h.signedIn(w, r, ar, user, audit.KeySignIn, method)
}

// socialLink links the upstream identity once the account's password is
// right, under the sign-in lockout's rules, then signs in.
func (h *Handler) socialLink(w http.ResponseWriter, r *http.Request) {
	ar, c, ok := h.postedInteraction(w, r)
	if !ok {
		return
	}
	l, x, conn, ok := h.pendingLink(w, r, ar)
	if !ok {
		return
	}
	ctx := r.Context()
	user, err := h.Store.GetUser(ctx, l.UserID)
	if err != nil || user.Suspended || user.Email != l.Email {
		h.setSocialCookie(w, socialLinkCookie, "")
		h.socialFailed(w, r, ar, c, http.StatusBadRequest, ui.M("social.error.failed", "name", conn.DisplayName))
		return
	}
	if h.mailOn() && (r.PostFormValue("by") == "code" || verificationID(r) != "") {
		h.linkByCode(w, r, x, ar, c, conn, l, user)
		return
	}
	t, now, key := h.throttle(), h.now(), "user:"+user.ID
	if ok, retry, err := h.Store.ReserveAttempt(ctx, key, t.UserLimit, t.Window, now); err != nil {
		h.failure(w, r, err)
		return
	} else if !ok {
		w.Header().Set("Retry-After", retryAfter(retry, now))
		h.renderSocialLink(w, r, http.StatusTooManyRequests, x, ar, c, conn, l, ui.M("social.error.locked"))
		return
	}
	if err := password.Verify(ctx, r.PostFormValue("password"), user.PasswordHash); err != nil {
		h.record(r, audit.KeySignIn, ar, audit.ReasonWrongPassword, user.ID, "")
		h.renderSocialLink(w, r, http.StatusUnauthorized, x, ar, c, conn, l, ui.M("social.error.wrong_password"))
		return
	}
	if err := h.Store.ResetAttempts(ctx, key); err != nil {
		h.Log.WarnContext(ctx, "cannot reset sign-in attempts", "err", err)
	}
	h.linkAndSignIn(w, r, ar, conn, l, user, "pwd")
}
