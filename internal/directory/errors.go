package directory

import (
	"errors"
	"fmt"
)

// Error is bad input: a broken rule or a missing or clashing record. Code
// is stable; Message is a one-line sentence for a person. Err, when set, is
// the rule's own error (an *identity.Error).
type Error struct {
	Code    string
	Message string
	// Field, when set, names the input field at fault in the Management
	// API's JSON names (e.g. "customClientMetadata.idTokenTtl"); the API
	// returns it as data.field.
	Field string
	Err   error
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

// Is matches any *Error with the same Code, so the exported values below
// work with errors.Is whatever the message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

func errf(code, format string, a ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, a...)}
}

// fieldErr is errf for one input field.
func fieldErr(code, field, format string, a ...any) *Error {
	e := errf(code, format, a...)
	e.Field = field
	return e
}

// IsBadInput reports whether err is bad input (an *Error) rather than a
// failure.
func IsBadInput(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

// Codes, as errors.Is targets.
var (
	ErrAppNotFound      = &Error{Code: "app.not_found"}
	ErrAppName          = &Error{Code: "app.name"}
	ErrAppType          = &Error{Code: "app.type"}
	ErrAppRedirectURI   = &Error{Code: "app.redirect_uri"}
	ErrAppCORSOrigin    = &Error{Code: "app.cors_origin"}
	ErrAppPermission    = &Error{Code: "app.permission"} // permissions on an app that cannot hold them
	ErrAppNoSecret      = &Error{Code: "app.no_secret"}
	ErrAppGrace         = &Error{Code: "app.grace"}
	ErrAppInvalid       = &Error{Code: "app.invalid"} // a field of an app update; Field says which
	ErrSecretInvalid    = &Error{Code: "app.secret_invalid"}
	ErrSecretExists     = &Error{Code: "app.secret_exists"}
	ErrSecretNotFound   = &Error{Code: "app.secret_not_found"}
	ErrResourceNotFound = &Error{Code: "resource.not_found"}
	ErrResourceNoScope  = &Error{Code: "resource.no_scope"}
	ErrResourceInvalid  = &Error{Code: "resource.invalid"}
	ErrResourceExists   = &Error{Code: "resource.exists"}
	ErrScopeNotFound    = &Error{Code: "scope.not_found"}
	ErrScopeExists      = &Error{Code: "scope.exists"}
	ErrListQuery        = &Error{Code: "list.query"} // a search on a field the list does not have
	ErrUserNotFound     = &Error{Code: "user.not_found"}
	ErrUserExists       = &Error{Code: "user.exists"}
	ErrUserInvalid      = &Error{Code: "user.invalid"} // an identity rule or a field rule
	ErrRoleNotFound     = &Error{Code: "role.not_found"}
	ErrRoleInvalid      = &Error{Code: "role.invalid"}
	ErrRoleExists       = &Error{Code: "role.exists"}
	ErrRoleMismatch     = &Error{Code: "role.type_mismatch"}
	ErrRoleNotHeld      = &Error{Code: "role.not_held"}
	ErrKeyAlg           = &Error{Code: "key.alg"}
)
