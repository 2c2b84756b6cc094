package sesame

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/oauth2"
)

// Sentinel errors returned by the SDK. Test for them with [errors.Is].
var (
	// ErrNotAuthenticated means the request carries no signed-in session.
	ErrNotAuthenticated = errors.New("sesame: not authenticated")
	// ErrNoSignInSession means the callback was reached without a pending
	// sign-in in the session (cookie lost, expired, or the callback replayed).
	ErrNoSignInSession = errors.New("sesame: no sign-in in progress")
	// ErrStateMismatch means the callback's state parameter is missing or does
	// not match the one stored when the sign-in started.
	ErrStateMismatch = errors.New("sesame: state mismatch")
	// ErrMissingCode means the callback carried neither a code nor an error.
	ErrMissingCode = errors.New("sesame: authorization code missing in callback")
	// ErrIssuerMismatch means the callback's iss parameter (RFC 9207) names a
	// different issuer than the one discovered.
	ErrIssuerMismatch = errors.New("sesame: issuer mismatch in callback")
	// ErrMissingIDToken means the token response carried no id_token.
	ErrMissingIDToken = errors.New("sesame: id_token missing in token response")
	// ErrInvalidIDToken wraps every ID token verification failure: bad
	// signature, unknown key, wrong issuer or audience, expired, issued in the
	// future. The go-oidc error is wrapped too (for example
	// *oidc.TokenExpiredError).
	ErrInvalidIDToken = errors.New("sesame: invalid ID token")
	// ErrIDTokenMismatch means a refresh returned an ID token whose issuer or
	// subject differs from the signed-in one (OpenID Connect Core section
	// 12.2). The session is cleared: the request is signed out.
	ErrIDTokenMismatch = errors.New("sesame: refreshed ID token names another issuer or subject")
	// ErrNoRefreshToken means an access token must be refreshed but the session
	// holds no refresh token (offline_access was not granted).
	ErrNoRefreshToken = errors.New("sesame: no refresh token in session")
	// ErrUnknownResource means AccessToken was asked for a resource indicator
	// that is not listed in Config.Resources, so it was never granted.
	ErrUnknownResource = errors.New("sesame: resource not in Config.Resources")
	// ErrSessionTooLarge means the session does not fit in the cookie store's
	// size limit.
	ErrSessionTooLarge = errors.New("sesame: session too large for cookies")
)

// ConfigError reports an invalid [Config] field.
type ConfigError struct {
	Field  string // the Config field name, e.g. "CookieSecret"
	Reason string
}

func (e *ConfigError) Error() string {
	return "sesame: invalid Config." + e.Field + ": " + e.Reason
}

// OAuthError is an error answered by the server, either in an error response
// body (token, revocation, userinfo endpoints) or as error parameters on the
// callback. It understands both the OAuth 2.0 body
// {"error","error_description"} and Logto's additional {"code","message"}.
//
// errors.Is(err, &OAuthError{Code: "invalid_grant"}) matches any OAuthError
// with that code.
type OAuthError struct {
	// Code is the OAuth 2.0 error code, e.g. "invalid_grant" or
	// "access_denied". When the body only had Logto's code
	// ("oidc.invalid_grant"), Code is derived from it.
	Code string
	// Description is error_description (or Logto's message when absent).
	Description string
	// URI is error_uri, if any.
	URI string
	// StatusCode is the HTTP status of the response; 0 for callback errors.
	StatusCode int
	// DetailCode is Logto's "code" field, e.g. "oidc.invalid_grant".
	DetailCode string
	// Message is Logto's "message" field.
	Message string
}

func (e *OAuthError) Error() string {
	var b strings.Builder
	b.WriteString("sesame: server error ")
	b.WriteString(e.Code)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.StatusCode)
	}
	if e.Description != "" {
		b.WriteString(": ")
		b.WriteString(e.Description)
	}
	return b.String()
}

// Is reports whether target is an *OAuthError with the same Code (an empty
// target Code matches any OAuthError).
func (e *OAuthError) Is(target error) bool {
	t, ok := target.(*OAuthError)
	if !ok {
		return false
	}
	return t.Code == "" || t.Code == e.Code
}

// errorBody is the union of the OAuth 2.0 and Logto error bodies.
type errorBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorURI         string `json:"error_uri"`
	Code             string `json:"code"`
	Message          string `json:"message"`
}

// parseErrorBody builds an *OAuthError from an error response.
func parseErrorBody(status int, body []byte) *OAuthError {
	e := &OAuthError{StatusCode: status}
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil {
		e.Code, e.Description, e.URI = eb.Error, eb.ErrorDescription, eb.ErrorURI
		e.DetailCode, e.Message = eb.Code, eb.Message
	}
	if e.Code == "" && e.DetailCode != "" {
		e.Code = e.DetailCode[strings.LastIndexByte(e.DetailCode, '.')+1:]
	}
	if e.Description == "" {
		e.Description = e.Message
	}
	if e.Code == "" {
		e.Code = fmt.Sprintf("http_error_%d", status)
		if e.Description == "" {
			s := strings.TrimSpace(string(body))
			if len(s) > 200 {
				s = s[:200]
			}
			e.Description = s
		}
	}
	return e
}

// convertOAuth2Error turns an x/oauth2 *RetrieveError into an *OAuthError and
// leaves other errors alone.
func convertOAuth2Error(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return err
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	e := parseErrorBody(status, re.Body)
	if e.Code == fmt.Sprintf("http_error_%d", status) && re.ErrorCode != "" {
		e.Code, e.Description, e.URI = re.ErrorCode, re.ErrorDescription, re.ErrorURI
	}
	return e
}
