package experience

import (
	"testing"

	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
)

// TestFirstScreenTargets: each first screen is a path of this Sesame under
// its base; reset only when the reset page says it is available, register
// only when registration is open.
func TestFirstScreenTargets(t *testing.T) {
	open, closed := signinexp.Defaults(true), signinexp.Defaults(false)
	resetOn := &Handler{Base: "/id", ResetAvailable: func(signinexp.Settings) bool { return true }}
	resetOff := &Handler{Base: "/id"}
	for _, c := range []struct {
		h      *Handler
		x      signinexp.Settings
		first  string
		direct string
		want   string
	}{
		{resetOn, open, "reset_password", "", "/id/reset-password?interaction=a%2Bb"},
		{resetOff, open, "reset_password", "", ""},
		{resetOff, open, "register", "", "/id/register?interaction=a%2Bb"},
		{resetOff, open, "identifier:register", "", "/id/register?interaction=a%2Bb"},
		{resetOff, closed, "register", "", ""},
		{resetOff, open, "sign_in", "", ""},
		{resetOff, open, "register", "social:git-hub_1.x", "/id/social/start?connector=git-hub_1.x&interaction=a%2Bb"},
		{resetOff, open, "", "sso:corp", ""},
	} {
		ar := store.AuthRequest{ID: "a+b", FirstScreen: c.first, DirectSignIn: c.direct}
		if got := c.h.firstScreen(c.x, ar); got != c.want {
			t.Errorf("first_screen %q direct_sign_in %q: %q, want %q", c.first, c.direct, got, c.want)
		}
	}
}
