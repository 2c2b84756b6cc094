package sesame

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// SignInOptions adjust one sign-in. The zero value is ready to use.
type SignInOptions struct {
	// ReturnTo is a local path ("/account") that CallbackHandler redirects to
	// after the sign-in; other values are ignored. Default
	// Config.PostSignInRedirect.
	ReturnTo string
	// Prompt overrides Config.Prompt, e.g. "login consent".
	Prompt string
	// LoginHint pre-fills the identifier on the sign-in page (login_hint).
	LoginHint string
	// FirstScreen selects the first screen: "sign_in", "register",
	// "reset_password", "identifier:sign_in", "identifier:register",
	// "single_sign_on" (first_screen).
	FirstScreen string
	// Identifiers limits the identifiers offered: "email", "phone",
	// "username" (sent space-separated as identifier).
	Identifiers []string
	// DirectSignIn skips the sign-in page: "social:<target>" or
	// "sso:<connectorID>" (direct_sign_in).
	DirectSignIn string
	// ExtraParams are added to the authorization request as they are, e.g.
	// ui_locales or organization_id. They must not repeat a parameter the SDK
	// sets.
	ExtraParams url.Values
}

// SignIn starts a sign-in: it stores a fresh state and PKCE verifier in the
// session (dropping any tokens held so far) and redirects the browser with
// 303 See Other to the authorization endpoint. opts may be nil. On error
// nothing has been written to w.
//
// The request carries response_type=code, client_id, redirect_uri, the
// scopes "openid offline_access profile" plus Config.Scopes, state,
// code_challenge (S256), prompt (default "consent") and one resource
// parameter per Config.Resources entry.
func (c *Client) SignIn(w http.ResponseWriter, r *http.Request, opts *SignInOptions) error {
	if opts == nil {
		opts = &SignInOptions{}
	}
	ctx := r.Context()
	d, err := c.discovery(ctx)
	if err != nil {
		return err
	}
	si := &signInSession{
		RedirectURI:  c.redirectURI,
		CodeVerifier: oauth2.GenerateVerifier(),
		State:        randomString(32),
	}
	if p, ok := localRedirect(opts.ReturnTo); ok {
		si.PostRedirectURI = p
	}
	authURL := c.authCodeURL(d, si, opts)
	if err := c.saveSession(ctx, w, r, &sessionData{SignIn: si}); err != nil {
		return err
	}
	http.Redirect(w, r, authURL, http.StatusSeeOther)
	return nil
}

// authCodeURL builds the authorization request URL.
func (c *Client) authCodeURL(d *discovered, si *signInSession, opts *SignInOptions) string {
	cfg := d.oauth
	cfg.RedirectURL = si.RedirectURI
	prompt := opts.Prompt
	if prompt == "" {
		prompt = c.cfg.Prompt
	}
	params := []oauth2.AuthCodeOption{
		oauth2.S256ChallengeOption(si.CodeVerifier),
		oauth2.SetAuthURLParam("prompt", prompt),
	}
	if opts.LoginHint != "" {
		params = append(params, oauth2.SetAuthURLParam("login_hint", opts.LoginHint))
	}
	if opts.FirstScreen != "" {
		params = append(params, oauth2.SetAuthURLParam("first_screen", opts.FirstScreen))
	}
	if len(opts.Identifiers) > 0 {
		params = append(params, oauth2.SetAuthURLParam("identifier", strings.Join(opts.Identifiers, " ")))
	}
	if opts.DirectSignIn != "" {
		params = append(params, oauth2.SetAuthURLParam("direct_sign_in", opts.DirectSignIn))
	}
	raw := cfg.AuthCodeURL(si.State, params...)
	resources := c.cfg.resources()
	if len(resources) == 0 && len(opts.ExtraParams) == 0 {
		return raw
	}
	// x/oauth2 sets each parameter once; resource repeats, so add it here.
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	for k, vs := range opts.ExtraParams {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	for _, res := range resources {
		q.Add("resource", res)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// HandleCallback finishes a sign-in at the redirect URI. It checks the
// callback parameters against the stored sign-in (a wrong or missing state is
// ErrStateMismatch and leaves the pending sign-in as it was; an iss parameter
// other than the issuer, or none when discovery advertises
// authorization_response_iss_parameter_supported, is ErrIssuerMismatch; then
// an error parameter becomes an *OAuthError and ends the sign-in), exchanges the
// code with the PKCE verifier, verifies the ID token (signature against the
// JWKS, issuer, audience, expiry; failures wrap ErrInvalidIDToken) and stores
// the tokens in the session. It returns the local path the sign-in asked to
// return to, or Config.PostSignInRedirect. It writes cookies but no status or
// body; the caller redirects.
func (c *Client) HandleCallback(w http.ResponseWriter, r *http.Request) (returnTo string, err error) {
	ctx := r.Context()
	sess, err := c.loadSession(ctx, r)
	if err != nil {
		return "", err
	}
	si := sess.SignIn
	if si == nil {
		return "", ErrNoSignInSession
	}
	q := r.URL.Query()
	// The state comes first: a callback without this browser's state (a link
	// from another site) changes nothing, not even a pending sign-in
	// (docs/security.md, item 8.14).
	state := q.Get("state")
	if state == "" || subtle.ConstantTimeCompare([]byte(state), []byte(si.State)) != 1 {
		return "", ErrStateMismatch
	}
	d, err := c.discovery(ctx)
	if err != nil {
		return "", err
	}
	// RFC 9207: when the server says it sends iss, a response without it is
	// refused like one from another issuer (docs/security.md, item 8.15).
	iss, hasIss := q["iss"]
	if hasIss && (len(iss) != 1 || iss[0] != c.issuer) || !hasIss && d.issParameter {
		return "", ErrIssuerMismatch
	}
	if e := q.Get("error"); e != "" {
		// The sign-in is over; forget it so that a retry starts cleanly.
		sess.SignIn = nil
		if err := c.saveSession(ctx, w, r, sess); err != nil {
			return "", err
		}
		return "", &OAuthError{Code: e, Description: q.Get("error_description"), URI: q.Get("error_uri")}
	}
	code := q.Get("code")
	if code == "" {
		return "", ErrMissingCode
	}
	cfg := d.oauth
	cfg.RedirectURL = si.RedirectURI
	tok, err := cfg.Exchange(c.clientCtx(ctx), code, oauth2.VerifierOption(si.CodeVerifier))
	if err != nil {
		return "", fmt.Errorf("sesame: code exchange: %w", convertOAuth2Error(err))
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return "", ErrMissingIDToken
	}
	if _, err := c.verifyIDToken(ctx, d, rawID); err != nil {
		return "", err
	}
	next := &sessionData{
		IDToken:      rawID,
		RefreshToken: tok.RefreshToken,
		AccessTokens: map[string]storedToken{tokenKey("", ""): c.stored(tok)},
	}
	if err := c.saveSession(ctx, w, r, next); err != nil {
		return "", err
	}
	if p, ok := localRedirect(si.PostRedirectURI); ok {
		return p, nil
	}
	return c.cfg.PostSignInRedirect, nil
}

// stored converts a token response into a cached access token.
func (c *Client) stored(tok *oauth2.Token) storedToken {
	st := storedToken{Token: tok.AccessToken}
	st.Scope, _ = tok.Extra("scope").(string)
	// ExpiresAt stays 0 (no known expiry) when the server sent no expires_in.
	if tok.ExpiresIn > 0 {
		st.ExpiresAt = c.now().Add(time.Duration(tok.ExpiresIn) * time.Second).Unix()
	} else if !tok.Expiry.IsZero() {
		st.ExpiresAt = tok.Expiry.Unix()
	}
	return st
}

// tokenKey is the session key of an access token, as in Logto's SDKs.
func tokenKey(resource, orgID string) string {
	k := "@" + resource
	if orgID != "" {
		k += "#" + orgID
	}
	return k
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails since Go 1.24
	return base64.RawURLEncoding.EncodeToString(b)
}
