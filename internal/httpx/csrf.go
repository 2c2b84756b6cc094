package httpx

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
)

// CSRF issues and checks anti-forgery tokens for first-party forms. The
// browser holds a random value in an HttpOnly cookie; the form carries an
// HMAC of it under the server secret, so a token is useless without the
// victim's cookie and a cookie useless without the secret. Origin checks
// (http.CrossOriginProtection) run in front of it as a second layer.
type CSRF struct {
	Key []byte // HMAC key, derived from the server secret
	// Previous are keys under older master secrets, still accepted while
	// the master secret changes over (docs/production.md).
	Previous [][]byte
	Secure   bool   // Secure cookie (https endpoint)
	Path     string // the endpoint's path ("" is "/"), unused when Secure
}

// cookieName is __Host- prefixed on https, like the session cookie.
func (c *CSRF) cookieName() string {
	if c.Secure {
		return "__Host-sesame_csrf"
	}
	return "sesame_csrf"
}

// cookiePath scopes the cookie to the endpoint's path; __Host- cookies
// must have Path=/.
func (c *CSRF) cookiePath() string {
	if c.Secure || c.Path == "" {
		return "/"
	}
	return c.Path
}

// FieldName is the hidden form input that carries the token.
const FieldName = "csrf_token"

// Token returns the form token for this browser, setting the cookie first
// when the browser has none.
func (c *CSRF) Token(w http.ResponseWriter, r *http.Request) string {
	ck, err := r.Cookie(c.cookieName())
	val := ""
	if err == nil && len(ck.Value) >= 32 && len(ck.Value) <= 64 {
		val = ck.Value
	} else {
		val = randomToken(32)
		http.SetCookie(w, &http.Cookie{Name: c.cookieName(), Value: val, Path: c.cookiePath(), HttpOnly: true,
			Secure: c.Secure, SameSite: http.SameSiteLaxMode})
	}
	return c.mac(val)
}

// Valid reports whether the submitted form token matches the cookie.
func (c *CSRF) Valid(r *http.Request) bool {
	ck, err := r.Cookie(c.cookieName())
	if err != nil || ck.Value == "" {
		return false
	}
	got := r.PostFormValue(FieldName)
	if got == "" {
		return false
	}
	ok := hmac.Equal([]byte(got), []byte(c.mac(ck.Value)))
	for _, k := range c.Previous {
		ok = hmac.Equal([]byte(got), []byte(macWith(k, ck.Value))) || ok
	}
	return ok
}

func (c *CSRF) mac(v string) string { return macWith(c.Key, v) }

func macWith(key []byte, v string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("csrf:" + v))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
