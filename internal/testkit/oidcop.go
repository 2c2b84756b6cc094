package testkit

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// TestOP is a small upstream OpenID provider for testing relying-party
// code (Sesame's connectors) against ID tokens Sesame itself would never
// issue: a wrong issuer or audience, no nonce, a foreign signature. It
// runs discovery, an authorization endpoint that signs the one configured
// user in at once (or answers with Error), a token endpoint that checks
// the client secret and S256 PKCE, and its JWKS (ES256).
type TestOP struct {
	URL          string // the issuer, http://127.0.0.1:port
	ClientID     string
	ClientSecret string
	Redirect     string // the one registered redirect URI

	mu sync.Mutex
	// The user signed in at /auth.
	Subject, Email string
	EmailVerified  bool
	// Error, when set, is the error /auth redirects with (e.g.
	// "access_denied") instead of a code.
	Error string
	// Tamper, when set, changes the ID token's claims before signing.
	Tamper func(claims map[string]any)
	// ForeignKey signs ID tokens with a key that is not in the JWKS
	// (under the published key's kid).
	ForeignKey bool

	key, foreign *ecdsa.PrivateKey
	codes        map[string]opGrant
}

type opGrant struct{ nonce, challenge string }

// NewTestOP starts a TestOP with a client registered for redirect; it
// stops when the test ends.
func NewTestOP(t testing.TB, redirect string) *TestOP {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	foreign, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	op := &TestOP{ClientID: "test-client", ClientSecret: opRandom(), Redirect: redirect,
		Subject: "upstream-subject", Email: "upstream@example.com", EmailVerified: true,
		key: key, foreign: foreign, codes: map[string]opGrant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", op.discovery)
	mux.HandleFunc("GET /auth", op.authorize)
	mux.HandleFunc("POST /token", op.token)
	mux.HandleFunc("GET /jwks", op.jwks)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	op.URL = srv.URL
	return op
}

// Set changes the OP's behaviour under its lock.
func (op *TestOP) Set(f func(op *TestOP)) {
	op.mu.Lock()
	defer op.mu.Unlock()
	f(op)
}

// Authorize runs the authorization request authURL (as a browser would,
// without following the answer) and returns where the OP sends the
// browser back.
func (op *TestOP) Authorize(authURL string) (*url.URL, error) {
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authURL)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	return resp.Location()
}

func (op *TestOP) discovery(w http.ResponseWriter, r *http.Request) {
	opJSON(w, http.StatusOK, map[string]any{
		"issuer": op.URL, "authorization_endpoint": op.URL + "/auth", "token_endpoint": op.URL + "/token",
		"jwks_uri": op.URL + "/jwks", "response_types_supported": []string{"code"},
		"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"ES256"},
		"code_challenge_methods_supported": []string{"S256"},
	})
}

func (op *TestOP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != op.ClientID || q.Get("redirect_uri") != op.Redirect {
		http.Error(w, "unknown client or redirect_uri", http.StatusBadRequest)
		return
	}
	back, _ := url.Parse(op.Redirect)
	v := url.Values{"state": {q.Get("state")}}
	op.mu.Lock()
	if op.Error != "" {
		v.Set("error", op.Error)
	} else if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		v.Set("error", "invalid_request")
	} else {
		code := opRandom()
		op.codes[code] = opGrant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge")}
		v.Set("code", code)
	}
	op.mu.Unlock()
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (op *TestOP) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	} else {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	}
	if id != op.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(op.ClientSecret)) != 1 {
		opJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	op.mu.Lock()
	defer op.mu.Unlock()
	g, found := op.codes[r.PostFormValue("code")]
	delete(op.codes, r.PostFormValue("code"))
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	if !found || r.PostFormValue("grant_type") != "authorization_code" || r.PostFormValue("redirect_uri") != op.Redirect ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		opJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	now := time.Now()
	claims := map[string]any{"iss": op.URL, "sub": op.Subject, "aud": op.ClientID, "iat": now.Unix(),
		"exp": now.Add(5 * time.Minute).Unix(), "email": op.Email, "email_verified": op.EmailVerified}
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	if op.Tamper != nil {
		op.Tamper(claims)
	}
	key := op.key
	if op.ForeignKey {
		key = op.foreign
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: "op-key"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	idToken, _ := jws.CompactSerialize()
	opJSON(w, http.StatusOK, map[string]any{"access_token": opRandom(), "token_type": "Bearer",
		"expires_in": 300, "id_token": idToken})
}

func (op *TestOP) jwks(w http.ResponseWriter, r *http.Request) {
	opJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: op.key.Public(), KeyID: "op-key", Algorithm: string(jose.ES256), Use: "sig"}}})
}

func opJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func opRandom() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
