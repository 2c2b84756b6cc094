package provider

import "slices"

// The authentication context classes Sesame claims (acr): one factor, or
// two and more. Discovery lists them in acr_values_supported.
const (
	ACROneFactor   = "urn:sesame:loa:1"
	ACRMultiFactor = "urn:sesame:loa:2"
	amrMultiFactor = "mfa" // RFC 8176 §2: multiple-factor authentication
)

// ACRValuesSupported is advertised in discovery.
var ACRValuesSupported = []string{ACROneFactor, ACRMultiFactor}

// AuthContext turns the authentication methods a sign-in recorded (RFC 8176
// values, in the order used) into the ID token's amr and acr: each value
// once, with "mfa" added when two or more distinct methods were used (or
// the signer said "mfa" itself, e.g. two one-time codes of different
// kinds), and acr naming the level. No recorded method (a session from
// before Sesame recorded them) gives neither claim.
func AuthContext(methods []string) (amr []string, acr string) {
	multi := false
	for _, m := range methods {
		if m == "" || slices.Contains(amr, m) {
			continue
		}
		if m == amrMultiFactor {
			multi = true
			continue
		}
		amr = append(amr, m)
	}
	if len(amr) == 0 {
		return nil, ""
	}
	if multi || len(amr) >= 2 {
		return append(amr, amrMultiFactor), ACRMultiFactor
	}
	return amr, ACROneFactor
}
