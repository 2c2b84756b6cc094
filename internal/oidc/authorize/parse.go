package authorize

// Parsing a new authorization request: first the client and redirect URI,
// whose errors are shown on a page; then the rest, whose errors go back to
// the app.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/sesameauth/sesame/internal/authz"
	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/oidc/oauth2"
	"github.com/sesameauth/sesame/internal/oidc/oauth2err"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/oidc/redirecturi"
	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
)

// Limits on individual authorization parameters. Every pending request
// is stored for provider.AuthRequestTTL before anyone has signed in, so
// each stored field is bounded (docs/security.md, item 8.6). Worst case,
// one auth_requests row holds what the client controls, at most
// 43 (id) + 4096 (state) + 1024 (nonce) + 128 (code_challenge) + 4 (method)
// + 9 (response_mode) + 27 (prompt: each of its 4 values once) + 256
// (login_hint) + 64 (ui_locales) + 4 × 256 (first_screen, identifier,
// direct_sign_in, acr_values: see signin.go) bytes plus a few integers:
// about 6.7 KB;
// plus what the administrator registered and the request can only pick
// from: client_id, one registered redirect URI (at most
// redirecturi.MaxLength), scopes (the known OpenID scopes, each once),
// permissions (scopes of the requested resources, each pair once) and at
// most 20 registered resource indicators. With at most pendingLimit new requests per client address
// per pendingWindow, one address holds at most 1,800 live rows (about
// 12 MB) at a time.
const (
	maxState     = 4096
	maxNonce     = 1024
	maxLoginHint = 256
	maxUILocales = 64
)

// trustedClient reads the request's parameters, its client and its
// redirect URI. Until both are known good every error is shown on a page
// and never redirected (no open redirector); on failure it has answered.
func (h *Handler) trustedClient(w http.ResponseWriter, r *http.Request) (store.Client, url.Values, bool) {
	badLink := ui.M("oidc.error.bad_link.heading")
	q, err := httpx.Params(r, "resource")
	if err != nil {
		h.page(w, r, http.StatusBadRequest, badLink, ui.M("oidc.error.malformed.message"), "invalid_request: "+err.Error())
		return store.Client{}, nil, false
	}
	clientID := q.Get("client_id")
	if clientID == "" {
		h.page(w, r, http.StatusBadRequest, badLink, ui.M("oidc.error.no_client.message"), "invalid_request: client_id is missing")
		return store.Client{}, nil, false
	}
	c, err := h.Store.GetClient(r.Context(), clientID)
	if errors.Is(err, store.ErrNotFound) {
		h.page(w, r, http.StatusBadRequest, ui.M("oidc.error.unknown_app.heading"), ui.M("oidc.error.unknown_client.message"), "invalid_client: unknown client_id")
		return store.Client{}, nil, false
	}
	if err != nil {
		h.storeFailure(w, r, err)
		return store.Client{}, nil, false
	}
	redirectURI := q.Get("redirect_uri")
	if redirectURI == "" {
		h.page(w, r, http.StatusBadRequest, badLink, ui.M("oidc.error.no_redirect.message"), "invalid_request: redirect_uri is missing")
		return store.Client{}, nil, false
	}
	if !redirecturi.Match(c.RedirectURIs, redirectURI, c.Type == store.AppNative) {
		h.page(w, r, http.StatusBadRequest, badLink,
			ui.M("oidc.error.bad_redirect.message"),
			"invalid_request: redirect_uri is not registered for this app")
		return store.Client{}, nil, false
	}
	return c, q, true
}

// request is a parsed authorization request of a trusted client and
// redirect URI.
type request struct {
	target  oauth2.Target // where its answer goes
	ar      store.AuthRequest
	hintSub string // the subject of a valid id_token_hint
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
	if oerr = parseSignInParams(q, &ar); oerr != nil {
		return req, oerr, nil
	}
	req.ar = ar
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
