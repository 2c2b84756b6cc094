package identity

// Error is a broken identity rule: Code is stable (for programs), Message
// is the English sentence for the CLI and the Management API. Pages show
// the catalogue text "identity.<Code>" with Args (placeholder name, value
// pairs) instead.
type Error struct {
	Code    string
	Message string
	Args    []any
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
	ErrUsernameLength   = &Error{Code: "username.length", Message: "Usernames are 3 to 64 characters long."}
	ErrUsernameChars    = &Error{Code: "username.chars", Message: "Usernames may contain only letters a–z, digits, '.', '_' and '-', and start with a letter or digit."}
	ErrEmailTooLong     = &Error{Code: "email.too_long", Message: "That email address is too long."}
	ErrEmailInvalid     = &Error{Code: "email.invalid", Message: "Enter a valid email address."}
	ErrPasswordTooShort = &Error{Code: "password.too_short", Message: "Passwords must be at least 8 characters long."}
	ErrPasswordTooLong  = &Error{Code: "password.too_long", Message: "Passwords must be at most 256 bytes long."}
	ErrPasswordUnusable = &Error{Code: "password.unusable", Message: "That password cannot be used."}
)
