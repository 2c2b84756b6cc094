//go:build e2e

package e2etest

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

// RelyingParty is a minimal server-side OIDC web app built with go-oidc and
// x/oauth2, as a third-party developer would write it. It registers with
// Sesame as a traditional (confidential) app.
//
//	GET /login[?prompt=…]  → authorization request (state, nonce, PKCE S256 in a cookie)
//	GET /callback          → code exchange, ID token verification; shows
//	                         "Signed in as <sub> auth_time=<n>" or "Error: <code>"
//	GET /logout            → RP-initiated logout with client_id, post_logout_redirect_uri=<rp>/ and state
//	GET /                  → home; after logout shows whether the echoed state matched
//	GET /frame             → a page embedding Sesame (and a control page) in iframes
type RelyingParty struct {
	Name     string // cookie prefix and page title, e.g. "rp1"
	URL      string // http://127.0.0.1:<port>
	ClientID string

	issuer   string
	verifier *oidc.IDTokenVerifier
	oauth    *oauth2.Config
	endSess  string

	mu                   sync.Mutex
	frameSrc, controlSrc string // what /frame embeds; see SetFrame
	logoutState          string // the state of the last /logout
}

// LastLogoutState is the state the RP sent with its last logout request.
func (rp *RelyingParty) LastLogoutState() string {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return rp.logoutState
}

// SetFrame sets what /frame embeds: src in the iframe #sesame and control
// in the iframe #control.
func (rp *RelyingParty) SetFrame(src, control string) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	rp.frameSrc, rp.controlSrc = src, control
}

// NewRelyingParty starts the RP's server on 127.0.0.1; Connect must be
// called once its client is registered (redirect URI <URL>/callback,
// post-logout redirect URI <URL>/).
func NewRelyingParty(t testing.TB, name string) *RelyingParty {
	t.Helper()
	rp := &RelyingParty{Name: name}
	srv := httptest.NewServer(http.HandlerFunc(rp.serve))
	t.Cleanup(srv.Close)
	rp.URL = srv.URL
	if !strings.HasPrefix(rp.URL, "http://127.0.0.1:") {
		t.Fatalf("RP listens on %s, want 127.0.0.1", rp.URL)
	}
	return rp
}

// Connect discovers the issuer and configures the OAuth client.
func (rp *RelyingParty) Connect(ctx context.Context, issuer, clientID, secret string) error {
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
	rp.issuer, rp.ClientID, rp.endSess = issuer, clientID, meta.EndSession
	rp.verifier = p.Verifier(&oidc.Config{ClientID: clientID})
	rp.oauth = &oauth2.Config{
		ClientID: clientID, ClientSecret: secret, Endpoint: p.Endpoint(),
		RedirectURL: rp.URL + "/callback", Scopes: []string{oidc.ScopeOpenID, "profile"},
	}
	return nil
}

func (rp *RelyingParty) cookie(suffix string) string { return rp.Name + "_" + suffix }

func (rp *RelyingParty) page(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><html><head><title>%s</title></head><body>%s</body></html>", html.EscapeString(rp.Name), body)
}

func (rp *RelyingParty) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/":
		rp.home(w, r)
	case "/login":
		rp.login(w, r)
	case "/callback":
		rp.callback(w, r)
	case "/logout":
		rp.logout(w, r)
	case "/frame":
		rp.mu.Lock()
		src, control := rp.frameSrc, rp.controlSrc
		rp.mu.Unlock()
		rp.page(w, http.StatusOK, fmt.Sprintf(`<h1>%s embeds Sesame</h1>`+
			`<iframe id="sesame" title="sesame" src="%s" width="600" height="400"></iframe>`+
			`<iframe id="control" title="control" src="%s" width="600" height="200"></iframe>`,
			html.EscapeString(rp.Name), html.EscapeString(src), html.EscapeString(control)))
	default:
		http.NotFound(w, r)
	}
}

func (rp *RelyingParty) home(w http.ResponseWriter, r *http.Request) {
	body := fmt.Sprintf(`<h1 id="home">%s home</h1>`, html.EscapeString(rp.Name))
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

func (rp *RelyingParty) login(w http.ResponseWriter, r *http.Request) {
	state, nonce, verifier := RandomHex(16), RandomHex(16), oauth2.GenerateVerifier()
	http.SetCookie(w, &http.Cookie{Name: rp.cookie("flow"), Value: state + "." + nonce + "." + verifier,
		Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 600})
	opts := []oauth2.AuthCodeOption{oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)}
	if p := r.URL.Query().Get("prompt"); p != "" {
		opts = append(opts, oauth2.SetAuthURLParam("prompt", p))
	}
	http.Redirect(w, r, rp.oauth.AuthCodeURL(state, opts...), http.StatusFound)
}

func (rp *RelyingParty) fail(w http.ResponseWriter, format string, args ...any) {
	rp.page(w, http.StatusBadRequest, `<p id="error">RP failure: `+html.EscapeString(fmt.Sprintf(format, args...))+`</p>`)
}

func (rp *RelyingParty) callback(w http.ResponseWriter, r *http.Request) {
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

func (rp *RelyingParty) logout(w http.ResponseWriter, r *http.Request) {
	state := RandomHex(12)
	rp.mu.Lock()
	rp.logoutState = state
	rp.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: rp.cookie("logout"), Value: state, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: 600})
	v := url.Values{"client_id": {rp.ClientID}, "post_logout_redirect_uri": {rp.URL + "/"}, "state": {state}}
	http.Redirect(w, r, rp.endSess+"?"+v.Encode(), http.StatusFound)
}
