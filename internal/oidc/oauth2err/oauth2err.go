package oauth2err

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/store"
)

// Error codes from RFC 6749, RFC 7009, RFC 8707 and OpenID Connect Core.
const (
	InvalidRequest          = "invalid_request"
	InvalidClient           = "invalid_client"
	InvalidGrant            = "invalid_grant"
	UnauthorizedClient      = "unauthorized_client"
	UnsupportedGrantType    = "unsupported_grant_type"
	UnsupportedResponseType = "unsupported_response_type"
	InvalidScope            = "invalid_scope"
	InvalidTarget           = "invalid_target"
	AccessDenied            = "access_denied"
	ServerError             = "server_error"
	TemporarilyUnavailable  = "temporarily_unavailable"
	LoginRequired           = "login_required"
	ConsentRequired         = "consent_required"
	InteractionRequired     = "interaction_required"
	RequestNotSupported     = "request_not_supported"
	RequestURINotSupported  = "request_uri_not_supported"
	InvalidToken            = "invalid_token"
	InsufficientScope       = "insufficient_scope"
)

// Error is a protocol error that handlers return as a value.
type Error struct {
	Code        string
	Description string
	Status      int // HTTP status for direct (non-redirect) responses
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

// New returns an Error with the status RFC 6749 §5.2 implies for code.
func New(code, description string) *Error {
	status := http.StatusBadRequest
	switch code {
	case InvalidClient, InvalidToken:
		status = http.StatusUnauthorized
	case InsufficientScope, AccessDenied:
		status = http.StatusForbidden
	case ServerError:
		status = http.StatusInternalServerError
	case TemporarilyUnavailable:
		status = http.StatusServiceUnavailable
	}
	return &Error{Code: code, Description: description, Status: status}
}

// From turns any error into a protocol error: *Error passes through, an
// unreachable database becomes temporarily_unavailable (503), anything else
// server_error (500) with a generic description (details go to the log).
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, store.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		return New(TemporarilyUnavailable, "the service is temporarily unavailable, retry shortly")
	}
	return New(ServerError, "an internal error occurred")
}

type body struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
	Code             string `json:"code"`
	Message          string `json:"message"`
}

// Write serialises err as JSON with Cache-Control: no-store. Internal errors
// are logged with their detail; the client sees only the generic text.
func Write(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e := From(err)
	if e.Status >= 500 && log != nil {
		httpx.LogFailure(r.Context(), log, "request failed", err, "path", r.URL.Path)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	if e.Status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "5")
	}
	if e.Code == InvalidClient && r.Header.Get("Authorization") != "" {
		h.Set("WWW-Authenticate", "Basic realm="+quote("sesame"))
	}
	w.WriteHeader(e.Status)
	json.NewEncoder(w).Encode(body{Error: e.Code, ErrorDescription: e.Description, Code: "oidc." + e.Code, Message: e.Description})
}

// WriteBearer answers a protected-resource error (RFC 6750 §3) with a
// WWW-Authenticate challenge and the JSON body.
func WriteBearer(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e := From(err)
	if e.Status < 500 {
		w.Header().Set("WWW-Authenticate", "Bearer realm="+quote("sesame")+", error="+quote(e.Code)+
			", error_description="+quote(e.Description))
	}
	Write(w, r, log, e)
}

// quote makes s an RFC 9110 §5.6.4 quoted-string, the one way every
// WWW-Authenticate parameter value is written: '"' and '\' are
// backslash-escaped, and whatever is not printable ASCII (control
// characters, bytes of other scripts) is dropped. Descriptions can echo
// request parameter names, so without it a name like `a", error="x` would
// add an auth-param of its own.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c >= 0x20 && c < 0x7f:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
