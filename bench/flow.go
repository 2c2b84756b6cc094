package main

// Codes and tokens: the browser that signs in once, and the token endpoint.

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"strings"

	"github.com/sesameauth/sesame/internal/testkit"
)

const redirectURI = "http://127.0.0.1:9/cb"

// browser signs in once and then collects codes through SSO.
type browser struct{ *testkit.Browser }

// signIn returns a browser signed in as "bench".
func signIn(endpoint, clientID string) *browser {
	b := &browser{testkit.NewBrowser(endpoint, nil)}
	b.Client.Timeout = 0
	u, _ := b.authURL(clientID)
	resp, err := b.Get(u)
	if err == nil {
		resp, err = b.SignIn(resp, "bench", "correct horse battery")
	}
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	return b
}

func (b *browser) authURL(clientID string) (string, string) {
	ver, challenge := testkit.PKCE()
	q := url.Values{"client_id": {clientID}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {"openid offline_access"}, "state": {"s"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	return b.Base + "/oidc/auth?" + q.Encode(), ver
}

// code runs an authorization request on the SSO session and returns the
// code and its verifier.
func (b *browser) code(clientID string) (string, string, error) {
	u, ver := b.authURL(clientID)
	resp, err := b.Get(u)
	if err != nil {
		return "", "", err
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		return "", "", fmt.Errorf("no code: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code"), ver, nil
}

// refreshTokens returns one refresh token per worker (confidential clients
// rotate only late in a token's life, so each worker reuses its token).
func refreshTokens(b *browser, client *http.Client, endpoint string, app appCreds) []string {
	rts := make([]string, *conc)
	for i := range rts {
		code, ver, err := b.code(app.ID)
		if err != nil {
			log.Fatal(err)
		}
		var t struct {
			RefreshToken string `json:"refresh_token"`
		}
		json.Unmarshal(exchange(client, endpoint, app, code, ver), &t)
		rts[i] = t.RefreshToken
	}
	return rts
}

// exchange redeems a code and returns the token response.
func exchange(client *http.Client, endpoint string, app appCreds, code, verifier string) []byte {
	st, body := post(client, endpoint, app.ID, app.Secret, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"code_verifier": {verifier}, "redirect_uri": {redirectURI}})
	if st != 200 {
		log.Fatalf("exchange: %d %s", st, body)
	}
	return body
}

func post(c *http.Client, base, id, sec string, form url.Values) (int, []byte) {
	req, _ := http.NewRequest(http.MethodPost, base+"/oidc/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, sec)
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}
