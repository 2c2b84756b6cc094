package oauth2err

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

// parseChallenge strictly parses one WWW-Authenticate challenge of the
// form `scheme token=quoted-string *(", " token=quoted-string)` (RFC 9110
// §11.2, §5.6.4) and returns the scheme and its auth-params. Anything else,
// a repeated parameter included, fails the test.
func parseChallenge(t *testing.T, h string) (string, map[string]string) {
	t.Helper()
	scheme, rest, ok := strings.Cut(h, " ")
	if !ok || scheme == "" {
		t.Fatalf("no scheme in %q", h)
	}
	isToken := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
	}
	params := map[string]string{}
	for i := 0; ; {
		start := i
		for i < len(rest) && isToken(rest[i]) {
			i++
		}
		name := rest[start:i]
		if name == "" || i+1 >= len(rest) || rest[i] != '=' || rest[i+1] != '"' {
			t.Fatalf("bad auth-param at %d in %q", start, h)
		}
		i += 2
		var v strings.Builder
		for {
			if i >= len(rest) {
				t.Fatalf("unterminated quoted-string in %q", h)
			}
			c := rest[i]
			if c == '\\' {
				if i+1 >= len(rest) {
					t.Fatalf("dangling backslash in %q", h)
				}
				c, i = rest[i+1], i+1
			} else if c == '"' {
				i++
				break
			}
			if c < 0x20 && c != '\t' || c == 0x7f {
				t.Fatalf("control character %#x in %q", c, h)
			}
			v.WriteByte(c)
			i++
		}
		if _, dup := params[name]; dup {
			t.Fatalf("auth-param %s repeated in %q", name, h)
		}
		params[name] = v.String()
		if i == len(rest) {
			return scheme, params
		}
		if !strings.HasPrefix(rest[i:], ", ") {
			t.Fatalf("junk after auth-param %s in %q", name, h)
		}
		i += 2
	}
}

func TestWriteBearerQuoting(t *testing.T) {
	for _, desc := range []string{
		"the access token is invalid or expired",
		`parameter a", error="evil must not be provided more than once`,
		`parameter a\", error=\"evil is too long`,
		`ends in a backslash \`,
		`\\"`,
		"line\r\nSet-Cookie: x=1",
		"tab\tand\x00nul and \x7f del",
		`"`,
		"",
	} {
		rec := httptest.NewRecorder()
		WriteBearer(rec, httptest.NewRequest("POST", "/oidc/me", nil), nil, New(InvalidRequest, desc))
		scheme, params := parseChallenge(t, rec.Header().Get("WWW-Authenticate"))
		want := strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return -1
			}
			return r
		}, desc)
		if scheme != "Bearer" || len(params) != 3 || params["realm"] != "sesame" || params["error"] != InvalidRequest ||
			params["error_description"] != want {
			t.Errorf("description %q: %s %q", desc, scheme, params)
		}
		// The JSON body carries the description as it is.
		var b map[string]string
		if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil || b["error_description"] != desc && desc != "" || b["error"] != InvalidRequest {
			t.Errorf("description %q: body %s (%v)", desc, rec.Body, err)
		}
	}
}

func TestWriteBasicChallenge(t *testing.T) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/oidc/token", nil)
	req.Header.Set("Authorization", "Basic eDp5")
	Write(rec, req, nil, New(InvalidClient, `client "x" is unknown`))
	if scheme, params := parseChallenge(t, rec.Header().Get("WWW-Authenticate")); scheme != "Basic" || len(params) != 1 || params["realm"] != "sesame" {
		t.Errorf("challenge %s %q", scheme, params)
	}
}
