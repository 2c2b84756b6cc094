package sesame

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// testClock is a settable clock shared by the provider and the client.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: time.Now().Truncate(time.Second)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type testKey struct {
	kid  string
	priv *ecdsa.PrivateKey
}

func newTestKey(t testing.TB, kid string) *testKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &testKey{kid: kid, priv: priv}
}

type authCode struct {
	redirectURI string
	challenge   string
	scope       string
	resources   []string
	sub         string
}

type grant struct {
	sub       string
	scope     string
	resources []string
	used      bool
}

type opaqueToken struct {
	sub string
	exp time.Time
}

// testOP is an in-process OpenID provider with Sesame's (Logto's) wire: issuer
// {url}/oidc, ES384 keys with kid, client_secret_basic, PKCE S256, refresh
// tokens with offline_access, JWT access tokens for resource indicators.
type testOP struct {
	t      testing.TB
	srv    *httptest.Server
	issuer string
	clock  *testClock

	clientID, clientSecret string

	mu          sync.Mutex
	signKey     *testKey
	published   []*testKey
	codes       map[string]*authCode
	grants      map[string]*grant // refresh token -> grant
	opaque      map[string]opaqueToken
	sub         string
	extraClaims map[string]any
	accessTTL   time.Duration
	rotate      bool // rotate refresh tokens on every use
	mutateID    func(claims map[string]any)
	tamperSig   bool
	refreshWait time.Duration // delay refresh responses (widens races)
	issParam    bool          // advertise authorization_response_iss_parameter_supported (it always sends iss)

	lastAuth    url.Values
	lastToken   url.Values
	tokenAuth   []string // Basic user per token request
	refreshes   []url.Values
	revoked     []string
	revokeAuth  []string
	jwksHits    int
	discoHits   int
	userinfoHit int
}

func newTestOP(t testing.TB, clock *testClock) *testOP {
	op := &testOP{
		t: t, clock: clock,
		clientID: "app123", clientSecret: "s3cretS3cretS3cret",
		codes: map[string]*authCode{}, grants: map[string]*grant{}, opaque: map[string]opaqueToken{},
		sub: "user-1", accessTTL: time.Hour,
	}
	op.signKey = newTestKey(t, "key-1")
	op.published = []*testKey{op.signKey}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oidc/.well-known/openid-configuration", op.discovery)
	mux.HandleFunc("GET /oidc/jwks", op.jwks)
	mux.HandleFunc("GET /oidc/auth", op.authorize)
	mux.HandleFunc("POST /oidc/token", op.token)
	mux.HandleFunc("GET /oidc/me", op.userinfo)
	mux.HandleFunc("POST /oidc/token/revocation", op.revocation)
	mux.HandleFunc("GET /oidc/session/end", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("post_logout_redirect_uri"), http.StatusSeeOther)
	})
	op.srv = httptest.NewServer(mux)
	t.Cleanup(op.srv.Close)
	op.issuer = op.srv.URL + "/oidc"
	return op
}

func (op *testOP) discovery(w http.ResponseWriter, r *http.Request) {
	op.mu.Lock()
	op.discoHits++
	issParam := op.issParam
	op.mu.Unlock()
	writeJSON(w, 200, map[string]any{
		"issuer":                                op.issuer,
		"authorization_endpoint":                op.issuer + "/auth",
		"token_endpoint":                        op.issuer + "/token",
		"userinfo_endpoint":                     op.issuer + "/me",
		"jwks_uri":                              op.issuer + "/jwks",
		"end_session_endpoint":                  op.issuer + "/session/end",
		"revocation_endpoint":                   op.issuer + "/token/revocation",
		"code_challenge_methods_supported":      []string{"S256"},
		"id_token_signing_alg_values_supported": []string{"ES384"},
		"scopes_supported":                      []string{"openid", "offline_access", "profile", "email", "phone"},
		"authorization_response_iss_parameter_supported": issParam,
	})
}

func (op *testOP) jwks(w http.ResponseWriter, r *http.Request) {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.jwksHits++
	var set jose.JSONWebKeySet
	for _, k := range op.published {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: "ES384", Use: "sig"})
	}
	writeJSON(w, 200, set)
}

func (op *testOP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	op.mu.Lock()
	op.lastAuth = q
	op.mu.Unlock()
	if q.Get("client_id") != op.clientID || q.Get("response_type") != "code" ||
		q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "" {
		http.Error(w, "bad authorization request: "+q.Encode(), 400)
		return
	}
	code := randomString(16)
	op.mu.Lock()
	op.codes[code] = &authCode{redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge"),
		scope: q.Get("scope"), resources: q["resource"], sub: op.sub}
	op.mu.Unlock()
	target, _ := url.Parse(q.Get("redirect_uri"))
	v := target.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	v.Set("iss", op.issuer)
	target.RawQuery = v.Encode()
	http.Redirect(w, r, target.String(), http.StatusSeeOther)
}

func (op *testOP) oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc, "code": "oidc." + code, "message": desc})
}

func (op *testOP) checkClient(r *http.Request) (string, bool) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return "", false
	}
	u, _ := url.QueryUnescape(user)
	p, _ := url.QueryUnescape(pass)
	return u, u == op.clientID && p == op.clientSecret
}

func (op *testOP) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		op.oauthError(w, 400, "invalid_request", err.Error())
		return
	}
	user, ok := op.checkClient(r)
	op.mu.Lock()
	op.tokenAuth = append(op.tokenAuth, user)
	op.lastToken = r.PostForm
	op.mu.Unlock()
	if !ok {
		op.oauthError(w, 401, "invalid_client", "client authentication failed")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		op.codeGrant(w, r)
	case "refresh_token":
		op.refreshGrant(w, r)
	default:
		op.oauthError(w, 400, "unsupported_grant_type", "")
	}
}

func (op *testOP) codeGrant(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	op.mu.Lock()
	ac := op.codes[f.Get("code")]
	delete(op.codes, f.Get("code"))
	op.mu.Unlock()
	if ac == nil {
		op.oauthError(w, 400, "invalid_grant", "authorization code not found")
		return
	}
	if f.Get("redirect_uri") != ac.redirectURI {
		op.oauthError(w, 400, "invalid_grant", "redirect_uri mismatch")
		return
	}
	sum := sha256.Sum256([]byte(f.Get("code_verifier")))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != ac.challenge {
		op.oauthError(w, 400, "invalid_grant", "PKCE verification failed")
		return
	}
	resp := map[string]any{
		"access_token": op.newOpaque(ac.sub),
		"expires_in":   int(op.accessTTL / time.Second),
		"token_type":   "Bearer",
		"scope":        ac.scope,
		"id_token":     op.idToken(ac.sub),
	}
	if slices.Contains(strings.Fields(ac.scope), "offline_access") {
		rt := "rt-" + randomString(16)
		op.mu.Lock()
		op.grants[rt] = &grant{sub: ac.sub, scope: ac.scope, resources: ac.resources}
		op.mu.Unlock()
		resp["refresh_token"] = rt
	}
	writeJSON(w, 200, resp)
}

func (op *testOP) refreshGrant(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	if f.Get("code") != "" {
		op.oauthError(w, 400, "invalid_request", "code not allowed in refresh grant")
		return
	}
	op.mu.Lock()
	op.refreshes = append(op.refreshes, f)
	wait := op.refreshWait
	op.mu.Unlock()
	time.Sleep(wait)
	rt := f.Get("refresh_token")
	op.mu.Lock()
	g := op.grants[rt]
	if g == nil || g.used {
		if g != nil { // reuse of a rotated token revokes the grant, like node-oidc-provider
			for k, v := range op.grants {
				if v.sub == g.sub {
					delete(op.grants, k)
				}
			}
		}
		op.mu.Unlock()
		op.oauthError(w, 400, "invalid_grant", "grant request is invalid")
		return
	}
	newRT := rt
	if op.rotate {
		g.used = true
		newRT = "rt-" + randomString(16)
		op.grants[newRT] = &grant{sub: g.sub, scope: g.scope, resources: g.resources}
	}
	op.mu.Unlock()

	resource := f.Get("resource")
	var access string
	scope := g.scope
	if resource != "" {
		if !slices.Contains(g.resources, resource) {
			op.oauthError(w, 400, "invalid_target", "resource indicator is missing, or unknown")
			return
		}
		now := op.clock.Now()
		access = op.sign(map[string]any{
			"jti": randomString(8), "sub": g.sub, "iat": now.Unix(), "exp": now.Add(op.accessTTL).Unix(),
			"scope": "read:stuff", "client_id": op.clientID, "iss": op.issuer, "aud": resource,
		}, "at+jwt")
		scope = "read:stuff"
	} else {
		access = op.newOpaque(g.sub)
	}
	writeJSON(w, 200, map[string]any{
		"access_token":  access,
		"expires_in":    int(op.accessTTL / time.Second),
		"token_type":    "Bearer",
		"scope":         scope,
		"refresh_token": newRT,
		"id_token":      op.idToken(g.sub),
	})
}

func (op *testOP) userinfo(w http.ResponseWriter, r *http.Request) {
	op.mu.Lock()
	op.userinfoHit++
	tok, ok := op.opaque[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	op.mu.Unlock()
	if !ok || !op.clock.Now().Before(tok.exp) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		op.oauthError(w, 401, "invalid_token", "invalid token provided")
		return
	}
	writeJSON(w, 200, map[string]any{"sub": tok.sub, "name": "Ada", "email": "ada@example.com",
		"email_verified": true, "custom_data": map[string]any{"plan": "pro"}})
}

func (op *testOP) revocation(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	user, ok := op.checkClient(r)
	op.mu.Lock()
	defer op.mu.Unlock()
	op.revokeAuth = append(op.revokeAuth, user)
	if !ok {
		op.oauthError(w, 401, "invalid_client", "client authentication failed")
		return
	}
	op.revoked = append(op.revoked, r.PostForm.Get("token"))
	delete(op.grants, r.PostForm.Get("token"))
	w.WriteHeader(200) // empty body, like Logto
}

func (op *testOP) newOpaque(sub string) string {
	tok := randomString(32)
	op.mu.Lock()
	op.opaque[tok] = opaqueToken{sub: sub, exp: op.clock.Now().Add(op.accessTTL)}
	op.mu.Unlock()
	return tok
}

// idToken mints a fresh ID token, applying mutateID and tamperSig.
func (op *testOP) idToken(sub string) string {
	now := op.clock.Now()
	claims := map[string]any{
		"iss": op.issuer, "sub": sub, "aud": op.clientID, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"auth_time": now.Unix(), "name": "Ada Lovelace", "username": "ada", "picture": nil,
		"email": "ada@example.com", "email_verified": true,
	}
	op.mu.Lock()
	for k, v := range op.extraClaims {
		claims[k] = v
	}
	mutate, tamper := op.mutateID, op.tamperSig
	op.mu.Unlock()
	if mutate != nil {
		mutate(claims)
	}
	tok := op.sign(claims, "JWT")
	if tamper {
		parts := strings.Split(tok, ".")
		sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
		sig[10] ^= 0xff
		tok = parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig)
	}
	return tok
}

func (op *testOP) sign(claims map[string]any, typ string) string {
	op.mu.Lock()
	k := op.signKey
	op.mu.Unlock()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES384, Key: jose.JSONWebKey{Key: k.priv, KeyID: k.kid}},
		(&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
	if err != nil {
		op.t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		op.t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		op.t.Fatal(err)
	}
	return s
}

func (op *testOP) set(f func(op *testOP)) {
	op.mu.Lock()
	defer op.mu.Unlock()
	f(op)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		panic(fmt.Sprint("encode: ", err))
	}
}
