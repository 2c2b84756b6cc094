package revocation

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/oidc/oauth2"
	"github.com/sesameauth/sesame/internal/oidc/oauth2err"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/store"
)

// Store is what revocation writes.
type Store interface {
	RevokeGrant(ctx context.Context, id string, now time.Time) error
	RevokeAccessToken(ctx context.Context, hash []byte, now time.Time) error
}

// Handler serves /oidc/token/revocation.
type Handler struct {
	P      *provider.Provider // client authentication, CORS, clock, log
	Tokens oauth2.Tokens
	Store  Store
}

// Mount registers the route.
func (h *Handler) Mount(m httpx.Mux) {
	hh := h.P.ClientCORS(http.HandlerFunc(h.serve))
	m.Handle("POST "+routes.Revocation, hh)
	m.Handle("OPTIONS "+routes.Revocation, hh)
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	if err := h.revoke(r); err != nil {
		oauth2err.Write(w, r, h.P.Log, err)
		return
	}
	httpx.NoStore(w)
	w.WriteHeader(http.StatusOK)
}

func (h *Handler) revoke(r *http.Request) error {
	ctx := r.Context()
	form, err := httpx.Params(r)
	if err != nil {
		return oauth2err.New(oauth2err.InvalidRequest, err.Error())
	}
	c, err := h.P.AuthenticateClient(ctx, r, form)
	if err != nil {
		return err
	}
	tok := form.Get("token")
	if tok == "" {
		return oauth2err.New(oauth2err.InvalidRequest, "token is required")
	}
	now := h.P.Time()
	found, err := h.Tokens.Lookup(ctx, tok, form.Get("token_type_hint"), now)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	case found.Refresh != nil:
		if found.Refresh.ClientID == c.ID {
			return h.Store.RevokeGrant(ctx, found.Refresh.GrantID, now)
		}
		return nil
	case found.Access.ClientID != c.ID:
		return nil
	case found.SelfContained:
		return h.Tokens.Deny(ctx, found.AccessKey, found.Access.ExpiresAt)
	}
	return h.Store.RevokeAccessToken(ctx, found.AccessKey, now)
}
