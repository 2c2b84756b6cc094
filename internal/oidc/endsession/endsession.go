package endsession

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/oidc/oauth2"
	"github.com/sesameauth/sesame/internal/oidc/oauth2err"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/oidc/redirecturi"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/session"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
)

// Handler serves /oidc/session/end.
type Handler struct {
	P       *provider.Provider // issuer and keys (id_token_hint), log
	Clients interface {
		GetClient(ctx context.Context, id string) (store.Client, error)
	}
	Sessions *session.Manager
	UI       *ui.Renderer
	CSRF     *httpx.CSRF
	Base     routes.Base // the public endpoint's path, for the form and redirect
	// Origin guards the confirm POST against cross-site submission.
	Origin *http.CrossOriginProtection
}

// Mount registers the routes.
func (h *Handler) Mount(m httpx.Mux) {
	m.HandleFunc("GET "+routes.EndSession, h.end)
	m.HandleFunc("POST "+routes.EndSession, h.end)
	m.Handle("POST "+routes.EndSessionConfirm, h.Origin.Handler(http.HandlerFunc(h.confirm)))
	m.HandleFunc("GET "+routes.EndSessionSuccess, h.success)
}

func (h *Handler) page(w http.ResponseWriter, r *http.Request, status int, heading, msg ui.Msg, detail string) {
	oauth2.ErrorPage(h.UI, w, r, status, heading, msg, detail)
}

func (h *Handler) end(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q, client, hint, ok := h.parse(w, r)
	if !ok {
		return
	}
	if plru := q.Get("post_logout_redirect_uri"); plru != "" && client != nil {
		h.endAndReturn(w, r, client, hint, plru, q.Get("state"))
		return
	}
	if client != nil && hint != nil {
		// The app proved it holds the signed-in user's ID token and has
		// nowhere registered to return to: sign out here. Another user's
		// token proves nothing about this session: ask below.
		ok, err := h.hintIsCurrent(ctx, r, hint)
		if err != nil {
			h.failure(w, r, err)
			return
		}
		if ok {
			if err := h.Sessions.End(ctx, w, r); err != nil {
				h.failure(w, r, err)
				return
			}
			h.signedOut(w, r)
			return
		}
	}
	// Nothing proves the app asked (a client_id alone is public, and a
	// top-level cross-site navigation carries the Lax session cookie): ask
	// before ending a live session (catalogue SS-04). With a registered
	// return address above, Sesame signs out at once, as Logto does, since
	// the worst a forged request can do there is sign the user out and
	// land them on the app.
	_, _, ok, err := h.Sessions.Current(ctx, r)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !ok {
		h.Sessions.End(ctx, w, r)
		h.signedOut(w, r)
		return
	}
	h.confirmPage(w, r)
}

// parse reads the request's parameters, its verified id_token_hint and
// its client (either may be absent). On failure it has answered.
func (h *Handler) parse(w http.ResponseWriter, r *http.Request) (url.Values, *store.Client, *idHint, bool) {
	ctx := r.Context()
	q, err := httpx.Params(r)
	if err != nil {
		h.page(w, r, http.StatusBadRequest, ui.M("oidc.logout.error.bad_link.heading"), ui.M("oidc.logout.error.malformed.message"), "invalid_request: "+err.Error())
		return nil, nil, nil, false
	}
	clientID := q.Get("client_id")
	var hint *idHint
	if raw := q.Get("id_token_hint"); raw != "" {
		hint, err = h.parseHint(ctx, raw)
		if err != nil {
			h.page(w, r, http.StatusBadRequest, ui.M("oidc.logout.error.bad_link.heading"), ui.M("oidc.logout.error.bad_hint.message"), "invalid_request: id_token_hint is invalid")
			return nil, nil, nil, false
		}
		if clientID != "" && clientID != hint.aud {
			h.page(w, r, http.StatusBadRequest, ui.M("oidc.logout.error.bad_link.heading"), ui.M("oidc.logout.error.two_apps.message"), "invalid_request: client_id does not match id_token_hint")
			return nil, nil, nil, false
		}
		clientID = hint.aud
	}
	if clientID == "" {
		return q, nil, hint, true
	}
	c, err := h.Clients.GetClient(ctx, clientID)
	if errors.Is(err, store.ErrNotFound) {
		h.page(w, r, http.StatusBadRequest, ui.M("oidc.error.unknown_app.heading"), ui.M("oidc.error.unknown_client.message"), "invalid_client: unknown client_id")
		return nil, nil, nil, false
	}
	if err != nil {
		h.failure(w, r, err)
		return nil, nil, nil, false
	}
	return q, &c, hint, true
}

// endAndReturn signs out and sends the browser to the app's registered
// post-logout redirect URI plru, with state.
func (h *Handler) endAndReturn(w http.ResponseWriter, r *http.Request, client *store.Client, hint *idHint, plru, state string) {
	ctx := r.Context()
	if !redirecturi.MatchPostLogout(client.PostLogoutRedirectURIs, plru) {
		h.page(w, r, http.StatusBadRequest, ui.M("oidc.logout.error.bad_link.heading"),
			ui.M("oidc.logout.error.bad_redirect.message"),
			"invalid_request: post_logout_redirect_uri is not registered for this app")
		return
	}
	if hint != nil {
		// A hint must name the signed-in user (OpenID Connect
		// RP-Initiated Logout 1.0 §2): an old ID token of someone else
		// must not sign this browser out unasked.
		ok, err := h.hintIsCurrent(ctx, r, hint)
		if err != nil {
			h.failure(w, r, err)
			return
		}
		if !ok {
			h.confirmPage(w, r)
			return
		}
	}
	if err := h.Sessions.End(ctx, w, r); err != nil {
		h.failure(w, r, err)
		return
	}
	target := plru
	if state != "" {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + url.Values{"state": {state}}.Encode()
	}
	httpx.NoStore(w)
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// confirmPage asks the user to confirm signing out (the form posts to
// confirm with a CSRF token).
func (h *Handler) confirmPage(w http.ResponseWriter, r *http.Request) {
	h.UI.Render(w, r, http.StatusOK, &LogoutConfirmPage{Base: ui.Base{Title: "oidc.logout.title"},
		Action: h.Base.Path(routes.EndSessionConfirm), CSRFToken: h.CSRF.Token(w, r)})
}

// hintIsCurrent reports whether the browser's SSO session is the one the
// hint was issued in: the hint's sub is the session's user and, when the
// hint carries a sid, it is the session's. With no live session there is
// nothing to protect, so any valid hint will do.
func (h *Handler) hintIsCurrent(ctx context.Context, r *http.Request, hint *idHint) (bool, error) {
	s, _, ok, err := h.Sessions.Current(ctx, r)
	if err != nil || !ok {
		return err == nil, err
	}
	return hint.sub != "" && hint.sub == s.UserID && (hint.sid == "" || hint.sid == s.SID), nil
}

func (h *Handler) confirm(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || !h.CSRF.Valid(r) {
		h.page(w, r, http.StatusForbidden, ui.M("oidc.logout.error.csrf.heading"), ui.M("oidc.logout.error.csrf.message"), "")
		return
	}
	if r.PostFormValue("logout") == "yes" {
		if err := h.Sessions.End(r.Context(), w, r); err != nil {
			h.failure(w, r, err)
			return
		}
	}
	http.Redirect(w, r, h.Base.Path(routes.EndSessionSuccess), http.StatusSeeOther)
}

func (h *Handler) success(w http.ResponseWriter, r *http.Request) {
	h.signedOut(w, r)
}

func (h *Handler) signedOut(w http.ResponseWriter, r *http.Request) {
	h.UI.Render(w, r, http.StatusOK, &SignedOutPage{Base: ui.Base{Title: "oidc.signed_out.title"}})
}

func (h *Handler) failure(w http.ResponseWriter, r *http.Request, err error) {
	e := oauth2err.From(err)
	httpx.LogFailure(r.Context(), h.P.Log, "end session failed", err)
	h.page(w, r, e.Status, ui.M("oidc.logout.error.unavailable.heading"), ui.M("oidc.logout.error.unavailable.message"), "")
}

// idHint is what end-session uses of a verified id_token_hint.
type idHint struct {
	aud, sub, sid string
}

// parseHint verifies an id_token_hint we signed (expired is fine) and
// returns the client it was issued to, its subject and its session id.
func (h *Handler) parseHint(ctx context.Context, raw string) (*idHint, error) {
	payload, err := h.P.Keys.Verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	var c struct {
		Iss string `json:"iss"`
		Aud any    `json:"aud"`
		Sub string `json:"sub"`
		SID string `json:"sid"`
	}
	if err := json.Unmarshal(payload, &c); err != nil || c.Iss != h.P.Issuer {
		return nil, errors.New("bad hint")
	}
	hint := &idHint{sub: c.Sub, sid: c.SID}
	switch a := c.Aud.(type) {
	case string:
		hint.aud = a
	case []any:
		if len(a) == 1 {
			hint.aud, _ = a[0].(string)
		}
	}
	if hint.aud == "" {
		return nil, errors.New("bad hint audience")
	}
	return hint, nil
}
