package token

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/authz"
	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/oidc/oauth2"
	"github.com/sesameauth/sesame/internal/oidc/oauth2err"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/secret"
	"github.com/sesameauth/sesame/internal/store"
)

// Store is what the token endpoint reads and writes.
type Store interface {
	GetResourceByIndicator(ctx context.Context, indicator string) (store.Resource, error)
	GetUser(ctx context.Context, id string) (store.User, error)
	store.Codes
	store.RefreshTokens
	CreateAccessToken(ctx context.Context, t store.AccessToken) error
	store.Grants
	authz.UserRoles
	authz.RoleLister
	ClientPermissions(ctx context.Context, clientID string) ([]store.Permission, error)
}

// Handler serves /oidc/token.
type Handler struct {
	P     *provider.Provider // client authentication, token minting, clock, log
	Store Store
	// Audit records every request for a grant Sesame serves, with its
	// outcome. Record only queues: the endpoint never waits on it.
	Audit *audit.Log
	// Successors seals the successor a rotated refresh token keeps for its
	// app's reuse interval (secret.NewBox(master, SuccessorPurpose)).
	Successors *secret.Box
}

// SuccessorPurpose derives the key that seals kept refresh token
// successors from the master secret.
const SuccessorPurpose = "refresh-successor"

// Mount registers the route.
func (h *Handler) Mount(m httpx.Mux) {
	hh := h.P.ClientCORS(http.HandlerFunc(h.serve))
	m.Handle("POST "+routes.Token, hh)
	m.Handle("OPTIONS "+routes.Token, hh)
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	var ev audit.Entry
	resp, err := h.handle(r, &ev)
	h.record(r, ev, err)
	if err != nil {
		oauth2err.Write(w, r, h.P.Log, err)
		return
	}
	httpx.NoStore(w)
	httpx.WriteJSON(w, r, http.StatusOK, resp)
}

// record queues the audit entry of a token request; ev holds what handle
// learnt (key, app, user, session). Requests for grant types Sesame does not
// serve, and unreadable requests, are not recorded.
func (h *Handler) record(r *http.Request, ev audit.Entry, err error) {
	if ev.Key == "" {
		return
	}
	ev.IP, ev.UserAgent = httpx.ClientAddr(r.Context()), r.UserAgent()
	if err != nil {
		ev.Result, ev.Error = audit.Failure, oauth2err.From(err).Code
	}
	h.Audit.Record(r.Context(), ev)
}

// handle answers a token request, filling in ev as it learns who it is for.
func (h *Handler) handle(r *http.Request, ev *audit.Entry) (*provider.TokenResponse, error) {
	form, err := httpx.Params(r, "resource")
	if err != nil {
		return nil, oauth2err.New(oauth2err.InvalidRequest, err.Error())
	}
	ev.Key = audit.TokenKey(form.Get("grant_type"))
	c, err := h.P.AuthenticateClient(r.Context(), r, form)
	if err != nil {
		return nil, err
	}
	ev.ApplicationID = c.ID
	switch gt := form.Get("grant_type"); gt {
	case "authorization_code":
		return h.authorizationCode(r.Context(), c, form, ev)
	case "refresh_token":
		return h.refreshToken(r.Context(), c, form, ev)
	case "client_credentials":
		return h.clientCredentials(r.Context(), c, form)
	case "":
		return nil, oauth2err.New(oauth2err.InvalidRequest, "grant_type is required")
	default:
		return nil, oauth2err.New(oauth2err.UnsupportedGrantType, "unsupported grant_type")
	}
}

// resource resolves the request's RFC 8707 resource indicator (at most one
// per token). No resource gives the zero Resource: an opaque token.
func (h *Handler) resource(ctx context.Context, form url.Values) (store.Resource, error) {
	resources, err := oauth2.ParseResources(form["resource"])
	if err != nil || len(resources) > 1 {
		return store.Resource{}, oauth2err.New(oauth2err.InvalidTarget, "at most one valid resource may be requested per token")
	}
	if len(resources) == 0 {
		return store.Resource{}, nil
	}
	res, err := h.Store.GetResourceByIndicator(ctx, resources[0])
	if errors.Is(err, store.ErrNotFound) {
		return store.Resource{}, oauth2err.New(oauth2err.InvalidTarget, "resource is not registered")
	}
	return res, err
}

var errBadCode = oauth2err.New(oauth2err.InvalidGrant, "the authorization code is invalid, expired or already used")

func (h *Handler) authorizationCode(ctx context.Context, c store.Client, form url.Values, ev *audit.Entry) (*provider.TokenResponse, error) {
	if c.Type == store.AppM2M {
		return nil, oauth2err.New(oauth2err.UnauthorizedClient, "this client may only use client_credentials")
	}
	code, verifier, redirectURI := form.Get("code"), form.Get("code_verifier"), form.Get("redirect_uri")
	if code == "" {
		return nil, oauth2err.New(oauth2err.InvalidRequest, "code is required")
	}
	res, err := h.resource(ctx, form)
	if err != nil {
		return nil, err
	}
	resource, ttl := res.Indicator, res.AccessTokenTTL
	var (
		pending provider.PendingAccessToken
		refresh string
	)
	now := h.P.Time()
	ac, err := h.Store.RedeemCode(ctx, opaque.Hash(code), now, func(ac store.AuthCode) (store.CodeIssue, error) {
		// Every check below runs after the code is consumed: a failed
		// attempt burns the code (RFC 7636 §4.6, catalogue RP-12/TL-04).
		ev.UserID, ev.SessionID = ac.UserID, ac.SID
		if ac.ClientID != c.ID {
			return store.CodeIssue{}, errBadCode
		}
		if redirectURI != ac.RedirectURI {
			return store.CodeIssue{}, oauth2err.New(oauth2err.InvalidGrant, "redirect_uri does not match the authorization request")
		}
		if err := oauth2.CheckPKCE(ac.CodeChallenge, verifier); err != nil {
			return store.CodeIssue{}, err
		}
		if resource != "" && !slices.Contains(ac.Resources, resource) {
			return store.CodeIssue{}, oauth2err.New(oauth2err.InvalidTarget, "resource was not requested at authorization")
		}
		pending = h.P.PrepareAccessToken(provider.AccessTokenParams{GrantID: ac.GrantID, ClientID: c.ID,
			Subject: ac.UserID, UserID: ac.UserID, Scopes: accessScopes(ac.Scopes, ac.Permissions, res), Resource: resource, TTL: ttl})
		issue := store.CodeIssue{AccessToken: pending.Stored()}
		// alwaysIssueRefreshToken (Logto): a refresh token even without
		// offline_access; it still ends with the session, as such grants do.
		if oauth2.Has(ac.Scopes, oauth2.ScopeOfflineAccess) || c.AlwaysIssueRefreshToken {
			refresh = opaque.NewToken()
			issue.RefreshToken = &store.RefreshToken{Hash: opaque.Hash(refresh), GrantID: ac.GrantID, ClientID: c.ID,
				UserID: ac.UserID, Scopes: ac.Scopes, Permissions: ac.Permissions, Resources: ac.Resources,
				CreatedAt: now, ExpiresAt: now.Add(provider.RefreshTokenTTLOf(c))}
		}
		return issue, nil
	})
	switch {
	case errors.Is(err, store.ErrReplayed):
		// The store has revoked everything the first redemption issued.
		h.P.Log.WarnContext(ctx, "authorization code replayed; grant revoked", "client_id", c.ID)
		return nil, errBadCode
	case errors.Is(err, store.ErrNotFound):
		return nil, errBadCode
	case err != nil:
		return nil, err
	}
	return h.respond(ctx, ac.GrantID, pending, refresh, res, provider.IDTokenParams{ClientID: c.ID,
		Scopes: ac.Scopes, Nonce: ac.Nonce, SID: ac.SID, AuthTime: ac.AuthTime, AMR: ac.AMR, TTL: provider.IDTokenTTLOf(c), Alg: c.IDTokenAlg})
}

// respond finishes a user grant after its transaction committed: it checks
// the user is still active, signs what needs signing (outside any
// transaction) and builds the response, with a fresh ID token when openid
// was granted. The user is the one pending's row was issued to.
func (h *Handler) respond(ctx context.Context, grantID string, pending provider.PendingAccessToken, refresh string,
	res store.Resource, idt provider.IDTokenParams) (*provider.TokenResponse, error) {
	user, err := h.activeUser(ctx, pending.Row.UserID, grantID)
	if err != nil {
		return nil, err
	}
	if res.Indicator != "" {
		if pending, err = h.narrow(ctx, pending, res); err != nil {
			return nil, err
		}
	}
	access, err := h.P.FinishAccessToken(ctx, pending)
	if err != nil {
		return nil, err
	}
	resp := &provider.TokenResponse{AccessToken: access, TokenType: "Bearer", ExpiresIn: expiresIn(res.AccessTokenTTL),
		Scope: oauth2.JoinScope(pending.Row.Scopes), RefreshToken: refresh}
	if oauth2.Has(idt.Scopes, oauth2.ScopeOpenID) {
		idt.User, idt.AccessToken = user, access
		if idt.Roles, err = authz.RoleNames(ctx, h.Store, user.ID, idt.Scopes); err != nil {
			return nil, err
		}
		if resp.IDToken, err = h.P.IDToken(ctx, idt); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// accessScopes is the scope an access token carries: for a resource token
// the granted permissions on that resource (the resource's own scopes only:
// docs/security.md, item 8.2), else the OpenID Connect scopes.
func accessScopes(oidc []string, perms []store.Permission, res store.Resource) []string {
	if res.Indicator == "" {
		return oidc
	}
	return authz.ScopesOf(perms, res)
}

// narrow checks a resource token against the roles its user holds now,
// after the transaction that consumed its code or refresh token committed
// (docs/security.md, item 8.1): a role taken away since the grant shrinks
// the token. Nothing is signed yet and a JWT access token is not stored, so
// shrinking is building a narrower one; otherwise this is one read.
func (h *Handler) narrow(ctx context.Context, pending provider.PendingAccessToken, res store.Resource) (provider.PendingAccessToken, error) {
	row := pending.Row
	want := make([]store.Permission, len(row.Scopes))
	for i, s := range row.Scopes {
		want[i] = store.Permission{Resource: res.Indicator, Scope: s}
	}
	held, err := authz.Grantable(ctx, h.Store, row.UserID, want)
	if err != nil || len(held) == len(want) {
		return pending, err
	}
	return h.P.PrepareAccessToken(provider.AccessTokenParams{GrantID: row.GrantID, ClientID: row.ClientID,
		Subject: row.UserID, UserID: row.UserID, Scopes: authz.ScopesOf(held, res), Resource: res.Indicator, TTL: res.AccessTokenTTL}), nil
}

func expiresIn(ttl time.Duration) int64 {
	if ttl == 0 {
		ttl = provider.AccessTokenTTL
	}
	return int64(ttl / time.Second)
}

// activeUser loads the grant's user; a deleted or suspended user revokes
// the grant (catalogue TL-12).
func (h *Handler) activeUser(ctx context.Context, userID, grantID string) (store.User, error) {
	u, err := h.Store.GetUser(ctx, userID)
	if err == nil && !u.Suspended {
		return u, nil
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.User{}, err
	}
	if rerr := h.Store.RevokeGrant(ctx, grantID, h.P.Time()); rerr != nil {
		return store.User{}, rerr
	}
	return store.User{}, oauth2err.New(oauth2err.InvalidGrant, "the user is no longer active")
}

var errBadRefresh = oauth2err.New(oauth2err.InvalidGrant, "the refresh token is invalid, expired or revoked")

func (h *Handler) refreshToken(ctx context.Context, c store.Client, form url.Values, ev *audit.Entry) (*provider.TokenResponse, error) {
	if c.Type == store.AppM2M {
		return nil, oauth2err.New(oauth2err.UnauthorizedClient, "this client may only use client_credentials")
	}
	presented := form.Get("refresh_token")
	if presented == "" {
		return nil, oauth2err.New(oauth2err.InvalidRequest, "refresh_token is required")
	}
	if form.Has("organization_id") {
		return nil, oauth2err.New(oauth2err.InvalidTarget, "organizations are not supported")
	}
	res, err := h.resource(ctx, form)
	if err != nil {
		return nil, err
	}
	resource, ttl := res.Indicator, res.AccessTokenTTL
	requested := oauth2.SplitScope(form.Get("scope"))
	now := h.P.Time()
	var (
		pending provider.PendingAccessToken
		next    string
		scopes  []string
		perms   []store.Permission
	)
	var grant store.Grant // the transaction already read it: no second lookup
	rt, err := h.Store.UseRefreshToken(ctx, opaque.Hash(presented), now, func(rt store.RefreshToken, g store.Grant) (store.RefreshIssue, error) {
		grant = g
		ev.UserID, ev.SessionID = rt.UserID, g.SID
		if rt.ClientID != c.ID {
			return store.RefreshIssue{}, errBadRefresh
		}
		reuse := !rt.ConsumedAt.IsZero()
		if reuse {
			// Rotated away: only its kept successor, within the app's
			// reuse interval, or else a replay.
			successor, ok := h.keptSuccessor(c, rt, now)
			if !ok {
				return store.RefreshIssue{}, store.ErrReplayed
			}
			next = successor
		}
		var err error
		if scopes, perms, err = narrowScope(rt, requested); err != nil {
			return store.RefreshIssue{}, err
		}
		if resource != "" && !slices.Contains(rt.Resources, resource) {
			return store.RefreshIssue{}, oauth2err.New(oauth2err.InvalidTarget, "resource was not granted")
		}
		pending = h.P.PrepareAccessToken(provider.AccessTokenParams{GrantID: rt.GrantID, ClientID: c.ID,
			Subject: rt.UserID, UserID: rt.UserID, Scopes: accessScopes(scopes, perms, res), Resource: resource, TTL: ttl})
		issue := store.RefreshIssue{AccessToken: pending.Stored(), Reuse: reuse}
		if reuse {
			return issue, nil
		}
		if nrt := rotation(c, rt, g, now); nrt != nil {
			next = opaque.NewToken()
			nrt.Hash = opaque.Hash(next)
			issue.Rotate = nrt
			if c.RefreshReuseInterval > 0 {
				issue.KeepSuccessor = h.Successors.Seal([]byte(next))
			}
		}
		return issue, nil
	})
	switch {
	case errors.Is(err, store.ErrReplayed):
		h.P.Log.WarnContext(ctx, "rotated refresh token reused; grant revoked", "client_id", c.ID)
		return nil, oauth2err.New(oauth2err.InvalidGrant, "refresh token already used")
	case errors.Is(err, store.ErrNotFound):
		return nil, errBadRefresh
	case err != nil:
		return nil, err
	}
	if next == "" {
		next = presented
	}
	return h.respond(ctx, rt.GrantID, pending, next, res, provider.IDTokenParams{ClientID: c.ID,
		Scopes: scopes, SID: grant.SID, AuthTime: grant.AuthTime, AMR: grant.AMR, TTL: provider.IDTokenTTLOf(c), Alg: c.IDTokenAlg})
}

// keptSuccessor returns the successor kept on rt, a token rotated away,
// while the app's reuse interval since the rotation lasts: two tabs of a
// browser app that refresh the same token at once both get the one
// successor (docs/design.md, "Refresh tokens in several tabs").
func (h *Handler) keptSuccessor(c store.Client, rt store.RefreshToken, now time.Time) (string, bool) {
	if c.RefreshReuseInterval <= 0 || now.Sub(rt.ConsumedAt) >= c.RefreshReuseInterval || h.Successors == nil {
		return "", false
	}
	plain, err := h.Successors.Open(rt.Successor)
	if err != nil || subtle.ConstantTimeCompare(opaque.Hash(string(plain)), rt.SuccessorHash) != 1 {
		return "", false
	}
	return string(plain), true
}

// narrowScope applies a refresh request's optional scope parameter: every
// requested scope must have been granted (as an OpenID Connect scope or on
// some resource), and the token then carries only those.
func narrowScope(rt store.RefreshToken, requested []string) ([]string, []store.Permission, error) {
	if len(requested) == 0 {
		return rt.Scopes, rt.Permissions, nil
	}
	var scopes []string
	var perms []store.Permission
	for _, s := range requested {
		granted := false
		if slices.Contains(rt.Scopes, s) {
			scopes, granted = append(scopes, s), true
		}
		for _, p := range rt.Permissions {
			if p.Scope == s {
				perms, granted = append(perms, p), true
			}
		}
		if !granted {
			return nil, nil, oauth2err.New(oauth2err.InvalidScope, "scope exceeds what was granted")
		}
	}
	return scopes, perms, nil
}

// rotation applies Logto's policy (logto-compat §8.2): public clients rotate
// on every use and the new token keeps the old expiry; confidential clients
// rotate only after 70% of the token's lifetime, with a fresh lifetime,
// because server-rendered apps (Next.js server components) cannot always
// store a rotated token. Nothing rotates once the grant is a year old, nor
// ever for an app with rotateRefreshToken off (store.Client's
// NoRefreshRotation): its token is reused until it expires. A fresh
// lifetime is the app's refresh token TTL.
func rotation(c store.Client, rt store.RefreshToken, g store.Grant, now time.Time) *store.RefreshToken {
	if c.NoRefreshRotation || now.Sub(g.CreatedAt) >= provider.MaxRefreshLifetime {
		return nil
	}
	next := &store.RefreshToken{GrantID: rt.GrantID, ClientID: rt.ClientID, UserID: rt.UserID, Scopes: rt.Scopes,
		Permissions: rt.Permissions, Resources: rt.Resources, CreatedAt: now}
	if !c.Type.Confidential() {
		next.ExpiresAt = rt.ExpiresAt
		return next
	}
	life := rt.ExpiresAt.Sub(rt.CreatedAt)
	if now.Sub(rt.CreatedAt)*10 < life*7 {
		return nil
	}
	next.ExpiresAt = now.Add(provider.RefreshTokenTTLOf(c))
	return next
}

func (h *Handler) clientCredentials(ctx context.Context, c store.Client, form url.Values) (*provider.TokenResponse, error) {
	if c.Type != store.AppM2M {
		return nil, oauth2err.New(oauth2err.UnauthorizedClient, "client_credentials is only for machine-to-machine apps")
	}
	res, err := h.resource(ctx, form)
	if err != nil {
		return nil, err
	}
	resource, ttl := res.Indicator, res.AccessTokenTTL
	// The app reaches only what its roles permit (docs/security.md, items
	// 8.1 and catalogue TL-17): a leaked M2M secret must not open every API.
	var permitted []string
	if resource != "" {
		held, err := h.Store.ClientPermissions(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		if !authz.HasResource(held, resource) {
			return nil, oauth2err.New(oauth2err.InvalidTarget, "this app has no permission for the requested resource")
		}
		permitted = authz.ScopesOf(held, res)
	}
	var scopes []string
	for _, s := range oauth2.SplitScope(form.Get("scope")) {
		switch {
		case oauth2.IsOIDCScope(s):
			// No user, so no ID token, refresh token or user claims.
		case !slices.Contains(res.Scopes, s):
			return nil, oauth2err.New(oauth2err.InvalidScope, "scope "+s+" is not defined by the requested resource")
		case !slices.Contains(permitted, s):
			return nil, oauth2err.New(oauth2err.InvalidScope, "this app has no permission for scope "+s)
		default:
			scopes = append(scopes, s)
		}
	}
	pending := h.P.PrepareAccessToken(provider.AccessTokenParams{ClientID: c.ID, Subject: c.ID,
		Scopes: scopes, Resource: resource, TTL: ttl})
	access, err := h.P.FinishAccessToken(ctx, pending)
	if err != nil {
		return nil, err
	}
	// Only an opaque token (no resource) is stored; a JWT is not
	// (docs/design.md, "Access tokens").
	if row := pending.Stored(); row != nil {
		if err := h.Store.CreateAccessToken(ctx, *row); err != nil {
			return nil, err
		}
	}
	return &provider.TokenResponse{AccessToken: access, TokenType: "Bearer", ExpiresIn: expiresIn(ttl),
		Scope: oauth2.JoinScope(scopes)}, nil
}
