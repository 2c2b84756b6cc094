package management

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error is an answer of the API outside 2xx, in Logto's error shape
// {"code", "message", "data"}, or a refused token request. Compare it with
// errors.Is against the sentinels below, or read its fields with errors.As:
//
//	var e *management.Error
//	if errors.As(err, &e) && e.Code == "user.username_or_email_already_in_use" { … }
type Error struct {
	Status  int             // the HTTP status; 0 if the token request failed before an answer
	Code    string          // Logto's error code ("entity.not_exists_with_id", "guard.invalid_input", …)
	Message string          // for people, not for matching
	Data    json.RawMessage // details, as the server gives them ({"field": "primaryEmail"} on Sesame's 400s); nil if none
	err     error           // the underlying error of a failed token request
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("management: %s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("management: %d %s: %s", e.Status, e.Code, e.Message)
}

// Unwrap returns the error of a failed token request (an
// *oauth2.RetrieveError or a transport error), nil otherwise.
func (e *Error) Unwrap() error { return e.err }

// Is makes errors.Is(err, sentinel) match an *Error by the sentinel's Code
// and Status, each only when set: ErrNotFound (Status 404) matches every
// "not found" code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok || (t.Code == "" && t.Status == 0) {
		return false
	}
	return (t.Code == "" || t.Code == e.Code) && (t.Status == 0 || t.Status == e.Status)
}

// Field is the request field the error is about (Data's "field", as Sesame
// gives it on validation errors), or "".
func (e *Error) Field() string {
	var d struct {
		Field string `json:"field"`
	}
	if json.Unmarshal(e.Data, &d) != nil {
		return ""
	}
	return d.Field
}

// Sentinels for errors.Is. They match by code (or status), so an error from
// Sesame or from Logto matches the same one.
var (
	// ErrUnauthorized: no valid token (401 auth.unauthorized), e.g. one
	// for another audience, expired or revoked.
	ErrUnauthorized = &Error{Code: "auth.unauthorized"}
	// ErrForbidden: a valid token without the scope "all", or whose app
	// no longer holds the permission (403 auth.forbidden).
	ErrForbidden = &Error{Code: "auth.forbidden"}
	// ErrNotFound: any 404, such as entity.not_exists_with_id (an unknown
	// id), entity.not_exists (an unknown secret name) or entity.not_found
	// (a role the user or app does not hold).
	ErrNotFound = &Error{Status: http.StatusNotFound}
	// ErrInvalidInput: a request field was refused (400
	// guard.invalid_input; Sesame's validation errors carry their own code
	// and the field in Data, see [Error.Field]).
	ErrInvalidInput = &Error{Code: "guard.invalid_input"}
	// ErrInvalidPagination: page or page_size out of range (400).
	ErrInvalidPagination = &Error{Code: "guard.invalid_pagination"}
	// ErrInvalidClient: the token endpoint refused the app's id or secret.
	ErrInvalidClient = &Error{Code: "oidc.invalid_client"}
	// ErrInvalidTarget: the token endpoint refused the resource; on Sesame,
	// the app holds no permission on the API (it lacks the Management API
	// role), or Config.Resource is not an indicator the server knows.
	ErrInvalidTarget = &Error{Code: "oidc.invalid_target"}
	// ErrUnavailable: the server cannot answer now (503); retry later.
	ErrUnavailable = &Error{Status: http.StatusServiceUnavailable}
)

// IsConflict reports whether err is a 422 for a name, identifier or
// indicator already in use ("user.username_or_email_already_in_use",
// "role.name_already_in_use", "scope.name_exists", …).
func IsConflict(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusUnprocessableEntity &&
		(strings.HasSuffix(e.Code, "already_in_use") || strings.HasSuffix(e.Code, "_exists") || e.Code == "entity.unique_integrity_violation")
}

// errorFrom reads a non-2xx answer. A JSON body in Logto's shape gives its
// code, message and data; anything else (a proxy's HTML page, an empty
// body) gets a code from the status: auth.unauthorized for 401,
// auth.forbidden for 403, "http.<status>" otherwise.
func errorFrom(method, path string, r *rawResponse) *Error {
	e := &Error{Status: r.status}
	var body struct {
		Code    string          `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	mt, _, _ := mime.ParseMediaType(r.header.Get("Content-Type"))
	if (mt == "application/json" || strings.HasSuffix(mt, "+json")) && json.Unmarshal(r.body, &body) == nil && body.Code != "" {
		e.Code, e.Message = body.Code, body.Message
		if len(body.Data) > 0 && string(body.Data) != "null" {
			e.Data = body.Data
		}
		return e
	}
	switch r.status {
	case http.StatusUnauthorized:
		e.Code = ErrUnauthorized.Code
	case http.StatusForbidden:
		e.Code = ErrForbidden.Code
	default:
		e.Code = "http." + strconv.Itoa(r.status)
	}
	e.Message = fmt.Sprintf("%s %s: %s", method, path, http.StatusText(r.status))
	if s := snippet(r.body); s != "" {
		e.Message += ": " + s
	}
	return e
}

// snippet is the start of a non-JSON body, on one line, for the message.
func snippet(b []byte) string {
	const n = 200
	if len(b) > n {
		b = b[:n]
	}
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	return strings.Join(strings.Fields(string(b)), " ")
}
