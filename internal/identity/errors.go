package identity

// Error is a broken identity rule: Code is stable (for programs), Message
// is the sentence shown to the person who typed the value.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Is matches any *Error with the same Code, so errors.Is works on copies
// and wrapped values alike.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// The rules' errors.
var (
	ErrUsernameLength = &Error{"username.length", "Usernames are 3 to 64 characters long."}
	ErrUsernameChars  = &Error{"username.chars",
		"Usernames may contain only letters a–z, digits, '.', '_' and '-', and start with a letter or digit."}
	ErrEmailTooLong     = &Error{"email.too_long", "That email address is too long."}
	ErrEmailInvalid     = &Error{"email.invalid", "Enter a valid email address."}
	ErrPasswordTooShort = &Error{"password.too_short", "Passwords must be at least 8 characters long."}
	ErrPasswordTooLong  = &Error{"password.too_long", "Passwords must be at most 256 bytes long."}
	ErrPasswordUnusable = &Error{"password.unusable", "That password cannot be used."}
)
