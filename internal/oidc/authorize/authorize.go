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
	"github.com/sesameauth/sesame/internal/oidc/oauth2err"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/oidc/redirecturi"
	"github.com/sesameauth/sesame/internal/session"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
)

// Paths of the hosted pages the endpoint sends users to.
const (
	SignInPath  = "/sign-in"
	ConsentPath = "/consent"
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

// Handler serves /oidc/auth.
type Handler struct {
	P         *provider.Provider
	Sessions  *session.Manager
	UI        *ui.Renderer
	Responder *Responder
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
	m.HandleFunc("GET /oidc/auth", h.authorize)
	m.HandleFunc("POST /oidc/auth", h.authorize)
	m.HandleFunc("GET /oidc/auth/{id}", h.resume)
}

func (h *Handler) page(w http.ResponseWriter, r *http.Request, status int, heading, message, detail string) {
	ErrorPage(h.UI, w, r, status, heading, message, detail)
}

func (h *Handler) storeFailure(w http.ResponseWriter, r *http.Request, err error) {
	e := oauth2err.From(err)
	h.P.Log.ErrorContext(r.Context(), "authorization: store failure", "err", err)
	h.page(w, r, e.Status, "Sign-in is unavailable", "Sesame could not complete this sign-in. Please try again in a moment.", "")
}

func (h *Handler) authorize(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q, err := httpx.Params(r, "resource")
	if err != nil {
		h.page(w, r, http.StatusBadRequest, "This sign-in link is not valid", "The app sent a malformed sign-in request.", "invalid_request: "+err.Error())
		return
	}
	clientID := q.Get("client_id")
	if clientID == "" {
		h.page(w, r, http.StatusBadRequest, "This sign-in link is not valid", "The sign-in request does not say which app it comes from.", "invalid_request: client_id is missing")
		return
	}
	c, err := h.P.Store.GetClient(ctx, clientID)
	if errors.Is(err, store.ErrNotFound) {
		h.page(w, r, http.StatusBadRequest, "Unknown app", "The app that sent you here is not registered with this Sesame server.", "invalid_client: unknown client_id")
		return
	}
	if err != nil {
		h.storeFailure(w, r, err)
		return
	}
	redirectURI := q.Get("redirect_uri")
	if redirectURI == "" {
		h.page(w, r, http.StatusBadRequest, "This sign-in link is not valid", "The app did not say where to send you back after signing in.", "invalid_request: redirect_uri is missing")
		return
	}
	if !redirecturi.Match(c.RedirectURIs, redirectURI, c.Type == store.AppNative) {
		h.page(w, r, http.StatusBadRequest, "This sign-in link is not valid",
			"The address the app asked to return to is not registered for it, so Sesame will not send you there.",
			"invalid_request: redirect_uri is not registered for this app")
		return
	}

	// The redirect URI is trusted from here on: errors go back to the app.
	t := Target{RedirectURI: redirectURI, State: q.Get("state"), ResponseMode: q.Get("response_mode")}
	fail := func(code, desc string) { h.Responder.Error(w, r, t, oauth2err.New(code, desc)) }
	switch t.ResponseMode {
	case "", "query":
	case "form_post":
		if !strings.HasPrefix(redirectURI, "https://") && !strings.HasPrefix(redirectURI, "http://") {
			// A browser can only POST a form to a web address.
			t.ResponseMode = "query"
			fail(oauth2err.InvalidRequest, "response_mode=form_post needs an http(s) redirect_uri")
			return
		}
	default:
		t.ResponseMode = "query"
		fail(oauth2err.InvalidRequest, "unsupported response_mode")
		return
	}
	if len(t.State) > maxState {
		t.State = ""
		fail(oauth2err.InvalidRequest, "state is too long")
		return
	}
	if q.Has("request") {
		fail(oauth2err.RequestNotSupported, "request objects are not supported")
		return
	}
	if q.Has("request_uri") {
		fail(oauth2err.RequestURINotSupported, "request_uri is not supported")
		return
	}
	switch rt := q.Get("response_type"); rt {
	case "code":
	case "":
		fail(oauth2err.InvalidRequest, "response_type is required")
		return
	default:
		fail(oauth2err.UnsupportedResponseType, "only response_type=code is supported")
		return
	}
	if c.Type == store.AppM2M {
		fail(oauth2err.UnauthorizedClient, "machine-to-machine apps cannot use the authorization endpoint")
		return
	}

	resources, err := ParseResources(q["resource"])
	if err != nil {
		fail(oauth2err.InvalidTarget, err.Error())
		return
	}
	var resolved []store.Resource
	for _, ind := range resources {
		res, err := h.P.Store.GetResourceByIndicator(ctx, ind)
		if errors.Is(err, store.ErrNotFound) {
			fail(oauth2err.InvalidTarget, "resource "+ind+" is not registered")
			return
		}
		if err != nil {
			h.storeFailure(w, r, err)
			return
		}
		resolved = append(resolved, res)
	}
	// Unknown scopes are ignored (OIDC Core §3.1.2.1); known ones kept in
	// order. API scopes are kept as (resource, scope) pairs: a scope
	// belongs to the resource that defines it (docs/security.md, item 8.2).
	requested := provider.SplitScope(q.Get("scope"))
	scopes := slices.DeleteFunc(slices.Clone(requested), func(s string) bool { return !provider.IsOIDCScope(s) })
	perms := authz.Requested(requested, resolved, provider.IsOIDCScope)

	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if challenge != "" || method != "" {
		if method != "S256" {
			fail(oauth2err.InvalidRequest, "code_challenge_method must be S256")
			return
		}
		if !validPKCE(challenge) {
			fail(oauth2err.InvalidRequest, "code_challenge must be 43 to 128 characters of base64url")
			return
		}
	} else if !c.Type.Confidential() {
		fail(oauth2err.InvalidRequest, "PKCE is required for public clients: send code_challenge with code_challenge_method=S256")
		return
	} else if h.RequirePKCE {
		fail(oauth2err.InvalidRequest, "PKCE is required: send code_challenge with code_challenge_method=S256")
		return
	}

	var prompt []string // each value once, so the stored list stays short
	for _, p := range strings.Fields(q.Get("prompt")) {
		if p != "none" && p != "login" && p != "consent" && p != "select_account" {
			fail(oauth2err.InvalidRequest, "unsupported prompt value")
			return
		}
		if !slices.Contains(prompt, p) {
			prompt = append(prompt, p)
		}
	}
	if slices.Contains(prompt, "none") && len(prompt) > 1 {
		fail(oauth2err.InvalidRequest, "prompt=none must not be combined with other values")
		return
	}
	maxAge := -1
	if s := q.Get("max_age"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			fail(oauth2err.InvalidRequest, "max_age must be a non-negative integer")
			return
		}
		maxAge = n
	}
	nonce := q.Get("nonce")
	if len(nonce) > maxNonce {
		fail(oauth2err.InvalidRequest, "nonce is too long")
		return
	}
	loginHint := q.Get("login_hint")
	if len(loginHint) > maxLoginHint {
		loginHint = ""
	}
	hintSub := ""
	if hint := q.Get("id_token_hint"); hint != "" {
		if hintSub, err = h.hintSubject(ctx, hint); err != nil {
			fail(oauth2err.InvalidRequest, "id_token_hint is not a valid ID token from this issuer")
			return
		}
	}

	now := h.P.Time()
	ar := store.AuthRequest{
		ID: provider.NewToken(), ClientID: c.ID, RedirectURI: redirectURI, Scopes: scopes, Permissions: perms, Resources: resources,
		State: t.State, Nonce: nonce, CodeChallenge: challenge, CodeChallengeMethod: method,
		ResponseMode: t.ResponseMode, Prompt: prompt, MaxAge: maxAge, LoginHint: loginHint,
		UILocales: capLocales(q.Get("ui_locales")), CreatedAt: now, ExpiresAt: now.Add(provider.AuthRequestTTL),
	}
	sess, user, ok, err := h.Sessions.Current(ctx, r)
	if err != nil {
		h.storeFailure(w, r, err)
		return
	}
	ar.ForceLogin = slices.Contains(prompt, "login") ||
		(ok && maxAge >= 0 && now.Sub(sess.AuthTime) > time.Duration(maxAge)*time.Second) ||
		(ok && hintSub != "" && hintSub != user.ID)
	first := SignInPath
	if fs := q.Get("first_screen"); h.RegisterPath != "" && (fs == "register" || fs == "identifier:register" ||
		(fs == "" && q.Get("interaction_mode") == "signUp")) {
		first = h.RegisterPath
	}
	h.proceed(w, r, c, ar, t, false, first, browserSession{sess, user, ok})
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
	ar, err := h.P.Store.GetAuthRequest(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		h.page(w, r, http.StatusBadRequest, "This sign-in has expired",
			"Sign-in requests are valid for one hour and can be used once. Go back to the app and sign in again.", "")
		return
	}
	if err != nil {
		h.storeFailure(w, r, err)
		return
	}
	c, err := h.P.Store.GetClient(ctx, ar.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		h.page(w, r, http.StatusBadRequest, "Unknown app", "The app that started this sign-in is no longer registered.", "")
		return
	}
	if err != nil {
		h.storeFailure(w, r, err)
		return
	}
	sess, user, ok, err := h.Sessions.Current(ctx, r)
	if err != nil {
		h.storeFailure(w, r, err)
		return
	}
	h.proceed(w, r, c, ar, Target{RedirectURI: ar.RedirectURI, ResponseMode: ar.ResponseMode, State: ar.State}, true, SignInPath,
		browserSession{sess, user, ok})
}

// proceed sends the user to sign in (at firstScreen) or consent when needed,
// else issues the code. stored says whether ar is already in the database
// (a resumption).
func (h *Handler) proceed(w http.ResponseWriter, r *http.Request, c store.Client, ar store.AuthRequest, t Target, stored bool,
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
			if err := h.P.Store.CreateAuthRequest(ctx, ar); err != nil {
				h.storeFailure(w, r, err)
				return
			}
		}
		h.Sessions.BindInteraction(w, ar.ID)
		httpx.NoStore(w)
		http.Redirect(w, r, path+"?interaction="+url.QueryEscape(ar.ID), http.StatusSeeOther)
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
	granted, err := authz.Grantable(ctx, h.P.Store, user.ID, ar.Permissions)
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
			interact(ConsentPath)
			return
		}
	}
	code, err := h.issueCode(ctx, ar, granted, sess, user)
	if err != nil {
		h.Responder.Error(w, r, t, err)
		return
	}
	if stored {
		if err := h.P.Store.DeleteAuthRequest(ctx, ar.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			h.P.Log.WarnContext(ctx, "authorization: cannot delete finished request", "err", err)
		}
		h.Sessions.ClearInteraction(w, ar.ID)
	}
	h.Responder.Success(w, r, t, code)
}

// consented reports whether the user's consent covers every requested
// OpenID Connect scope and resource and every granted (resource, scope)
// pair: consent to a scope on one API is no consent on another.
func (h *Handler) consented(ctx context.Context, userID, clientID string, ar store.AuthRequest, granted []store.Permission) (bool, error) {
	cs, err := h.P.Store.GetConsent(ctx, userID, clientID)
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
	g := store.Grant{ID: provider.NewID(), ClientID: ar.ClientID, UserID: user.ID, SID: sess.SID, Scopes: ar.Scopes,
		Permissions: granted, Resources: ar.Resources, AuthTime: sess.AuthTime, CreatedAt: now, ExpiresAt: now.Add(provider.GrantTTL)}
	if err := h.P.Store.CreateGrant(ctx, g); err != nil {
		return "", err
	}
	code := provider.NewToken()
	err := h.P.Store.CreateCode(ctx, store.AuthCode{
		Hash: provider.Hash(code), GrantID: g.ID, ClientID: ar.ClientID, UserID: user.ID, SID: sess.SID,
		RedirectURI: ar.RedirectURI, Scopes: ar.Scopes, Permissions: granted, Resources: ar.Resources, Nonce: ar.Nonce,
		CodeChallenge: ar.CodeChallenge, CodeChallengeMethod: ar.CodeChallengeMethod, AuthTime: sess.AuthTime,
		CreatedAt: now, ExpiresAt: now.Add(provider.CodeTTL),
	})
	return code, err
}

// ParseResources reads RFC 8707 resource indicators: repeated parameters,
// each possibly a comma-separated list (as Logto accepts). Each must be an
// absolute URI without a fragment.
func ParseResources(values []string) ([]string, error) {
	var out []string
	for _, v := range values {
		for _, ind := range strings.Split(v, ",") {
			ind = strings.TrimSpace(ind)
			if ind == "" {
				continue
			}
			u, err := url.Parse(ind)
			if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(ind, "#") {
				return nil, errors.New("resource must be an absolute URI without a fragment")
			}
			if !slices.Contains(out, ind) {
				out = append(out, ind)
			}
		}
	}
	if len(out) > 20 {
		return nil, errors.New("too many resources")
	}
	return out, nil
}

// validPKCE checks RFC 7636 §4.2's shape: 43–128 unreserved characters.
func validPKCE(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// ValidVerifier is validPKCE for code_verifier (same grammar).
func ValidVerifier(s string) bool { return validPKCE(s) }

// reservePending takes one slot of the client address's budget of new
// pending requests. Over the limit it answers with a page, not a redirect
// to the app: the limit is about this browser's network, not the app, and
// an app that restarts sign-in on every error would loop back here at
// once. On failure it has answered already.
func (h *Handler) reservePending(w http.ResponseWriter, r *http.Request) bool {
	now := h.P.Time()
	ok, retry, err := h.P.Store.ReserveAttempt(r.Context(), "auth-ip:"+h.IP.Of(r), pendingLimit, pendingWindow, now)
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
