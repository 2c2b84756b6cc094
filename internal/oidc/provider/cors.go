package provider

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sesameauth/sesame/internal/oidc/redirecturi"
	"github.com/sesameauth/sesame/internal/store"
)

// Per-app CORS for the token, userinfo and revocation endpoints (catalogue
// MA-12): a browser may read their answers only from an origin of the app
// the request is for, never from "null" and never with "*". Discovery and
// the JWKS stay open to every origin (httpx.CORS).

// ClientAllowsOrigin reports whether origin (an Origin header) belongs to
// c: it is the origin of one of c's redirect or post-logout redirect URIs,
// or one of its explicitly allowed CORS origins. The opaque origin "null"
// (sandboxed frames, file: pages, private-use schemes) belongs to no app.
func ClientAllowsOrigin(c store.Client, origin string) bool {
	if origin == "" || origin == "null" {
		return false
	}
	for _, l := range [][]string{c.RedirectURIs, c.PostLogoutRedirectURIs, c.CORSOrigins} {
		for _, u := range l {
			if redirecturi.Origin(u) == origin {
				return true
			}
		}
	}
	return false
}

type corsKey struct{}

// corsRequest is a cross-origin request whose app is not known yet.
type corsRequest struct {
	origin string
	header http.Header
}

// ClientCORS wraps an endpoint that answers CORS per app. A preflight
// carries no client, so it is answered (with the methods and headers the
// endpoint takes) when the origin belongs to any registered app; the
// actual request gets Access-Control-Allow-Origin only once the endpoint
// has identified its app and found the origin to be that app's (AllowCORS).
func (p *Provider) ClientCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		w.Header().Add("Vary", "Origin")
		if r.Method == http.MethodOptions {
			if p.anyClientAllowsOrigin(r.Context(), origin) {
				w.Header().Set("Access-Control-Allow-Origin", origin)
				w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
				w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
				w.Header().Set("Access-Control-Max-Age", "600")
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if origin != "" && origin != "null" {
			r = r.WithContext(context.WithValue(r.Context(), corsKey{}, &corsRequest{origin: origin, header: w.Header()}))
		}
		next.ServeHTTP(w, r)
	})
}

// AllowCORS lets the browser read the response to a request for app c if
// the request's origin is one of c's. It must run before the response is
// written; outside ClientCORS it does nothing.
func AllowCORS(ctx context.Context, c store.Client) {
	cr, _ := ctx.Value(corsKey{}).(*corsRequest)
	if cr == nil || !ClientAllowsOrigin(c, cr.origin) {
		return
	}
	cr.header.Set("Access-Control-Allow-Origin", cr.origin)
	cr.header.Set("Access-Control-Expose-Headers", "WWW-Authenticate")
}

// AllowCORSFor is AllowCORS for an app known by id (userinfo knows the
// bearer token's client id); the app is loaded only for a cross-origin
// request.
func (p *Provider) AllowCORSFor(ctx context.Context, clientID string) error {
	if cr, _ := ctx.Value(corsKey{}).(*corsRequest); cr == nil {
		return nil
	}
	c, err := p.Clients.GetClient(ctx, clientID)
	if err != nil {
		return err
	}
	AllowCORS(ctx, c)
	return nil
}

// The origins of every app, for preflights: loaded from the store at most
// once a second when an origin is not in the set (a new app's origin is
// answered a second after it is created at the latest), and trusted for
// originsMaxAge (a deleted app's origin may pass a preflight that long;
// its requests still get no CORS answer).
const (
	originsMinAge = time.Second
	originsMaxAge = 5 * time.Minute
)

type originCache struct {
	mu  sync.Mutex // serialises reloads
	set atomic.Pointer[originSet]
}

type originSet struct {
	loaded time.Time
	has    map[string]bool
}

func (p *Provider) anyClientAllowsOrigin(ctx context.Context, origin string) bool {
	if origin == "" || origin == "null" || len(origin) > redirecturi.MaxLength {
		return false
	}
	if s := p.origins.set.Load(); s != nil {
		age := time.Since(s.loaded)
		if s.has[origin] && age < originsMaxAge {
			return true
		}
		if age < originsMinAge {
			return false
		}
	}
	s, err := p.loadOrigins(ctx)
	if err != nil {
		if p.Log != nil {
			p.Log.WarnContext(ctx, "loading app origins for a CORS preflight", "err", err)
		}
		return false
	}
	return s.has[origin]
}

func (p *Provider) loadOrigins(ctx context.Context) (*originSet, error) {
	p.origins.mu.Lock()
	defer p.origins.mu.Unlock()
	if s := p.origins.set.Load(); s != nil && time.Since(s.loaded) < originsMinAge {
		return s, nil // loaded while this request waited
	}
	cs, err := p.Clients.ListClients(ctx)
	if err != nil {
		return nil, err
	}
	s := &originSet{loaded: time.Now(), has: map[string]bool{}}
	for _, c := range cs {
		for _, l := range [][]string{c.RedirectURIs, c.PostLogoutRedirectURIs, c.CORSOrigins} {
			for _, u := range l {
				if o := redirecturi.Origin(u); o != "" {
					s.has[o] = true
				}
			}
		}
	}
	p.origins.set.Store(s)
	return s, nil
}
