package authorize

import (
	"context"
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/sesameauth/sesame/internal/authz"
	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/oidc/oauth2"
	"github.com/sesameauth/sesame/internal/oidc/oauth2err"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/session"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
)

// New pending requests per client address (an IPv6 /64) per window: far
// above what people signing in behind one address start, far below what
// would fill the database.
const (
	pendingLimit  = 300
	pendingWindow = 10 * time.Minute
)

// Store is what the authorization endpoint reads and writes.
type Store interface {
	GetClient(ctx context.Context, id string) (store.Client, error)
	GetResourceByIndicator(ctx context.Context, indicator string) (store.Resource, error)
	store.AuthRequests
	store.Grants
	store.Codes
	store.Consents
	store.Throttle
	authz.UserRoles
}

// Handler serves /oidc/auth.
type Handler struct {
	P         *provider.Provider // issuer, keys (id_token_hint), clock, log
	Store     Store
	Sessions  *session.Manager
	UI        *ui.Renderer
	Responder *oauth2.Responder
	Base      routes.Base // the public endpoint's path, for redirects to the hosted pages
	// RequirePKCE demands PKCE of confidential clients too (RFC 9700
	// §2.1.1); public clients always need it.
	RequirePKCE bool
	// IP keys the limit on new pending requests per client address.
	IP httpx.ClientIP
	// StepUp decides whether the SSO session may answer this request
	// without a second factor (package mfa's rule under the current
	// settings: docs/security.md, SS-12). Nil: it always may.
	StepUp StepUp
}

// StepUp is mfa.SettingsGate.
type StepUp interface {
	StepUpNeeded(ctx context.Context, u store.User, amr, acrValues []string) (bool, error)
}

// Mount registers the routes.
func (h *Handler) Mount(m httpx.Mux) {
	m.HandleFunc("GET "+routes.Authorize, h.authorize)
	m.HandleFunc("POST "+routes.Authorize, h.authorize)
	m.HandleFunc("GET "+routes.Resume, h.resume)
}

func (h *Handler) page(w http.ResponseWriter, r *http.Request, status int, heading, message ui.Msg, detail string) {
	oauth2.ErrorPage(h.UI, w, r, status, heading, message, detail)
}

func (h *Handler) storeFailure(w http.ResponseWriter, r *http.Request, err error) {
	e := oauth2err.From(err)
	httpx.LogFailure(r.Context(), h.P.Log, "authorization: store failure", err)
	h.page(w, r, e.Status, ui.M("oidc.error.unavailable.heading"), ui.M("oidc.error.unavailable.message"), "")
}

// authorize handles a new authorization request: it is parsed (parse),
// then proceeds like a resumed one.
func (h *Handler) authorize(w http.ResponseWriter, r *http.Request) {
	c, q, ok := h.trustedClient(w, r)
	if !ok {
		return
	}
	// The redirect URI is trusted from here on: errors go back to the app.
	req, oerr, err := h.parse(r.Context(), q, c)
	switch {
	case err != nil:
		h.storeFailure(w, r, err)
		return
	case oerr != nil:
		h.Responder.Error(w, r, req.target, oerr)
		return
	}
	sess, user, ok, err := h.Sessions.Current(r.Context(), r)
	if err != nil {
		h.storeFailure(w, r, err)
		return
	}
	ar := req.ar
	ar.ForceLogin = slices.Contains(ar.Prompt, "login") ||
		(ok && ar.MaxAge >= 0 && ar.CreatedAt.Sub(sess.AuthTime) > time.Duration(ar.MaxAge)*time.Second) ||
		(ok && req.hintSub != "" && req.hintSub != user.ID)
	h.proceed(w, r, c, ar, req.target, false, browserSession{sess, user, ok})
}

// browserSession is the SSO session of the request, looked up once.
type browserSession struct {
	sess store.Session
	user store.User
	ok   bool
}

func (h *Handler) resume(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	if !h.Sessions.OwnsInteraction(r, id) {
		h.page(w, r, http.StatusBadRequest, ui.M("experience.error.expired.heading"), ui.M("experience.error.other_browser.message"), "")
		return
	}
	ar, err := h.Store.GetAuthRequest(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		h.page(w, r, http.StatusBadRequest, ui.M("experience.error.expired.heading"), ui.M("experience.error.expired.message"), "")
		return
	}
	if err != nil {
		h.storeFailure(w, r, err)
		return
	}
	c, err := h.Store.GetClient(ctx, ar.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		h.page(w, r, http.StatusBadRequest, ui.M("experience.error.unknown_app.heading"), ui.M("experience.error.unknown_app.message"), "")
		return
	}
	if err != nil {
		h.storeFailure(w, r, err)
		return
	}
	t := oauth2.Target{RedirectURI: ar.RedirectURI, ResponseMode: ar.ResponseMode, State: ar.State}
	if ar.ConsentDenied {
		// The consent page recorded the user's refusal; the answer to the
		// app is sent from here, like every other.
		h.finish(w, r, ar)
		h.Responder.Error(w, r, t, oauth2err.New(oauth2err.AccessDenied, "the user denied access"))
		return
	}
	sess, user, ok, err := h.Sessions.Current(ctx, r)
	if err != nil {
		h.storeFailure(w, r, err)
		return
	}
	h.proceed(w, r, c, ar, t, true, browserSession{sess, user, ok})
}

// proceed sends the user to sign in or consent when needed, else issues
// the code. stored says whether ar is already in the database (a
// resumption). The sign-in page opens the first screen the app asked for
// (Logto's first_screen, direct_sign_in): one place decides it.
func (h *Handler) proceed(w http.ResponseWriter, r *http.Request, c store.Client, ar store.AuthRequest, t oauth2.Target, stored bool,
	bs browserSession) {
	ctx := r.Context()
	sess, user, ok := bs.sess, bs.user, bs.ok
	promptNone := slices.Contains(ar.Prompt, "none")
	interact := func(path string) {
		if !stored {
			// Only requests that need the user store a row; one answered
			// at once from the SSO session (or with an error) stores
			// nothing and is not counted.
			if !h.reservePending(w, r) {
				return
			}
			if err := h.Store.CreateAuthRequest(ctx, ar); err != nil {
				h.storeFailure(w, r, err)
				return
			}
		}
		h.Sessions.BindInteraction(w, ar.ID)
		httpx.NoStore(w)
		http.Redirect(w, r, h.Base.PageURL(path, ar.ID), http.StatusSeeOther)
	}
	if !ok || ar.ForceLogin {
		if promptNone {
			h.Responder.Error(w, r, t, oauth2err.New(oauth2err.LoginRequired, "no signed-in session"))
			return
		}
		interact(routes.SignIn)
		return
	}
	// A session without a second factor does not answer a request that
	// needs one (acr_values asked LoA2, or the user has a factor or must
	// enrol one): the user signs in again and passes the MFA step.
	if h.StepUp != nil {
		need, err := h.StepUp.StepUpNeeded(ctx, user, sess.AMR, ar.ACRValues)
		if err != nil {
			h.storeFailure(w, r, err)
			return
		}
		if need {
			if promptNone {
				h.Responder.Error(w, r, t, oauth2err.New(oauth2err.LoginRequired, "this request needs a second factor"))
				return
			}
			interact(routes.SignIn)
			return
		}
	}
	// The user gets only the requested API scopes their roles grant
	// (docs/security.md, item 8.1); consent and the code cover exactly those.
	granted, err := authz.Grantable(ctx, h.Store, user.ID, ar.Permissions)
	if err != nil {
		h.storeFailure(w, r, err)
		return
	}
	if c.ThirdParty {
		consented, err := h.consented(ctx, user.ID, c.ID, ar, granted)
		if err != nil {
			h.storeFailure(w, r, err)
			return
		}
		if !consented || slices.Contains(ar.Prompt, "consent") {
			if promptNone {
				h.Responder.Error(w, r, t, oauth2err.New(oauth2err.ConsentRequired, "the user has not granted this app access"))
				return
			}
			interact(routes.Consent)
			return
		}
	}
	code, err := h.issueCode(ctx, ar, granted, sess, user)
	if err != nil {
		h.Responder.Error(w, r, t, err)
		return
	}
	if stored {
		h.finish(w, r, ar)
	}
	h.Responder.Success(w, r, t, code)
}

// finish forgets a stored request that has been answered.
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, ar store.AuthRequest) {
	if err := h.Store.DeleteAuthRequest(r.Context(), ar.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		h.P.Log.WarnContext(r.Context(), "authorization: cannot delete finished request", "err", err)
	}
	h.Sessions.ClearInteraction(w, ar.ID)
}

// consented reports whether the user's consent covers every requested
// OpenID Connect scope and resource and every granted (resource, scope)
// pair: consent to a scope on one API is no consent on another.
func (h *Handler) consented(ctx context.Context, userID, clientID string, ar store.AuthRequest, granted []store.Permission) (bool, error) {
	cs, err := h.Store.GetConsent(ctx, userID, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, s := range ar.Scopes {
		if !slices.Contains(cs.Scopes, s) {
			return false, nil
		}
	}
	for _, res := range ar.Resources {
		if !slices.Contains(cs.Resources, res) {
			return false, nil
		}
	}
	return authz.Covers(cs.Permissions, granted), nil
}

func (h *Handler) issueCode(ctx context.Context, ar store.AuthRequest, granted []store.Permission, sess store.Session, user store.User) (string, error) {
	now := h.P.Time()
	// A time-ordered id: the grants' key and the grant_id indexes of
	// codes and tokens then grow at their end, where a random id took a
	// page of each per flow (docs/benchmarks.md, "Pages at their first
	// render"). The jti of the grant's JWT access tokens carries the id,
	// and the issue time already.
	g := store.Grant{ID: opaque.NewTimeID(now), ClientID: ar.ClientID, UserID: user.ID, SID: sess.SID, Scopes: ar.Scopes,
		Permissions: granted, Resources: ar.Resources, AuthTime: sess.AuthTime, CreatedAt: now, ExpiresAt: now.Add(provider.GrantTTL),
		AMR: sess.AMR}
	code := opaque.NewToken()
	err := h.Store.CreateGrantAndCode(ctx, g, store.AuthCode{
		Hash: opaque.Hash(code), GrantID: g.ID, ClientID: ar.ClientID, UserID: user.ID, SID: sess.SID,
		RedirectURI: ar.RedirectURI, Scopes: ar.Scopes, Permissions: granted, Resources: ar.Resources, Nonce: ar.Nonce,
		CodeChallenge: ar.CodeChallenge, CodeChallengeMethod: ar.CodeChallengeMethod, AuthTime: sess.AuthTime,
		CreatedAt: now, ExpiresAt: now.Add(provider.CodeTTL), AMR: sess.AMR,
	})
	return code, err
}

// reservePending takes one slot of the client address's budget of new
// pending requests. Over the limit it answers with a page, not a redirect
// to the app: the limit is about this browser's network, not the app, and
// an app that restarts sign-in on every error would loop back here at
// once. On failure it has answered already.
func (h *Handler) reservePending(w http.ResponseWriter, r *http.Request) bool {
	now := h.P.Time()
	ok, retry, err := h.Store.ReserveAttempt(r.Context(), "auth-ip:"+h.IP.Of(r), pendingLimit, pendingWindow, now)
	if err != nil {
		h.storeFailure(w, r, err)
		return false
	}
	if !ok {
		wait := max(1, int(math.Ceil(retry.Sub(now).Seconds())))
		w.Header().Set("Retry-After", strconv.Itoa(wait))
		h.page(w, r, http.StatusTooManyRequests, ui.M("oidc.error.too_many.heading"),
			ui.M("oidc.error.too_many.message", "minutes", (wait+59)/60), "")
		return false
	}
	return true
}
