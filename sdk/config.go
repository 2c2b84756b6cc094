package sesame

import (
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
)

// Reserved scopes are always requested, before Config.Scopes.
const (
	ScopeOpenID        = "openid"
	ScopeOfflineAccess = "offline_access"
	ScopeProfile       = "profile"
	ScopeEmail         = "email"
	ScopePhone         = "phone"
	// ScopeOrganizations makes the SDK also request the organizations
	// resource (ResourceOrganizations) at sign-in, as Logto's SDKs do.
	ScopeOrganizations = "urn:logto:scope:organizations"
	// ResourceOrganizations is the resource indicator for organization tokens.
	ResourceOrganizations = "urn:logto:resource:organizations"
)

// Prompt values for Config.Prompt and SignInOptions.Prompt.
const (
	PromptConsent = "consent" // the default; needed for a refresh token
	PromptLogin   = "login"   // force re-authentication; no refresh token unless combined with consent
	PromptNone    = "none"
)

// MinCookieSecretLength is the minimum length of Config.CookieSecret.
const MinCookieSecretLength = 32

// Default session lifetimes (Config.SessionLifetime, Config.SessionIdleTimeout),
// the same as Sesame's defaults for its own sign-in sessions.
const (
	DefaultSessionLifetime    = 14 * 24 * time.Hour
	DefaultSessionIdleTimeout = 3 * 24 * time.Hour
)

// Config configures a [Client]. The first six fields mirror the guide's
// logtoConfig; the rest are optional and have working zero values.
type Config struct {
	// Endpoint is the Sesame server URL without "/oidc", e.g.
	// "http://localhost:3001". The issuer is Endpoint + "/oidc". Required.
	Endpoint string
	// AppID is the application (client) ID. Required.
	AppID string
	// AppSecret is the application secret. When set, the client authenticates
	// with client_secret_basic; when empty it acts as a public client.
	AppSecret string
	// BaseURL is the public URL of this app, e.g. "http://localhost:3000". It
	// is the default post-sign-out redirect URI and the base of the default
	// redirect URI. Required.
	BaseURL string
	// CookieSecret keys the session cookie encryption. At least
	// MinCookieSecretLength characters. Required unless Store is set.
	CookieSecret string
	// CookieSecure sets the Secure attribute on the session cookies. It is on
	// anyway when BaseURL is https, and the cookie name then gets the
	// __Host- prefix; set it for an http BaseURL only if browsers reach the
	// app over https all the same.
	CookieSecure bool
	// SessionLifetime is how long a session lasts after sign-in, however
	// active it is. Default 14 days, like Sesame's own sign-in sessions.
	SessionLifetime time.Duration
	// SessionIdleTimeout ends a session that no request has used for this
	// long. Default 3 days, like Sesame's; a negative value turns it off.
	SessionIdleTimeout time.Duration

	// Scopes are requested in addition to "openid offline_access profile".
	Scopes []string
	// Resources are API resource indicators requested at sign-in (as repeated
	// resource parameters); only these can be passed to Context.AccessToken.
	Resources []string
	// Prompt is the default prompt parameter; empty means "consent".
	Prompt string

	// RedirectURI is where the server sends the browser after sign-in; the
	// CallbackHandler must be mounted there. Default BaseURL + "/callback".
	RedirectURI string
	// PostSignOutRedirectURI is where the server sends the browser after
	// sign-out. Default BaseURL.
	PostSignOutRedirectURI string
	// PostSignInRedirect is where CallbackHandler sends the browser after a
	// successful sign-in when the sign-in did not name one. Default "/".
	PostSignInRedirect string
	// APIPathPrefix marks API routes for RequireAuth: unauthenticated requests
	// under it get 401 JSON instead of a sign-in redirect. Default "/api/".
	APIPathPrefix string

	// HTTPClient makes every request to the server. Default: a client with a
	// 30-second timeout.
	HTTPClient *http.Client
	// Store holds sessions. Default: encrypted cookies keyed by CookieSecret.
	Store SessionStore
	// DiscoveryTTL is how long the discovery document and the JWKS are
	// cached. Default 15 minutes. The JWKS is also refetched at once when an
	// ID token names an unknown key.
	DiscoveryTTL time.Duration
	// RefreshBefore is how long before its expiry an access token is
	// refreshed. Default 60 seconds.
	RefreshBefore time.Duration
	// ClockSkew is the tolerance when checking ID token times. Default 60
	// seconds.
	ClockSkew time.Duration
	// ErrorHandler writes the response when a ready-made handler fails.
	// Default: a short plain-text page with a 400 (client or callback
	// problem) or 502 (server unreachable or misbehaving) status.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Logger receives diagnostics such as a failed token revocation.
	// Default slog.Default().
	Logger *slog.Logger
}

// Validate checks the configuration. It returns a *ConfigError naming the
// first invalid field.
func (c *Config) Validate() error {
	if err := checkHTTPURL("Endpoint", c.Endpoint); err != nil {
		return err
	}
	if strings.TrimSpace(c.AppID) == "" {
		return &ConfigError{Field: "AppID", Reason: "must not be empty"}
	}
	if err := checkHTTPURL("BaseURL", c.BaseURL); err != nil {
		return err
	}
	if c.Store == nil && len(c.CookieSecret) < MinCookieSecretLength {
		return &ConfigError{Field: "CookieSecret", Reason: "must be at least 32 characters"}
	}
	if c.RedirectURI != "" {
		if err := checkHTTPURL("RedirectURI", c.RedirectURI); err != nil {
			return err
		}
	}
	if c.PostSignOutRedirectURI != "" {
		if err := checkHTTPURL("PostSignOutRedirectURI", c.PostSignOutRedirectURI); err != nil {
			return err
		}
	}
	if _, ok := localRedirect(c.PostSignInRedirect); c.PostSignInRedirect != "" && !ok {
		return &ConfigError{Field: "PostSignInRedirect", Reason: "must be a path starting with a single /, without backslashes or control characters"}
	}
	for _, r := range c.Resources {
		if r == "" {
			return &ConfigError{Field: "Resources", Reason: "must not contain empty strings"}
		}
	}
	if c.SessionLifetime < 0 {
		return &ConfigError{Field: "SessionLifetime", Reason: "must not be negative"}
	}
	if c.SessionIdleTimeout > 0 && c.SessionIdleTimeout < time.Minute {
		return &ConfigError{Field: "SessionIdleTimeout", Reason: "must be at least a minute (or negative: off)"}
	}
	if c.DiscoveryTTL < 0 || c.RefreshBefore < 0 || c.ClockSkew < 0 {
		return &ConfigError{Field: "DiscoveryTTL/RefreshBefore/ClockSkew", Reason: "must not be negative"}
	}
	return nil
}

func checkHTTPURL(field, s string) error {
	if s == "" {
		return &ConfigError{Field: field, Reason: "must not be empty"}
	}
	u, err := url.Parse(s)
	if err != nil {
		return &ConfigError{Field: field, Reason: "not a URL: " + err.Error()}
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &ConfigError{Field: field, Reason: "must be an absolute http(s) URL, got " + strings.TrimSpace(s)}
	}
	if u.Fragment != "" {
		return &ConfigError{Field: field, Reason: "must not have a fragment"}
	}
	return nil
}

// localRedirect returns s as a same-origin redirect target, or false when s
// is not a plain local path (docs/security.md, item 8.13). It refuses
// backslashes and control characters, raw or percent-encoded (browsers read
// "/\host" as "//host" and drop tabs and newlines), anything with a scheme,
// host or user, and paths that do not start with exactly one slash after
// path.Clean. The result is rebuilt from the cleaned path and the query only,
// so that http.Redirect's own cleaning cannot turn it into "//host" either.
func localRedirect(s string) (string, bool) {
	if s == "" || s[0] != '/' || strings.HasPrefix(s, "//") || strings.ContainsFunc(s, isUnsafeInPath) {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		strings.ContainsFunc(u.Path, isUnsafeInPath) {
		return "", false
	}
	out := &url.URL{Path: cleanPath(u.Path), RawQuery: u.RawQuery}
	if u.RawPath != "" {
		// Keeps escapes such as %2F; String uses it only while it still
		// encodes Path.
		out.RawPath = cleanPath(u.RawPath)
	}
	loc := out.String()
	if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") {
		return "", false
	}
	return loc, true
}

// cleanPath is path.Clean keeping a trailing slash, as http.Redirect does.
func cleanPath(p string) string {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

// isUnsafeInPath reports a backslash or an ASCII control character.
func isUnsafeInPath(r rune) bool {
	return r == '\\' || r < 0x20 || r == 0x7f
}

// scopes returns the scopes to request: the reserved ones, then Config.Scopes,
// without duplicates.
func (c *Config) scopes() []string {
	out := []string{ScopeOpenID, ScopeOfflineAccess, ScopeProfile}
	for _, s := range c.Scopes {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// resources returns the resource indicators to request at sign-in.
func (c *Config) resources() []string {
	var out []string
	for _, r := range c.Resources {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if slices.Contains(c.Scopes, ScopeOrganizations) && !slices.Contains(out, ResourceOrganizations) {
		out = append(out, ResourceOrganizations)
	}
	return out
}
