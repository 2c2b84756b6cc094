package management

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// Config configures a [Client].
type Config struct {
	// Endpoint is the server's base URL: Sesame's endpoint
	// ("https://auth.example.com"), or Logto's ("http://localhost:3001",
	// "https://<tenant>.logto.app"). Tokens come from {Endpoint}/oidc/token
	// and the API is at {Endpoint}/api. Required.
	Endpoint string
	// AppID and AppSecret are a machine-to-machine app's credentials; the
	// app needs a role holding the Management API's "all" permission
	// (Sesame: `sesame apps create --type m2m --management-api`). Required
	// unless TokenSource is set.
	AppID, AppSecret string
	// Resource is the API's resource indicator, the access token's
	// audience. Default Endpoint+"/api", right for Sesame. Logto uses a
	// fixed indicator whatever its URL: "https://default.logto.app/api" for
	// the open-source edition (Sesame accepts it too) and
	// "https://<tenant>.logto.app/api" for Logto Cloud.
	Resource string
	// Scope is requested with every token. Default "all", the Management
	// API's one permission.
	Scope string
	// HTTPClient sends the token and API requests. Default
	// http.DefaultClient; give one with a Timeout in production.
	HTTPClient *http.Client
	// TokenSource, if set, supplies the bearer tokens instead of the
	// client-credentials grant (AppID, AppSecret, Resource and Scope are
	// then unused). A token it returns is not cached by the Client.
	TokenSource oauth2.TokenSource
	// UserAgent is sent on every request. Default "sesame-management-go".
	UserAgent string
}

// Client calls a Management API. It is safe for concurrent use; create one
// per server and keep it, so that its access token is reused.
type Client struct {
	api       string // {Endpoint}/api, no trailing slash
	http      *http.Client
	tokens    tokenProvider
	userAgent string

	Applications     *ApplicationsService
	Users            *UsersService
	Resources        *ResourcesService
	Roles            *RolesService
	SignInExperience *SignInExperienceService
	Logs             *LogsService
	OIDCKeys         *OIDCKeysService
}

// New checks cfg and returns a Client. It makes no request: the first call
// fetches the first token.
func New(cfg Config) (*Client, error) {
	endpoint := strings.TrimRight(cfg.Endpoint, "/")
	u, err := url.Parse(endpoint)
	if endpoint == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("management: Config.Endpoint must be an absolute http or https URL without query, got %q", cfg.Endpoint)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	c := &Client{api: endpoint + "/api", http: hc, userAgent: cfg.UserAgent}
	if c.userAgent == "" {
		c.userAgent = "sesame-management-go"
	}
	if cfg.TokenSource != nil {
		c.tokens = staticSource{cfg.TokenSource}
	} else {
		if cfg.AppID == "" || cfg.AppSecret == "" {
			return nil, errors.New("management: Config.AppID and Config.AppSecret are required (or Config.TokenSource)")
		}
		resource := cfg.Resource
		if resource == "" {
			resource = c.api
		}
		if r, err := url.Parse(resource); err != nil || !r.IsAbs() {
			return nil, fmt.Errorf("management: Config.Resource must be an absolute URI, got %q", cfg.Resource)
		}
		scope := cfg.Scope
		if scope == "" {
			scope = "all"
		}
		c.tokens = newTokenCache(endpoint+"/oidc/token", cfg.AppID, cfg.AppSecret, resource, scope, hc)
	}
	c.Applications = &ApplicationsService{c}
	c.Users = &UsersService{c}
	c.Resources = &ResourcesService{c}
	c.Roles = &RolesService{c}
	c.SignInExperience = &SignInExperienceService{c}
	c.Logs = &LogsService{c}
	c.OIDCKeys = &OIDCKeysService{c}
	return c, nil
}

// maxResponse bounds a response body read into memory (a whole-list answer
// of a large tenant fits easily).
const maxResponse = 32 << 20

// do sends one API call, decodes a 2xx JSON answer into out (unless out is
// nil) and returns the answer's header. path is under /api and already
// escaped. A 401 drops the token it used and the call is tried once more
// with a fresh one: a token can be revoked before it expires (Sesame
// revokes an app's tokens when its role is taken away).
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) (http.Header, error) {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return nil, fmt.Errorf("management: encode the %s %s request: %w", method, path, err)
		}
	}
	target := c.api + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	for attempt := 1; ; attempt++ {
		tok, err := c.tokens.token(ctx)
		if err != nil {
			return nil, err
		}
		resp, err := c.send(ctx, method, target, body, tok)
		if err != nil {
			return nil, err
		}
		if resp.status == http.StatusUnauthorized && attempt == 1 && c.tokens.invalidate(tok) {
			continue
		}
		if resp.status < 200 || resp.status > 299 {
			return nil, errorFrom(method, path, resp)
		}
		if out != nil {
			if err := json.Unmarshal(resp.body, out); err != nil {
				return nil, fmt.Errorf("management: %s %s: decode the answer: %w", method, path, err)
			}
		}
		return resp.header, nil
	}
}

type rawResponse struct {
	status int
	header http.Header
	body   []byte
}

func (c *Client) send(ctx context.Context, method, target string, body []byte, tok string) (*rawResponse, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return nil, fmt.Errorf("management: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("management: %s %s: %w", method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("management: %s %s: read the answer: %w", method, req.URL.Path, err)
	}
	if len(b) > maxResponse {
		return nil, fmt.Errorf("management: %s %s: the answer is larger than %d bytes", method, req.URL.Path, maxResponse)
	}
	return &rawResponse{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// path builds an API path from format, whose %s verbs take ids. Each id
// is escaped, so it cannot reach another route, and must not be empty.
func path(format string, ids ...string) (string, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		if id == "" {
			return "", fmt.Errorf("management: an empty id in %s", strings.ReplaceAll(format, "%s", "{id}"))
		}
		args[i] = url.PathEscape(id)
	}
	return fmt.Sprintf(format, args...), nil
}

// Ptr returns a pointer to v, for the optional fields of update requests:
//
//	client.Users.Update(ctx, id, management.UserUpdate{Name: management.Ptr("Ann")})
func Ptr[T any](v T) *T { return &v }

// Do calls a route the services do not cover (such as Logto's
// /organizations) with the Client's token handling and errors: path is
// under /api ("/organizations"), escaped by the caller; in, if not nil, is
// sent as JSON and a 2xx JSON answer is decoded into out, if not nil. It
// returns the answer's header (Total-Number, Link).
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, in, out any) (http.Header, error) {
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("management: the path %q must start with /", path)
	}
	return c.do(ctx, method, path, query, in, out)
}
