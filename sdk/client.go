package sesame

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Client signs users of one application in and out. Create it with [New];
// it is safe for concurrent use by many requests.
type Client struct {
	cfg         Config
	issuer      string
	redirectURI string
	postLogout  string
	httpClient  *http.Client
	store       SessionStore
	logger      *slog.Logger
	now         func() time.Time // replaced in tests

	disc       discoveryCache
	refresh    flightGroup[*tokenResult]
	logoutJTIs jtiSet // logout tokens seen, against replay
}

// New validates cfg and returns a Client. It makes no network call:
// discovery runs on first use (see [Client.Discover]). A *ConfigError names
// the first invalid field.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Scopes = append([]string(nil), cfg.Scopes...)
	cfg.Resources = append([]string(nil), cfg.Resources...)
	c := &Client{cfg: cfg, now: time.Now}
	c.refresh.now = func() time.Time { return c.now() }
	c.refresh.retain = 15 * time.Second

	issuer, err := url.JoinPath(cfg.Endpoint, "oidc")
	if err != nil {
		return nil, &ConfigError{Field: "Endpoint", Reason: err.Error()}
	}
	c.issuer = issuer
	base := strings.TrimRight(cfg.BaseURL, "/")
	c.redirectURI = cfg.RedirectURI
	if c.redirectURI == "" {
		c.redirectURI = base + "/callback"
	}
	c.postLogout = cfg.PostSignOutRedirectURI
	if c.postLogout == "" {
		c.postLogout = cfg.BaseURL
	}
	if c.cfg.Prompt == "" {
		c.cfg.Prompt = PromptConsent
	}
	c.cfg.PostSignInRedirect, _ = localRedirect(c.cfg.PostSignInRedirect) // checked by Validate
	if c.cfg.PostSignInRedirect == "" {
		c.cfg.PostSignInRedirect = "/"
	}
	if c.cfg.APIPathPrefix == "" {
		c.cfg.APIPathPrefix = "/api/"
	}
	if c.cfg.DiscoveryTTL == 0 {
		c.cfg.DiscoveryTTL = 15 * time.Minute
	}
	if c.cfg.RefreshBefore == 0 {
		c.cfg.RefreshBefore = time.Minute
	}
	if c.cfg.ClockSkew == 0 {
		c.cfg.ClockSkew = time.Minute
	}
	if c.cfg.SessionLifetime == 0 {
		c.cfg.SessionLifetime = DefaultSessionLifetime
	}
	if c.cfg.SessionIdleTimeout == 0 {
		c.cfg.SessionIdleTimeout = DefaultSessionIdleTimeout
	}
	c.httpClient = cfg.HTTPClient
	if c.httpClient == nil {
		c.httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	c.logger = cfg.Logger
	if c.logger == nil {
		c.logger = slog.Default()
	}
	c.store = cfg.Store
	if c.store == nil {
		// On https the cookie is Secure and __Host- (no Domain, Path=/), so
		// neither plain http nor a sibling subdomain can set or read it
		// (docs/security.md, item 8.16).
		name, secure := CookieName(cfg.AppID), cfg.CookieSecure
		if strings.HasPrefix(strings.ToLower(cfg.BaseURL), "https:") {
			name, secure = "__Host-"+name, true
		}
		s, err := NewCookieStore(name, cfg.CookieSecret, secure)
		if err != nil {
			return nil, err
		}
		s.maxAge = c.cfg.SessionLifetime
		c.store = s
	}
	return c, nil
}

// Issuer returns the expected issuer, Config.Endpoint + "/oidc".
func (c *Client) Issuer() string { return c.issuer }

// RedirectURI returns the redirect URI sent at sign-in.
func (c *Client) RedirectURI() string { return c.redirectURI }

// Discover fetches the discovery document (and so checks that the server is
// reachable and its issuer matches) unless a fresh copy is cached. Calling it
// is optional; every operation discovers on demand.
func (c *Client) Discover(ctx context.Context) error {
	_, err := c.discovery(ctx)
	return err
}

// clientCtx returns ctx carrying the HTTP client for go-oidc and x/oauth2.
func (c *Client) clientCtx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, c.httpClient)
}

// discovered is one fetched discovery document with the objects built on it.
// A new one (with a new JWKS cache) replaces it when the TTL runs out.
type discovered struct {
	provider      *oidc.Provider
	verifier      *oidc.IDTokenVerifier
	oauth         oauth2.Config
	userInfoURL   string
	endSessionURL string
	revocationURL string
	issParameter  bool // authorization_response_iss_parameter_supported (RFC 9207)
	fetched       time.Time
}

// discoveryCache holds the current discovery result and de-duplicates
// fetches.
type discoveryCache struct {
	mu        sync.Mutex
	cur       *discovered
	inflight  chan struct{}
	lastErr   error
	retryAt   time.Time // after a failed refresh, the stale copy is used until then
	fetchHook func()    // tests count fetches
}

func (c *Client) discovery(ctx context.Context) (*discovered, error) {
	dc := &c.disc
	for {
		dc.mu.Lock()
		now := c.now()
		cur := dc.cur
		if cur != nil && (now.Sub(cur.fetched) < c.cfg.DiscoveryTTL || now.Before(dc.retryAt) || dc.inflight != nil) {
			// Fresh, or stale while a refresh is running or after one failed.
			dc.mu.Unlock()
			return cur, nil
		}
		if dc.inflight == nil {
			ch := make(chan struct{})
			dc.inflight = ch
			dc.mu.Unlock()
			d, err := c.fetchDiscovery(context.WithoutCancel(ctx))
			dc.mu.Lock()
			if err == nil {
				dc.cur, dc.lastErr = d, nil
			} else {
				dc.lastErr = err
				dc.retryAt = c.now().Add(30 * time.Second)
			}
			dc.inflight = nil
			close(ch)
			stale := dc.cur
			dc.mu.Unlock()
			if err != nil {
				if stale != nil {
					c.logger.WarnContext(ctx, "sesame: discovery refresh failed, using cached document", "err", err)
					return stale, nil
				}
				return nil, err
			}
			return d, nil
		}
		ch := dc.inflight
		dc.mu.Unlock()
		select {
		case <-ch:
			dc.mu.Lock()
			d, err := dc.cur, dc.lastErr
			dc.mu.Unlock()
			if d != nil {
				return d, nil
			}
			if err != nil {
				return nil, err
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (c *Client) fetchDiscovery(ctx context.Context) (*discovered, error) {
	if h := c.disc.fetchHook; h != nil {
		h()
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(c.clientCtx(ctx), c.issuer)
	if err != nil {
		return nil, fmt.Errorf("sesame: discovery at %s: %w", c.issuer, err)
	}
	var meta struct {
		UserInfo   string `json:"userinfo_endpoint"`
		EndSession string `json:"end_session_endpoint"`
		Revocation string `json:"revocation_endpoint"`
		ISSParam   bool   `json:"authorization_response_iss_parameter_supported"`
	}
	if err := p.Claims(&meta); err != nil {
		return nil, fmt.Errorf("sesame: discovery document: %w", err)
	}
	ep := p.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInHeader // client_secret_basic
	if c.cfg.AppSecret == "" {
		ep.AuthStyle = oauth2.AuthStyleInParams // public client: client_id in the body
	}
	d := &discovered{
		provider:      p,
		userInfoURL:   meta.UserInfo,
		endSessionURL: meta.EndSession,
		revocationURL: meta.Revocation,
		issParameter:  meta.ISSParam,
		fetched:       c.now(),
		oauth: oauth2.Config{
			ClientID:     c.cfg.AppID,
			ClientSecret: c.cfg.AppSecret,
			Endpoint:     ep,
			Scopes:       c.cfg.scopes(),
		},
	}
	// The verifier's key set outlives this call, so it gets a background
	// context that only carries the HTTP client.
	d.verifier = p.VerifierContext(c.clientCtx(context.Background()), &oidc.Config{
		ClientID: c.cfg.AppID,
		// go-oidc has no leeway on exp; checking against a clock set back by
		// ClockSkew gives one.
		Now: func() time.Time { return c.now().Add(-c.cfg.ClockSkew) },
	})
	return d, nil
}

// verifyIDToken verifies a raw ID token from the token endpoint.
func (c *Client) verifyIDToken(ctx context.Context, d *discovered, raw string) (*oidc.IDToken, error) {
	tok, err := d.verifier.Verify(c.clientCtx(ctx), raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidIDToken, err)
	}
	if tok.IssuedAt.After(c.now().Add(c.cfg.ClockSkew)) {
		return nil, fmt.Errorf("%w: issued in the future (iat %s)", ErrInvalidIDToken, tok.IssuedAt.UTC().Format(time.RFC3339))
	}
	return tok, nil
}
