//go:build e2e

package scale

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// relyingParty is a minimal server-side OIDC web app built with go-oidc and
// x/oauth2, as a third-party developer would write it. It registers with
// Sesame as a traditional (confidential) app.
//
//	GET /login[?prompt=…]  → authorization request (state, nonce, PKCE S256 in a cookie)
//	GET /callback          → code exchange, ID token verification; shows
//	                         "Signed in as <sub> auth_time=<n>" or "Error: <code>"
//	GET /logout            → RP-initiated logout with client_id, post_logout_redirect_uri=<rp>/ and state
//	GET /                  → home; after logout shows whether the echoed state matched
type relyingParty struct {
	name     string // cookie prefix, e.g. "rp1"
	URL      string // http://127.0.0.1:<port>
	ClientID string
	secret   string
	issuer   string

	srv      *httptest.Server
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	oauth    *oauth2.Config
	endSess  string

	mu          sync.Mutex
	logoutState string // the state of the last /logout
}

// lastLogoutState is the state the RP sent with its last logout request.
func (rp *relyingParty) lastLogoutState() string {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return rp.logoutState
}

// newRelyingParty starts the RP's server; connect must be called once the
// client is registered.
func newRelyingParty(t testing.TB, name string) *relyingParty {
	t.Helper()
	rp := &relyingParty{name: name}
	rp.srv = httptest.NewServer(http.HandlerFunc(rp.serve))
	t.Cleanup(rp.srv.Close)
	rp.URL = rp.srv.URL
	if !strings.HasPrefix(rp.URL, "http://127.0.0.1:") {
		t.Fatalf("RP listens on %s, want 127.0.0.1", rp.URL)
	}
	return rp
}

// connect discovers Sesame and configures the OAuth client.
func (rp *relyingParty) connect(ctx context.Context, issuer, clientID, secret string) error {
	p, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		return fmt.Errorf("discovery: %w", err)
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := p.Claims(&meta); err != nil {
		return err
	}
	if meta.EndSession == "" {
		return errors.New("discovery has no end_session_endpoint")
	}
	rp.issuer, rp.ClientID, rp.secret, rp.provider, rp.endSess = issuer, clientID, secret, p, meta.EndSession
	rp.verifier = p.Verifier(&oidc.Config{ClientID: clientID})
	rp.oauth = &oauth2.Config{
		ClientID: clientID, ClientSecret: secret, Endpoint: p.Endpoint(),
		RedirectURL: rp.URL + "/callback", Scopes: []string{oidc.ScopeOpenID, "profile"},
	}
	return nil
}

func (rp *relyingParty) cookie(suffix string) string { return rp.name + "_" + suffix }

func (rp *relyingParty) page(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><html><head><title>%s</title></head><body>%s</body></html>", html.EscapeString(rp.name), body)
}

func (rp *relyingParty) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/":
		rp.home(w, r)
	case "/login":
		rp.login(w, r)
	case "/callback":
		rp.callback(w, r)
	case "/logout":
		rp.logout(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (rp *relyingParty) home(w http.ResponseWriter, r *http.Request) {
	body := fmt.Sprintf(`<h1 id="home">%s home</h1>`, html.EscapeString(rp.name))
	if st := r.URL.Query().Get("state"); st != "" {
		want := ""
		if c, err := r.Cookie(rp.cookie("logout")); err == nil {
			want = c.Value
		}
		verdict := "mismatch"
		if want != "" && st == want {
			verdict = "ok"
		}
		http.SetCookie(w, &http.Cookie{Name: rp.cookie("logout"), Path: "/", MaxAge: -1})
		body += fmt.Sprintf(`<p id="logout">Signed out, state %s</p>`, verdict)
	}
	rp.page(w, http.StatusOK, body)
}

func (rp *relyingParty) login(w http.ResponseWriter, r *http.Request) {
	state, nonce, verifier := randomHex(16), randomHex(16), oauth2.GenerateVerifier()
	http.SetCookie(w, &http.Cookie{Name: rp.cookie("flow"), Value: state + "." + nonce + "." + verifier,
		Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 600})
	opts := []oauth2.AuthCodeOption{oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)}
	if p := r.URL.Query().Get("prompt"); p != "" {
		opts = append(opts, oauth2.SetAuthURLParam("prompt", p))
	}
	http.Redirect(w, r, rp.oauth.AuthCodeURL(state, opts...), http.StatusFound)
}

func (rp *relyingParty) fail(w http.ResponseWriter, format string, args ...any) {
	rp.page(w, http.StatusBadRequest, `<p id="error">RP failure: `+html.EscapeString(fmt.Sprintf(format, args...))+`</p>`)
}

func (rp *relyingParty) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c, err := r.Cookie(rp.cookie("flow"))
	if err != nil {
		rp.fail(w, "no flow cookie")
		return
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 3 {
		rp.fail(w, "bad flow cookie")
		return
	}
	state, nonce, verifier := parts[0], parts[1], parts[2]
	http.SetCookie(w, &http.Cookie{Name: rp.cookie("flow"), Path: "/", MaxAge: -1})
	if q.Get("state") != state {
		rp.fail(w, "state mismatch: got %q", q.Get("state"))
		return
	}
	// RFC 9207: Sesame advertises authorization_response_iss_parameter_supported.
	if q.Get("iss") != rp.issuer {
		rp.fail(w, "iss mismatch: got %q, want %q", q.Get("iss"), rp.issuer)
		return
	}
	if e := q.Get("error"); e != "" {
		rp.page(w, http.StatusOK, fmt.Sprintf(`<p id="error">Error: %s</p><p id="error-description">%s</p>`,
			html.EscapeString(e), html.EscapeString(q.Get("error_description"))))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	tok, err := rp.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		rp.fail(w, "code exchange: %v", err)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		rp.fail(w, "no id_token in the token response")
		return
	}
	idt, err := rp.verifier.Verify(ctx, raw)
	if err != nil {
		rp.fail(w, "ID token verification: %v", err)
		return
	}
	if idt.Nonce != nonce {
		rp.fail(w, "nonce mismatch")
		return
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil && idt.AccessTokenHash != "" {
		rp.fail(w, "at_hash: %v", err)
		return
	}
	var claims struct {
		AuthTime int64 `json:"auth_time"`
	}
	if err := idt.Claims(&claims); err != nil {
		rp.fail(w, "claims: %v", err)
		return
	}
	rp.page(w, http.StatusOK, fmt.Sprintf(`<p id="result">Signed in as %s auth_time=%d</p>`,
		html.EscapeString(idt.Subject), claims.AuthTime))
}

func (rp *relyingParty) logout(w http.ResponseWriter, r *http.Request) {
	state := randomHex(12)
	rp.mu.Lock()
	rp.logoutState = state
	rp.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: rp.cookie("logout"), Value: state, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: 600})
	v := url.Values{"client_id": {rp.ClientID}, "post_logout_redirect_uri": {rp.URL + "/"}, "state": {state}}
	http.Redirect(w, r, rp.endSess+"?"+v.Encode(), http.StatusFound)
}
