package testkit

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Browser is a cookie-keeping form client. It follows redirects that stay
// on Sesame (URLs starting with Base) and stops at the first redirect
// elsewhere, such as the app's callback, so the caller reads the code from
// the Location header. It posts forms as Sesame's own pages do: URL-encoded,
// with an Origin header.
type Browser struct {
	Base   string // Sesame's URL, no trailing slash
	Origin string // sent with every POST; Base unless changed
	Client *http.Client
}

// NewBrowser returns a Browser for the Sesame at base. transport, when not
// nil, carries every request (to pin a backend or add headers).
func NewBrowser(base string, transport http.RoundTripper) *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{Base: base, Origin: base, Client: &http.Client{Jar: jar, Transport: transport, Timeout: 20 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if !strings.HasPrefix(req.URL.String(), base) {
				return http.ErrUseLastResponse
			}
			return nil
		}}}
}

// Get fetches u, following redirects inside Sesame.
func (b *Browser) Get(u string) (*http.Response, error) { return b.Client.Get(u) }

// Post submits form to action (a path on Sesame, or a full URL).
func (b *Browser) Post(action string, form url.Values) (*http.Response, error) {
	u := action
	if strings.HasPrefix(u, "/") {
		u = b.Base + u
	}
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.Origin)
	return b.Client.Do(req)
}

// SignIn answers the sign-in page in resp with identifier and password and
// returns the response (normally a redirect to the app).
func (b *Browser) SignIn(resp *http.Response, identifier, password string) (*http.Response, error) {
	_, action, csrf := ReadPage(resp)
	if action == "" || csrf == "" {
		return nil, fmt.Errorf("sign-in page at %s has no form (action %q, csrf %q)", resp.Request.URL, action, csrf)
	}
	return b.Post(action, url.Values{"identifier": {identifier}, "password": {password}, "csrf_token": {csrf}})
}

var (
	csrfRe   = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	actionRe = regexp.MustCompile(`<form[^>]+action="([^"]+)"`)
)

// ReadPage reads and closes an HTML response and returns its body, the
// action of its first form (unescaped) and its CSRF token.
func ReadPage(resp *http.Response) (body, action, csrf string) {
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body = string(b)
	if m := actionRe.FindStringSubmatch(body); m != nil {
		action = strings.ReplaceAll(m[1], "&amp;", "&")
	}
	if m := csrfRe.FindStringSubmatch(body); m != nil {
		csrf = m[1]
	}
	return body, action, csrf
}

// RedirectTo closes resp and checks that it redirects (302 or 303) to a URL
// starting with prefix, which it returns parsed.
func RedirectTo(resp *http.Response, prefix string) (*url.URL, error) {
	defer resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		b, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("status %d at %s, want a redirect to %s: %.300s", resp.StatusCode, resp.Request.URL, prefix, b)
	}
	if !strings.HasPrefix(loc, prefix) {
		return nil, fmt.Errorf("redirect to %q, want prefix %q", loc, prefix)
	}
	return url.Parse(loc)
}

// PKCE returns a fresh S256 code verifier and its challenge.
func PKCE() (verifier, challenge string) {
	v := make([]byte, 32)
	rand.Read(v)
	verifier = hex.EncodeToString(v)
	s := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(s[:])
}
