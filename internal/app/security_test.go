package app_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/experience"
	"github.com/sesameauth/sesame/internal/identity"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/testkit"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from golden file:\n got: %s\nwant: %s", name, got, want)
	}
}

func TestDiscoveryGolden(t *testing.T) {
	e := newEnv(t)
	resp, err := http.Get(e.Issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var doc map[string]any
	json.Unmarshal(b, &doc)
	if doc["issuer"] != e.Issuer {
		t.Fatalf("issuer %v, want %s", doc["issuer"], e.Issuer)
	}
	// Normalise the random port away, then compare with the golden file.
	var pretty bytes.Buffer
	json.Indent(&pretty, bytes.ReplaceAll(b, []byte(e.URL), []byte("http://localhost:3001")), "", "  ")
	golden(t, "discovery.json", pretty.Bytes())

	// A Basic header on GET (Logto's SDK sends one everywhere) is ignored.
	req, _ := http.NewRequest(http.MethodGet, e.Issuer+"/.well-known/openid-configuration", nil)
	req.SetBasicAuth("whatever", "secret")
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("discovery with Basic header: %d", resp.StatusCode)
	}
}

func TestJWKSShape(t *testing.T) {
	e := newEnv(t)
	resp, _ := http.Get(e.Issuer + "/jwks")
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	json.NewDecoder(resp.Body).Decode(&set)
	resp.Body.Close()
	// The default ES384 key and the RS256 key every server publishes.
	if resp.StatusCode != 200 || len(set.Keys) != 2 {
		t.Fatalf("status %d keys %d", resp.StatusCode, len(set.Keys))
	}
	for _, k := range set.Keys {
		for _, priv := range []string{"d", "p", "q", "dp", "dq", "qi"} {
			if _, ok := k[priv]; ok {
				t.Errorf("JWKS publishes private member %q", priv)
			}
		}
		for name, v := range k {
			if _, ok := v.(string); !ok {
				t.Errorf("JWK member %q is not a string (breaks Logto's Go SDK)", name)
			}
		}
	}
	if k := set.Keys[0]; k["kid"] == "" || k["alg"] != "ES384" || k["crv"] != "P-384" || k["use"] != "sig" {
		t.Errorf("key %v", k)
	}
	if k := set.Keys[1]; k["kid"] == "" || k["alg"] != "RS256" || k["kty"] != "RSA" || k["use"] != "sig" || k["n"] == "" {
		t.Errorf("key %v", k)
	}
}

func TestErrorBodiesGolden(t *testing.T) {
	e := newEnv(t)
	pub, _ := e.app(t, store.AppSPA, []string{"https://app.example/cb"}, nil)
	cases := map[string]url.Values{
		"token_unsupported_grant.json": {"grant_type": {"password"}, "client_id": {pub}},
		"token_invalid_client.json":    {"grant_type": {"authorization_code"}, "client_id": {"nope"}, "client_secret": {"x"}},
		"token_invalid_grant.json":     {"grant_type": {"authorization_code"}, "client_id": {pub}, "code": {"expired"}},
		"token_missing_grant.json":     {"client_id": {pub}},
	}
	for name, form := range cases {
		t.Run(name, func(t *testing.T) {
			_, body, _ := e.postForm(t, "/oidc/token", form, "", "")
			b, _ := json.MarshalIndent(body, "", "  ")
			golden(t, name, b)
		})
	}
}

func TestAuthorizeErrorPages(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for name, q := range map[string]url.Values{
		"unknown client":     {"client_id": {"nope"}, "redirect_uri": {r}, "response_type": {"code"}, "scope": {"openid"}},
		"missing client":     {"redirect_uri": {r}, "response_type": {"code"}},
		"unregistered uri":   {"client_id": {id}, "redirect_uri": {"https://evil.example/cb"}, "response_type": {"code"}},
		"missing uri":        {"client_id": {id}, "response_type": {"code"}},
		"xss in uri":         {"client_id": {id}, "redirect_uri": {`"><svg/onload=alert(1)>`}, "response_type": {"code"}},
		"duplicate client":   {"client_id": {id, id}, "redirect_uri": {r}, "response_type": {"code"}},
		"prefix of uri":      {"client_id": {id}, "redirect_uri": {r + "/../evil"}, "response_type": {"code"}},
		"userinfo in uri":    {"client_id": {id}, "redirect_uri": {"https://app.example@evil.example/cb"}, "response_type": {"code"}},
		"case changed uri":   {"client_id": {id}, "redirect_uri": {"https://APP.example/cb"}, "response_type": {"code"}},
		"query added to uri": {"client_id": {id}, "redirect_uri": {r + "?x=1"}, "response_type": {"code"}},
	} {
		t.Run(name, func(t *testing.T) {
			resp, err := noRedirect.Get(e.Issuer + "/auth?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 400 || resp.Header.Get("Location") != "" {
				t.Fatalf("status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			if !strings.Contains(resp.Header.Get("Content-Type"), "text/html") || strings.Contains(string(b), "<svg/onload") {
				t.Errorf("error page is not safe HTML")
			}
			checkPageHeaders(t, resp.Header)
		})
	}
}

func checkPageHeaders(t *testing.T, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"frame-ancestors 'none'", "default-src 'none'", "script-src 'nonce-"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows unsafe scripts: %q", csp)
	}
	if h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("headers %v", h)
	}
}

func TestRedirectedAuthorizeErrors(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb?x=1"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	m2m, _ := e.app(t, store.AppM2M, nil, nil)
	_ = m2m
	b := e.browser(t)
	for want, q := range map[string]url.Values{
		"invalid_request":           {"state": {"s"}},
		"unsupported_response_type": {"response_type": {"token"}, "state": {"s"}},
		"invalid_target":            {"resource": {"https://unknown.example"}, "state": {"s"}},
		"login_required":            {"prompt": {"none"}, "state": {"s"}},
		"request_not_supported":     {"request": {"eyJ.x.y"}, "state": {"s"}},
		"request_uri_not_supported": {"request_uri": {"urn:example:req"}, "state": {"s"}},
	} {
		v := url.Values{"client_id": {id}, "redirect_uri": {r}, "response_type": {"code"}, "scope": {"openid"}}
		for k, x := range q {
			v[k] = x
		}
		if want == "invalid_request" {
			v.Del("response_type")
		}
		cb := callback(t, b.get(t, e.Issuer+"/auth?"+v.Encode()), "https://app.example/cb?x=1&")
		if cb.Query().Get("error") != want || cb.Query().Get("state") != "s" || cb.Query().Get("iss") != e.Issuer || cb.Query().Get("x") != "1" {
			t.Errorf("%s: got %s", want, cb.RawQuery)
		}
	}
	// Unknown parameters are ignored; the request proceeds to sign-in.
	v := url.Values{"client_id": {id}, "redirect_uri": {r}, "response_type": {"code"}, "scope": {"openid profile"}, "extra": {"foobar"},
		"display": {"popup"}, "ui_locales": {"se fr"}, "claims_locales": {"se"}, "acr_values": {"1 2"}, "login_hint": {`"><b>x`}}
	resp := b.get(t, e.Issuer+"/auth?"+v.Encode())
	body, _, _ := page(t, resp)
	if !strings.HasPrefix(resp.Request.URL.Path, "/sign-in") {
		t.Fatalf("tolerance pack ended at %s", resp.Request.URL)
	}
	if !strings.Contains(body, `value="&#34;&gt;&lt;b&gt;x"`) {
		t.Errorf("login_hint not pre-filled (escaped) on the sign-in page")
	}
	checkPageHeaders(t, resp.Header)
	// The authorization request works as a form POST too.
	req, _ := http.NewRequest(http.MethodPost, e.Issuer+"/auth", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.HasPrefix(resp.Request.URL.Path, "/sign-in") {
		t.Errorf("POST authorization ended at %s", resp.Request.URL)
	}
}

func TestFormPostResponseMode(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "lena", "password-lena")
	b := e.browser(t)
	state := `"><script>alert(1)</script>`
	v := url.Values{"client_id": {id}, "redirect_uri": {r}, "response_type": {"code"}, "scope": {"openid"}, "response_mode": {"form_post"}, "state": {state}}
	resp := b.login(t, b.get(t, e.Issuer+"/auth?"+v.Encode()), "lena", "password-lena")
	// The sign-in POST resumes with a 303; follow it inside Sesame.
	for resp.StatusCode == http.StatusSeeOther {
		resp = b.get(t, resp.Header.Get("Location"))
	}
	body, action, _ := page(t, resp)
	if resp.StatusCode != 200 || action != r {
		t.Fatalf("form_post page: %d action %q", resp.StatusCode, action)
	}
	if strings.Contains(body, "<script>alert(1)") || !strings.Contains(body, `name="code"`) || !strings.Contains(body, `name="iss"`) {
		t.Errorf("form_post page body unsafe or incomplete")
	}
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "form-action 'self' https://app.example") {
		t.Errorf("CSP %q", resp.Header.Get("Content-Security-Policy"))
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("form_post not no-store")
	}
}

func TestClientAuthentication(t *testing.T) {
	e := newEnv(t)
	id, secret := e.app(t, store.AppTraditional, []string{"https://a.example/cb"}, nil)
	pub, _ := e.app(t, store.AppSPA, []string{"https://a.example/cb"}, nil)
	form := func(extra url.Values) url.Values {
		v := url.Values{"grant_type": {"authorization_code"}, "code": {"x"}, "redirect_uri": {"https://a.example/cb"}}
		for k, x := range extra {
			v[k] = x
		}
		return v
	}
	// flip changes one byte of the secret, whatever it was.
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'x' {
			b[i] = 'y'
		} else {
			b[i] = 'x'
		}
		return string(b)
	}
	for name, tc := range map[string]struct {
		form         url.Values
		user, pass   string
		wantStatus   int
		wantError    string
		wantAuthHead bool
	}{
		"wrong secret basic":        {form(nil), id, flip(secret, 31), 401, "invalid_client", true},
		"wrong secret first byte":   {form(nil), id, flip(secret, 0), 401, "invalid_client", true},
		"no secret":                 {form(url.Values{"client_id": {id}}), "", "", 401, "invalid_client", false},
		"basic and body mismatch":   {form(url.Values{"client_id": {pub}}), id, secret, 401, "invalid_client", true},
		"basic and body secret":     {form(url.Values{"client_secret": {secret}}), id, secret, 401, "invalid_client", true},
		"public client with secret": {form(url.Values{"client_id": {pub}, "client_secret": {"abc"}}), "", "", 401, "invalid_client", false},
		"unknown client":            {form(nil), "nope", "x", 401, "invalid_client", true},
		"post auth ok":              {form(url.Values{"client_id": {id}, "client_secret": {secret}}), "", "", 400, "invalid_grant", false},
		"basic + body id ok":        {form(url.Values{"client_id": {id}}), id, secret, 400, "invalid_grant", false},
	} {
		t.Run(name, func(t *testing.T) {
			st, body, h := e.postForm(t, "/oidc/token", tc.form, tc.user, tc.pass)
			if st != tc.wantStatus || body["error"] != tc.wantError {
				t.Fatalf("%d %v", st, body)
			}
			if tc.wantAuthHead && h.Get("WWW-Authenticate") == "" {
				t.Errorf("no WWW-Authenticate on 401")
			}
		})
	}
	// Malformed Basic headers (catalogue TL-15): never a success, never 5xx.
	for _, auth := range []string{"Basic !!!", "Basic " + base64.StdEncoding.EncodeToString([]byte(id)),
		"Basic " + base64.StdEncoding.EncodeToString([]byte(id + ":" + secret))[1:], "Basic", "Basic  ", "Bearer " + secret,
		"Basic " + base64.StdEncoding.EncodeToString([]byte(id+"%zz:"+secret)),
		"Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret+"\x00"))} {
		req, _ := http.NewRequest(http.MethodPost, e.URL+"/oidc/token", strings.NewReader(form(url.Values{"client_id": {id}}).Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != 401 && resp.StatusCode != 400 || body["error"] == "invalid_grant" {
			t.Errorf("Authorization %q: %d %v, want a 400/401 client error", auth, resp.StatusCode, body)
		}
	}
}

func TestSignInThrottling(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "mia", "password-mia")
	b := e.browser(t)
	resp := b.get(t, e.authURL(id, r, nil))
	_, action, csrf := page(t, resp)
	try := func(pw string) int {
		resp := b.post(t, action, url.Values{"identifier": {"mia"}, "password": {pw}, "csrf_token": {csrf}})
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := range 5 {
		if st := try("wrong"); st != 401 {
			t.Fatalf("attempt %d: %d, want 401", i+1, st)
		}
	}
	if st := try("password-mia"); st != http.StatusTooManyRequests {
		t.Fatalf("correct password during lockout: %d, want 429", st)
	}
	// An unknown account answers exactly like a wrong password.
	resp = b.post(t, action, url.Values{"identifier": {"nobody"}, "password": {"x"}, "csrf_token": {csrf}})
	body, _, _ := page(t, resp)
	if resp.StatusCode != 401 || !strings.Contains(body, "Incorrect username, email or password.") {
		t.Errorf("unknown user: %d", resp.StatusCode)
	}
}

func TestConcurrentSignInLockout(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "noah", "password-noah")
	b := e.browser(t)
	_, action, csrf := page(t, b.get(t, e.authURL(id, r, nil)))
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]int{}
	for range 30 {
		wg.Go(func() {
			resp := b.post(t, action, url.Values{"identifier": {"noah"}, "password": {"wrong"}, "csrf_token": {csrf}})
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			mu.Lock()
			counts[resp.StatusCode]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if counts[401] != 5 || counts[429] != 25 {
		t.Fatalf("30 concurrent wrong passwords: %v, want exactly 5 checked (401) and 25 refused (429)", counts)
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "olga", "password-olga")
	b := e.browser(t)
	_, action, csrf := page(t, b.get(t, e.authURL(id, r, nil)))
	// No token.
	resp := b.post(t, action, url.Values{"identifier": {"olga"}, "password": {"password-olga"}})
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("missing CSRF token: %d", resp.StatusCode)
	}
	// A token from another browser.
	other := e.browser(t)
	_, _, foreign := page(t, other.get(t, e.authURL(id, r, nil)))
	resp = b.post(t, action, url.Values{"identifier": {"olga"}, "password": {"password-olga"}, "csrf_token": {foreign}})
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("foreign CSRF token: %d", resp.StatusCode)
	}
	// A cross-site Origin.
	b.Origin = "https://evil.example"
	resp = b.post(t, action, url.Values{"identifier": {"olga"}, "password": {"password-olga"}, "csrf_token": {csrf}})
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("cross-origin POST: %d", resp.StatusCode)
	}
	b.Origin = e.URL
	// The interaction belongs to the browser that started it.
	_, _, otherCSRF := page(t, other.get(t, e.URL+"/healthz"))
	_ = otherCSRF
	resp = other.get(t, e.URL+action)
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("another browser opened this interaction: %d", resp.StatusCode)
	}
}

func TestCookieAttributes(t *testing.T) {
	e := newEnv(t, func(c *config.Config, _ *app.Options) {})
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "pia", "password-pia")
	b := e.browser(t)
	resp := b.get(t, e.authURL(id, r, nil))
	_, action, csrf := page(t, resp)
	stop := *b.Client
	stop.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	b.Client = &stop
	resp = b.post(t, action, url.Values{"identifier": {"pia"}, "password": {"password-pia"}, "csrf_token": {csrf}})
	resp.Body.Close()
	found := false
	for _, c := range resp.Cookies() {
		if c.Name == "sesame_session" {
			found = true
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
				t.Errorf("session cookie attributes %+v", c)
			}
		}
	}
	if !found {
		t.Fatal("no session cookie set on sign-in")
	}
}

// TestCookieAttributesHTTPS (catalogue SS-07): behind an https endpoint
// every cookie Sesame sets (interaction, CSRF, session) is __Host-
// prefixed, Secure, HttpOnly, SameSite=Lax, Path=/ and host-only, so no
// subdomain can read, set or overwrite it.
func TestCookieAttributesHTTPS(t *testing.T) {
	const endpoint = "https://sesame.example"
	e := newEnv(t, func(c *config.Config, _ *app.Options) { c.Endpoint = endpoint })
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "hugo", "password-hugo")
	h := e.Server.Handler()
	jar := map[string]*http.Cookie{}
	seen := map[string]bool{}
	do := func(req *http.Request) *httptest.ResponseRecorder {
		t.Helper()
		for _, c := range jar {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		for _, c := range (&http.Response{Header: rec.Header()}).Cookies() {
			if c.MaxAge < 0 {
				continue // a deletion
			}
			seen[c.Name] = true
			if !strings.HasPrefix(c.Name, "__Host-") || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
				t.Errorf("cookie %s: Secure=%v HttpOnly=%v SameSite=%v Path=%q Domain=%q", c.Name, c.Secure, c.HttpOnly, c.SameSite, c.Path, c.Domain)
			}
			jar[c.Name] = c
		}
		return rec
	}
	rec := do(httptest.NewRequest(http.MethodGet, endpoint+"/oidc/auth?"+url.Values{"client_id": {id}, "redirect_uri": {r},
		"response_type": {"code"}, "scope": {"openid"}}.Encode(), nil))
	signIn := rec.Header().Get("Location")
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(signIn, "/sign-in?") {
		t.Fatalf("authorize: %d %q", rec.Code, signIn)
	}
	rec = do(httptest.NewRequest(http.MethodGet, endpoint+signIn, nil))
	_, _, csrf := testkit.ReadPage(rec.Result())
	if rec.Code != 200 || csrf == "" {
		t.Fatalf("sign-in page: %d", rec.Code)
	}
	req := httptest.NewRequest(http.MethodPost, endpoint+signIn, strings.NewReader(url.Values{"identifier": {"hugo"},
		"password": {"password-hugo"}, "csrf_token": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", endpoint)
	if rec = do(req); rec.Code != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %s", rec.Code, rec.Body)
	}
	var names []string
	for n := range seen {
		names = append(names, n)
	}
	for _, want := range []string{"__Host-sesame_session", "__Host-sesame_interaction_", "csrf"} {
		if !strings.Contains(strings.Join(names, " "), want) {
			t.Errorf("no %s cookie among %v", want, names)
		}
	}
}

func TestLogoutSafety(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, []string{"https://app.example/bye"})
	e.user(t, "quinn", "password-quinn")
	b := e.browser(t)
	code, v, _ := e.flow(t, b, id, r, true, "quinn", "password-quinn", nil)
	_, body := e.exchange(t, id, secret, code, v, r)
	idToken := body["id_token"].(string)
	noFollow := func(u string) *http.Response {
		resp, err := b.Client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	for name, u := range map[string]string{
		"unregistered":   "/session/end?client_id=" + id + "&post_logout_redirect_uri=" + url.QueryEscape("https://evil.example/"),
		"query added":    "/session/end?client_id=" + id + "&post_logout_redirect_uri=" + url.QueryEscape("https://app.example/bye?foo=bar"),
		"forged hint":    "/session/end?id_token_hint=" + idToken[:len(idToken)-4] + "AAAA&post_logout_redirect_uri=" + url.QueryEscape("https://app.example/bye"),
		"unknown client": "/session/end?client_id=nope&post_logout_redirect_uri=" + url.QueryEscape("https://app.example/bye"),
	} {
		resp := noFollow(e.Issuer + u)
		resp.Body.Close()
		if resp.StatusCode != 400 || resp.Header.Get("Location") != "" {
			t.Errorf("%s: %d %q", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	// Nothing that proves the app asked (no app, only state, or only the
	// public client_id) and a live session: a confirmation page, and the
	// session survives (catalogue SS-03, SS-04).
	var action, csrf string
	for name, u := range map[string]string{
		"no app":         "/session/end?post_logout_redirect_uri=" + url.QueryEscape("https://app.example/bye"),
		"bare":           "/session/end",
		"only state":     "/session/end?state=s0",
		"only client_id": "/session/end?client_id=" + id,
	} {
		resp := noFollow(e.Issuer + u)
		_, action, csrf = page(t, resp)
		if resp.StatusCode != 200 || action != "/oidc/session/end/confirm" || csrf == "" || resp.Header.Get("Location") != "" {
			t.Fatalf("%s: %d action %q", name, resp.StatusCode, action)
		}
		code, v, _ = e.flow(t, b, id, r, false, "", "", url.Values{"prompt": {"none"}})
		if st, _ := e.exchange(t, id, secret, code, v, r); st != 200 {
			t.Fatalf("%s: session ended without confirmation", name)
		}
	}
	// The confirmation form refuses a missing token and a cross-site POST
	// (catalogue UI-01) and the session survives; confirming signs out with
	// a 303 (RP-16).
	for name, form := range map[string]url.Values{
		"no token":      {"logout": {"yes"}},
		"foreign token": {"logout": {"yes"}, "csrf_token": {"AAAA" + csrf[4:]}},
	} {
		resp := b.post(t, action, form)
		resp.Body.Close()
		if resp.StatusCode != 403 {
			t.Errorf("confirm with %s: %d, want 403", name, resp.StatusCode)
		}
	}
	b.Origin = "https://evil.example"
	resp := b.post(t, action, url.Values{"logout": {"yes"}, "csrf_token": {csrf}})
	resp.Body.Close()
	b.Origin = e.URL
	if resp.StatusCode != 403 {
		t.Errorf("cross-site confirm: %d, want 403", resp.StatusCode)
	}
	code, v, _ = e.flow(t, b, id, r, false, "", "", url.Values{"prompt": {"none"}})
	if st, _ := e.exchange(t, id, secret, code, v, r); st != 200 {
		t.Fatal("a rejected confirmation ended the session")
	}
	req, _ := http.NewRequest(http.MethodPost, e.URL+action, strings.NewReader(url.Values{"logout": {"yes"}, "csrf_token": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.URL)
	stop := *b.Client // same cookie jar, but see the redirect itself
	stop.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := stop.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/oidc/session/end/success" {
		t.Fatalf("confirmed sign-out: %d %q, want 303 to the signed-out page", resp.StatusCode, resp.Header.Get("Location"))
	}
	if cb := callback(t, b.get(t, e.authURL(id, r, url.Values{"prompt": {"none"}})), r); cb.Query().Get("error") != "login_required" {
		t.Fatalf("after a confirmed sign-out: %s", cb.RawQuery)
	}
	// Sign in again for the hinted logout below.
	code, v, _ = e.flow(t, b, id, r, true, "quinn", "password-quinn", nil)
	_, body = e.exchange(t, id, secret, code, v, r)
	idToken = body["id_token"].(string)
	// Valid id_token_hint + registered URI: straight back with state.
	resp = noFollow(e.Issuer + "/session/end?id_token_hint=" + idToken + "&post_logout_redirect_uri=" + url.QueryEscape("https://app.example/bye") + "&state=s1")
	resp.Body.Close()
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "https://app.example/bye?state=s1" {
		t.Fatalf("hinted logout: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	cb := callback(t, b.get(t, e.authURL(id, r, url.Values{"prompt": {"none"}})), r)
	if cb.Query().Get("error") != "login_required" {
		t.Errorf("after logout: %s", cb.RawQuery)
	}
}

// TestMalformedInputNeverFails sends hostile input to every endpoint and
// requires a 4xx (or a handled 2xx/3xx), never a 5xx.
func TestMalformedInputNeverFails(t *testing.T) {
	e := newEnv(t)
	id, _ := e.app(t, store.AppTraditional, []string{"https://app.example/cb"}, nil)
	long := strings.Repeat("a", 20000)
	paths := []string{"/oidc/auth", "/oidc/token", "/oidc/me", "/oidc/session/end", "/oidc/token/revocation",
		"/oidc/token/introspection", "/sign-in", "/register", "/consent", "/oidc/auth/xyz", "/oidc/session/end/confirm"}
	queries := []string{"", "client_id=" + id + "&redirect_uri=%zz", "x=%00%ff", "client_id=" + long, "a=1&a=2&a=3",
		"client_id=" + id + "&client_id=" + id, "interaction=" + long[:200], "\xff\xfe=1", "q=" + strings.Repeat("%41", 6000)}
	bodies := []string{"", "grant_type=authorization_code&code=", "grant_type=refresh_token&refresh_token=%zz",
		"token=" + long, strings.Repeat("a=b&", 20000), "{\"json\":true}", "grant_type=client_credentials&client_id=" + id + "&client_secret=" + long}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, p := range paths {
		for _, q := range queries {
			resp, err := client.Get(e.URL + p + "?" + q)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				t.Errorf("GET %s?%.60s → %d", p, q, resp.StatusCode)
			}
			for _, body := range bodies {
				for _, ct := range []string{"application/x-www-form-urlencoded", "application/json", "multipart/form-data; boundary=x"} {
					resp, err := client.Post(e.URL+p+"?"+q, ct, strings.NewReader(body))
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					if resp.StatusCode >= 500 {
						t.Errorf("POST %s?%.40s (%s, %.40s) → %d", p, q, ct, body, resp.StatusCode)
					}
				}
			}
		}
	}
	// Oversized requests are refused early.
	resp, _ := client.Get(e.URL + "/oidc/auth?x=" + strings.Repeat("a", 70000))
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestURITooLong && resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("huge query: %d", resp.StatusCode)
	}
	resp, _ = client.Post(e.URL+"/oidc/token", "application/x-www-form-urlencoded", strings.NewReader("a="+strings.Repeat("b", 1<<20)))
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), "too large") {
		t.Errorf("1 MB token body: %d %s", resp.StatusCode, b)
	}
}

func TestRegistration(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "taken", "password-taken")
	b := e.browser(t)
	resp := b.get(t, e.authURL(id, r, nil))
	page(t, resp)
	interaction := resp.Request.URL.Query().Get("interaction")
	resp = b.get(t, e.URL+"/register?interaction="+interaction)
	_, action, csrf := page(t, resp)
	post := func(u, email, pw, confirm string) *http.Response {
		return b.post(t, action, url.Values{"username": {u}, "email": {email}, "password": {pw}, "password_confirm": {confirm}, "csrf_token": {csrf}})
	}
	for name, args := range map[string][4]string{
		"short password": {"newbie", "", "short", "short"},
		"mismatch":       {"newbie", "", "password-1", "password-2"},
		"bad username":   {"a b", "", "password-1", "password-1"},
		"bad email":      {"newbie", "not-an-email", "password-1", "password-1"},
		"taken":          {"TAKEN", "", "password-1", "password-1"},
	} {
		resp := post(args[0], args[1], args[2], args[3])
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("%s: %d", name, resp.StatusCode)
		}
	}
	cb := callback(t, func() *http.Response {
		resp := post("Newbie", "New@Example.com", "password-1", "password-1")
		for resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/") {
			resp = b.get(t, e.URL+resp.Header.Get("Location"))
		}
		return resp
	}(), r)
	if cb.Query().Get("code") == "" {
		t.Fatalf("registration did not complete the sign-in: %s", cb)
	}
	// Sesame sent no verification mail, so it must not claim the address is
	// verified (an RP linking accounts by verified email would be taken
	// over by whoever registered a victim's address first).
	st, body := e.exchange(t, id, secret, cb.Query().Get("code"), "", r)
	if st != 200 {
		t.Fatalf("exchange %d %v", st, body)
	}
	claims := unsafeClaims(t, body["id_token"].(string), jose.ES384)
	if claims["email"] != "new@example.com" || claims["email_verified"] != false {
		t.Errorf("self-registered user's ID token: email %v email_verified %v, want the address and false", claims["email"], claims["email_verified"])
	}
	req, _ := http.NewRequest(http.MethodGet, e.Issuer+"/me", nil)
	req.Header.Set("Authorization", "Bearer "+body["access_token"].(string))
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		var info map[string]any
		json.NewDecoder(resp.Body).Decode(&info)
		resp.Body.Close()
		if info["email_verified"] != false {
			t.Errorf("self-registered user's userinfo: email_verified %v, want false", info["email_verified"])
		}
	}
	// Logto's first_screen=register (and interaction_mode=signUp) open the
	// create-account page directly.
	for _, q := range []url.Values{{"first_screen": {"register"}}, {"interaction_mode": {"signUp"}}} {
		resp := e.browser(t).get(t, e.authURL(id, r, q))
		resp.Body.Close()
		if resp.Request.URL.Path != "/register" {
			t.Errorf("%v opened %s", q, resp.Request.URL.Path)
		}
	}
	u, err := e.Store.GetUserByLogin(t.Context(), identity.Canonical("NEWBIE"))
	if err != nil || u.Email != "new@example.com" {
		t.Errorf("registered user %+v %v", u, err)
	}
}

func TestHealth(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"/healthz", "/readyz", "/", "/static/sesame.css"} {
		resp, err := http.Get(e.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
	rec := httptest.NewRecorder()
	e.Server.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/nope", nil))
	if rec.Code != 404 {
		t.Errorf("unknown path: %d", rec.Code)
	}
}

func TestIPThrottleCountsFailuresOnly(t *testing.T) {
	e := newEnv(t, func(_ *config.Config, o *app.Options) {
		o.Throttle = experience.Throttle{UserLimit: 100, IPLimit: 3}
	})
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "rita", "password-rita")
	// Many successful sign-ins from one address are never throttled.
	for range 5 {
		b := e.browser(t)
		callback(t, b.login(t, b.get(t, e.authURL(id, r, nil)), "rita", "password-rita"), r)
	}
	b := e.browser(t)
	_, action, csrf := page(t, b.get(t, e.authURL(id, r, nil)))
	for i, who := range []string{"x1", "x2", "rita"} {
		resp := b.post(t, action, url.Values{"identifier": {who}, "password": {"wrong"}, "csrf_token": {csrf}})
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Fatalf("failure %d: %d", i+1, resp.StatusCode)
		}
	}
	resp := b.post(t, action, url.Values{"identifier": {"rita"}, "password": {"password-rita"}, "csrf_token": {csrf}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("after 3 failures from one IP: %d (Retry-After %q)", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// TestRegistrationIPLimit (catalogue UI-08): accounts created from one
// address are limited; the refusal says when to retry and creates nothing.
func TestRegistrationIPLimit(t *testing.T) {
	e := newEnv(t, func(_ *config.Config, o *app.Options) {
		o.Throttle = experience.Throttle{UserLimit: 100, IPLimit: 2}
	})
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	for i := range 3 {
		b := e.browser(t)
		resp := b.get(t, e.authURL(id, r, url.Values{"first_screen": {"register"}}))
		_, action, csrf := page(t, resp)
		name := fmt.Sprintf("signup%d", i)
		resp = b.post(t, action, url.Values{"username": {name}, "password": {"password-1"}, "password_confirm": {"password-1"}, "csrf_token": {csrf}})
		resp.Body.Close()
		_, err := e.Store.GetUserByLogin(t.Context(), name)
		if i < 2 {
			if resp.StatusCode != http.StatusSeeOther || err != nil {
				t.Fatalf("sign-up %d: %d, user: %v", i+1, resp.StatusCode, err)
			}
			continue
		}
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
			t.Errorf("sign-up over the limit: %d (Retry-After %q)", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("sign-up over the limit created the user (%v)", err)
		}
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	http.Get(e.Issuer + "/jwks")
	http.Get(e.URL + "/no/such/page?secret=abc")
	rec := httptest.NewRecorder()
	e.Server.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	if !strings.Contains(body, `sesame_http_requests_total{code="200",route="GET /oidc/jwks"} 1`) ||
		!strings.Contains(body, `route="unmatched"`) || strings.Contains(body, "secret=abc") || strings.Contains(body, "/no/such") {
		t.Errorf("metrics:\n%s", body)
	}
}

func TestFormPostNeedsWebRedirect(t *testing.T) {
	e := newEnv(t)
	r := "com.example.app:/cb"
	id, _ := e.app(t, store.AppNative, []string{r}, nil)
	_, challenge := pkce()
	cb := callback(t, e.browser(t).get(t, e.authURL(id, r, url.Values{"response_mode": {"form_post"},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}})), r)
	if cb.Query().Get("error") != "invalid_request" {
		t.Fatalf("form_post to a custom scheme: %s", cb.RawQuery)
	}
}
