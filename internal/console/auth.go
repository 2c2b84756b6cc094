package console

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/oidc/keys"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/secret"
	"github.com/sesameauth/sesame/internal/ui"
)

// inProcess serves an outgoing request through the server's own handler:
// the console reaches the token endpoint and the JWKS without the network
// and without trusting any Host header.
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	in := req.Clone(req.Context())
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		in.Body = io.NopCloser(bytes.NewReader(b))
		in.ContentLength = int64(len(b))
	}
	in.RemoteAddr = "127.0.0.1:0" // the server itself
	in.RequestURI = in.URL.RequestURI()
	rec := &recorder{header: http.Header{}}
	t.h.ServeHTTP(rec, in)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return &http.Response{Status: fmt.Sprintf("%d %s", rec.status, http.StatusText(rec.status)), StatusCode: rec.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: rec.header, Body: io.NopCloser(&rec.body),
		ContentLength: int64(rec.body.Len()), Request: req}, nil
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

// oidcClient is the console's OIDC client configuration.
type oidcClient struct {
	http     *http.Client
	conf     oauth2.Config
	verifier *oidc.IDTokenVerifier
	resource string
}

// ClientSecret is the console client's secret, derived from master;
// admin.Ensure stores its hash.
func ClientSecret(master []byte) string {
	return base64.RawURLEncoding.EncodeToString(secret.Derive(master, "console-client"))
}

func (h *Handler) newOIDCClient() *oidcClient {
	hc := &http.Client{Transport: inProcess{h.Server}, Timeout: 15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	ctx := oidc.ClientContext(context.Background(), hc)
	jwks := oidc.NewRemoteKeySet(ctx, h.Issuer+"/jwks")
	return &oidcClient{
		http: hc,
		conf: oauth2.Config{ClientID: admin.ConsoleClientID, ClientSecret: h.ClientSecret,
			Endpoint: oauth2.Endpoint{AuthURL: strings.TrimSuffix(h.Endpoint, "/") + routes.Authorize,
				TokenURL: strings.TrimSuffix(h.Endpoint, "/") + routes.Token, AuthStyle: oauth2.AuthStyleInHeader},
			RedirectURL: h.url("/callback"),
			Scopes:      []string{oidc.ScopeOpenID, "profile", oidc.ScopeOfflineAccess, admin.Scope}},
		verifier: oidc.NewVerifier(h.Issuer, jwks, &oidc.Config{ClientID: admin.ConsoleClientID, Now: h.now,
			SupportedSigningAlgs: keys.Supported}),
		resource: admin.APIIndicator(h.Endpoint),
	}
}

func (c *oidcClient) ctx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, c.http)
}

// session is what the console session cookie holds.
type session struct {
	Access  string    `json:"a"`
	Refresh string    `json:"r"`
	IDToken string    `json:"i"`
	Expiry  time.Time `json:"e"`
}

// login is what the sign-in cookie holds between /oidc/auth and the
// callback.
type login struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Return   string `json:"r"` // console path to go back to
}

func (h *Handler) cookieName(name string) string {
	if h.Secure {
		return "__Host-" + name
	}
	return name
}

// cookiePath scopes the cookies to the console; __Host- cookies must have
// Path=/.
func (h *Handler) cookiePath() string {
	if h.Secure {
		return "/"
	}
	return h.Base.Path(routes.Console)
}

const (
	sessionCookie = "sesame_console"
	loginCookie   = "sesame_console_login"
)

func (h *Handler) setCookie(w http.ResponseWriter, name string, v any, maxAge int) {
	b, _ := json.Marshal(v)
	http.SetCookie(w, &http.Cookie{Name: h.cookieName(name), Value: base64.RawURLEncoding.EncodeToString(h.box.Seal(b)),
		Path: h.cookiePath(), MaxAge: maxAge, HttpOnly: true, Secure: h.Secure, SameSite: http.SameSiteLaxMode})
}

func (h *Handler) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: h.cookieName(name), Value: "", Path: h.cookiePath(), MaxAge: -1,
		HttpOnly: true, Secure: h.Secure, SameSite: http.SameSiteLaxMode})
}

// readCookie opens a sealed cookie; a missing, altered or foreign one is
// false.
func (h *Handler) readCookie(r *http.Request, name string, v any) bool {
	ck, err := r.Cookie(h.cookieName(name))
	if err != nil || len(ck.Value) > 8192 {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil {
		return false
	}
	b, err := h.box.Open(raw)
	return err == nil && json.Unmarshal(b, v) == nil
}

// sessionMaxAge bounds the cookie; the refresh token's own lifetime and
// the Gate decide how long it is of use.
const sessionMaxAge = 30 * 24 * 3600

func (h *Handler) readSession(r *http.Request) (session, bool) {
	var s session
	ok := h.readCookie(r, sessionCookie, &s)
	return s, ok && s.Access != ""
}

func (h *Handler) writeSession(w http.ResponseWriter, s session) {
	h.setCookie(w, sessionCookie, s, sessionMaxAge)
}

func random() string { return rand.Text() }

// signIn starts the authorization code flow, coming back to this page
// (a GET) or to the console home.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	ret := "/"
	if r.Method == http.MethodGet {
		if p, ok := strings.CutPrefix(r.URL.Path, h.Base.Path(routes.Console)); ok && p != "" {
			ret = p
			if r.URL.RawQuery != "" {
				ret += "?" + r.URL.RawQuery
			}
		}
	}
	h.startSignIn(w, r, ret, false)
}

// startSignIn redirects to /oidc/auth, coming back to the console path
// ret; prompt asks for the password even with a live Sesame session.
func (h *Handler) startSignIn(w http.ResponseWriter, r *http.Request, ret string, prompt bool) {
	l := login{State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier(), Return: ret}
	h.setCookie(w, loginCookie, l, 3600)
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(l.Verifier), oidc.Nonce(l.Nonce),
		oauth2.SetAuthURLParam("resource", h.oc.resource)}
	if prompt {
		opts = append(opts, oauth2.SetAuthURLParam("prompt", "login"))
	}
	http.Redirect(w, r, h.oc.conf.AuthCodeURL(l.State, opts...), http.StatusSeeOther)
}

// callback finishes the sign-in: it checks state, exchanges the code in
// process and verifies the ID token's issuer, audience and nonce.
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var l login
	if !h.readCookie(r, loginCookie, &l) {
		h.errorPage(w, r, http.StatusBadRequest, "console.error.signin_expired", "console.error.signin_expired.browser")
		return
	}
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(l.State)) != 1 {
		h.errorPage(w, r, http.StatusBadRequest, "console.error.signin_expired", "console.error.signin_expired.tab")
		return
	}
	h.clearCookie(w, loginCookie)
	if e := q.Get("error"); e != "" {
		h.errorPage(w, r, http.StatusBadRequest, "console.error.signin_failed", "console.error.signin_failed.answer",
			"error", e, "description", q.Get("error_description"))
		return
	}
	tok, err := h.oc.conf.Exchange(h.oc.ctx(ctx), q.Get("code"), oauth2.VerifierOption(l.Verifier),
		oauth2.SetAuthURLParam("resource", h.oc.resource))
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response.StatusCode < 500 {
		h.errorPage(w, r, http.StatusBadRequest, "console.error.signin_failed", "console.error.signin_failed.code", "error", re.ErrorCode)
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	s, err := h.verify(ctx, tok, l.Nonce)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	h.writeSession(w, s)
	ret := l.Return
	if !strings.HasPrefix(ret, "/") || strings.HasPrefix(ret, "//") {
		ret = "/"
	}
	http.Redirect(w, r, h.path(ret), http.StatusSeeOther)
}

// verify checks a token response's ID token (nonce when not empty) and
// returns the session it makes.
func (h *Handler) verify(ctx context.Context, tok *oauth2.Token, nonce string) (session, error) {
	raw, _ := tok.Extra("id_token").(string)
	s := session{Access: tok.AccessToken, Refresh: tok.RefreshToken, Expiry: tok.Expiry}
	if raw == "" {
		if nonce != "" {
			return session{}, errors.New("console: no ID token in the token response")
		}
		return s, nil
	}
	idt, err := h.oc.verifier.Verify(oidc.ClientContext(ctx, h.oc.http), raw)
	if err != nil {
		return session{}, fmt.Errorf("console: ID token: %w", err)
	}
	if nonce != "" && subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return session{}, errors.New("console: ID token nonce mismatch")
	}
	s.IDToken = raw
	return s, nil
}

// refresh renews an expired access token for the Management API (the
// resource is asked for again: without it the token would be for
// userinfo only).
func (h *Handler) refresh(ctx context.Context, s session) (session, error) {
	if s.Refresh == "" {
		return session{}, errors.New("no refresh token")
	}
	resp, err := h.tokenRequest(ctx, h.oc.conf.Endpoint.TokenURL, url.Values{"grant_type": {"refresh_token"},
		"refresh_token": {s.Refresh}, "resource": {h.oc.resource}})
	if err != nil {
		return session{}, err
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		IDToken      string `json:"id_token"`
		ExpiresIn    int64  `json:"expires_in"`
	}
	if resp.StatusCode != http.StatusOK {
		return session{}, fmt.Errorf("refresh: status %d", resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil || body.AccessToken == "" {
		return session{}, fmt.Errorf("refresh: bad token response: %v", err)
	}
	tok := (&oauth2.Token{AccessToken: body.AccessToken, RefreshToken: body.RefreshToken,
		Expiry: h.now().Add(time.Duration(body.ExpiresIn) * time.Second)}).WithExtra(map[string]any{"id_token": body.IDToken})
	fresh, err := h.verify(ctx, tok, "")
	if err != nil {
		return session{}, err
	}
	if fresh.Refresh == "" {
		fresh.Refresh = s.Refresh
	}
	if fresh.IDToken == "" {
		fresh.IDToken = s.IDToken
	}
	return fresh, nil
}

// tokenRequest posts form to one of the server's token endpoints as the
// console's client, in process.
func (h *Handler) tokenRequest(ctx context.Context, endpoint string, form url.Values) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(admin.ConsoleClientID), url.QueryEscape(h.oc.conf.ClientSecret))
	return h.oc.http.Do(req)
}

// signOut revokes the refresh token, clears the cookie and ends the
// Sesame session through the end-session endpoint.
func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	if !h.checkForm(w, r) {
		return
	}
	s, _ := h.readSession(r)
	if s.Refresh != "" {
		h.revoke(r.Context(), s.Refresh)
	}
	h.clearCookie(w, sessionCookie)
	q := url.Values{"post_logout_redirect_uri": {h.url("/signed-out")}, "client_id": {admin.ConsoleClientID}}
	if s.IDToken != "" {
		q.Set("id_token_hint", s.IDToken)
	}
	http.Redirect(w, r, h.Base.Path(routes.EndSession)+"?"+q.Encode(), http.StatusSeeOther)
}

func (h *Handler) revoke(ctx context.Context, refresh string) {
	resp, err := h.tokenRequest(ctx, strings.TrimSuffix(h.Endpoint, "/")+routes.Revocation,
		url.Values{"token": {refresh}, "token_type_hint": {"refresh_token"}})
	if err != nil {
		h.Log.WarnContext(ctx, "console: revoke refresh token", "err", err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		h.Log.WarnContext(ctx, "console: revoke refresh token", "status", resp.StatusCode)
	}
}

func (h *Handler) signedOut(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, &SignedOutPage{Base: ui.Base{Title: h.t(r, "console.signed_out.title")}, SignIn: h.path("/")})
}
