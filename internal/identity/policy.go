package identity

import (
	"fmt"
	"strings"
	"unicode"
)

// PasswordPolicy is the sign-in experience's password policy, in Logto's
// shape (package signinexp stores and validates it). The check lives here,
// once, so registration and the admin's password set cannot disagree.
type PasswordPolicy struct {
	Length         PolicyLength   `json:"length"`
	CharacterTypes PolicyCharType `json:"characterTypes"`
	Rejects        PolicyRejects  `json:"rejects"`
}

// PolicyLength bounds a password's length in characters.
type PolicyLength struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

// PolicyCharType asks for at least Min of the four kinds: lower case,
// upper case, digit, symbol.
type PolicyCharType struct {
	Min int `json:"min"`
}

// PolicyRejects lists what a password must not be. Pwned (a breach
// lookup) is kept for Logto's shape and must be false: Sesame calls no
// outside service.
type PolicyRejects struct {
	Pwned                 bool     `json:"pwned"`
	RepetitionAndSequence bool     `json:"repetitionAndSequence"`
	UserInfo              bool     `json:"userInfo"`
	Words                 []string `json:"words"`
}

// DefaultPasswordPolicy is what Sesame enforced before the policy was
// editable: 8 to 256 characters, nothing more.
func DefaultPasswordPolicy() PasswordPolicy {
	return PasswordPolicy{Length: PolicyLength{Min: MinPassword, Max: MaxPassword}, CharacterTypes: PolicyCharType{Min: 1},
		Rejects: PolicyRejects{Words: []string{}}}
}

// Hint is the policy in one sentence, for the register page: a catalogue
// key and its placeholders' name, value pairs.
func (p PasswordPolicy) Hint() (key string, args []any) {
	if p.CharacterTypes.Min > 1 {
		return "identity.password.hint_types", []any{"min", p.Length.Min, "types", p.CharacterTypes.Min}
	}
	return "identity.password.hint", []any{"min", p.Length.Min}
}

// The policy's errors beyond the length ones.
var (
	ErrPasswordCharTypes = &Error{Code: "password.character_types", Message: "Passwords must mix more kinds of characters."}
	ErrPasswordSequence  = &Error{Code: "password.repetition_or_sequence", Message: "Passwords must not repeat a character or run a sequence (aaa, abc, 123)."}
	ErrPasswordUserInfo  = &Error{Code: "password.user_info", Message: "Passwords must not contain your username or email address."}
	ErrPasswordWord      = &Error{Code: "password.word", Message: "That password contains a word that is not allowed."}
)

// CheckPassword checks a new password against ValidatePassword and policy
// p. userInfo are the user's username and email (either may be empty).
func CheckPassword(p PasswordPolicy, pw string, userInfo ...string) error {
	if err := ValidatePassword(pw); err != nil {
		return err
	}
	n := len([]rune(pw))
	if n < p.Length.Min {
		return &Error{Code: ErrPasswordTooShort.Code, Message: fmt.Sprintf("Passwords must be at least %d characters long.", p.Length.Min), Args: []any{"min", p.Length.Min}}
	}
	if p.Length.Max > 0 && n > p.Length.Max {
		return &Error{Code: ErrPasswordTooLong.Code, Message: fmt.Sprintf("Passwords must be at most %d characters long.", p.Length.Max), Args: []any{"max", p.Length.Max}}
	}
	if characterTypes(pw) < p.CharacterTypes.Min {
		return &Error{Code: ErrPasswordCharTypes.Code, Message: fmt.Sprintf("Passwords must use at least %d of: lower case, upper case, digits, symbols.", p.CharacterTypes.Min), Args: []any{"min", p.CharacterTypes.Min}}
	}
	if p.Rejects.RepetitionAndSequence && repeatsOrRuns(pw) {
		return ErrPasswordSequence
	}
	lower := strings.ToLower(pw)
	if p.Rejects.UserInfo {
		for _, v := range userInfo {
			v = strings.ToLower(v)
			if local, _, ok := strings.Cut(v, "@"); ok {
				v = local
			}
			if len(v) >= 3 && strings.Contains(lower, v) {
				return ErrPasswordUserInfo
			}
		}
	}
	for _, w := range p.Rejects.Words {
		if w != "" && strings.Contains(lower, strings.ToLower(w)) {
			return ErrPasswordWord
		}
	}
	return nil
}

func characterTypes(pw string) int {
	var lower, upper, digit, symbol int
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = 1
		case unicode.IsUpper(r):
			upper = 1
		case unicode.IsDigit(r):
			digit = 1
		default:
			symbol = 1
		}
	}
	return lower + upper + digit + symbol
}

// repeatsOrRuns reports three equal characters in a row or three
// consecutive code points, up or down ("aaa", "abc", "321").
func repeatsOrRuns(pw string) bool {
	r := []rune(strings.ToLower(pw))
	for i := 2; i < len(r); i++ {
		d1, d2 := r[i-1]-r[i-2], r[i]-r[i-1]
		if d1 == d2 && (d1 == 0 || d1 == 1 || d1 == -1) {
			return true
		}
	}
	return false
}
