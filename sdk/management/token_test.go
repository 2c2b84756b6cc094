package management

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func okAPI(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, map[string]any{"id": "r1", "name": "n", "type": "User"})
}

// The token request is the client-credentials grant for the resource and
// scope, with the app's credentials.
func TestTokenRequest(t *testing.T) {
	for _, tc := range []struct {
		name, resource, scope, wantResource, wantScope string
	}{
		{"defaults", "", "", "{endpoint}/api", "all"},
		{"logto", "https://default.logto.app/api", "all read", "https://default.logto.app/api", "all read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, okAPI)
			c := f.client(t, func(c *Config) { c.Resource, c.Scope = tc.resource, tc.scope })
			if _, err := c.Roles.Get(context.Background(), "r1"); err != nil {
				t.Fatal(err)
			}
			r := f.lastTok
			want := tc.wantResource
			if want == "{endpoint}/api" {
				want = f.URL + "/api"
			}
			if id, secret, ok := r.BasicAuth(); !ok || id != "m2m" || secret != "s3cret" || r.PostForm.Has("client_secret") {
				t.Errorf("client authentication: basic %v (%q), client_secret in the body %v; want Basic only", ok, id, r.PostForm.Has("client_secret"))
			}
			if got := r.PostForm.Get("grant_type"); got != "client_credentials" {
				t.Errorf("grant_type %q", got)
			}
			if got := r.PostForm["resource"]; len(got) != 1 || got[0] != want {
				t.Errorf("resource %q, want %q", got, want)
			}
			if got := r.PostForm.Get("scope"); got != tc.wantScope {
				t.Errorf("scope %q, want %q", got, tc.wantScope)
			}
		})
	}
}

// Many goroutines at once share one token fetch, and later calls reuse
// the token.
func TestTokenFetchedOnceUnderConcurrency(t *testing.T) {
	release := make(chan struct{})
	f := newFake(t, okAPI)
	f.tokenHook = func(w http.ResponseWriter, r *http.Request) bool {
		<-release // hold the first fetch until every caller is waiting
		return false
	}
	c := f.client(t)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := c.Roles.Get(context.Background(), "r1")
			errs <- err
		})
	}
	// The first fetch is held until release: the others find no token and
	// must wait for it, not start their own. (However the goroutines
	// interleave, one fetch is the right count.)
	for f.tokenCallsStarted() == 0 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Roles.Get(context.Background(), "r1"); err != nil {
		t.Fatal(err)
	}
	if n := f.tokenCalls.Load(); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
	if n := f.apiCalls.Load(); n != 21 {
		t.Errorf("%d API calls, want 21", n)
	}
}

// A token is replaced shortly before it expires, not after.
func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	f := newFake(t, okAPI)
	c := f.client(t)
	tc := c.tokens.(*tokenCache)
	now := time.Now()
	tc.now = func() time.Time { return now }
	ctx := context.Background()
	call := func() {
		t.Helper()
		if _, err := c.Roles.Get(ctx, "r1"); err != nil {
			t.Fatal(err)
		}
	}
	call()
	now = now.Add(time.Hour - refreshMargin - time.Second)
	call()
	if n := f.tokenCalls.Load(); n != 1 {
		t.Fatalf("%d token requests %s before expiry, want 1", n, refreshMargin+time.Second)
	}
	now = now.Add(2 * time.Second)
	call()
	if n := f.tokenCalls.Load(); n != 2 {
		t.Fatalf("%d token requests %s before expiry, want 2", n, refreshMargin-time.Second)
	}
}

// A short-lived token is replaced a quarter of its life early, so it is not
// fetched again for every call.
func TestShortTokenKept(t *testing.T) {
	f := newFake(t, okAPI)
	f.expiresIn = 60
	c := f.client(t)
	tc := c.tokens.(*tokenCache)
	now := time.Now()
	tc.now = func() time.Time { return now }
	for range 3 {
		if _, err := c.Roles.Get(context.Background(), "r1"); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.tokenCalls.Load(); n != 1 {
		t.Fatalf("%d token requests, want 1", n)
	}
}

// A 401 drops the token and the call is made once more with a new one.
func TestUnauthorizedRetriedOnceWithNewToken(t *testing.T) {
	f := newFake(t, okAPI)
	c := f.client(t)
	ctx := context.Background()
	if _, err := c.Roles.Get(ctx, "r1"); err != nil {
		t.Fatal(err)
	}
	f.revoke("tok-1")
	if _, err := c.Roles.Get(ctx, "r1"); err != nil {
		t.Fatalf("after revocation: %v", err)
	}
	if n, m := f.tokenCalls.Load(), f.apiCalls.Load(); n != 2 || m != 3 {
		t.Fatalf("%d token requests and %d API calls, want 2 and 3", n, m)
	}
	// The new token is kept.
	if _, err := c.Roles.Get(ctx, "r1"); err != nil {
		t.Fatal(err)
	}
	if n := f.tokenCalls.Load(); n != 2 {
		t.Fatalf("%d token requests, want 2", n)
	}
}

// The retry after a 401 sends the same body again.
func TestUnauthorizedRetryResendsBody(t *testing.T) {
	var bodies []string
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		writeJSON(w, 200, map[string]any{"id": "u1"})
	})
	c := f.client(t)
	ctx := context.Background()
	if _, err := c.Users.Get(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	f.revoke("tok-1")
	if _, err := c.Users.Update(ctx, "u1", UserUpdate{Name: Ptr("Ann")}); err != nil {
		t.Fatal(err)
	}
	// The refused attempt never reached the handler (the fake's gate
	// answered it); the retry carried the body.
	if len(bodies) != 2 || bodies[1] != `{"name":"Ann"}` {
		t.Fatalf("bodies %q", bodies)
	}
	if n := f.apiCalls.Load(); n != 3 {
		t.Fatalf("%d API calls, want 3", n)
	}
}

// A 401 that persists is returned after one retry, not looped on.
func TestUnauthorizedTwiceIsAnError(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 401, map[string]string{"code": "auth.unauthorized", "message": "no"})
	})
	c := f.client(t)
	_, err := c.Roles.Get(context.Background(), "r1")
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err %v, want ErrUnauthorized", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Status != 401 {
		t.Fatalf("err %#v, want *Error with status 401", err)
	}
	if n, m := f.tokenCalls.Load(), f.apiCalls.Load(); n != 2 || m != 2 {
		t.Fatalf("%d token requests and %d API calls, want 2 and 2", n, m)
	}
}

// Invalidating a token that was already replaced keeps the replacement.
func TestInvalidateOnlyTheRefusedToken(t *testing.T) {
	tc := newTokenCache("http://x/oidc/token", "a", "b", "r", "all", http.DefaultClient)
	tc.tok = "new"
	tc.invalidate("old")
	if tc.cached() != "new" {
		t.Fatal("invalidating an old token dropped the current one")
	}
	tc.invalidate("new")
	if tc.cached() != "" {
		t.Fatal("the refused token is still cached")
	}
}

// A wrong secret is an *Error matching ErrInvalidClient, wrapping the
// oauth2 error; no API call is made.
func TestTokenRefused(t *testing.T) {
	f := newFake(t, okAPI)
	c := f.client(t, func(c *Config) { c.AppSecret = "wrong" })
	_, err := c.Roles.Get(context.Background(), "r1")
	if !errors.Is(err, ErrInvalidClient) {
		t.Fatalf("err %v, want ErrInvalidClient", err)
	}
	var e *Error
	var re *oauth2.RetrieveError
	if !errors.As(err, &e) || e.Status != 401 || e.Message != "client authentication failed" || !errors.As(err, &re) {
		t.Fatalf("err %#v", err)
	}
	if f.apiCalls.Load() != 0 {
		t.Fatal("the API was called without a token")
	}
}

// A caller waiting for another's token fetch gives up with its context.
func TestTokenWaitHonoursContext(t *testing.T) {
	release := make(chan struct{})
	f := newFake(t, okAPI)
	f.tokenHook = func(w http.ResponseWriter, r *http.Request) bool { <-release; return false }
	defer close(release)
	c := f.client(t)
	started := make(chan struct{})
	go func() {
		close(started)
		_, _ = c.Roles.Get(context.Background(), "r1") // holds the fetch
	}()
	<-started
	for f.tokenCallsStarted() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Roles.Get(ctx, "r1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}

func (f *fakeServer) tokenCallsStarted() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lastTok == nil {
		return 0
	}
	return 1
}

// A caller's TokenSource is used as it is; a refused token is an error
// without a retry loop.
func TestTokenSource(t *testing.T) {
	f := newFake(t, okAPI)
	c := f.client(t, func(c *Config) {
		c.AppID, c.AppSecret = "", ""
		c.TokenSource = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "forged"})
	})
	_, err := c.Roles.Get(context.Background(), "r1")
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err %v, want ErrUnauthorized", err)
	}
	if n := f.apiCalls.Load(); n != 1 {
		t.Fatalf("%d API calls, want 1", n)
	}
}

func TestNewChecksConfig(t *testing.T) {
	for _, cfg := range []Config{
		{AppID: "a", AppSecret: "b"},
		{Endpoint: "localhost:3001", AppID: "a", AppSecret: "b"},
		{Endpoint: "ftp://x", AppID: "a", AppSecret: "b"},
		{Endpoint: "http://x?y=1", AppID: "a", AppSecret: "b"},
		{Endpoint: "http://x"},
		{Endpoint: "http://x", AppID: "a", AppSecret: "b", Resource: "not a uri"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	c, err := New(Config{Endpoint: "https://auth.example.com/", AppID: "a", AppSecret: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if c.api != "https://auth.example.com/api" {
		t.Errorf("api %q", c.api)
	}
	if r := c.tokens.(*tokenCache).cc.EndpointParams.Get("resource"); r != "https://auth.example.com/api" {
		t.Errorf("resource %q", r)
	}
}
