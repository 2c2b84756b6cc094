package httpx

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// MaxParamBytes caps a single parameter value.
const MaxParamBytes = 8 << 10

// ParamError explains why a request's parameters were refused.
type ParamError struct{ Msg string }

func (e *ParamError) Error() string { return e.Msg }

// Params reads OAuth parameters strictly: from the query for GET, from the
// urlencoded body for POST. A parameter may appear once (RFC 6749 §3.1),
// except those named in repeatable; values must be valid UTF-8 without
// control characters and at most MaxParamBytes long.
func Params(r *http.Request, repeatable ...string) (url.Values, error) {
	var raw string
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		raw = r.URL.RawQuery
	case http.MethodPost:
		ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || ct != "application/x-www-form-urlencoded" {
			return nil, &ParamError{"the request body must be application/x-www-form-urlencoded"}
		}
		if err := r.ParseForm(); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, &ParamError{"the request body is too large"}
			}
			return nil, &ParamError{"the request body is not a valid form"}
		}
		return check(r.PostForm, repeatable)
	default:
		return nil, &ParamError{"method not allowed"}
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		return nil, &ParamError{"the query string is malformed"}
	}
	return check(v, repeatable)
}

func check(v url.Values, repeatable []string) (url.Values, error) {
	for k, vals := range v {
		if len(vals) > 1 && !contains(repeatable, k) {
			return nil, &ParamError{"parameter " + safeName(k) + " must not be provided more than once"}
		}
		for _, s := range vals {
			if len(s) > MaxParamBytes {
				return nil, &ParamError{"parameter " + safeName(k) + " is too long"}
			}
			if !utf8.ValidString(s) || strings.ContainsFunc(s, isControl) {
				return nil, &ParamError{"parameter " + safeName(k) + " contains invalid characters"}
			}
		}
	}
	return v, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// safeName keeps parameter names that end up in error messages short and
// printable.
func safeName(k string) string {
	if len(k) > 40 || !utf8.ValidString(k) || strings.ContainsFunc(k, isControl) {
		return "(unnamed)"
	}
	return k
}
