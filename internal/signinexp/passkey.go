package signinexp

// PasskeySignIn is Logto's "passkeySignIn" document: whether the sign-in
// page offers "Sign in with a passkey" (a discoverable WebAuthn sign-in,
// no identifier typed). On by default: the button only helps users who
// registered a passkey, and it needs JavaScript, so the page stays a
// plain form without it. Off hides the button and refuses the ceremony.
// A boolean needs no validation; unknown members are refused by the
// strict decoding of the whole document.
type PasskeySignIn struct {
	Enabled bool `json:"enabled"`
}
