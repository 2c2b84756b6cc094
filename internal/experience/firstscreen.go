package experience

// The first screen an app asks for (Logto's first_screen, direct_sign_in),
// opened from the sign-in page once per interaction.

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/identity"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
)

// firstScreen is the page the app asked to open instead of the sign-in
// page, or "" for the sign-in page: the register page when registration
// is open, the reset page when ResetAvailable says so, the social start
// for direct_sign_in=social:<id> (the social part checks the connector).
// Every target is one of Sesame's own paths under h.Base: no request value
// becomes a redirect target (docs/security.md, RP-17).
func (h *Handler) firstScreen(x signinexp.Settings, ar store.AuthRequest) string {
	if id, ok := strings.CutPrefix(ar.DirectSignIn, "social:"); ok && id != "" {
		return h.Base.Path(routes.SocialStart) + "?" + url.Values{"interaction": {ar.ID}, "connector": {id}}.Encode()
	}
	switch ar.FirstScreen {
	case "register", "identifier:register":
		if x.RegistrationOpen() {
			return h.Base.PageURL(routes.Register, ar.ID)
		}
	case "reset_password":
		if h.ResetAvailable != nil && h.ResetAvailable(x) {
			return h.Base.PageURL(routes.ResetPassword, ar.ID)
		}
	}
	return ""
}

// openFirstScreen sends the browser to the first screen the app asked for
// and forgets the request for it, so coming back to the sign-in page (its
// link on the register page, an error from the social part) shows the
// sign-in page. It reports whether it has answered.
func (h *Handler) openFirstScreen(w http.ResponseWriter, r *http.Request, x signinexp.Settings, ar store.AuthRequest) bool {
	if ar.FirstScreen == "" && ar.DirectSignIn == "" {
		return false
	}
	target := h.firstScreen(x, ar)
	if target == "" {
		return false
	}
	if _, err := h.Store.UpdateAuthRequest(r.Context(), ar.ID, func(a store.AuthRequest) (store.AuthRequest, error) {
		a.FirstScreen, a.DirectSignIn = "", ""
		return a, nil
	}); err != nil {
		h.failure(w, r, err)
		return true
	}
	httpx.NoStore(w)
	http.Redirect(w, r, target, http.StatusSeeOther)
	return true
}

// emailHint is the login_hint when it is an email address (it pre-fills
// the register form's email field), else "".
func emailHint(hint string) string {
	if identity.ValidateEmail(identity.Canonical(hint)) != nil {
		return ""
	}
	return identity.Canonical(hint)
}
