package introspection

import (
	"context"
	"errors"
	"net/http"

	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/oidc/oauth2"
	"github.com/sesameauth/sesame/internal/oidc/oauth2err"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/store"
)

// Store is what introspection reads besides the token itself.
type Store interface {
	GetGrant(ctx context.Context, id string) (store.Grant, error)
	GetUser(ctx context.Context, id string) (store.User, error)
}

// Handler serves /oidc/token/introspection.
type Handler struct {
	P      *provider.Provider // client authentication, issuer, clock, log
	Tokens oauth2.Tokens
	Store  Store
}

// Mount registers the route.
func (h *Handler) Mount(m httpx.Mux) {
	m.HandleFunc("POST "+routes.Introspection, h.serve)
}

type response struct {
	Active    bool   `json:"active"`
	Scope     string `json:"scope,omitempty"`
	ClientID  string `json:"client_id,omitempty"`
	Sub       string `json:"sub,omitempty"`
	Aud       string `json:"aud,omitempty"`
	Iss       string `json:"iss,omitempty"`
	Exp       int64  `json:"exp,omitempty"`
	Iat       int64  `json:"iat,omitempty"`
	TokenType string `json:"token_type,omitempty"`
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	resp, err := h.introspect(r)
	if err != nil {
		oauth2err.Write(w, r, h.P.Log, err)
		return
	}
	httpx.NoStore(w)
	httpx.WriteJSON(w, r, http.StatusOK, resp)
}

func (h *Handler) introspect(r *http.Request) (response, error) {
	ctx := r.Context()
	form, err := httpx.Params(r)
	if err != nil {
		return response{}, oauth2err.New(oauth2err.InvalidRequest, err.Error())
	}
	c, err := h.P.AuthenticateClient(ctx, r, form)
	if err != nil {
		return response{}, err
	}
	tok := form.Get("token")
	if tok == "" {
		return response{}, oauth2err.New(oauth2err.InvalidRequest, "token is required")
	}
	now := h.P.Time()
	found, err := h.Tokens.Lookup(ctx, tok, form.Get("token_type_hint"), now)
	if errors.Is(err, store.ErrNotFound) {
		return response{Active: false}, nil
	}
	if err != nil {
		return response{}, err
	}
	if rt := found.Refresh; rt != nil {
		g, gerr := h.Store.GetGrant(ctx, rt.GrantID)
		if gerr != nil && !errors.Is(gerr, store.ErrNotFound) {
			return response{}, gerr
		}
		if gerr != nil || rt.ClientID != c.ID || !rt.Live(g, now) {
			return response{Active: false}, nil
		}
		if ok, err := h.activeUser(ctx, rt.UserID); err != nil || !ok {
			return response{Active: false}, err
		}
		return response{Active: true, Scope: oauth2.JoinScope(rt.Scopes), ClientID: rt.ClientID, Sub: rt.UserID,
			Iss: h.P.Issuer, Exp: rt.ExpiresAt.Unix(), Iat: rt.CreatedAt.Unix(), TokenType: "refresh_token"}, nil
	}
	at := found.Access
	if at.ClientID != c.ID {
		return response{Active: false}, nil
	}
	if at.UserID != "" {
		if ok, err := h.activeUser(ctx, at.UserID); err != nil || !ok {
			return response{Active: false}, err
		}
	}
	sub := at.UserID
	if sub == "" {
		sub = at.ClientID
	}
	return response{Active: true, Scope: oauth2.JoinScope(at.Scopes), ClientID: at.ClientID, Sub: sub, Aud: at.Audience,
		Iss: h.P.Issuer, Exp: at.ExpiresAt.Unix(), Iat: at.CreatedAt.Unix(), TokenType: "Bearer"}, nil
}

// activeUser reports whether the token's user still exists and is not
// suspended: a suspended user's tokens are inactive at once.
func (h *Handler) activeUser(ctx context.Context, id string) (bool, error) {
	u, err := h.Store.GetUser(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return !u.Suspended, nil
}
