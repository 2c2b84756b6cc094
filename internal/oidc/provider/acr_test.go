package provider

import (
	"slices"
	"testing"
)

// TestAuthContext: each method once, "mfa" added for two distinct methods
// (or kept when the signer said it), and the level to match.
func TestAuthContext(t *testing.T) {
	for _, c := range []struct {
		in  []string
		amr []string
		acr string
	}{
		{nil, nil, ""},
		{[]string{""}, nil, ""},
		{[]string{"pwd"}, []string{"pwd"}, ACROneFactor},
		{[]string{"otp", "otp"}, []string{"otp"}, ACROneFactor},
		{[]string{"pwd", "otp"}, []string{"pwd", "otp", "mfa"}, ACRMultiFactor},
		{[]string{"pwd", "hwk", "mfa"}, []string{"pwd", "hwk", "mfa"}, ACRMultiFactor},
		{[]string{"otp", "mfa", "otp"}, []string{"otp", "mfa"}, ACRMultiFactor},
		{[]string{"mfa"}, nil, ""},
	} {
		amr, acr := AuthContext(c.in)
		if !slices.Equal(amr, c.amr) || acr != c.acr {
			t.Errorf("AuthContext(%q) = %q, %q; want %q, %q", c.in, amr, acr, c.amr, c.acr)
		}
	}
}
