package sesame

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Claims are the claims of an ID token or a userinfo response, as Sesame and
// Logto issue them. Claims the server omitted, or sent as null, are zero.
// Every claim, including ones without a field here, is also in Raw.
type Claims struct {
	Issuer   string    // iss
	Subject  string    // sub: the user ID
	Audience []string  // aud (a string on the wire; a list is accepted)
	Expiry   time.Time // exp
	IssuedAt time.Time // iat
	AuthTime time.Time // auth_time
	SID      string    // sid

	Name              string // name
	Username          string // username
	Picture           string // picture
	GivenName         string // given_name
	FamilyName        string // family_name
	MiddleName        string // middle_name
	Nickname          string // nickname
	PreferredUsername string // preferred_username
	Profile           string // profile
	Website           string // website
	Gender            string // gender
	Birthdate         string // birthdate
	Zoneinfo          string // zoneinfo
	Locale            string // locale

	Email               string // email
	EmailVerified       bool   // email_verified
	PhoneNumber         string // phone_number
	PhoneNumberVerified bool   // phone_number_verified

	Roles             []string // roles
	Organizations     []string // organizations
	OrganizationRoles []string // organization_roles

	// CustomData is custom_data (userinfo only, unless enabled for ID tokens).
	CustomData map[string]any

	// Raw holds every claim as decoded JSON.
	Raw map[string]any
}

// UnmarshalJSON decodes an ID token payload or a userinfo response. The JSON
// is decoded once into Raw and the typed fields are taken from there.
func (c *Claims) UnmarshalJSON(b []byte) error {
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == nil {
		return errors.New("sesame: claims are not a JSON object")
	}
	str := func(k string) string { v, _ := raw[k].(string); return v }
	num := func(k string) float64 { v, _ := raw[k].(float64); return v }
	flag := func(k string) bool { v, _ := raw[k].(bool); return v }
	list := func(k string) []string {
		vs, _ := raw[k].([]any)
		if vs == nil {
			return nil
		}
		out := make([]string, 0, len(vs))
		for _, v := range vs {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	*c = Claims{
		Issuer: str("iss"), Subject: str("sub"), SID: str("sid"),
		Expiry: unixTime(num("exp")), IssuedAt: unixTime(num("iat")), AuthTime: unixTime(num("auth_time")),
		Name: str("name"), Username: str("username"), Picture: str("picture"),
		GivenName: str("given_name"), FamilyName: str("family_name"), MiddleName: str("middle_name"),
		Nickname: str("nickname"), PreferredUsername: str("preferred_username"), Profile: str("profile"),
		Website: str("website"), Gender: str("gender"), Birthdate: str("birthdate"), Zoneinfo: str("zoneinfo"),
		Locale: str("locale"), Email: str("email"), EmailVerified: flag("email_verified"),
		PhoneNumber: str("phone_number"), PhoneNumberVerified: flag("phone_number_verified"),
		Roles: list("roles"), Organizations: list("organizations"), OrganizationRoles: list("organization_roles"),
		Raw: raw,
	}
	c.CustomData, _ = raw["custom_data"].(map[string]any)
	switch aud := raw["aud"].(type) {
	case string:
		c.Audience = []string{aud}
	case []any:
		c.Audience = list("aud")
	}
	return nil
}

func unixTime(f float64) time.Time {
	if f == 0 {
		return time.Time{}
	}
	return time.Unix(int64(f), 0)
}

// decodeJWTClaims decodes the payload of a compact JWS without verifying it.
// Only used on ID tokens that were verified when they were stored in the
// authenticated session.
func decodeJWTClaims(token string) (Claims, error) {
	var c Claims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c, errors.New("sesame: malformed JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return c, errors.New("sesame: malformed JWT payload")
	}
	err = json.Unmarshal(payload, &c)
	return c, err
}
