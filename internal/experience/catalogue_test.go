package experience

import (
	"testing"

	"github.com/sesameauth/sesame/internal/i18n"
	"github.com/sesameauth/sesame/internal/identity"
	"github.com/sesameauth/sesame/web"
)

// TestComputedKeysExist: the catalogue keys this package builds at run
// time (which the literal-key test in package web cannot see) are in the
// English catalogue: identity errors, the password hints, the sign-in
// form's errors by identifier kind and the scope descriptions.
func TestComputedKeysExist(t *testing.T) {
	b, err := i18n.Load(web.FS(), "i18n")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range []*identity.Error{identity.ErrUsernameLength, identity.ErrUsernameChars, identity.ErrEmailTooLong,
		identity.ErrEmailInvalid, identity.ErrPasswordTooShort, identity.ErrPasswordTooLong, identity.ErrPasswordUnusable,
		identity.ErrPasswordCharTypes, identity.ErrPasswordSequence, identity.ErrPasswordUserInfo, identity.ErrPasswordWord} {
		keys = append(keys, IdentityKey(e.Code))
	}
	p := identity.DefaultPasswordPolicy()
	k, _ := p.Hint()
	keys = append(keys, k)
	p.CharacterTypes.Min = 3
	k, _ = p.Hint()
	keys = append(keys, k)
	for _, m := range []map[string]string{emptyKeys, kindKeys, scopeDescriptions} {
		for _, k := range m {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		if !b.Has(i18n.English, k) {
			t.Errorf("the English catalogue lacks %q", k)
		}
	}
}
