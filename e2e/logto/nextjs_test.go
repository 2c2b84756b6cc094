//go:build e2e

package logto

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/sesameauth/sesame/e2e/internal/e2etest"
)

const (
	testPassword = "correct-Horse-battery-42"
	apiResource  = "https://api.example.com"
	cookieSecret = "e2eCookieSecret0123456789abcdefXYZ"
)

// nextPort is the port of the Next.js app; the guide uses 3000.
func nextPort(t testing.TB) int {
	if v := os.Getenv("SESAME_E2E_NEXT_PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("SESAME_E2E_NEXT_PORT: %v", err)
		}
		return p
	}
	return 3000
}

var (
	nextBuildOnce sync.Once
	nextBuildErr  error
	nextBuildOut  string
)

// buildNext runs npm ci (if needed) and `npx next build` once per test run.
func buildNext(t testing.TB) string {
	t.Helper()
	dir := examplesDir(t, "nextjs")
	npmCI(t, dir)
	nextBuildOnce.Do(func() {
		start := time.Now()
		cmd := exec.Command("npx", "--no", "next", "build")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "NEXT_TELEMETRY_DISABLED=1")
		out, err := cmd.CombinedOutput()
		nextBuildOut = string(out)
		if err != nil {
			nextBuildErr = fmt.Errorf("npx next build: %v", err)
		}
		t.Logf("next build took %s", time.Since(start).Round(time.Second))
	})
	if nextBuildErr != nil {
		t.Fatalf("%v\n%s", nextBuildErr, nextBuildOut)
	}
	return dir
}

// startNext runs `npx next start -p <port>` with the LOGTO_* variables and
// waits until it answers.
func startNext(t testing.TB, s *sesame, a app, port int, extraEnv ...string) string {
	t.Helper()
	dir := buildNext(t)
	if !e2etest.PortFree(port) {
		t.Fatalf("port %d is in use; stop whatever listens there or set SESAME_E2E_NEXT_PORT", port)
	}
	baseURL := fmt.Sprintf("http://localhost:%d", port)
	cmd := exec.Command("npx", "--no", "next", "start", "-p", strconv.Itoa(port))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), envList(
		"NEXT_TELEMETRY_DISABLED", "1",
		"LOGTO_ENDPOINT", s.URL+"/",
		"LOGTO_APP_ID", a.ID,
		"LOGTO_APP_SECRET", a.Secret,
		"LOGTO_BASE_URL", baseURL,
		"LOGTO_COOKIE_SECRET", cookieSecret,
	)...)
	cmd.Env = append(cmd.Env, extraEnv...)
	p := e2etest.Start(t, "next start", cmd)
	p.WaitHTTP(t, baseURL+"/", 60*time.Second)
	t.Cleanup(func() {
		// Wait until the port is released for the next test.
		for i := 0; i < 50 && !e2etest.PortFree(port); i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	return baseURL
}

// setupNext starts Sesame, registers the guide's app and a user, and starts
// the guide's Next.js app.
func setupNext(t *testing.T, withResource bool) (s *sesame, a app, userID, baseURL string) {
	port := nextPort(t)
	base := fmt.Sprintf("http://localhost:%d", port)
	s = startSesame(t)
	a = s.createApp(t, "next", base+"/callback", base+"/")
	userID = s.createUser(t, "alice", testPassword)
	var extra []string
	if withResource {
		s.createResource(t, apiResource, "api")
		extra = append(extra, "LOGTO_RESOURCES="+apiResource)
	}
	baseURL = startNext(t, s, a, port, extra...)
	return s, a, userID, baseURL
}

// leftApp is a predicate: the browser is no longer on the app.
func leftApp(baseURL string) string {
	return fmt.Sprintf(`!location.href.startsWith(%s)`, e2etest.JSString(baseURL))
}

// browserSignIn goes from the signed-out home page through Sesame's sign-in
// page and back to the signed-in home page.
func browserSignIn(t *testing.T, b *browser, s *sesame, baseURL, userID string) {
	t.Helper()
	b.Navigate(baseURL + "/")
	b.waitFor("the Sign In button", stepTimeout, buttonHydrated("Sign In"))
	b.clickButton("Sign In", leftApp(baseURL))
	b.signInOnSesame(s.URL, "alice", testPassword)
	hello := fmt.Sprintf("Hello, %s,", userID)
	b.waitFor("the signed-in home page", stepTimeout,
		fmt.Sprintf(`location.href === %s && document.body.innerText.includes(%s)`, e2etest.JSString(baseURL+"/"), e2etest.JSString(hello)))
}

// TestNextjsGuideCheckpoint is the guide's "Checkpoint: Test your application"
// in a real browser.
func TestNextjsGuideCheckpoint(t *testing.T) {
	s, _, userID, baseURL := setupNext(t, false)
	b := newBrowser(t)

	// 1. Run the app: the sign-in button is shown.
	b.Navigate(baseURL + "/")
	b.waitFor("the Sign In button", stepTimeout, buttonHydrated("Sign In"))
	if text := b.BodyText(); strings.Contains(text, "Hello,") {
		t.Fatalf("signed-out home page greets someone: %q", text)
	}

	// 2. Click it: the SDK redirects to Sesame's sign-in page.
	b.clickButton("Sign In", leftApp(baseURL))
	b.signInOnSesame(s.URL, "alice", testPassword)

	// 3. Signed in: back on the app with "Hello, <sub>," and a Sign Out button.
	hello := fmt.Sprintf("Hello, %s,", userID)
	b.waitFor("the signed-in home page", stepTimeout,
		fmt.Sprintf(`location.href === %s && document.body.innerText.includes(%s)`, e2etest.JSString(baseURL+"/"), e2etest.JSString(hello)))
	b.waitFor("the Sign Out button", stepTimeout, buttonHydrated("Sign Out"))

	// The session survives a reload (the cookie holds the tokens).
	b.Navigate(baseURL + "/")
	b.waitFor("the signed-in home page after a reload", stepTimeout,
		fmt.Sprintf(`document.body.innerText.includes(%s)`, e2etest.JSString(hello)))

	// 4. Sign out: back on the signed-out home page.
	b.clickButton("Sign Out", fmt.Sprintf(`!location.href.startsWith(%s) || !document.body.innerText.includes("Hello,")`, e2etest.JSString(baseURL)))
	b.waitFor("the signed-out home page", stepTimeout,
		fmt.Sprintf(`location.href.startsWith(%s) && !document.body.innerText.includes('Hello,') && [...document.querySelectorAll('button')].some(b => b.textContent.trim() === 'Sign In')`, e2etest.JSString(baseURL)))

	// 5. Signing in again asks for the password again: Sesame's session ended.
	b.clickButton("Sign In", leftApp(baseURL))
	b.waitFor("Sesame's sign-in form (again)", stepTimeout,
		fmt.Sprintf(`location.href.startsWith(%s) && !!document.querySelector('form #password')`, e2etest.JSString(s.URL+"/")))
	time.Sleep(time.Second)
	if loc := b.Location().String(); !strings.HasPrefix(loc, s.URL+"/") {
		t.Fatalf("after sign-out, Sign In left Sesame's sign-in page on its own (instant redirect?): now at %s", loc)
	}
	// And the second sign-in works too.
	b.signInOnSesame(s.URL, "alice", testPassword)
	b.waitFor("the signed-in home page (second sign-in)", stepTimeout,
		fmt.Sprintf(`location.href === %s && document.body.innerText.includes(%s)`, e2etest.JSString(baseURL+"/"), e2etest.JSString(hello)))
}

// TestNextjsUserInfoAndResourceToken signs in with LOGTO_RESOURCES set and
// reads /api/token (getLogtoContext with fetchUserInfo + getAccessToken for
// the resource) in the same browser.
func TestNextjsUserInfoAndResourceToken(t *testing.T) {
	s, a, userID, baseURL := setupNext(t, true)
	b := newBrowser(t)
	browserSignIn(t, b, s, baseURL, userID)

	// The server component page shows userinfo too.
	tokensPage := fmt.Sprintf(`document.body.innerText.includes(%s) && document.querySelector('#userinfo').innerText.includes(%s)`,
		e2etest.JSString("Signed in as "+userID+"."), e2etest.JSString(userID))
	b.Navigate(baseURL + "/tokens")
	b.waitFor("the /tokens page", stepTimeout, tokensPage)

	// Force the refresh path in a server component: getLogtoContext with
	// fetchUserInfo refreshes the expired access token but cannot persist
	// the result, so the same refresh token is presented twice (§11.1).
	refreshBefore := b.expireAccessTokens(baseURL, a.ID, cookieSecret)
	if refreshBefore == "" {
		t.Fatal("the session cookie holds no refresh token")
	}
	for i := 1; i <= 2; i++ {
		before := s.requests("POST", "/oidc/token", 200)
		b.Navigate(baseURL + "/tokens")
		b.waitFor(fmt.Sprintf("the /tokens page after expiring the access token (refresh %d)", i), stepTimeout, tokensPage)
		after := s.requests("POST", "/oidc/token", 200)
		for wait := 0; after <= before && wait < 20; wait++ { // the access log line may trail the response
			time.Sleep(100 * time.Millisecond)
			after = s.requests("POST", "/oidc/token", 200)
		}
		if after <= before {
			t.Errorf("loading /tokens with an expired access token made no successful token request (Sesame access log: %d before, %d after)", before, after)
		}
	}

	var got struct {
		Resource    string         `json:"resource"`
		AccessToken string         `json:"accessToken"`
		UserInfo    map[string]any `json:"userInfo"`
		Claims      map[string]any `json:"claims"`
		Error       string         `json:"error"`
	}
	// Twice: the second call must be served from the persisted cookie.
	for i := 0; i < 2; i++ {
		b.Navigate(baseURL + "/api/token")
		raw := b.BodyText()
		if err := json.Unmarshal([]byte(raw), &got); err != nil {
			t.Fatalf("/api/token did not return JSON: %v\n%s", err, b.State())
		}
		if got.Error != "" {
			t.Fatalf("/api/token: %s\n%s", got.Error, raw)
		}
	}
	cookie, session := b.sessionCookie(baseURL, a.ID, cookieSecret)
	t.Logf("session cookie %s: %d bytes", cookie.Name, cookie.Size)
	if cookie.Size > 4096 { // no chunking in @logto/next (§7.4); browsers drop larger cookies
		t.Errorf("session cookie is %d bytes, over the 4096-byte browser limit", cookie.Size)
	}
	if refreshAfter, _ := session["refreshToken"].(string); refreshAfter != refreshBefore {
		t.Logf("refresh token rotated during the test (was %.8s…, now %.8s…)", refreshBefore, refreshAfter)
	}

	if got.Resource != apiResource {
		t.Errorf("resource = %q, want %q", got.Resource, apiResource)
	}
	if sub, _ := got.UserInfo["sub"].(string); sub != userID {
		t.Errorf("userInfo.sub = %v, want %s (userInfo: %v)", got.UserInfo["sub"], userID, got.UserInfo)
	}
	if name, _ := got.UserInfo["username"].(string); name != "alice" {
		t.Errorf("userInfo.username = %v, want alice", got.UserInfo["username"])
	}
	if sub, _ := got.Claims["sub"].(string); sub != userID {
		t.Errorf("claims.sub = %v, want %s", got.Claims["sub"], userID)
	}

	claims := verifyAccessToken(t, s, got.AccessToken)
	if len(claims.Audience) != 1 || claims.Audience[0] != apiResource {
		t.Errorf("access token aud = %v, want %q", claims.Audience, apiResource)
	}
	if claims.Issuer != s.issuer() {
		t.Errorf("access token iss = %q, want %q", claims.Issuer, s.issuer())
	}
	if claims.Subject != userID {
		t.Errorf("access token sub = %q, want %q", claims.Subject, userID)
	}
	if err := claims.ValidateWithLeeway(jwt.Expected{Time: time.Now()}, time.Minute); err != nil {
		t.Errorf("access token time claims: %v", err)
	}
}

// verifyAccessToken checks the JWS signature against Sesame's JWKS (found
// through discovery) and that the payload's aud is a plain string.
func verifyAccessToken(t *testing.T, s *sesame, token string) jwt.Claims {
	t.Helper()
	if strings.Count(token, ".") != 2 {
		t.Fatalf("access token is not a JWT: %q", token)
	}
	var discovery struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	getJSON(t, s.issuer()+"/.well-known/openid-configuration", &discovery)
	if discovery.Issuer != s.issuer() {
		t.Errorf("discovery issuer = %q, want %q", discovery.Issuer, s.issuer())
	}
	var jwks jose.JSONWebKeySet
	getJSON(t, discovery.JWKSURI, &jwks)

	algs := []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.ES512, jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512, jose.EdDSA}
	parsed, err := jwt.ParseSigned(token, algs)
	if err != nil {
		t.Fatalf("parse access token: %v", err)
	}
	if len(parsed.Headers) != 1 || parsed.Headers[0].KeyID == "" {
		t.Errorf("access token header has no kid: %+v", parsed.Headers)
	}
	kid := parsed.Headers[0].KeyID
	keys := jwks.Key(kid)
	if len(keys) == 0 {
		t.Fatalf("no JWKS key with kid %q (keys: %d)", kid, len(jwks.Keys))
	}
	var claims jwt.Claims
	var raw map[string]any
	if err := parsed.Claims(keys[0].Public(), &claims, &raw); err != nil {
		t.Fatalf("access token signature does not verify with JWKS key %q: %v", kid, err)
	}
	if _, ok := raw["aud"].(string); !ok {
		t.Errorf("access token aud is not a string: %#v", raw["aud"])
	}
	t.Logf("resource access token: header alg=%s kid=%s claims=%v", parsed.Headers[0].Algorithm, kid, raw)
	return claims
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v\n%s", url, err, body)
	}
}
