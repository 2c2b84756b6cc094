package management

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// fakeServer is a token endpoint and an API for the unit tests. The token
// endpoint issues "tok-1", "tok-2", … and the API answers with api, after
// checking that the bearer token is one that was issued.
type fakeServer struct {
	*httptest.Server
	t          *testing.T
	tokenCalls atomic.Int32
	apiCalls   atomic.Int32
	expiresIn  int                                               // seconds; 0 leaves expires_in out
	tokenHook  func(w http.ResponseWriter, r *http.Request) bool // true: answered
	api        http.HandlerFunc

	mu      sync.Mutex
	tokens  map[string]bool // issued and not revoked
	lastTok *http.Request   // the last token request, parsed
}

func newFake(t *testing.T, api http.HandlerFunc) *fakeServer {
	f := &fakeServer{t: t, expiresIn: 3600, api: api, tokens: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oidc/token", f.token)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		f.apiCalls.Add(1)
		tok, ok := bearer(r)
		f.mu.Lock()
		valid := ok && f.tokens[tok]
		f.mu.Unlock()
		if !valid {
			writeJSON(w, 401, map[string]string{"code": "auth.unauthorized", "message": "Unauthorized"})
			return
		}
		f.api(w, r)
	})
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) < 8 || h[:7] != "Bearer " {
		return "", false
	}
	return h[7:], true
}

func (f *fakeServer) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		f.t.Errorf("token request: %v", err)
	}
	f.mu.Lock()
	f.lastTok = r
	f.mu.Unlock()
	if f.tokenHook != nil && f.tokenHook(w, r) {
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != "m2m" || secret != "s3cret" {
		writeJSON(w, 401, map[string]string{"error": "invalid_client", "error_description": "client authentication failed"})
		return
	}
	n := f.tokenCalls.Add(1)
	tok := "tok-" + strconv.Itoa(int(n))
	f.mu.Lock()
	f.tokens[tok] = true
	f.mu.Unlock()
	body := map[string]any{"access_token": tok, "token_type": "Bearer", "scope": r.PostForm.Get("scope")}
	if f.expiresIn > 0 {
		body["expires_in"] = f.expiresIn
	}
	writeJSON(w, 200, body)
}

// revoke makes the API refuse tok.
func (f *fakeServer) revoke(tok string) {
	f.mu.Lock()
	delete(f.tokens, tok)
	f.mu.Unlock()
}

func (f *fakeServer) client(t *testing.T, mod ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{Endpoint: f.URL, AppID: "m2m", AppSecret: "s3cret", HTTPClient: f.Client()}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
