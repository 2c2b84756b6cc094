package revocation

import (
	"errors"
	"net/http"

	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/oidc/oauth2err"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/store"
)

// Handler serves /oidc/token/revocation.
type Handler struct {
	P *provider.Provider
}

// Mount registers the route.
func (h *Handler) Mount(m httpx.Mux) {
	hh := h.P.ClientCORS(http.HandlerFunc(h.serve))
	m.Handle("POST /oidc/token/revocation", hh)
	m.Handle("OPTIONS /oidc/token/revocation", hh)
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
	rt, err := h.P.Store.GetRefreshToken(ctx, provider.Hash(tok))
	switch {
	case err == nil:
		if rt.ClientID == c.ID {
			return h.P.Store.RevokeGrant(ctx, rt.GrantID, now)
		}
		return nil
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	key := tok
	if jti, ok := h.jti(r, tok); ok {
		key = jti
	}
	at, err := h.P.Store.GetAccessToken(ctx, provider.Hash(key), now)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	case at.ClientID != c.ID:
		return nil
	}
	return h.P.Store.RevokeAccessToken(ctx, provider.Hash(key), now)
}

// jti returns the jti of a JWT access token we signed.
func (h *Handler) jti(r *http.Request, tok string) (string, bool) {
	return JTI(r.Context(), h.P, tok)
}
