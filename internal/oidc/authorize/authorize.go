package authorize

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/authz"
	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/oidc/oauth2"
	"github.com/sesameauth/sesame/internal/oidc/oauth2err"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/oidc/redirecturi"
	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/session"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
)

// Limits on individual authorization parameters. Every pending request
// is stored for provider.AuthRequestTTL before anyone has signed in, so
// each stored field is bounded (docs/security.md, item 8.6). Worst case,
// one auth_requests row holds what the client controls, at most
// 43 (id) + 4096 (state) + 1024 (nonce) + 128 (code_challenge) + 4 (method)
// + 9 (response_mode) + 27 (prompt: each of its 4 values once) + 256
// (login_hint) + 64 (ui_locales) bytes plus a few integers: about 5.7 KB;
// plus what the administrator registered and the request can only pick
// from: client_id, one registered redirect URI (at most
// redirecturi.MaxLength), scopes (the known OpenID scopes, each once),
// permissions (scopes of the requested resources, each pair once) and at
// most 20 registered resource indicators. With at most pendingLimit new requests per client address
// per pendingWindow, one address holds at most 1,800 live rows (about
// 10 MB) at a time.
const (
	maxState     = 4096
	maxNonce     = 1024
	maxLoginHint = 256
	maxUILocales = 64
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
	// RegisterPath, when registration is open, is where first_screen=register
	// (or Logto's older interaction_mode=signUp) starts instead of sign-in.
	RegisterPath string
	// RequirePKCE demands PKCE of confidential clients too (RFC 9700
	// §2.1.1); public clients always need it.
	RequirePKCE bool
	// IP keys the limit on new pending requests per client address.
	IP httpx.ClientIP
}

// Mount registers the routes.
func (h *Handler) Mount(m httpx.Mux) {
	m.HandleFunc("GET "+routes.Authorize, h.authorize)
	m.HandleFunc("POST "+routes.Authorize, h.authorize)
	m.HandleFunc("GET "+routes.Resume, h.resume)
}

func (h *Handler) page(w http.ResponseWriter, r *http.Request, status int, heading, message, detail string) {
	oauth2.ErrorPage(h.UI, w, r, status, heading, message, detail)
}

func (h *Handler) storeFailure(w http.ResponseWriter, r *http.Request, err error) {
	e := oauth2err.From(err)
	h.P.Log.ErrorContext(r.Context(), "authorization: store failure", "err", err)
	h.page(w, r, e.Status, "Sign-in is unavailable", "Sesame could not complete this sign-in. Please try again in a moment.", "")
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
	h.proceed(w, r, c, ar, req.target, false, req.firstScreen, browserSession{sess, user, ok})
}

// trustedClient reads the request's parameters, its client and its
// redirect URI. Until both are known good every error is shown on a page
// and never redirected (no open redirector); on failure it has answered.
func (h *Handler) trustedClient(w http.ResponseWriter, r *http.Request) (store.Client, url.Values, bool) {
	const badLink = "This sign-in link is not valid"
	q, err := httpx.Params(r, "resource")
	if err != nil {
		h.page(w, r, http.StatusBadRequest, badLink, "The app sent a malformed sign-in request.", "invalid_request: "+err.Error())
		return store.Client{}, nil, false
	}
	clientID := q.Get("client_id")
	if clientID == "" {
		h.page(w, r, http.StatusBadRequest, badLink, "The sign-in request does not say which app it comes from.", "invalid_request: client_id is missing")
		return store.Client{}, nil, false
	}
	c, err := h.Store.GetClient(r.Context(), clientID)
	if errors.Is(err, store.ErrNotFound) {
		h.page(w, r, http.StatusBadRequest, "Unknown app", "The app that sent you here is not registered with this Sesame server.", "invalid_client: unknown client_id")
		return store.Client{}, nil, false
	}
	if err != nil {
		h.storeFailure(w, r, err)
		return store.Client{}, nil, false
	}
	redirectURI := q.Get("redirect_uri")
	if redirectURI == "" {
		h.page(w, r, http.StatusBadRequest, badLink, "The app did not say where to send you back after signing in.", "invalid_request: redirect_uri is missing")
		return store.Client{}, nil, false
	}
	if !redirecturi.Match(c.RedirectURIs, redirectURI, c.Type == store.AppNative) {
		h.page(w, r, http.StatusBadRequest, badLink,
			"The address the app asked to return to is not registered for it, so Sesame will not send you there.",
			"invalid_request: redirect_uri is not registered for this app")
		return store.Client{}, nil, false
	}
	return c, q, true
}

// request is a parsed authorization request of a trusted client and
// redirect URI.
type request struct {
	target      oauth2.Target // where its answer goes
	ar          store.AuthRequest
	hintSub     string // the subject of a valid id_token_hint
	firstScreen string // the hosted page that starts sign-in
}

// parse validates everything after the client and redirect URI. An
// invalid request gives oerr, to send back to the app at req.target; a
// store failure gives err.
func (h *Handler) parse(ctx context.Context, q url.Values, c store.Client) (req request, oerr *oauth2err.Error, err error) {
	req.target = oauth2.Target{RedirectURI: q.Get("redirect_uri"), State: q.Get("state"), ResponseMode: q.Get("response_mode")}
	if oerr = checkTarget(&req.target); oerr != nil {
		return req, oerr, nil
	}
	if oerr = checkRequest(q, c); oerr != nil {
		return req, oerr, nil
	}
	now := h.P.Time()
	ar := store.AuthRequest{ID: opaque.NewToken(), ClientID: c.ID, RedirectURI: req.target.RedirectURI,
		State: req.target.State, ResponseMode: req.target.ResponseMode, CreatedAt: now, ExpiresAt: now.Add(provider.AuthRequestTTL)}
	if oerr, err = h.parseScopes(ctx, q, &ar); oerr != nil || err != nil {
		return req, oerr, err
	}
	if oerr = parseInteraction(q, c, h.RequirePKCE, &ar); oerr != nil {
		return req, oerr, nil
	}
	if hint := q.Get("id_token_hint"); hint != "" {
		if req.hintSub, err = h.hintSubject(ctx, hint); err != nil {
			return req, oauth2err.New(oauth2err.InvalidRequest, "id_token_hint is not a valid ID token from this issuer"), nil
		}
	}
	req.ar = ar
	req.firstScreen = routes.SignIn
	if fs := q.Get("first_screen"); h.RegisterPath != "" && (fs == "register" || fs == "identifier:register" ||
		(fs == "" && q.Get("interaction_mode") == "signUp")) {
		req.firstScreen = h.RegisterPath
	}
	return req, nil, nil
}

// checkTarget validates response_mode and state. An invalid value is
// dropped from t, so the error itself goes back by a safe route.
func checkTarget(t *oauth2.Target) *oauth2err.Error {
	switch t.ResponseMode {
	case "", "query":
	case "form_post":
		if !strings.HasPrefix(t.RedirectURI, "https://") && !strings.HasPrefix(t.RedirectURI, "http://") {
			// A browser can only POST a form to a web address.
			t.ResponseMode = "query"
			return oauth2err.New(oauth2err.InvalidRequest, "response_mode=form_post needs an http(s) redirect_uri")
		}
	default:
		t.ResponseMode = "query"
		return oauth2err.New(oauth2err.InvalidRequest, "unsupported response_mode")
	}
	if len(t.State) > maxState {
		t.State = ""
		return oauth2err.New(oauth2err.InvalidRequest, "state is too long")
	}
	return nil
}

// checkRequest refuses what Sesame does not support: request objects,
// other response types, and machine-to-machine apps.
func checkRequest(q url.Values, c store.Client) *oauth2err.Error {
	if q.Has("request") {
		return oauth2err.New(oauth2err.RequestNotSupported, "request objects are not supported")
	}
	if q.Has("request_uri") {
		return oauth2err.New(oauth2err.RequestURINotSupported, "request_uri is not supported")
	}
	switch rt := q.Get("response_type"); rt {
	case "code":
	case "":
		return oauth2err.New(oauth2err.InvalidRequest, "response_type is required")
	default:
		return oauth2err.New(oauth2err.UnsupportedResponseType, "only response_type=code is supported")
	}
	if c.Type == store.AppM2M {
		return oauth2err.New(oauth2err.UnauthorizedClient, "machine-to-machine apps cannot use the authorization endpoint")
	}
	return nil
}

// parseScopes resolves the resource indicators and splits the requested
// scopes into ar's OpenID Connect scopes and API permissions.
func (h *Handler) parseScopes(ctx context.Context, q url.Values, ar *store.AuthRequest) (*oauth2err.Error, error) {
	resources, err := oauth2.ParseResources(q["resource"])
	if err != nil {
		return oauth2err.New(oauth2err.InvalidTarget, err.Error()), nil
	}
	var resolved []store.Resource
	for _, ind := range resources {
		res, err := h.Store.GetResourceByIndicator(ctx, ind)
		if errors.Is(err, store.ErrNotFound) {
			return oauth2err.New(oauth2err.InvalidTarget, "resource "+ind+" is not registered"), nil
		}
		if err != nil {
			return nil, err
		}
		resolved = append(resolved, res)
	}
	// Unknown scopes are ignored (OIDC Core §3.1.2.1); known ones kept in
	// order. API scopes are kept as (resource, scope) pairs: a scope
	// belongs to the resource that defines it (docs/security.md, item 8.2).
	requested := oauth2.SplitScope(q.Get("scope"))
	ar.Resources = resources
	ar.Scopes = slices.DeleteFunc(slices.Clone(requested), func(s string) bool { return !oauth2.IsOIDCScope(s) })
	ar.Permissions = authz.Requested(requested, resolved, oauth2.IsOIDCScope)
	return nil, nil
}

// parseInteraction reads PKCE and what shapes the user's interaction
// (prompt, max_age, nonce, login_hint, ui_locales) into ar.
func parseInteraction(q url.Values, c store.Client, requirePKCE bool, ar *store.AuthRequest) *oauth2err.Error {
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if challenge != "" || method != "" {
		if method != "S256" {
			return oauth2err.New(oauth2err.InvalidRequest, "code_challenge_method must be S256")
		}
		if !oauth2.ValidChallenge(challenge) {
			return oauth2err.New(oauth2err.InvalidRequest, "code_challenge must be 43 to 128 characters of base64url")
		}
	} else if !c.Type.Confidential() {
		return oauth2err.New(oauth2err.InvalidRequest, "PKCE is required for public clients: send code_challenge with code_challenge_method=S256")
	} else if requirePKCE {
		return oauth2err.New(oauth2err.InvalidRequest, "PKCE is required: send code_challenge with code_challenge_method=S256")
	}
	ar.CodeChallenge, ar.CodeChallengeMethod = challenge, method
	var oerr *oauth2err.Error
	if ar.Prompt, oerr = parsePrompt(q.Get("prompt")); oerr != nil {
		return oerr
	}
	ar.MaxAge = -1
	if s := q.Get("max_age"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return oauth2err.New(oauth2err.InvalidRequest, "max_age must be a non-negative integer")
		}
		ar.MaxAge = n
	}
	if ar.Nonce = q.Get("nonce"); len(ar.Nonce) > maxNonce {
		return oauth2err.New(oauth2err.InvalidRequest, "nonce is too long")
	}
	if ar.LoginHint = q.Get("login_hint"); len(ar.LoginHint) > maxLoginHint {
		ar.LoginHint = ""
	}
	ar.UILocales = capLocales(q.Get("ui_locales"))
	return nil
}

// parsePrompt keeps each known prompt value once, so the stored list
// stays short.
func parsePrompt(s string) ([]string, *oauth2err.Error) {
	var prompt []string
	for _, p := range strings.Fields(s) {
		if p != "none" && p != "login" && p != "consent" && p != "select_account" {
			return nil, oauth2err.New(oauth2err.InvalidRequest, "unsupported prompt value")
		}
		if !slices.Contains(prompt, p) {
			prompt = append(prompt, p)
		}
	}
	if slices.Contains(prompt, "none") && len(prompt) > 1 {
		return nil, oauth2err.New(oauth2err.InvalidRequest, "prompt=none must not be combined with other values")
	}
	return prompt, nil
}

// browserSession is the SSO session of the request, looked up once.
type browserSession struct {
	sess store.Session
	user store.User
	ok   bool
}

// hintSubject verifies an id_token_hint we issued (expired ones are fine:
// they only say who the app believes is signed in) and returns its sub.
func (h *Handler) hintSubject(ctx context.Context, hint string) (string, error) {
	payload, err := h.P.Keys.Verify(ctx, hint)
	if err != nil {
		return "", err
	}
	var c struct {
		Iss string `json:"iss"`
		Sub string `json:"sub"`
	}
	if err := json.Unmarshal(payload, &c); err != nil || c.Iss != h.P.Issuer || c.Sub == "" {
		return "", errors.New("bad hint")
	}
	return c.Sub, nil
}

func (h *Handler) resume(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	if !h.Sessions.OwnsInteraction(r, id) {
		h.page(w, r, http.StatusBadRequest, "This sign-in has expired",
			"This sign-in was started in another browser or tab, or has already finished. Go back to the app and sign in again.", "")
		return
	}
	ar, err := h.Store.GetAuthRequest(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		h.page(w, r, http.StatusBadRequest, "This sign-in has expired",
			"Sign-in requests are valid for one hour and can be used once. Go back to the app and sign in again.", "")
		return
	}
	if err != nil {
		h.storeFailure(w, r, err)
		return
	}
	c, err := h.Store.GetClient(ctx, ar.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		h.page(w, r, http.StatusBadRequest, "Unknown app", "The app that started this sign-in is no longer registered.", "")
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
	h.proceed(w, r, c, ar, t, true, routes.SignIn, browserSession{sess, user, ok})
}

// proceed sends the user to sign in (at firstScreen) or consent when needed,
// else issues the code. stored says whether ar is already in the database
// (a resumption).
func (h *Handler) proceed(w http.ResponseWriter, r *http.Request, c store.Client, ar store.AuthRequest, t oauth2.Target, stored bool,
	firstScreen string, bs browserSession) {
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
		interact(firstScreen)
		return
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
	g := store.Grant{ID: opaque.NewID(), ClientID: ar.ClientID, UserID: user.ID, SID: sess.SID, Scopes: ar.Scopes,
		Permissions: granted, Resources: ar.Resources, AuthTime: sess.AuthTime, CreatedAt: now, ExpiresAt: now.Add(provider.GrantTTL)}
	if err := h.Store.CreateGrant(ctx, g); err != nil {
		return "", err
	}
	code := opaque.NewToken()
	err := h.Store.CreateCode(ctx, store.AuthCode{
		Hash: opaque.Hash(code), GrantID: g.ID, ClientID: ar.ClientID, UserID: user.ID, SID: sess.SID,
		RedirectURI: ar.RedirectURI, Scopes: ar.Scopes, Permissions: granted, Resources: ar.Resources, Nonce: ar.Nonce,
		CodeChallenge: ar.CodeChallenge, CodeChallengeMethod: ar.CodeChallengeMethod, AuthTime: sess.AuthTime,
		CreatedAt: now, ExpiresAt: now.Add(provider.CodeTTL),
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
		h.page(w, r, http.StatusTooManyRequests, "Too many sign-ins",
			fmt.Sprintf("Too many sign-ins were started from your network. Wait %d minute%s, then go back to the app and try again.",
				(wait+59)/60, map[bool]string{true: "", false: "s"}[wait <= 60]), "")
		return false
	}
	return true
}

// capLocales keeps ui_locales (only a hint, RFC 6749 has no error for it)
// to maxUILocales bytes, dropping whole trailing tags.
func capLocales(s string) string {
	tags := strings.Fields(s)
	out := ""
	for _, t := range tags {
		next := t
		if out != "" {
			next = out + " " + t
		}
		if len(next) > maxUILocales {
			break
		}
		out = next
	}
	return out
}
