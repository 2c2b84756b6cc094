package httpx

import (
	"crypto/tls"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParams(t *testing.T) {
	get := func(q string) (url.Values, error) {
		r := httptest.NewRequest(http.MethodGet, "/x", nil)
		r.URL.RawQuery = q
		return Params(r, "resource")
	}
	if v, err := get("a=1&resource=x&resource=y"); err != nil || len(v["resource"]) != 2 {
		t.Fatalf("repeatable: %v %v", v, err)
	}
	for _, q := range []string{"a=1&a=2", "a=%zz", "a=%00", "a=%0d%0a", "a=%ff", "a=" + strings.Repeat("b", MaxParamBytes+1)} {
		if _, err := get(q); err == nil {
			t.Errorf("%.40q accepted", q)
		}
	}
	post := func(ct, body string) error {
		r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		_, err := Params(r)
		return err
	}
	if err := post("application/x-www-form-urlencoded; charset=utf-8", "a=1"); err != nil {
		t.Errorf("form: %v", err)
	}
	if err := post("application/json", `{"a":1}`); err == nil {
		t.Error("JSON body accepted")
	}
	// The query of a POST does not leak into its parameters.
	r := httptest.NewRequest(http.MethodPost, "/x?code=q", strings.NewReader("a=1"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if v, _ := Params(r); v.Has("code") {
		t.Error("POST parameters include the query string")
	}
}

func FuzzParams(f *testing.F) {
	for _, s := range []string{"a=1&b=2", "a=1&a=2", "%zz", "a=%ff%fe", "resource=a&resource=b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		r := httptest.NewRequest(http.MethodGet, "/x", nil)
		r.URL.RawQuery = q
		v, err := Params(r, "resource")
		if err != nil {
			return
		}
		for k, vals := range v {
			if len(vals) > 1 && k != "resource" {
				t.Fatalf("duplicate %q accepted", k)
			}
			for _, s := range vals {
				if !utf8.ValidString(s) || strings.ContainsAny(s, "\x00\r\n") || len(s) > MaxParamBytes {
					t.Fatalf("bad value accepted: %q", s)
				}
			}
		}
	})
}

func TestClientIP(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "203.0.113.5:1234"
	r.Header.Set("X-Forwarded-For", "1.2.3.4")
	if got := (ClientIP{}).Of(r); got != "203.0.113.5" {
		t.Errorf("untrusted peer's X-Forwarded-For believed: %s", got)
	}
	trusted := ClientIP{Trusted: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}}
	r.Header.Set("X-Forwarded-For", "9.9.9.9, 1.2.3.4, 203.0.113.7")
	if got := trusted.Of(r); got != "1.2.3.4" {
		t.Errorf("trusted proxy chain: %s", got)
	}
}

// TestClientIPv6Prefix: IPv6 clients are keyed by their /64 (one
// subscriber's allocation), IPv4 and IPv4-mapped clients by address.
func TestClientIPv6Prefix(t *testing.T) {
	of := func(c ClientIP, remote, xff string) string {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = remote
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		return c.Of(r)
	}
	direct := ClientIP{}
	a := of(direct, "[2001:db8:1:2::1]:443", "")
	b := of(direct, "[2001:db8:1:2:ffff:ffff:ffff:ffff]:443", "")
	other := of(direct, "[2001:db8:1:3::1]:443", "")
	if a != b {
		t.Errorf("two addresses in one /64 keyed apart: %q, %q", a, b)
	}
	if a == other {
		t.Errorf("addresses in different /64s share the key %q", a)
	}
	if a != "2001:db8:1:2::/64" {
		t.Errorf("IPv6 key = %q, want 2001:db8:1:2::/64", a)
	}
	if got := of(direct, "[fe80::1%eth0]:443", ""); got != "fe80::/64" {
		t.Errorf("zoned address key = %q", got)
	}
	if x, y := of(direct, "198.51.100.7:1", ""), of(direct, "198.51.100.8:1", ""); x == y || x != "198.51.100.7" {
		t.Errorf("IPv4 keys %q, %q: want one per address", x, y)
	}
	if got := of(direct, "[::ffff:198.51.100.7]:1", ""); got != "198.51.100.7" {
		t.Errorf("IPv4-mapped key = %q, want the IPv4 address", got)
	}
	proxy := ClientIP{Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	x := of(proxy, "10.0.0.1:1", "2001:db8:9:9::5")
	y := of(proxy, "10.0.0.1:1", "2001:db8:9:9:1:2:3:4, 10.0.0.2")
	if x != y || x != "2001:db8:9:9::/64" {
		t.Errorf("forwarded IPv6 clients in one /64: %q, %q", x, y)
	}
	if got := of(proxy, "10.0.0.1:1", "::ffff:203.0.113.9"); got != "203.0.113.9" {
		t.Errorf("forwarded IPv4-mapped key = %q", got)
	}
}

func TestCSRF(t *testing.T) {
	c := &CSRF{Key: []byte("k")}
	rec := httptest.NewRecorder()
	tok := c.Token(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	cookie := rec.Result().Cookies()[0]
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
		t.Errorf("cookie %+v", cookie)
	}
	req := func(form string, withCookie bool) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if withCookie {
			r.AddCookie(cookie)
		}
		return r
	}
	if !c.Valid(req("csrf_token="+tok, true)) {
		t.Error("valid token refused")
	}
	if c.Valid(req("csrf_token="+tok, false)) || c.Valid(req("csrf_token=x", true)) || c.Valid(req("", true)) {
		t.Error("invalid token accepted")
	}
	if (&CSRF{Key: []byte("other")}).Valid(req("csrf_token="+tok, true)) {
		t.Error("token valid under another key")
	}
}

func TestSecureHeaders(t *testing.T) {
	h := Secure(true)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if Nonce(r.Context()) == "" {
			t.Error("no nonce in context")
		}
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	hd := rec.Header()
	if !strings.Contains(hd.Get("Content-Security-Policy"), "frame-ancestors 'none'") || hd.Get("X-Frame-Options") != "DENY" ||
		hd.Get("Strict-Transport-Security") == "" || hd.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("headers %v", hd)
	}
	// HSTS: two years over Sesame's own TLS, whatever the endpoint; one
	// year behind a proxy with an https endpoint; never on plain HTTP to
	// an http endpoint.
	for _, c := range []struct {
		https, tls bool
		want       string
	}{{false, true, "max-age=63072000; includeSubDomains"}, {true, true, "max-age=63072000; includeSubDomains"},
		{true, false, "max-age=31536000; includeSubDomains"}, {false, false, ""}} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if !c.tls {
			req.TLS = nil
		} else if req.TLS == nil {
			req.TLS = &tls.ConnectionState{}
		}
		rec := httptest.NewRecorder()
		Secure(c.https)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(rec, req)
		if got := rec.Header().Get("Strict-Transport-Security"); got != c.want {
			t.Errorf("https endpoint %v, over TLS %v: Strict-Transport-Security %q, want %q", c.https, c.tls, got, c.want)
		}
	}
	if got := CSP("n", "https://a.example", "x'; script-src *"); strings.Contains(got, "script-src *") {
		t.Errorf("CSP injection: %s", got)
	}
}

// TestAllowRemoteImages: only img-src gains https:, in either order with
// AllowFormAction; pages that do not ask keep img-src 'self' data:.
func TestAllowRemoteImages(t *testing.T) {
	const base = "default-src 'none'; script-src 'nonce-N'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	if got := CSP("N"); got != base {
		t.Fatalf("CSP = %q", got)
	}
	want := strings.Replace(base, "img-src 'self' data:;", "img-src 'self' data: https:;", 1)
	wantFA := strings.Replace(want, "form-action 'self'", "form-action 'self' https://app.example", 1)
	h := Secure(false)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/brand":
			AllowRemoteImages(w)
		case "/brand-then-form":
			AllowRemoteImages(w)
			AllowFormAction(w, r, "https://app.example")
		case "/form-then-brand":
			AllowFormAction(w, r, "https://app.example")
			AllowRemoteImages(w)
		}
	}))
	for path, want := range map[string]string{"/plain": base, "/brand": want, "/brand-then-form": wantFA, "/form-then-brand": wantFA} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		got := rec.Header().Get("Content-Security-Policy")
		nonce := regexp.MustCompile(`'nonce-([^']+)'`).FindStringSubmatch(got)
		if nonce == nil || strings.Replace(got, nonce[1], "N", 1) != want {
			t.Errorf("%s: CSP %q, want %q", path, got, want)
		}
	}
}

// TestRequestRecord: behind RequestContext and Secure, as every request
// is, the context gives the request id sent as X-Request-Id and the nonce
// in the CSP; each request gets its own; a handler that changes a security
// header changes it for its own response only (the values are shared).
func TestRequestRecord(t *testing.T) {
	var seen []string
	h := Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, RequestID(r.Context())+" "+Nonce(r.Context()))
		if r.URL.Path == "/frame" {
			w.Header().Set("X-Frame-Options", "SAMEORIGIN")
			w.Header().Add("Referrer-Policy", "strict-origin")
		}
	}), RequestContext(slog.New(slog.DiscardHandler), ClientIP{}), Secure(false))
	var ids, nonces []string
	for _, path := range []string{"/frame", "/", "/"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		hd := rec.Header()
		nonce := regexp.MustCompile(`'nonce-([^']+)'`).FindStringSubmatch(hd.Get("Content-Security-Policy"))
		if nonce == nil || hd.Get("X-Request-Id") == "" || seen[len(seen)-1] != hd.Get("X-Request-Id")+" "+nonce[1] {
			t.Fatalf("%s: context %q, headers %v", path, seen[len(seen)-1], hd)
		}
		ids, nonces = append(ids, hd.Get("X-Request-Id")), append(nonces, nonce[1])
		wantFrame, wantRef := "DENY", []string{"no-referrer"}
		if path == "/frame" {
			wantFrame, wantRef = "SAMEORIGIN", []string{"no-referrer", "strict-origin"}
		}
		if hd.Get("X-Frame-Options") != wantFrame || !slices.Equal(hd.Values("Referrer-Policy"), wantRef) {
			t.Errorf("%s: X-Frame-Options %q, Referrer-Policy %q", path, hd.Get("X-Frame-Options"), hd.Values("Referrer-Policy"))
		}
	}
	if ids[0] == ids[1] || ids[1] == ids[2] || nonces[0] == nonces[1] || nonces[1] == nonces[2] {
		t.Errorf("ids %v, nonces %v: not one per request", ids, nonces)
	}
}
