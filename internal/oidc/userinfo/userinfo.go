package userinfo

import (
	"context"
	"errors"
	"github.com/sesameauth/sesame/internal/authz"
	"net/http"
	"strings"

	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/oidc/oauth2"
	"github.com/sesameauth/sesame/internal/oidc/oauth2err"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/store"
)

// Handler serves /oidc/me.
type Handler struct {
	P      *provider.Provider // claims, CORS, clock, log
	Tokens oauth2.Tokens
	Users  interface {
		GetUser(ctx context.Context, id string) (store.User, error)
		authz.RoleLister
	}
}

// Mount registers the routes.
func (h *Handler) Mount(m httpx.Mux) {
	hh := h.P.ClientCORS(http.HandlerFunc(h.serve))
	m.Handle("GET "+routes.Userinfo, hh)
	m.Handle("POST "+routes.Userinfo, hh)
	m.Handle("OPTIONS "+routes.Userinfo, hh)
}

var errToken = oauth2err.New(oauth2err.InvalidToken, "the access token is invalid or expired")

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	fail := func(err error) { oauth2err.WriteBearer(w, r, h.P.Log, err) }
	if r.URL.Query().Has("access_token") {
		// Tokens in URLs leak through logs and Referer (OAuth 2.1 §5.2).
		fail(oauth2err.New(oauth2err.InvalidRequest, "access tokens are not accepted in the query string"))
		return
	}
	tok := ""
	if a := r.Header.Get("Authorization"); a != "" {
		scheme, v, ok := strings.Cut(a, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || v == "" {
			fail(errToken)
			return
		}
		tok = strings.TrimSpace(v)
	} else if r.Method == http.MethodPost {
		form, err := httpx.Params(r)
		if err != nil {
			fail(oauth2err.New(oauth2err.InvalidRequest, err.Error()))
			return
		}
		tok = form.Get("access_token")
	}
	if tok == "" || len(tok) > 4096 {
		fail(errToken)
		return
	}
	if strings.Count(tok, ".") == 2 {
		fail(oauth2err.New(oauth2err.InvalidToken, "a token with an audience cannot be used at the userinfo endpoint"))
		return
	}
	at, _, err := h.Tokens.Access(ctx, tok, h.P.Time())
	if errors.Is(err, store.ErrNotFound) {
		fail(errToken)
		return
	}
	if err != nil {
		fail(err)
		return
	}
	// The token's app decides whether its origin may read the answer.
	if err := h.P.AllowCORSFor(ctx, at.ClientID); err != nil && !errors.Is(err, store.ErrNotFound) {
		fail(err)
		return
	}
	if at.Audience != "" || at.UserID == "" {
		fail(oauth2err.New(oauth2err.InvalidToken, "a token with an audience cannot be used at the userinfo endpoint"))
		return
	}
	if !oauth2.Has(at.Scopes, oauth2.ScopeOpenID) {
		fail(oauth2err.New(oauth2err.InsufficientScope, "the access token lacks the openid scope"))
		return
	}
	u, err := h.Users.GetUser(ctx, at.UserID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.Suspended) {
		fail(errToken)
		return
	}
	if err != nil {
		fail(err)
		return
	}
	roles, err := authz.RoleNames(ctx, h.Users, u.ID, at.Scopes)
	if err != nil {
		fail(err)
		return
	}
	httpx.NoStore(w)
	httpx.WriteJSON(w, r, http.StatusOK, provider.UserClaims(u, at.Scopes, roles))
}
