package sesame

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

func TestFullFlow(t *testing.T) {
	a := newTestApp(t)
	if auth, _ := a.home(); auth {
		t.Fatal("signed in before signing in")
	}

	// Sign-in request on the wire.
	authURL := a.startSignIn()
	q := authURL.Query()
	checks := map[string]string{
		"client_id":             "app123",
		"redirect_uri":          a.srv.URL + "/callback",
		"response_type":         "code",
		"code_challenge_method": "S256",
		"prompt":                "consent",
		"scope":                 "openid offline_access profile email",
	}
	for k, want := range checks {
		if got := q.Get(k); got != want {
			t.Errorf("auth param %s = %q, want %q", k, got, want)
		}
	}
	if authURL.Path != "/oidc/auth" || len(q.Get("state")) < 40 || len(q.Get("code_challenge")) != 43 {
		t.Errorf("auth URL %s: bad path, state or challenge", authURL)
	}
	if got := q["resource"]; !slices.Equal(got, []string{testResource}) {
		t.Errorf("resource params = %v", got)
	}
	for _, c := range a.cookies() {
		if strings.Contains(c.Value, q.Get("state")) {
			t.Error("state visible in plain text in a cookie")
		}
	}

	// Callback through the real redirect chain.
	a.signIn()
	auth, sub := a.home()
	if !auth || sub != "user-1" {
		t.Fatalf("home = %v %q", auth, sub)
	}
	a.op.mu.Lock()
	tokenForm, tokenAuth := a.op.lastToken, a.op.tokenAuth
	a.op.mu.Unlock()
	if tokenForm.Get("grant_type") != "authorization_code" || tokenForm.Get("code_verifier") == "" ||
		tokenForm.Get("redirect_uri") != a.srv.URL+"/callback" || tokenAuth[len(tokenAuth)-1] != "app123" {
		t.Errorf("token request %v (basic user %v)", tokenForm, tokenAuth)
	}

	// Context claims straight from the session.
	x, err := a.client.GetContext(nil, a.request("GET", "/"))
	if err != nil || !x.IsAuthenticated {
		t.Fatalf("GetContext = %v, %v", x.IsAuthenticated, err)
	}
	if x.Claims.Name != "Ada Lovelace" || x.Claims.Username != "ada" || !x.Claims.EmailVerified ||
		x.Claims.Issuer != a.op.issuer || !slices.Equal(x.Claims.Audience, []string{"app123"}) ||
		x.Claims.Raw["username"] != "ada" || x.Claims.Picture != "" {
		t.Errorf("claims = %+v", x.Claims)
	}

	// Access token for an API resource: a JWT for that audience.
	var tr struct{ Token, Error string }
	if st := a.getJSON("/api/token?resource="+testResource, &tr); st != 200 {
		t.Fatalf("token: %d %s", st, tr.Error)
	}
	claims, err := decodeJWTClaims(tr.Token)
	if err != nil || !slices.Equal(claims.Audience, []string{testResource}) {
		t.Fatalf("resource token aud = %v (%v)", claims.Audience, err)
	}
	// Cached: the second call makes no refresh.
	a.getJSON("/api/token?resource="+testResource, &tr)
	if n := len(a.op.refreshes); n != 1 {
		t.Errorf("refresh grants = %d, want 1", n)
	}
	if got := a.op.refreshes[0].Get("resource"); got != testResource {
		t.Errorf("refresh resource = %q", got)
	}
	// Unknown resources are refused locally.
	if st := a.getJSON("/api/token?resource=https://other", &tr); st != 500 || !strings.Contains(tr.Error, "not in Config.Resources") {
		t.Errorf("unknown resource: %d %q", st, tr.Error)
	}

	// UserInfo with the opaque token from the code exchange.
	var ui struct{ Sub, Email, Plan string }
	if st := a.getJSON("/api/userinfo", &ui); st != 200 || ui.Sub != "user-1" || ui.Email != "ada@example.com" || ui.Plan != "pro" {
		t.Fatalf("userinfo %d %+v", st, ui)
	}

	// No token in plain text in any cookie.
	a.op.mu.Lock()
	var secrets []string
	for rt := range a.op.grants {
		secrets = append(secrets, rt)
	}
	for at := range a.op.opaque {
		secrets = append(secrets, at)
	}
	a.op.mu.Unlock()
	secrets = append(secrets, tr.Token)
	for _, c := range a.cookies() {
		for _, s := range secrets {
			if strings.Contains(c.Value, s) || strings.Contains(c.Value, base64.RawURLEncoding.EncodeToString([]byte(s))) {
				t.Errorf("cookie %s contains a token in plain text", c.Name)
			}
		}
		if !strings.HasPrefix(c.Name, "sesame_app123") {
			t.Errorf("unexpected cookie %s", c.Name)
		}
	}

	// Sign-out: revoke with client auth, clear, redirect to end session.
	a.op.mu.Lock()
	var rt string
	for k := range a.op.grants {
		rt = k
	}
	a.op.mu.Unlock()
	resp := a.noRedirect("POST", "/sign-out", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out status %d", resp.StatusCode)
	}
	loc, _ := resp.Location()
	if loc.Path != "/oidc/session/end" || loc.Query().Get("client_id") != "app123" ||
		loc.Query().Get("post_logout_redirect_uri") != a.srv.URL {
		t.Errorf("end session URL %s", loc)
	}
	if !slices.Equal(a.op.revoked, []string{rt}) || a.op.revokeAuth[0] != "app123" {
		t.Errorf("revoked %v with %v, want %q", a.op.revoked, a.op.revokeAuth, rt)
	}
	var deleted int
	for _, sc := range resp.Cookies() {
		if strings.HasPrefix(sc.Name, "sesame_") && sc.MaxAge < 0 {
			deleted++
		}
	}
	if deleted == 0 {
		t.Error("sign-out deleted no cookie")
	}
	if auth, _ := a.home(); auth {
		t.Error("still signed in after sign-out")
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	a := newTestApp(t, func(c *Config) { c.CookieSecure = true })
	resp := a.noRedirect("POST", "/sign-in", nil)
	var found bool
	for _, c := range resp.Cookies() {
		if c.Name != "sesame_app123" {
			continue
		}
		found = true
		if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge != 14*24*3600 {
			t.Errorf("cookie attributes %+v", c)
		}
	}
	if !found {
		t.Fatal("no session cookie set")
	}
}

func TestCallbackStateMismatch(t *testing.T) {
	a := newTestApp(t)
	cb := a.authorize(a.startSignIn())
	q := cb.Query()
	q.Set("state", "forged")
	cb.RawQuery = q.Encode()

	_, err := a.client.HandleCallback(httptest.NewRecorder(), a.request("GET", cb.RequestURI()))
	wantErr(t, err, ErrStateMismatch)

	q.Del("state")
	cb.RawQuery = q.Encode()
	_, err = a.client.HandleCallback(httptest.NewRecorder(), a.request("GET", cb.RequestURI()))
	wantErr(t, err, ErrStateMismatch)

	resp := a.noRedirect("GET", cb.RequestURI(), nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("handler status %d, want 400", resp.StatusCode)
	}
	if auth, _ := a.home(); auth {
		t.Error("signed in despite the state mismatch")
	}
	if a.op.lastToken != nil {
		t.Error("the code was exchanged despite the state mismatch")
	}
}

func TestCallbackWithoutSignIn(t *testing.T) {
	a := newTestApp(t)
	_, err := a.client.HandleCallback(httptest.NewRecorder(), a.request("GET", "/callback?code=x&state=y"))
	wantErr(t, err, ErrNoSignInSession)
}

func TestCallbackErrorParam(t *testing.T) {
	a := newTestApp(t)
	state := a.startSignIn().Query().Get("state")
	w := httptest.NewRecorder()
	_, err := a.client.HandleCallback(w, a.request("GET", "/callback?error=access_denied&error_description=user+said+no&state="+state))
	var oe *OAuthError
	if !errors.As(err, &oe) || oe.Code != "access_denied" || oe.Description != "user said no" {
		t.Fatalf("error = %#v", err)
	}
	wantErr(t, err, &OAuthError{Code: "access_denied"})
	if errors.Is(err, &OAuthError{Code: "invalid_grant"}) {
		t.Error("OAuthError.Is matched a different code")
	}
	// The pending sign-in is cleared: the session cookie is deleted.
	var cleared bool
	for _, c := range w.Result().Cookies() {
		cleared = cleared || (c.Name == "sesame_app123" && c.MaxAge < 0)
	}
	if !cleared {
		t.Error("sign-in session not cleared after an error callback")
	}
	resp := a.noRedirect("GET", "/callback?error=access_denied&state="+state, nil)
	if resp.StatusCode != 400 {
		t.Errorf("handler status %d", resp.StatusCode)
	}
}

func TestIDTokenVerificationFailures(t *testing.T) {
	cases := []struct {
		name  string
		setup func(op *testOP)
		check func(t *testing.T, err error)
	}{
		{"tampered signature", func(op *testOP) { op.tamperSig = true }, nil},
		{"expired", func(op *testOP) {
			op.mutateID = func(c map[string]any) {
				now := op.clock.Now()
				c["iat"], c["exp"] = now.Add(-2*time.Hour).Unix(), now.Add(-time.Hour).Unix()
			}
		}, func(t *testing.T, err error) {
			var te *oidc.TokenExpiredError
			if !errors.As(err, &te) {
				t.Errorf("error %v is not a TokenExpiredError", err)
			}
		}},
		{"wrong issuer", func(op *testOP) { op.mutateID = func(c map[string]any) { c["iss"] = "https://evil.example/oidc" } }, nil},
		{"wrong audience", func(op *testOP) { op.mutateID = func(c map[string]any) { c["aud"] = "other-app" } }, nil},
		{"issued in the future", func(op *testOP) {
			op.mutateID = func(c map[string]any) { c["iat"] = op.clock.Now().Add(10 * time.Minute).Unix() }
		}, nil},
		{"signed by an unpublished key", func(op *testOP) { op.signKey = newTestKey(op.t, "rogue") }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestApp(t)
			cb := a.authorize(a.startSignIn())
			a.op.set(tc.setup)
			_, err := a.client.HandleCallback(httptest.NewRecorder(), a.request("GET", cb.RequestURI()))
			wantErr(t, err, ErrInvalidIDToken)
			if tc.check != nil {
				tc.check(t, err)
			}
			if auth, _ := a.home(); auth {
				t.Error("signed in with a bad ID token")
			}
		})
	}
}

func TestExpiredIDTokenWithinClockSkew(t *testing.T) {
	a := newTestApp(t)
	a.op.set(func(op *testOP) {
		op.mutateID = func(c map[string]any) { c["exp"] = op.clock.Now().Add(-30 * time.Second).Unix() }
	})
	a.signIn() // 30 s late is within the default 60 s skew
}

func TestKeyRotation(t *testing.T) {
	a := newTestApp(t)
	a.signIn()
	if a.op.jwksHits != 1 {
		t.Fatalf("JWKS fetched %d times, want 1", a.op.jwksHits)
	}
	a.signIn() // same key: served from the cache
	if a.op.jwksHits != 1 {
		t.Fatalf("JWKS fetched %d times after a second sign-in, want 1", a.op.jwksHits)
	}

	// Rotate: a new key signs; the JWKS publishes it next to the old one.
	a.op.set(func(op *testOP) {
		op.signKey = newTestKey(t, "key-2")
		op.published = append(op.published, op.signKey)
	})
	a.signIn()
	if a.op.jwksHits != 2 {
		t.Errorf("JWKS fetched %d times after rotation, want 2 (refetch on unknown kid)", a.op.jwksHits)
	}
	// Old key removed; tokens with the new key still verify without a fetch.
	a.op.set(func(op *testOP) { op.published = op.published[1:] })
	a.signIn()
	if a.op.jwksHits != 2 {
		t.Errorf("JWKS fetched %d times, want still 2", a.op.jwksHits)
	}
}

func TestDiscoveryCachedWithTTL(t *testing.T) {
	a := newTestApp(t)
	a.signIn()
	a.signIn()
	if a.op.discoHits != 1 {
		t.Fatalf("discovery fetched %d times, want 1", a.op.discoHits)
	}
	a.clock.Advance(16 * time.Minute)
	a.signIn()
	if a.op.discoHits != 2 {
		t.Fatalf("discovery fetched %d times after the TTL, want 2", a.op.discoHits)
	}
	// The JWKS cache belongs to the discovery and expires with it.
	if a.op.jwksHits != 2 {
		t.Errorf("JWKS fetched %d times, want 2", a.op.jwksHits)
	}
}

func TestConcurrentRefreshOnce(t *testing.T) {
	a := newTestApp(t)
	a.op.set(func(op *testOP) { op.rotate = true; op.refreshWait = 50 * time.Millisecond })
	a.signIn()
	a.clock.Advance(2 * time.Hour) // the userinfo access token has expired
	oldCookies := a.cookies()

	const n = 20
	var wg sync.WaitGroup
	tokens := make([]string, n)
	errs := make([]error, n)
	saved := make([][]*http.Cookie, n)
	for i := range n {
		wg.Go(func() {
			req, _ := http.NewRequest("GET", a.srv.URL+"/api/token", nil)
			for _, c := range oldCookies {
				req.AddCookie(c)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			var v struct{ Token, Error string }
			_ = json.NewDecoder(resp.Body).Decode(&v)
			if v.Error != "" {
				errs[i] = errors.New(v.Error)
			}
			tokens[i], saved[i] = v.Token, resp.Cookies()
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if got := len(a.op.refreshes); got != 1 {
		t.Fatalf("refresh grants = %d, want exactly 1", got)
	}
	for i := range tokens {
		if tokens[i] != tokens[0] || tokens[i] == "" {
			t.Fatalf("call %d got token %q, call 0 got %q", i, tokens[i], tokens[0])
		}
		if len(saved[i]) == 0 {
			t.Fatalf("call %d did not persist the refreshed session", i)
		}
	}

	// 20 goroutines sharing one Context refresh once too.
	a.clock.Advance(2 * time.Hour)
	a.setCookies(saved[0])
	w := httptest.NewRecorder()
	x, _ := a.client.GetContext(w, a.request("GET", "/"))
	before := len(a.op.refreshes)
	for range n {
		wg.Go(func() {
			if _, err := x.AccessToken(t.Context(), ""); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := len(a.op.refreshes) - before; got != 1 {
		t.Errorf("refresh grants on one Context = %d, want 1", got)
	}
}

func TestRotatedRefreshTokenPersisted(t *testing.T) {
	a := newTestApp(t)
	a.op.set(func(op *testOP) { op.rotate = true })
	a.signIn()
	var tr struct{ Token, Error string }
	for i := range 3 {
		a.clock.Advance(2 * time.Hour)
		if st := a.getJSON("/api/token", &tr); st != 200 {
			t.Fatalf("refresh %d: %d %s", i, st, tr.Error)
		}
	}
	if len(a.op.refreshes) != 3 {
		t.Fatalf("refreshes = %d", len(a.op.refreshes))
	}
	seen := map[string]bool{}
	for _, f := range a.op.refreshes {
		rt := f.Get("refresh_token")
		if seen[rt] {
			t.Fatalf("refresh token %q presented twice: the rotated one was not saved", rt)
		}
		seen[rt] = true
	}
	// The refreshed ID token replaced the old one and still reads.
	if auth, sub := a.home(); !auth || sub != "user-1" {
		t.Errorf("after refreshes: %v %q", auth, sub)
	}
}

func TestRefreshErrorsAreTyped(t *testing.T) {
	a := newTestApp(t)
	a.signIn()
	a.op.set(func(op *testOP) { op.grants = map[string]*grant{} }) // grant revoked server-side
	a.clock.Advance(2 * time.Hour)
	x, _ := a.client.GetContext(httptest.NewRecorder(), a.request("GET", "/"))
	_, err := x.AccessToken(t.Context(), "")
	var oe *OAuthError
	if !errors.As(err, &oe) || oe.Code != "invalid_grant" || oe.StatusCode != 400 || oe.DetailCode != "oidc.invalid_grant" {
		t.Fatalf("error = %#v", err)
	}
}

func TestNotAuthenticatedContext(t *testing.T) {
	a := newTestApp(t)
	x, err := a.client.GetContext(nil, a.request("GET", "/"))
	if err != nil || x.IsAuthenticated {
		t.Fatal(x.IsAuthenticated, err)
	}
	_, err = x.AccessToken(t.Context(), "")
	wantErr(t, err, ErrNotAuthenticated)
	_, err = x.UserInfo(t.Context())
	wantErr(t, err, ErrNotAuthenticated)
}

func TestNoRefreshTokenWithoutOfflineAccess(t *testing.T) {
	a := newTestApp(t)
	a.op.set(func(op *testOP) { op.sub = "user-2" })
	// The provider grants offline_access only when asked; drop it.
	cb := a.authorize(a.startSignIn())
	a.op.set(func(op *testOP) {
		for _, c := range op.codes {
			c.scope = "openid profile"
		}
	})
	w := httptest.NewRecorder()
	if _, err := a.client.HandleCallback(w, a.request("GET", cb.RequestURI())); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	for _, c := range w.Result().Cookies() {
		r.AddCookie(c)
	}
	a.clock.Advance(2 * time.Hour)
	x, _ := a.client.GetContext(nil, r)
	_, err := x.AccessToken(t.Context(), "")
	wantErr(t, err, ErrNoRefreshToken)
}

func TestRequireAuth(t *testing.T) {
	a := newTestApp(t)
	// API routes answer 401 JSON.
	var v struct{ Error string }
	if st := a.getJSON("/api/token", &v); st != 401 || v.Error != "not_authenticated" {
		t.Errorf("api: %d %+v", st, v)
	}
	// So do JSON requests to pages.
	resp := a.noRedirect("GET", "/private", http.Header{"Accept": {"application/json"}})
	if resp.StatusCode != 401 || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("json page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// Non-GET page requests get 401 without starting a sign-in.
	if resp := a.noRedirect("POST", "/private", nil); resp.StatusCode != 401 {
		t.Errorf("POST page: %d", resp.StatusCode)
	}
	// Pages start the sign-in and come back to the page.
	resp, err := a.browser.Get(a.srv.URL + "/private?x=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.RequestURI() != "/private?x=1" {
		t.Fatalf("page ended at %s with %d", resp.Request.URL, resp.StatusCode)
	}
	if auth, _ := a.home(); !auth {
		t.Fatal("not signed in")
	}
	// Reloading the callback after the sign-in goes home instead of failing.
	if resp := a.noRedirect("GET", "/callback?code=old&state=old", nil); resp.StatusCode != 303 {
		t.Errorf("callback reload: %d", resp.StatusCode)
	}
}

func TestSignInReturnTo(t *testing.T) {
	a := newTestApp(t)
	for _, tc := range []struct{ in, want string }{{"/account?tab=1", "/account?tab=1"}, {"//evil.example/", "/"}, {"https://evil.example/", "/"}} {
		req, _ := http.NewRequest("POST", a.srv.URL+"/sign-in", strings.NewReader("return_to="+tc.in))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		c := &http.Client{Jar: a.jar, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
			if r.URL.Host == strings.TrimPrefix(a.srv.URL, "http://") && r.URL.Path != "/callback" {
				return http.ErrUseLastResponse
			}
			return nil
		}}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Location"); got != tc.want {
			t.Errorf("return_to %q: redirected to %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCrossOriginPostsRejected(t *testing.T) {
	a := newTestApp(t)
	for _, path := range []string{"/sign-in", "/sign-out"} {
		for _, h := range []http.Header{
			{"Sec-Fetch-Site": {"cross-site"}},
			{"Origin": {"https://evil.example"}},
		} {
			if resp := a.noRedirect("POST", path, h); resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with %v: %d, want 403", path, h, resp.StatusCode)
			}
		}
		if resp := a.noRedirect("POST", path, http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {a.srv.URL}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("same-origin POST %s: %d, want 303", path, resp.StatusCode)
		}
		if resp := a.noRedirect("GET", path, nil); resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET %s: %d, want 405", path, resp.StatusCode)
		}
	}
	if len(a.op.lastAuth) != 0 {
		t.Error("the provider was reached")
	}
}

func TestPublicClient(t *testing.T) {
	a := newTestApp(t, func(c *Config) { c.AppSecret = "" })
	a.op.set(func(op *testOP) { op.clientSecret = "" })
	// The test provider requires Basic auth; a public client must not send it.
	resp, err := a.browser.PostForm(a.srv.URL+"/sign-in", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if a.op.lastToken.Get("client_id") != "app123" || a.op.tokenAuth[0] != "" {
		t.Errorf("public client token request %v, basic %q", a.op.lastToken, a.op.tokenAuth)
	}
}

func TestErrorBodyParsing(t *testing.T) {
	cases := []struct {
		body              string
		code, desc, dcode string
	}{
		{`{"error":"invalid_grant","error_description":"grant request is invalid","code":"oidc.invalid_grant","message":"grant request is invalid"}`, "invalid_grant", "grant request is invalid", "oidc.invalid_grant"},
		{`{"code":"oidc.invalid_target","message":"resource unknown"}`, "invalid_target", "resource unknown", "oidc.invalid_target"},
		{`{"error":"invalid_client"}`, "invalid_client", "", ""},
		{`<html>oops</html>`, "http_error_502", "<html>oops</html>", ""},
	}
	for _, tc := range cases {
		e := parseErrorBody(502, []byte(tc.body))
		if e.Code != tc.code || e.Description != tc.desc || e.DetailCode != tc.dcode || e.StatusCode != 502 {
			t.Errorf("%s: %+v", tc.body, e)
		}
	}
}

// TestPostSignInRedirectStaysLocal runs hostile return_to values through the
// sign-in, the provider and the callback, and checks where the callback sends
// the browser (docs/security.md, item 8.13).
func TestPostSignInRedirectStaysLocal(t *testing.T) {
	a := newTestApp(t)
	hostile := []string{
		`/./\evil.example`, `/\evil.example`, `/\/evil.example`, `//evil.example`, `///evil.example`,
		`/%5Cevil.example`, `/%5cevil.example`, `/.%5Cevil.example`, `/%2F%2Fevil.example`, "/%09/evil.example",
		"\t/evil.example", "/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/\x00/evil.example",
		"/\x7f/evil.example", "/%0A/evil.example", `/.//evil.example`, `/./../..//evil.example`,
		`/a/../..//evil.example`, `https://evil.example`, `http:evil.example`, `//user@evil.example`,
		`/@evil.example`, `javascript:alert(1)`, ` /evil`, `\\evil.example`, "/a?x=1#\\evil",
		`/＼evil.example`, `/%E3%80%80/evil.example`,
	}
	app, _ := url.Parse(a.srv.URL)
	for _, rt := range hostile {
		req, _ := http.NewRequest("POST", a.srv.URL+"/sign-in", strings.NewReader(url.Values{"return_to": {rt}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		c := &http.Client{Jar: a.jar, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
			if r.URL.Host == app.Host && r.URL.Path != "/callback" {
				return http.ErrUseLastResponse
			}
			return nil
		}}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("return_to %q: %v", rt, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Request.URL.Path != "/callback" {
			t.Fatalf("return_to %q: ended at %s with %d", rt, resp.Request.URL, resp.StatusCode)
		}
		loc := resp.Header.Get("Location")
		u, err := url.Parse(loc)
		bad := err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
			len(loc) == 0 || loc[0] != '/' || (len(loc) > 1 && (loc[1] == '/' || loc[1] == '\\')) ||
			strings.ContainsFunc(loc, func(r rune) bool { return r == '\\' || r <= ' ' || r == 0x7f || r > 0x7e })
		if bad {
			t.Errorf("return_to %q: callback redirected to %q", rt, loc)
		}
		if auth, _ := a.home(); !auth {
			t.Fatalf("return_to %q: not signed in", rt)
		}
	}
}

// TestCrossSiteErrorCallbackKeepsSignIn: an error callback without the
// sign-in's state (a link from another site) must not cancel the pending
// sign-in (docs/security.md, item 8.14).
func TestCrossSiteErrorCallbackKeepsSignIn(t *testing.T) {
	a := newTestApp(t)
	cb := a.authorize(a.startSignIn())
	for _, q := range []string{
		"error=access_denied",
		"error=access_denied&state=forged",
		"error=access_denied&error_description=x&state=&iss=" + url.QueryEscape(a.op.issuer),
	} {
		_, err := a.client.HandleCallback(httptest.NewRecorder(), a.request("GET", "/callback?"+q))
		wantErr(t, err, ErrStateMismatch)
		resp := a.noRedirect("GET", "/callback?"+q, nil)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: handler status %d, want 400", q, resp.StatusCode)
		}
		for _, c := range resp.Cookies() {
			if c.MaxAge < 0 {
				t.Errorf("%s: cookie %s deleted", q, c.Name)
			}
		}
	}
	// The real callback still completes the sign-in.
	resp := a.noRedirect("GET", cb.RequestURI(), nil)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/" {
		t.Fatalf("real callback: %d to %q", resp.StatusCode, loc)
	}
	if auth, sub := a.home(); !auth || sub != "user-1" {
		t.Fatalf("after the real callback: %v %q", auth, sub)
	}
}

// TestCallbackIssuerParameter: RFC 9207 iss in the callback (docs/security.md,
// item 15). When discovery advertises authorization_response_iss_parameter_supported
// the callback must carry iss and it must be the issuer; otherwise a missing iss
// is accepted but a wrong one is not.
func TestCallbackIssuerParameter(t *testing.T) {
	const absent, right = "(absent)", "(the issuer)"
	cases := []struct {
		advertised bool
		iss        string
		ok         bool
	}{
		{true, absent, false},
		{true, "", false},
		{true, "https://evil.example/oidc", false},
		{true, right + "/", false},
		{true, right, true},
		{false, absent, true},
		{false, "https://evil.example/oidc", false},
		{false, right, true},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("advertised=%v iss=%q", tc.advertised, tc.iss), func(t *testing.T) {
			a := newTestApp(t)
			a.op.set(func(op *testOP) { op.issParam = tc.advertised })
			cb := a.authorize(a.startSignIn())
			q := cb.Query()
			q.Del("iss")
			if tc.iss != absent {
				q.Set("iss", strings.ReplaceAll(tc.iss, right, a.op.issuer))
			}
			cb.RawQuery = q.Encode()
			_, err := a.client.HandleCallback(httptest.NewRecorder(), a.request("GET", cb.RequestURI()))
			if tc.ok {
				if err != nil {
					t.Fatalf("HandleCallback: %v", err)
				}
				return
			}
			wantErr(t, err, ErrIssuerMismatch)
			if a.op.lastToken != nil {
				t.Error("the code was exchanged despite the issuer mismatch")
			}
			// The handler refuses it too, and the sign-in can still be completed
			// with the right iss.
			if resp := a.noRedirect("GET", cb.RequestURI(), nil); resp.StatusCode != http.StatusBadRequest {
				t.Errorf("handler status %d, want 400", resp.StatusCode)
			}
			q.Set("iss", a.op.issuer)
			cb.RawQuery = q.Encode()
			if resp := a.noRedirect("GET", cb.RequestURI(), nil); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("callback with the right iss: %d", resp.StatusCode)
			}
		})
	}
}

// TestRefreshedIDTokenForAnotherUser: a refreshed ID token must name the same
// issuer and subject as the one from the sign-in (OpenID Connect Core 12.2);
// otherwise the session ends (docs/security.md, item 8.17).
func TestRefreshedIDTokenForAnotherUser(t *testing.T) {
	a := newTestApp(t)
	a.signIn()
	a.op.set(func(op *testOP) { op.mutateID = func(c map[string]any) { c["sub"] = "user-2" } })
	a.clock.Advance(2 * time.Hour) // the access token has expired: the next call refreshes

	w := httptest.NewRecorder()
	x, _ := a.client.GetContext(w, a.request("GET", "/"))
	_, err := x.AccessToken(t.Context(), "")
	wantErr(t, err, ErrIDTokenMismatch)
	if x.IsAuthenticated || x.Claims.Subject != "" {
		t.Errorf("the Context is still signed in as %q", x.Claims.Subject)
	}
	var cleared bool
	for _, c := range w.Result().Cookies() {
		cleared = cleared || (c.Name == "sesame_app123" && c.MaxAge < 0)
	}
	if !cleared {
		t.Error("the session cookie was not deleted")
	}

	// Through the app: the API call fails and the browser is signed out.
	var tr struct{ Token, Error string }
	if st := a.getJSON("/api/token", &tr); st != 500 || !strings.Contains(tr.Error, ErrIDTokenMismatch.Error()) {
		t.Errorf("api/token: %d %q", st, tr.Error)
	}
	if auth, sub := a.home(); auth {
		t.Errorf("still signed in, as %q", sub)
	}
}
