package management

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// tokenProvider supplies bearer tokens to Client.do.
type tokenProvider interface {
	token(ctx context.Context) (string, error)
	// invalidate drops tok after the API refused it and reports whether a
	// retry can get a different one.
	invalidate(tok string) bool
}

// tokenCache fetches tokens with the client-credentials grant and keeps
// one until shortly before it expires.
//
// oauth2.ReuseTokenSource (what clientcredentials.Config.TokenSource
// returns) also holds its lock across a fetch, so it too fetches once for
// many callers; but it binds one context for all fetches, so a caller's
// deadline cannot end a slow fetch, and it cannot drop a token the API
// refused. Hence this small cache: waiting callers give up with their own
// context, and a 401 drops exactly the token it was about.
type tokenCache struct {
	cc   *clientcredentials.Config
	http *http.Client
	now  func() time.Time

	fetch chan struct{} // a one-slot semaphore: one fetch at a time

	mu        sync.Mutex
	tok       string
	refreshAt time.Time // zero: never (the server gave no lifetime)
}

// refreshMargin is how long before its expiry a token is replaced, so
// that it does not expire in flight; a quarter of the lifetime for short
// ones.
const refreshMargin = 30 * time.Second

func newTokenCache(tokenURL, id, secret, resource, scope string, hc *http.Client) *tokenCache {
	return &tokenCache{
		cc: &clientcredentials.Config{
			ClientID: id, ClientSecret: secret, TokenURL: tokenURL,
			Scopes:         []string{scope},
			EndpointParams: url.Values{"resource": {resource}},
			// Basic, as Sesame and Logto both take: the default (auto
			// detect) sends a refused request twice, once per style.
			AuthStyle: oauth2.AuthStyleInHeader,
		},
		http:  hc,
		now:   time.Now,
		fetch: make(chan struct{}, 1),
	}
}

func (c *tokenCache) cached() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok != "" && (c.refreshAt.IsZero() || c.now().Before(c.refreshAt)) {
		return c.tok
	}
	return ""
}

func (c *tokenCache) token(ctx context.Context) (string, error) {
	if t := c.cached(); t != "" {
		return t, nil
	}
	select {
	case c.fetch <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-c.fetch }()
	if t := c.cached(); t != "" { // fetched by the caller we waited for
		return t, nil
	}
	start := c.now()
	t, err := c.cc.Token(context.WithValue(ctx, oauth2.HTTPClient, c.http))
	if err != nil {
		return "", tokenError(err)
	}
	if t.AccessToken == "" {
		return "", &Error{Status: http.StatusOK, Code: "oidc.invalid_response", Message: "the token endpoint answered no access_token"}
	}
	var refreshAt time.Time
	if !t.Expiry.IsZero() {
		life := t.Expiry.Sub(start)
		refreshAt = t.Expiry.Add(-min(refreshMargin, life/4))
	}
	c.mu.Lock()
	c.tok, c.refreshAt = t.AccessToken, refreshAt
	c.mu.Unlock()
	return t.AccessToken, nil
}

func (c *tokenCache) invalidate(tok string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok == tok { // not one fetched meanwhile by another caller
		c.tok, c.refreshAt = "", time.Time{}
	}
	return true
}

// tokenError turns a failed token request into an *Error: the OAuth error
// code as "oidc.<code>" (Logto's prefix for its OIDC errors), the status of
// the token endpoint's answer, and the underlying error wrapped.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return &Error{Code: "oidc.request_failed", Message: "fetch an access token: " + err.Error(), err: err}
	}
	e := &Error{Code: "oidc." + re.ErrorCode, Message: re.ErrorDescription, err: err}
	if re.Response != nil {
		e.Status = re.Response.StatusCode
	}
	if re.ErrorCode == "" {
		e.Code = "oidc.invalid_response"
	}
	if e.Message == "" {
		e.Message = "the token endpoint refused the client-credentials request"
	}
	return e
}

// staticSource wraps a caller's oauth2.TokenSource.
type staticSource struct{ src oauth2.TokenSource }

func (s staticSource) token(context.Context) (string, error) {
	t, err := s.src.Token()
	if err != nil {
		return "", tokenError(err)
	}
	return t.AccessToken, nil
}

// invalidate: a caller's source may be a ReuseTokenSource that would hand
// the same token back, so there is nothing to retry with.
func (staticSource) invalidate(string) bool { return false }
