package sesame

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// Context is the sign-in state of one request, the counterpart of Logto's
// getLogtoContext result. Get it with [Client.GetContext] or, behind
// [Client.RequireAuth], with [FromContext].
//
// IsAuthenticated and Claims come from the ID token stored in the session and
// cost no network call; like Logto's SDKs, the ID token's expiry is not
// re-checked: the session lasts until Config.SessionLifetime or
// Config.SessionIdleTimeout ends it (see "Sessions" in the package
// documentation). AccessToken,
// OrganizationToken and UserInfo call the server when needed. A Context may be
// used from several goroutines.
type Context struct {
	// IsAuthenticated reports whether the session holds an ID token.
	IsAuthenticated bool
	// Claims are the ID token's claims; zero when not authenticated.
	Claims Claims

	client *Client
	w      http.ResponseWriter
	r      *http.Request

	mu   sync.Mutex
	sess *sessionData
}

type contextKey struct{}

// FromContext returns the Context that [Client.RequireAuth] attached to a
// request's context, or nil.
func FromContext(ctx context.Context) *Context {
	x, _ := ctx.Value(contextKey{}).(*Context)
	return x
}

// GetContext reads the session of r. It never returns nil; the error is
// non-nil only when a custom SessionStore fails (an unreadable cookie is
// simply "not authenticated", and so is an expired session).
//
// w is where refreshed tokens are saved when AccessToken or UserInfo refresh
// them, so call those before writing the response header. GetContext itself
// writes to w, so call it before the header too: it deletes an expired
// session, and renews the last-use time of a signed-in one (at most once a
// minute) for Config.SessionIdleTimeout. w may be nil for a read-only
// context: refreshes then work but are not persisted, and nothing is renewed.
func (c *Client) GetContext(w http.ResponseWriter, r *http.Request) (*Context, error) {
	if x := FromContext(r.Context()); x != nil && x.client == c {
		return x, nil
	}
	x := &Context{client: c, w: w, r: r, sess: &sessionData{}}
	sess, err := c.loadSession(r.Context(), r)
	if err != nil {
		return x, err
	}
	x.sess = sess
	if sess.IDToken != "" {
		claims, err := decodeJWTClaims(sess.IDToken)
		if err == nil && claims.Subject != "" {
			x.IsAuthenticated, x.Claims = true, claims
		}
	}
	if w == nil {
		return x, nil
	}
	ctx := r.Context()
	switch {
	case sess.expired:
		if err := c.store.Delete(ctx, w, r); err != nil {
			c.logger.WarnContext(ctx, "sesame: could not delete an expired session", "err", err)
		}
	case x.IsAuthenticated && c.touchInterval() > 0 &&
		c.now().Sub(time.Unix(sess.LastSeen, 0)) >= c.touchInterval() && !c.refreshing(sess.RefreshToken):
		// Renew LastSeen for the idle timeout, at most once a touchInterval.
		// Not while a refresh of this session's refresh token runs or has
		// just run: this older copy would overwrite the rotated token.
		if err := c.saveSession(ctx, w, r, sess); err != nil {
			c.logger.WarnContext(ctx, "sesame: could not renew the session", "err", err)
		}
	}
	return x, nil
}

// AccessToken returns an access token for resource, an API resource
// indicator from Config.Resources, or for the userinfo endpoint when resource
// is "". A cached token is returned until Config.RefreshBefore ahead of its
// expiry; then the refresh token is used (with resource=<indicator>) and the
// new tokens, including a rotated refresh token, are saved to the session.
// Concurrent calls for the same session and resource share one refresh.
//
// Errors: ErrNotAuthenticated, ErrUnknownResource, ErrNoRefreshToken, an
// *OAuthError from the token endpoint (e.g. invalid_grant once the grant is
// revoked), ErrInvalidIDToken when the refreshed ID token fails to verify, or
// ErrIDTokenMismatch when it names another issuer or subject (the session is
// then cleared and the Context is no longer authenticated).
func (x *Context) AccessToken(ctx context.Context, resource string) (string, error) {
	if resource != "" && !slices.Contains(x.client.cfg.resources(), resource) {
		return "", fmt.Errorf("%w: %q", ErrUnknownResource, resource)
	}
	return x.token(ctx, resource, "")
}

// OrganizationToken returns an access token for the organization orgID (a
// refresh grant with organization_id), for apps that request
// ScopeOrganizations. It is cached and refreshed like AccessToken.
func (x *Context) OrganizationToken(ctx context.Context, orgID string) (string, error) {
	if !slices.Contains(x.client.cfg.Scopes, ScopeOrganizations) {
		return "", fmt.Errorf("sesame: OrganizationToken needs %q in Config.Scopes", ScopeOrganizations)
	}
	if orgID == "" {
		return "", fmt.Errorf("sesame: OrganizationToken needs an organization ID")
	}
	return x.token(ctx, "", orgID)
}

// tokenResult is the outcome of one refresh grant.
type tokenResult struct {
	access       storedToken
	refreshToken string // empty when not rotated
	idToken      string // empty when none was returned
}

func (x *Context) token(ctx context.Context, resource, orgID string) (string, error) {
	c := x.client
	key := tokenKey(resource, orgID)
	x.mu.Lock()
	if !x.IsAuthenticated {
		x.mu.Unlock()
		return "", ErrNotAuthenticated
	}
	if st, ok := x.sess.AccessTokens[key]; ok && st.Token != "" &&
		(st.ExpiresAt == 0 || c.now().Add(c.cfg.RefreshBefore).Unix() < st.ExpiresAt) {
		x.mu.Unlock()
		return st.Token, nil
	}
	rt, iss, sub := x.sess.RefreshToken, x.Claims.Issuer, x.Claims.Subject
	x.mu.Unlock()
	if rt == "" {
		return "", ErrNoRefreshToken
	}

	res, err := c.refresh.do(ctx, refreshKey(rt)+key, func(ctx context.Context) (*tokenResult, error) {
		return c.refreshGrant(ctx, rt, resource, orgID, iss, sub)
	})
	x.mu.Lock()
	defer x.mu.Unlock()
	if errors.Is(err, ErrIDTokenMismatch) {
		// Someone else's tokens: sign this browser out (docs/security.md, item 8.17).
		x.sess, x.IsAuthenticated, x.Claims = &sessionData{}, false, Claims{}
		if x.w != nil {
			if derr := c.store.Delete(ctx, x.w, x.r); derr != nil {
				c.logger.WarnContext(ctx, "sesame: could not delete the session", "err", derr)
			}
		}
	}
	if err != nil {
		return "", err
	}
	if x.sess.AccessTokens == nil {
		x.sess.AccessTokens = map[string]storedToken{}
	}
	x.sess.AccessTokens[key] = res.access
	if res.refreshToken != "" {
		x.sess.RefreshToken = res.refreshToken
	}
	if res.idToken != "" {
		x.sess.IDToken = res.idToken
	}
	if x.w != nil {
		if err := c.saveSession(ctx, x.w, x.r, x.sess); err != nil {
			c.logger.WarnContext(ctx, "sesame: could not save refreshed tokens", "err", err)
		}
	}
	return res.access.Token, nil
}

// refreshKey is the flight group key prefix for refreshes of a refresh token.
func refreshKey(refreshToken string) string {
	sum := sha256.Sum256([]byte(refreshToken))
	return hex.EncodeToString(sum[:])
}

// refreshing reports whether a refresh of refreshToken is running or has
// finished within the flight group's retention time.
func (c *Client) refreshing(refreshToken string) bool {
	return refreshToken != "" && c.refresh.active(refreshKey(refreshToken))
}

// refreshGrant runs grant_type=refresh_token at the token endpoint. A new ID
// token must name the issuer and subject of the session's one (iss, sub).
func (c *Client) refreshGrant(ctx context.Context, refreshToken, resource, orgID, iss, sub string) (*tokenResult, error) {
	d, err := c.discovery(ctx)
	if err != nil {
		return nil, err
	}
	// x/oauth2's TokenSource cannot add resource or organization_id, so the
	// refresh goes through Exchange with the grant type overridden. Exchange
	// also sends an empty code parameter, which RFC 6749 section 3.1 says a
	// server must treat as absent.
	opts := []oauth2.AuthCodeOption{
		oauth2.SetAuthURLParam("grant_type", "refresh_token"),
		oauth2.SetAuthURLParam("refresh_token", refreshToken),
	}
	if resource != "" {
		opts = append(opts, oauth2.SetAuthURLParam("resource", resource))
	}
	if orgID != "" {
		opts = append(opts, oauth2.SetAuthURLParam("organization_id", orgID))
	}
	cfg := d.oauth
	tok, err := cfg.Exchange(c.clientCtx(ctx), "", opts...)
	if err != nil {
		return nil, fmt.Errorf("sesame: refresh: %w", convertOAuth2Error(err))
	}
	res := &tokenResult{access: c.stored(tok)}
	if tok.RefreshToken != refreshToken {
		res.refreshToken = tok.RefreshToken
	}
	if raw, _ := tok.Extra("id_token").(string); raw != "" {
		tok, err := c.verifyIDToken(ctx, d, raw) // checks aud too
		if err != nil {
			return nil, err
		}
		// OpenID Connect Core section 12.2.
		if tok.Issuer != iss || tok.Subject != sub {
			return nil, fmt.Errorf("%w: iss %q sub %q, signed in as iss %q sub %q", ErrIDTokenMismatch, tok.Issuer, tok.Subject, iss, sub)
		}
		res.idToken = raw
	}
	return res, nil
}

// UserInfo fetches the userinfo endpoint (GET /oidc/me) with the userinfo
// access token, refreshing that token first when needed.
func (x *Context) UserInfo(ctx context.Context) (*Claims, error) {
	at, err := x.AccessToken(ctx, "")
	if err != nil {
		return nil, err
	}
	c := x.client
	d, err := c.discovery(ctx)
	if err != nil {
		return nil, err
	}
	if d.userInfoURL == "" {
		return nil, fmt.Errorf("sesame: discovery has no userinfo_endpoint")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.userInfoURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+at)
	req.Header.Set("Accept", "application/json")
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sesame: userinfo: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("sesame: userinfo: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("sesame: userinfo: %w", parseErrorBody(resp.StatusCode, body))
	}
	var claims Claims
	if err := json.Unmarshal(body, &claims); err != nil {
		return nil, fmt.Errorf("sesame: userinfo response: %w", err)
	}
	x.mu.Lock()
	sub := x.Claims.Subject
	x.mu.Unlock()
	if claims.Subject != sub {
		return nil, fmt.Errorf("sesame: userinfo sub %q does not match the ID token's %q", claims.Subject, sub)
	}
	return &claims, nil
}
