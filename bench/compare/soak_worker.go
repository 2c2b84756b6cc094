package main

// The soak's simulated users: each signs in, exchanges codes, refreshes,
// and calls the other endpoints as the mixed load picks them.

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sesameauth/sesame/internal/testkit"
)

// soakWorker is one simulated user of the app: its own browser session and
// tokens, and the M2M app's.
type soakWorker struct {
	s        *server
	bases    []string // the replicas' base URLs; requests alternate
	c        *http.Client
	user     string // each worker signs in as a user of its own
	signedIn bool
	idToken  string
	refresh  string
	access   string
	ccToken  string
	n        int
	// shed counts sign-ins answered 503 with Retry-After: every password
	// hashing slot stayed taken for 2 s, Sesame's designed answer to more
	// sign-ins than it hashes at once (docs/benchmarks.md, "Soak").
	shed *atomic.Int64
}

// signInAttempts bounds the tries of one sign-in that is shed.
const signInAttempts = 3

// url returns the endpoint URL u (of s.base) on the next replica.
func (w *soakWorker) url(u string) string {
	w.n++
	return w.bases[w.n%len(w.bases)] + strings.TrimPrefix(u, w.s.base)
}

// needs returns the operation that op needs done first (a sign-in before a
// code, a code before a refresh…), or "". Prerequisites are run and
// recorded as operations of their own, so an endpoint's latency is its
// own and not that of the sign-in its user happened to need first.
func (w *soakWorker) needs(op string) string {
	switch {
	case op == "code" && !w.signedIn:
		return "signin"
	case (op == "refresh" && w.refresh == "") || (op == "userinfo" && w.access == "") || (op == "signout" && w.idToken == ""):
		return "code"
	case op == "introspection" && w.ccToken == "":
		return "client_credentials"
	}
	return ""
}

// run does op, its prerequisites first, recording each into win; it
// returns the first error.
func (w *soakWorker) run(op string, win *window) error {
	for range 3 {
		p := w.needs(op)
		if p == "" {
			break
		}
		if err := w.run(p, win); err != nil {
			return err
		}
	}
	t0 := time.Now()
	err := w.do(op)
	win.add(op, time.Since(t0), err)
	return err
}

// do performs op once.
func (w *soakWorker) do(op string) error {
	s := w.s
	switch op {
	case "signin":
		// A new user's browser, from an address of its own: the servers
		// trust the load generator as a proxy, as they would a load
		// balancer, so the per-address sign-in limits apply per simulated
		// user rather than to the whole load.
		w.c.Jar, _ = cookiejar.New(nil)
		w.signedIn = false
		ip := fmt.Sprintf("10.%d.%d.%d", rand.IntN(256), rand.IntN(256), 1+rand.IntN(254))
		u := w.url(authURL(s.authorize, s.app.ID, "x"))
		b := testkit.NewBrowser(u[:len(u)-len(strings.TrimPrefix(authURL(s.authorize, s.app.ID, "x"), s.base))], forwardedFor{ip})
		b.Client.Jar = w.c.Jar
		var resp *http.Response
		for attempt := 1; ; attempt++ {
			var err error
			resp, err = b.Get(u)
			if err == nil {
				resp, err = b.SignIn(resp, w.user, benchPass)
			}
			if err != nil {
				return err
			}
			discard(resp)
			wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			if resp.StatusCode != http.StatusServiceUnavailable || wait <= 0 || attempt == signInAttempts {
				break
			}
			w.shed.Add(1)
			time.Sleep(time.Duration(min(wait, 5)) * time.Second)
		}
		if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, redirectURI) {
			return fmt.Errorf("sign-in ended at %d %q, not the callback", resp.StatusCode, loc)
		}
		w.signedIn = true
		return nil
	case "code":
		ver, ch := testkit.PKCE()
		resp, err := w.c.Get(w.url(authURL(s.authorize, s.app.ID, ch)))
		if err != nil {
			return err
		}
		discard(resp)
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if loc == nil || !strings.HasPrefix(loc.String(), redirectURI) || loc.Query().Get("code") == "" {
			return fmt.Errorf("authorize: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		st, b, err := postForm(w.c, w.url(s.token), s.app.ID, s.app.Secret, url.Values{"grant_type": {"authorization_code"},
			"code": {loc.Query().Get("code")}, "code_verifier": {ver}, "redirect_uri": {redirectURI}})
		return w.tokens("code exchange", st, b, err)
	case "refresh":
		st, b, err := postForm(w.c, w.url(s.token), s.app.ID, s.app.Secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {w.refresh}})
		return w.tokens("refresh", st, b, err)
	case "client_credentials":
		st, b, err := postForm(w.c, w.url(s.token), s.m2m.ID, s.m2m.Secret, url.Values{"grant_type": {"client_credentials"},
			"resource": {resourceURI}, "scope": {"read"}})
		var t struct {
			AccessToken string `json:"access_token"`
		}
		if err == nil && (st != 200 || json.Unmarshal(b, &t) != nil || t.AccessToken == "") {
			err = fmt.Errorf("client_credentials: %d %.200s", st, b)
		}
		if err == nil {
			w.ccToken = t.AccessToken
		}
		return err
	case "introspection":
		st, b, err := postForm(w.c, w.url(s.introspect), s.m2m.ID, s.m2m.Secret, url.Values{"token": {w.ccToken}})
		if err == nil && (st != 200 || !strings.Contains(string(b), `"active":true`)) {
			err = fmt.Errorf("introspection: %d %.200s", st, b)
		}
		return err
	case "userinfo":
		req, _ := http.NewRequest(http.MethodGet, w.url(s.base+"/oidc/me"), nil)
		req.Header.Set("Authorization", "Bearer "+w.access)
		resp, err := w.c.Do(req)
		if err != nil {
			return err
		}
		discard(resp)
		if resp.StatusCode != 200 {
			return fmt.Errorf("userinfo: %d", resp.StatusCode)
		}
		return nil
	case "signout":
		resp, err := w.c.Get(w.url(s.base + "/oidc/session/end?id_token_hint=" + url.QueryEscape(w.idToken)))
		if err != nil {
			return err
		}
		discard(resp)
		if resp.StatusCode >= 400 {
			return fmt.Errorf("sign-out: %d", resp.StatusCode)
		}
		// The session and its grants are over: the next flow signs in.
		w.signedIn, w.idToken, w.refresh, w.access = false, "", "", ""
		return nil
	}
	return fmt.Errorf("unknown operation %q", op)
}

// forwardedFor adds X-Forwarded-For to every request.
type forwardedFor struct{ ip string }

func (f forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.ip)
	return http.DefaultTransport.RoundTrip(r)
}

// tokens keeps what a code exchange or refresh returned.
func (w *soakWorker) tokens(what string, st int, b []byte, err error) error {
	if err != nil {
		return err
	}
	var t struct {
		IDToken      string `json:"id_token"`
		RefreshToken string `json:"refresh_token"`
		AccessToken  string `json:"access_token"`
	}
	if st != 200 || json.Unmarshal(b, &t) != nil || t.AccessToken == "" {
		return fmt.Errorf("%s: %d %.200s", what, st, b)
	}
	w.access = t.AccessToken
	if t.IDToken != "" {
		w.idToken = t.IDToken
	}
	if t.RefreshToken != "" {
		w.refresh = t.RefreshToken
	}
	return nil
}
