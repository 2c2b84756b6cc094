package app_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/store"
)

// The benchmarks call the handler in process (no TCP) so they measure
// Sesame, not the loopback stack.

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func formReq(path string, form url.Values, id, secret string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(id, secret)
	}
	return req
}

func BenchmarkDiscovery(b *testing.B) {
	e := newEnv(b)
	h := e.Server.Handler()
	for b.Loop() {
		if rec := serve(h, httptest.NewRequest(http.MethodGet, "/oidc/.well-known/openid-configuration", nil)); rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

func BenchmarkJWKS(b *testing.B) {
	e := newEnv(b)
	h := e.Server.Handler()
	for b.Loop() {
		if rec := serve(h, httptest.NewRequest(http.MethodGet, "/oidc/jwks", nil)); rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

// BenchmarkTokenAuthorizationCode measures one code exchange: client
// authentication, the redeem transaction (consume + access and refresh
// token rows) and the ES384 ID token. Codes are minted outside the timer.
func BenchmarkTokenAuthorizationCode(b *testing.B) {
	e := newEnv(b)
	r := "https://app.example/cb"
	id, secret := e.app(b, store.AppTraditional, []string{r}, nil)
	e.user(b, "bench", "password-bench")
	br := e.browser(b)
	e.flow(b, br, id, r, true, "bench", "password-bench", nil) // sign in once
	h := e.Server.Handler()
	for b.Loop() {
		b.StopTimer()
		code, v, _ := e.flow(b, br, id, r, false, "", "", nil)
		req := formReq("/oidc/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {v},
			"redirect_uri": {r}, "client_id": {id}}, id, secret)
		b.StartTimer()
		if rec := serve(h, req); rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}

// BenchmarkTokenRefresh measures a refresh of a confidential client (no
// rotation): one transaction writing an access token, plus a new ID token.
func BenchmarkTokenRefresh(b *testing.B) {
	e := newEnv(b)
	r := "https://app.example/cb"
	id, secret := e.app(b, store.AppTraditional, []string{r}, nil)
	e.user(b, "bench", "password-bench")
	code, v, _ := e.flow(b, e.browser(b), id, r, true, "bench", "password-bench", nil)
	_, body := e.exchange(b, id, secret, code, v, r)
	rt := body["refresh_token"].(string)
	h := e.Server.Handler()
	for b.Loop() {
		if rec := serve(h, formReq("/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, id, secret)); rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}

// BenchmarkTokenRefreshResource: a refresh for an API resource token, as
// Logto's getAccessToken(resource) asks for it: the refresh transaction,
// the user's role permissions (one read), a signed JWT and an ID token.
func BenchmarkTokenRefreshResource(b *testing.B) {
	e := newEnv(b)
	r := "https://app.example/cb"
	id, secret := e.app(b, store.AppTraditional, []string{r}, nil)
	u := e.user(b, "bench", "password-bench")
	e.resource(b, "https://api.example.com", "read", "write")
	e.grantUser(b, u.ID, map[string][]string{"https://api.example.com": {"read"}})
	code, v, _ := e.flow(b, e.browser(b), id, r, true, "bench", "password-bench",
		url.Values{"resource": {"https://api.example.com"}, "scope": {"openid offline_access read write"}})
	_, body := e.exchange(b, id, secret, code, v, r)
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {body["refresh_token"].(string)},
		"resource": {"https://api.example.com"}}
	h := e.Server.Handler()
	for b.Loop() {
		if rec := serve(h, formReq("/oidc/token", form, id, secret)); rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}

// BenchmarkTokenClientCredentials: client auth, a JWT signed with each
// supported algorithm, one insert.
func BenchmarkTokenClientCredentials(b *testing.B) {
	for _, alg := range []string{"ES384", "ES256", "RS256"} {
		b.Run(alg, func(b *testing.B) {
			e := newEnv(b, func(c *config.Config, _ *app.Options) { c.SigningAlg = alg })
			id, secret := e.app(b, store.AppM2M, nil, nil)
			e.resource(b, "https://api.example.com", "read")
			e.permit(b, id, map[string][]string{"https://api.example.com": {"read"}})
			h := e.Server.Handler()
			form := url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.example.com"}, "scope": {"read"}}
			for b.Loop() {
				if rec := serve(h, formReq("/oidc/token", form, id, secret)); rec.Code != 200 {
					b.Fatal(rec.Code, rec.Body.String())
				}
			}
		})
	}
}

// BenchmarkFullFlow: authorize → sign-in page → password POST → resume →
// code → token exchange, in one fresh browser each time. The argon2id hash
// here uses the test parameters; production's deliberate cost (≈20 ms at
// 19 MiB, t=2) is measured by password.BenchmarkVerify.
//
// Each browser comes, through a trusted proxy, from its own address, as real
// users do: from one address the per-address limit on new authorization
// requests (300 per 10 minutes) would stop the loop.
func BenchmarkFullFlow(b *testing.B) {
	e := newEnv(b, func(c *config.Config, _ *app.Options) { c.TrustedProxies = "127.0.0.1/32,::1/128" })
	r := "https://app.example/cb"
	id, secret := e.app(b, store.AppTraditional, []string{r}, nil)
	e.user(b, "bench", "password-bench")
	n := 0
	for b.Loop() {
		br := e.browser(b)
		n++
		br.Client.Transport = &forwardedFor{addr: fmt.Sprintf("198.18.%d.%d", n/250%250, n%250+1)}
		code, v, _ := e.flow(b, br, id, r, true, "bench", "password-bench", nil)
		if st, body := e.exchange(b, id, secret, code, v, r); st != 200 {
			b.Fatal(st, body)
		}
	}
}

// BenchmarkAuthorizeSSO: an authorization request answered from the SSO
// session (no sign-in page): session lookup, grant + code inserts.
func BenchmarkAuthorizeSSO(b *testing.B) {
	e := newEnv(b)
	r := "https://app.example/cb"
	id, _ := e.app(b, store.AppTraditional, []string{r}, nil)
	e.user(b, "bench", "password-bench")
	br := e.browser(b)
	e.flow(b, br, id, r, true, "bench", "password-bench", nil)
	u, _ := url.Parse(e.URL)
	cookies := br.Client.Jar.Cookies(u)
	h := e.Server.Handler()
	_, challenge := pkce()
	target := strings.TrimPrefix(e.authURL(id, r, url.Values{"code_challenge": {challenge}, "code_challenge_method": {"S256"}}), e.URL)
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		if rec := serve(h, req); rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "code=") {
			b.Fatal(rec.Code, rec.Header().Get("Location"))
		}
	}
}

// BenchmarkIntrospection: a resource server introspecting access tokens,
// each presented a few times (as an API checks the same token on each
// call). jwt: client_credentials JWTs (signature check, deny list, app);
// opaque: userinfo-style opaque tokens (one row read each).
func BenchmarkIntrospection(b *testing.B) {
	e := newEnv(b)
	id, secret := e.app(b, store.AppM2M, nil, nil)
	e.resource(b, "https://api.example.com", "read")
	e.permit(b, id, map[string][]string{"https://api.example.com": {"read"}})
	h := e.Server.Handler()
	for _, kind := range []string{"jwt", "opaque"} {
		b.Run(kind, func(b *testing.B) {
			form := url.Values{"grant_type": {"client_credentials"}}
			if kind == "jwt" {
				form.Set("resource", "https://api.example.com")
				form.Set("scope", "read")
			}
			toks := make([]string, 64)
			for i := range toks {
				rec := serve(h, formReq("/oidc/token", form, id, secret))
				if rec.Code != 200 {
					b.Fatal(rec.Code, rec.Body.String())
				}
				toks[i] = strings.Split(strings.Split(rec.Body.String(), `"access_token":"`)[1], `"`)[0]
			}
			i := 0
			for b.Loop() {
				rec := serve(h, formReq("/oidc/token/introspection", url.Values{"token": {toks[i%len(toks)]}}, id, secret))
				if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"active":true`) {
					b.Fatal(rec.Code, rec.Body.String())
				}
				i++
			}
		})
	}
}

// BenchmarkTokenCostFlat issues a million client_credentials tokens (ES256)
// and reports the cost per token of the first and the last tenth: the cost
// of a token must not grow with the number issued. With the audit log on
// (each token request is an entry, written in batches) and off. Run it
// alone (SESAME_BENCH_TOKENS=N changes the count):
//
//	go test -run '^$' -bench TokenCostFlat -benchtime 1x -timeout 30m ./internal/app/
func BenchmarkTokenCostFlat(b *testing.B) {
	total, window := 1_000_000, 100_000
	if n, err := strconv.Atoi(os.Getenv("SESAME_BENCH_TOKENS")); err == nil && n >= 2*window/10 {
		total, window = n, n/10
	}
	for _, audited := range []bool{true, false} {
		name := "audited"
		if !audited {
			name = "unaudited"
		}
		b.Run(name, func(b *testing.B) {
			e := newEnv(b, func(c *config.Config, o *app.Options) { c.SigningAlg, o.NoAudit = "ES256", !audited })
			id, secret := e.app(b, store.AppM2M, nil, nil)
			e.resource(b, "https://api.example.com", "read")
			e.permit(b, id, map[string][]string{"https://api.example.com": {"read"}})
			h := e.Server.Handler()
			form := url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.example.com"}, "scope": {"read"}}
			for b.Loop() {
				var first, last time.Duration
				for i := range total {
					start := time.Now()
					if rec := serve(h, formReq("/oidc/token", form, id, secret)); rec.Code != 200 {
						b.Fatal(rec.Code, rec.Body.String())
					}
					switch d := time.Since(start); {
					case i < window:
						first += d
					case i >= total-window:
						last += d
					}
				}
				b.ReportMetric(float64(first.Microseconds())/float64(window), "µs/token-first")
				b.ReportMetric(float64(last.Microseconds())/float64(window), "µs/token-last")
			}
		})
	}
}
