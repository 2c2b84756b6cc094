package experience

// The consent page and decision (third-party apps only).

import (
	"errors"
	"net/http"
	"slices"

	"github.com/sesameauth/sesame/internal/authz"
	"github.com/sesameauth/sesame/internal/oidc/oauth2"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
)

// scopeDescriptions are the catalogue keys of the standard scopes' texts.
var scopeDescriptions = map[string]string{
	oauth2.ScopeOpenID:        "consent.scope.openid",
	oauth2.ScopeProfile:       "consent.scope.profile",
	oauth2.ScopeEmail:         "consent.scope.email",
	oauth2.ScopePhone:         "consent.scope.phone",
	oauth2.ScopeRoles:         "consent.scope.roles",
	oauth2.ScopeOfflineAccess: "consent.scope.offline_access",
}

// signedInUser is the user signed in to this browser. Without one it
// sends the browser to sign in for ar; on failure it has answered already.
func (h *Handler) signedInUser(w http.ResponseWriter, r *http.Request, ar store.AuthRequest) (store.User, bool) {
	_, user, signedIn, err := h.Sessions.Current(r.Context(), r)
	if err != nil {
		h.failure(w, r, err)
		return store.User{}, false
	}
	if !signedIn {
		http.Redirect(w, r, h.Base.PageURL(routes.SignIn, ar.ID), http.StatusSeeOther)
		return store.User{}, false
	}
	return user, true
}

func (h *Handler) consentPage(w http.ResponseWriter, r *http.Request) {
	ar, c, ok := h.interaction(w, r)
	if !ok {
		return
	}
	user, ok := h.signedInUser(w, r, ar)
	if !ok {
		return
	}
	var items []ScopeItem
	for _, s := range ar.Scopes {
		items = append(items, ScopeItem{Name: s, Description: ui.M(scopeDescriptions[s])})
	}
	// Only what the user's roles grant is asked for (docs/security.md,
	// item 8.1), per API (item 8.2).
	granted, err := authz.Grantable(r.Context(), h.Store, user.ID, ar.Permissions)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	groups := authz.Group(granted)
	var apis []APIAccess
	for _, ind := range ar.Resources {
		api := APIAccess{Resource: ind}
		for _, g := range groups {
			if g.Resource == ind {
				api.Scopes = g.Scopes
			}
		}
		apis = append(apis, api)
	}
	name := user.Name
	if name == "" {
		name = user.Username
	}
	if name == "" {
		name = user.Email
	}
	allowRedirect(w, r, ar)
	h.UI.Render(w, r, http.StatusOK, &ConsentPage{Base: ui.Base{Title: "consent.title", UILocales: ar.UILocales},
		Action: h.Base.PageURL(routes.Consent, ar.ID), CSRFToken: h.CSRF.Token(w, r), AppName: c.Name, UserName: name,
		Scopes: items, APIs: apis})
}

func (h *Handler) consent(w http.ResponseWriter, r *http.Request) {
	ar, _, ok := h.postedInteraction(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	user, ok := h.signedInUser(w, r, ar)
	if !ok {
		return
	}
	allowRedirect(w, r, ar)
	if r.PostFormValue("decision") != "allow" {
		// Only the authorization endpoint answers the app: record the
		// refusal and resume there (it sends access_denied).
		if _, err := h.Store.UpdateAuthRequest(ctx, ar.ID, func(a store.AuthRequest) (store.AuthRequest, error) {
			a.ConsentDenied = true
			return a, nil
		}); err != nil {
			h.failure(w, r, err)
			return
		}
		http.Redirect(w, r, h.Base.ResumeURL(ar.ID), http.StatusSeeOther)
		return
	}
	prev, err := h.Store.GetConsent(ctx, user.ID, ar.ClientID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		h.failure(w, r, err)
		return
	}
	// Consent covers the (resource, scope) pairs the user was shown: those
	// their roles grant now (docs/security.md, items 8.1 and 8.2).
	granted, err := authz.Grantable(ctx, h.Store, user.ID, ar.Permissions)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	cs := store.Consent{UserID: user.ID, ClientID: ar.ClientID, CreatedAt: h.now(),
		Scopes: authz.Union(prev.Scopes, ar.Scopes), Permissions: authz.Union(prev.Permissions, granted),
		Resources: authz.Union(prev.Resources, ar.Resources)}
	if err := h.Store.PutConsent(ctx, cs); err != nil {
		h.failure(w, r, err)
		return
	}
	if _, err := h.Store.UpdateAuthRequest(ctx, ar.ID, func(a store.AuthRequest) (store.AuthRequest, error) {
		a.Prompt = slices.DeleteFunc(a.Prompt, func(p string) bool { return p == "consent" })
		return a, nil
	}); err != nil {
		h.failure(w, r, err)
		return
	}
	http.Redirect(w, r, h.Base.ResumeURL(ar.ID), http.StatusSeeOther)
}
