package identity_test

import (
	"errors"
	"testing"

	"github.com/sesameauth/sesame/internal/identity"
)

func TestCheckPassword(t *testing.T) {
	strict := identity.PasswordPolicy{Length: identity.PolicyLength{Min: 10, Max: 20}, CharacterTypes: identity.PolicyCharType{Min: 3},
		Rejects: identity.PolicyRejects{RepetitionAndSequence: true, UserInfo: true, Words: []string{"Acme"}}}
	for _, tc := range []struct {
		p    identity.PasswordPolicy
		pw   string
		want error
	}{
		{identity.DefaultPasswordPolicy(), "long enough", nil},
		{identity.DefaultPasswordPolicy(), "short", identity.ErrPasswordTooShort},
		{strict, "Xy9!Xy9!", identity.ErrPasswordTooShort},
		{strict, "Xy9!Xy9!Xy9!Xy9!Xy9!X", identity.ErrPasswordTooLong},
		{strict, "lowercaseonly", identity.ErrPasswordCharTypes},
		{strict, "Xy9!Xy9!aaa", identity.ErrPasswordSequence},
		{strict, "Xy9!Xy9!abc", identity.ErrPasswordSequence},
		{strict, "Xy9!Xy9!321", identity.ErrPasswordSequence},
		{strict, "Xy9!alice!Q", identity.ErrPasswordUserInfo},
		{strict, "Xy9!bob.b!Q", identity.ErrPasswordUserInfo}, // the email's local part
		{strict, "Xy9!aCME!Qz", identity.ErrPasswordWord},
		{strict, "Xy9!Xy9!Qz7", nil},
	} {
		err := identity.CheckPassword(tc.p, tc.pw, "alice", "bob.b@example.com")
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("CheckPassword(%q) = %v, want %v", tc.pw, err, tc.want)
		}
	}
}
