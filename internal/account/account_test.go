package account

import "testing"

// TestSafeReturn: only paths of the account pages come back (RP-17 in
// docs/security.md); everything else is the account home.
func TestSafeReturn(t *testing.T) {
	for in, want := range map[string]string{
		"/account":                "/account",
		"/account/totp":           "/account/totp",
		"":                        "/account",
		"//evil.example/x":        "/account",
		"https://evil.example":    "/account",
		"/account//evil.example":  "/account",
		"/account/../oidc/auth":   "/account",
		"/account/\\evil.example": "/account",
		"/accountx":               "/account",
		"/account/totp?x=1":       "/account",
		"javascript:alert(1)":     "/account",
		"/account/%2F%2Fevil":     "/account/%2F%2Fevil", // a path under /account: at worst a 404 there
	} {
		if got := safeReturn(in); got != want {
			t.Errorf("safeReturn(%q) = %q, want %q", in, got, want)
		}
	}
}
