package sesame

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// SignOut signs the browser out: it revokes the session's refresh token at
// the revocation endpoint (with client authentication; a failure is logged,
// not returned), deletes the session, and redirects with 303 See Other to the
// end-session endpoint with client_id and post_logout_redirect_uri
// (Config.PostSignOutRedirectURI, default BaseURL), so that the server ends
// its own session too and sends the browser back.
//
// An error means the redirect could not be built (discovery failed) or the
// session store failed; the response has not been written then.
func (c *Client) SignOut(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sess, err := c.loadSession(ctx, r)
	if err != nil {
		return err
	}
	if err := c.store.Delete(ctx, w, r); err != nil {
		return err
	}
	d, err := c.discovery(ctx)
	if err != nil {
		return err
	}
	if rt := cmp.Or(sess.RefreshToken, sess.expiredToken); rt != "" {
		if err := c.revoke(ctx, d, rt); err != nil {
			c.logger.WarnContext(ctx, "sesame: refresh token revocation failed", "err", err)
		}
	}
	target := c.postLogout
	if d.endSessionURL != "" {
		u, err := url.Parse(d.endSessionURL)
		if err != nil {
			return fmt.Errorf("sesame: end_session_endpoint: %w", err)
		}
		q := u.Query()
		q.Set("client_id", c.cfg.AppID)
		q.Set("post_logout_redirect_uri", c.postLogout)
		u.RawQuery = q.Encode()
		target = u.String()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// revoke revokes a refresh token (RFC 7009) with client authentication.
func (c *Client) revoke(ctx context.Context, d *discovered, token string) error {
	if d.revocationURL == "" {
		return fmt.Errorf("sesame: discovery has no revocation_endpoint")
	}
	form := url.Values{"token": {token}, "token_type_hint": {"refresh_token"}}
	if c.cfg.AppSecret == "" {
		form.Set("client_id", c.cfg.AppID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.revocationURL, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.cfg.AppSecret != "" {
		// client_secret_basic, form-encoded per RFC 6749 section 2.3.1, like x/oauth2.
		req.SetBasicAuth(url.QueryEscape(c.cfg.AppID), url.QueryEscape(c.cfg.AppSecret))
	}
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return parseErrorBody(resp.StatusCode, body)
	}
	return nil
}
