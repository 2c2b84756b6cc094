//go:build e2e

package logto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/chromedp/cdproto/network"
)

// The @logto/next session cookie is "logto_<appId>": AES-256-GCM with the
// key SHA-256(cookieSecret), value base64(ciphertext‖tag) "." base64(iv),
// percent-encoded (logto-compat.md §7.4). The tests know the cookie secret,
// so they can open the session and, e.g., expire the cached access token to
// force the SDK down its refresh path.

func sessionKey(secret string) cipher.AEAD {
	key := sha256.Sum256([]byte(secret))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return gcm
}

func unwrapSession(value, secret string) (map[string]any, error) {
	raw, err := url.PathUnescape(value)
	if err != nil {
		return nil, err
	}
	ct64, iv64, ok := strings.Cut(raw, ".")
	if !ok {
		return nil, fmt.Errorf("session cookie has no '.': %q", raw)
	}
	ct, err := base64.StdEncoding.DecodeString(ct64)
	if err != nil {
		return nil, fmt.Errorf("ciphertext: %w", err)
	}
	iv, err := base64.StdEncoding.DecodeString(iv64)
	if err != nil {
		return nil, fmt.Errorf("iv: %w", err)
	}
	plain, err := sessionKey(secret).Open(nil, iv, ct, nil)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	var session map[string]any
	if err := json.Unmarshal(plain, &session); err != nil {
		return nil, err
	}
	return session, nil
}

func wrapSession(session map[string]any, secret string) string {
	plain, err := json.Marshal(session)
	if err != nil {
		panic(err)
	}
	iv := make([]byte, 12)
	rand.Read(iv)
	ct := sessionKey(secret).Seal(nil, iv, plain, nil)
	return url.QueryEscape(base64.StdEncoding.EncodeToString(ct) + "." + base64.StdEncoding.EncodeToString(iv))
}

// sessionCookie reads and decrypts the logto_<appId> cookie from the browser.
func (b *browser) sessionCookie(baseURL, appID, secret string) (*network.Cookie, map[string]any) {
	b.T().Helper()
	cookies := b.CookiesFor(baseURL + "/")
	for _, c := range cookies {
		if c.Name == "logto_"+appID {
			session, err := unwrapSession(c.Value, secret)
			if err != nil {
				b.T().Fatalf("open the %s cookie: %v", c.Name, err)
			}
			return c, session
		}
	}
	names := []string{}
	for _, c := range cookies {
		names = append(names, c.Name)
	}
	b.T().Fatalf("no logto_%s cookie for %s (cookies: %v)", appID, baseURL, names)
	return nil, nil
}

// setSessionCookie encrypts the session and stores it in the browser with
// the attributes of the original cookie.
func (b *browser) setSessionCookie(baseURL string, orig *network.Cookie, session map[string]any, secret string) {
	b.T().Helper()
	httpOnly, secure := orig.HTTPOnly, orig.Secure
	b.SetCookie(network.SetCookieParams{
		Name:     orig.Name,
		Value:    wrapSession(session, secret),
		URL:      baseURL + "/",
		Path:     orig.Path,
		HTTPOnly: &httpOnly,
		Secure:   &secure,
		SameSite: orig.SameSite,
		Expires:  0,
	})
}

// expireAccessTokens sets expiresAt of every cached access token in the
// session cookie to the past and returns the session's refresh token.
func (b *browser) expireAccessTokens(baseURL, appID, secret string) string {
	b.T().Helper()
	cookie, session := b.sessionCookie(baseURL, appID, secret)
	rawMap, _ := session["accessToken"].(string)
	var tokens map[string]map[string]any
	if err := json.Unmarshal([]byte(rawMap), &tokens); err != nil || len(tokens) == 0 {
		b.T().Fatalf("session has no access token map: %v (%q)", err, rawMap)
	}
	for key, tok := range tokens {
		if _, ok := tok["scope"].(string); !ok {
			b.T().Errorf("cached access token %q has no string scope (token response scope): %v", key, tok)
		}
		tok["expiresAt"] = time.Now().Add(-time.Minute).Unix()
	}
	m, _ := json.Marshal(tokens)
	session["accessToken"] = string(m)
	b.setSessionCookie(baseURL, cookie, session, secret)
	refresh, _ := session["refreshToken"].(string)
	return refresh
}
