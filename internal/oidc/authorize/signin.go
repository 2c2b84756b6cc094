package authorize

// Logto's sign-in parameters (docs/logto-compat.md): which screen opens
// first, which identifiers the form takes, a direct social sign-in, the
// requested authentication context. Unknown values are ignored, as Logto
// ignores them; over-long ones are refused, as every stored parameter is
// bounded (docs/security.md, item 8.6). The values only select Sesame's
// own pages: none ever becomes a redirect target.

import (
	"net/url"
	"slices"
	"strings"

	"github.com/sesameauth/sesame/internal/oidc/oauth2err"
	"github.com/sesameauth/sesame/internal/store"
)

// maxSignInParam bounds each of first_screen, identifier (identifiers),
// interaction_mode, direct_sign_in and acr_values.
const maxSignInParam = 256

// firstScreens maps Logto's first_screen values to the stored one; signIn
// is Logto's deprecated spelling of sign_in.
var firstScreens = map[string]string{
	"sign_in": "sign_in", "signIn": "sign_in", "register": "register", "reset_password": "reset_password",
	"identifier:sign_in": "identifier:sign_in", "identifier:register": "identifier:register",
	"single_sign_on": "single_sign_on",
}

// interactionModes maps Logto's deprecated interaction_mode, read only
// without first_screen.
var interactionModes = map[string]string{"signIn": "sign_in", "signUp": "register"}

// identifierKinds are the identifier values Logto defines.
var identifierKinds = []string{"email", "phone", "username"}

// parseSignInParams reads first_screen (or interaction_mode), identifier
// (or the Go SDK's identifiers), direct_sign_in and acr_values into ar.
func parseSignInParams(q url.Values, ar *store.AuthRequest) *oauth2err.Error {
	for _, k := range []string{"first_screen", "interaction_mode", "identifier", "identifiers", "direct_sign_in", "acr_values"} {
		if len(q.Get(k)) > maxSignInParam {
			return oauth2err.New(oauth2err.InvalidRequest, k+" is too long")
		}
	}
	if fs := q.Get("first_screen"); fs != "" {
		ar.FirstScreen = firstScreens[fs]
	} else {
		ar.FirstScreen = interactionModes[q.Get("interaction_mode")]
	}
	ids := q.Get("identifier")
	if ids == "" {
		ids = q.Get("identifiers")
	}
	ar.Identifiers = nil
	for _, k := range strings.Fields(ids) {
		if slices.Contains(identifierKinds, k) && !slices.Contains(ar.Identifiers, k) {
			ar.Identifiers = append(ar.Identifiers, k)
		}
	}
	ar.DirectSignIn = parseDirectSignIn(q.Get("direct_sign_in"))
	ar.ACRValues = nil
	for _, v := range strings.Fields(q.Get("acr_values")) {
		if !slices.Contains(ar.ACRValues, v) {
			ar.ACRValues = append(ar.ACRValues, v)
		}
	}
	return nil
}

// parseDirectSignIn keeps "social:<id>" and "sso:<id>" whose id is a
// connector id (letters, digits, '-', '_', '.'); anything else is ignored.
func parseDirectSignIn(s string) string {
	method, id, ok := strings.Cut(s, ":")
	if !ok || (method != "social" && method != "sso") || id == "" || len(id) > 128 {
		return ""
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return ""
		}
	}
	return s
}
