package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/store"
)

// TestReplicaClockSkew (docs/testing.md, "Faults"): two replicas on one
// PostgreSQL database whose clocks are 10 s apart (one 5 s ahead of the
// real time, one 5 s behind). In both directions: an access token minted
// on one is active on the other (introspection, userinfo, the Management
// API), a code minted on one is redeemed on the other, an SSO session made
// on one signs in on the other without a password, and a refresh token
// issued on one refreshes on the other. Nothing expires early. (It found
// that a replica whose clock was behind the one that made the first
// signing key took that key for not yet active and made one of its own,
// which the other replica did not know yet.)
// skewedReplicas starts two replicas on one PostgreSQL database whose
// clocks are now's plus 5 s and minus 5 s.
func skewedReplicas(t *testing.T, now func() time.Time) (ahead, behind *env) {
	skew := func(d time.Duration) envOption {
		return func(_ *config.Config, o *app.Options) { o.Now = func() time.Time { return now().Add(d) } }
	}
	ahead = newEnv(t, onPostgres(t), skew(5*time.Second))
	return ahead, ahead.replica(t, skew(-5*time.Second))
}

// direction is one way between two replicas.
type direction struct {
	name     string
	from, to *env
}

func bothWays(ahead, behind *env) []direction {
	return []direction{{"ahead to behind", ahead, behind}, {"behind to ahead", behind, ahead}}
}

func TestReplicaClockSkew(t *testing.T) {
	ahead, behind := skewedReplicas(t, time.Now)
	ctx := context.Background()
	ahead.resource(t, apiA, "read")
	m2m, m2mSecret := ahead.app(t, store.AppM2M, nil, nil)
	ahead.permit(t, m2m, map[string][]string{apiA: {"read"}})
	if err := admin.GrantManagementAPI(ctx, ahead.Store, m2m); err != nil {
		t.Fatal(err)
	}
	redirect := "https://app.example/cb"
	web, webSecret := ahead.app(t, store.AppTraditional, []string{redirect}, nil)
	ahead.user(t, "ada", "correct horse battery")

	for _, dir := range bothWays(ahead, behind) {
		t.Run(dir.name, func(t *testing.T) {
			from, to := dir.from, dir.to
			// A client_credentials JWT minted on one replica, on the other.
			tok := from.ccToken(t, m2m, m2mSecret, apiA, "read")
			if body := to.introspect(t, m2m, m2mSecret, tok); body["active"] != true {
				t.Fatalf("a JWT minted on the other replica is not active: %v (claims %v)", body, unsafeClaims(t, tok, "ES384"))
			}
			mgmtTok := from.ccToken(t, m2m, m2mSecret, admin.APIIndicator(ahead.URL), admin.Scope)
			req, _ := http.NewRequest(http.MethodGet, to.URL+"/api/applications", nil)
			req.Header.Set("Authorization", "Bearer "+mgmtTok)
			if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
				t.Fatalf("Management API token minted on the other replica: %v %v", resp, err)
			} else {
				resp.Body.Close()
			}

			// Sign in on one replica; the code is redeemed on the other.
			b := from.browser(t)
			opts := url.Values{"scope": {"openid offline_access"}}
			code, verifier, _ := from.flow(t, b, web, redirect, true, "ada", "correct horse battery", opts)
			st, body := to.exchange(t, web, webSecret, code, verifier, redirect)
			if st != 200 {
				t.Fatalf("a code minted on the other replica: %d %v", st, body)
			}
			if st := userinfo(t, to, body["access_token"].(string)); st != 200 {
				t.Fatalf("userinfo with a token from the other replica: %d", st)
			}
			// The SSO session made on `from` signs in on `to` without a
			// password (the browser's cookies go to both: same host).
			resp := b.get(t, to.authURL(web, redirect, url.Values{"code_challenge": {strings.Repeat("a", 43)},
				"code_challenge_method": {"S256"}, "scope": {"openid"}}))
			if strings.HasPrefix(resp.Request.URL.Path, "/sign-in") {
				t.Fatalf("the other replica asked for a password: the SSO session looked expired (%s)", resp.Request.URL)
			}
			cb := callback(t, resp, redirect)
			if cb.Query().Get("code") == "" {
				t.Fatalf("SSO on the other replica: %s", cb.RawQuery)
			}
			// The refresh token issued on `to` refreshes on `from`.
			rt, _ := body["refresh_token"].(string)
			st, rbody, _ := from.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, web, webSecret)
			if st != 200 {
				t.Fatalf("a refresh token from the other replica: %d %v", st, rbody)
			}
		})
	}
}

// TestReplicaClockSkewNearExpiry (docs/design.md, "Clocks across
// replicas"): with the same two clocks (5 s ahead, 5 s behind, so 10 s
// apart, store.ClockSkew) moved together, nothing made on one replica
// ends early on the other: a code is redeemed there 1 s before its
// lifetime ends, and an SSO session signs in there 1 s before its own.
// And nothing lives on much longer: the code is refused once its lifetime,
// the skew between the clocks and store.ClockSkew have passed. An access
// token, self-contained, is judged by its exp: it stays active to within
// the skew of its lifetime.
func TestReplicaClockSkewNearExpiry(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	ahead, behind := skewedReplicas(t, clock.Now)
	const apart = 10 * time.Second
	redirect := "https://app.example/cb"
	web, webSecret := ahead.app(t, store.AppTraditional, []string{redirect}, nil)
	ahead.user(t, "ada", "correct horse battery")

	for _, dir := range bothWays(ahead, behind) {
		t.Run(dir.name, func(t *testing.T) {
			from, to := dir.from, dir.to
			b := from.browser(t)
			signedIn := clock.Now()
			code, verifier, _ := from.flow(t, b, web, redirect, true, "ada", "correct horse battery", url.Values{"scope": {"openid"}})
			clock.Advance(provider.CodeTTL - time.Second)
			st, body := to.exchange(t, web, webSecret, code, verifier, redirect)
			if st != 200 {
				t.Fatalf("a code minted on the other replica %v ago: %d %v", provider.CodeTTL-time.Second, st, body)
			}
			tok := body["access_token"].(string)
			ttl := time.Duration(body["expires_in"].(float64)) * time.Second
			clock.Advance(ttl - apart - time.Second)
			if st := userinfo(t, from, tok); st != 200 {
				t.Fatalf("userinfo on the other replica %v after issue (lifetime %v): %d", ttl-apart-time.Second, ttl, st)
			}

			// A code past its lifetime, the skew and store.ClockSkew.
			code, verifier, _ = from.flow(t, b, web, redirect, false, "", "", url.Values{"scope": {"openid"}})
			clock.Advance(provider.CodeTTL + apart + store.ClockSkew + time.Second)
			if st, body := to.exchange(t, web, webSecret, code, verifier, redirect); st != 400 || body["error"] != "invalid_grant" {
				t.Fatalf("a code %v past its lifetime was redeemed: %d %v", apart+store.ClockSkew+time.Second, st, body)
			}

			// The SSO session made on `from`, 1 s before it ends, on `to`.
			clock.Set(signedIn.Add(provider.SessionTTL - time.Second))
			resp := b.get(t, to.authURL(web, redirect, url.Values{"code_challenge": {strings.Repeat("a", 43)},
				"code_challenge_method": {"S256"}, "scope": {"openid"}}))
			if strings.HasPrefix(resp.Request.URL.Path, "/sign-in") {
				t.Fatalf("the other replica asked for a password 1 s before the session's lifetime ended (%s)", resp.Request.URL)
			}
			clock.Set(time.Now())
		})
	}
}
