package configcache

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/sesameauth/sesame/internal/store"
)

// Versioned is a store with a configuration version (sqlstore.Store).
type Versioned interface {
	store.Store
	// ConfigVersion returns a counter that every committed change to the
	// cached tables moves forward; a change committed before the call
	// began is counted in its result.
	ConfigVersion(ctx context.Context) (int64, error)
}

// DefaultSize bounds each kind of cached value (apps, resources, app
// permissions), and separately the remembered misses of each kind.
const DefaultSize = 10000

// Store is a store.Store whose configuration reads are served from memory
// while the configuration version is unchanged. Every other method, writes
// included, goes to the store it wraps; writes need not tell the cache, as
// the triggers move the version.
type Store struct {
	store.Store
	src   Versioned
	fresh *Fresh
	size  int

	mu        sync.RWMutex
	version   int64 // of every value held; 0: none yet
	clients   table[store.Client]
	resources table[store.Resource] // by indicator
	perms     table[[]store.Permission]
	settings  *entry[store.SignInExperience]

	hits, misses atomic.Int64
}

// entry is a cached answer: a value, or "not found".
type entry[V any] struct {
	v       V
	missing bool
}

// table maps keys to answers of one version. Misses are counted apart so
// a flood of unknown keys cannot push out the known ones, and neither
// grows past the bound: a full table starts again empty.
type table[V any] struct {
	m                map[string]entry[V]
	found, notFounds int
}

func (t *table[V]) put(key string, e entry[V], size int) {
	if t.m == nil {
		t.m = make(map[string]entry[V])
	}
	if _, ok := t.m[key]; ok {
		return
	}
	n := &t.found
	if e.missing {
		n = &t.notFounds
	}
	if *n >= size {
		// Rare (more live apps than the bound, or a flood of unknown
		// ids): dropping the table is O(1) amortised and keeps the bound.
		t.m, t.found, t.notFounds = make(map[string]entry[V]), 0, 0
		n = &t.found
		if e.missing {
			n = &t.notFounds
		}
	}
	t.m[key] = e
	*n++
}

// New wraps src. size bounds each table (DefaultSize when ≤ 0).
func New(src Versioned, size int) *Store {
	if size <= 0 {
		size = DefaultSize
	}
	return &Store{Store: src, src: src, fresh: NewFresh(src.ConfigVersion), size: size}
}

// Stats reports how many cached reads were answered from memory and how
// many went to the database.
func (s *Store) Stats() (hits, misses int64) { return s.hits.Load(), s.misses.Load() }

type requestKey struct{}

// request is the version a request uses, read once after it began.
type request struct {
	mu sync.Mutex
	v  int64 // 0: not read yet
}

// WithRequest returns ctx carrying a per-request version: the first cached
// lookup made with it (or a context derived from it) obtains a fresh
// version, and later ones reuse it, so a request costs at most one counter
// read. Use it only for requests that do not change the configuration
// themselves: a lookup after such a request's own write would still use
// the version read before it.
func WithRequest(ctx context.Context) context.Context {
	return context.WithValue(ctx, requestKey{}, &request{})
}

// currentVersion returns a configuration version read after ctx's request
// began (or after this call, without WithRequest).
func (s *Store) currentVersion(ctx context.Context) (int64, error) {
	r, _ := ctx.Value(requestKey{}).(*request)
	if r == nil {
		return s.fresh.Get(ctx)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.v != 0 {
		return r.v, nil
	}
	v, err := s.fresh.Get(ctx)
	if err == nil {
		r.v = v
	}
	return v, err
}

// lookup answers key from t if it holds an answer of version v, else loads
// it and keeps the answer (found or not found) for v.
func lookup[V any](ctx context.Context, s *Store, t *table[V], key string, load func() (V, error), clone func(V) V) (V, error) {
	v, err := s.currentVersion(ctx)
	if err != nil {
		s.misses.Add(1)
		if unavailable(ctx, err) {
			var zero V
			return zero, err
		}
		return load() // without a version nothing can be trusted: read through
	}
	s.mu.RLock()
	if s.version == v {
		if e, ok := t.m[key]; ok {
			s.mu.RUnlock()
			s.hits.Add(1)
			if e.missing {
				var zero V
				return zero, store.ErrNotFound
			}
			return clone(e.v), nil
		}
	}
	s.mu.RUnlock()
	s.misses.Add(1)
	val, err := load()
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return val, err
	}
	// The row was read after v, so it is at least as new as v; if a
	// change committed in between, the value is newer than v, which only
	// requests that obtained v (begun before that change) will see.
	e := entry[V]{v: clone(val), missing: err != nil}
	s.mu.Lock()
	if s.advance(v) {
		t.put(key, e, s.size)
	}
	s.mu.Unlock()
	return val, err
}

// unavailable reports whether err, from obtaining a version, means the
// row read would fail too (the database is down, or the request is over):
// then the caller gets err at once instead of after a second wait.
func unavailable(ctx context.Context, err error) bool {
	return errors.Is(err, store.ErrUnavailable) || ctx.Err() != nil
}

// advance moves the cache to version v if v is newer, dropping everything,
// and reports whether the cache now holds version v. An older v (a slow
// request) must not store anything. s.mu is held.
func (s *Store) advance(v int64) bool {
	if v > s.version {
		s.version = v
		s.clients, s.resources, s.perms = table[store.Client]{}, table[store.Resource]{}, table[[]store.Permission]{}
		s.settings = nil
	}
	return v == s.version
}

// GetClient implements store.Clients from memory.
func (s *Store) GetClient(ctx context.Context, id string) (store.Client, error) {
	return lookup(ctx, s, &s.clients, id, func() (store.Client, error) { return s.src.GetClient(ctx, id) }, cloneClient)
}

// GetResourceByIndicator implements store.Resources from memory.
func (s *Store) GetResourceByIndicator(ctx context.Context, indicator string) (store.Resource, error) {
	return lookup(ctx, s, &s.resources, indicator, func() (store.Resource, error) { return s.src.GetResourceByIndicator(ctx, indicator) }, cloneResource)
}

// ClientPermissions implements store.Roles from memory.
func (s *Store) ClientPermissions(ctx context.Context, clientID string) ([]store.Permission, error) {
	return lookup(ctx, s, &s.perms, clientID, func() ([]store.Permission, error) { return s.src.ClientPermissions(ctx, clientID) }, slices.Clone[[]store.Permission])
}

// GetSignInExperience implements store.SignInExperiences from memory.
func (s *Store) GetSignInExperience(ctx context.Context) (store.SignInExperience, error) {
	v, err := s.currentVersion(ctx)
	if err != nil {
		s.misses.Add(1)
		if unavailable(ctx, err) {
			return store.SignInExperience{}, err
		}
		return s.src.GetSignInExperience(ctx)
	}
	s.mu.RLock()
	if s.version == v && s.settings != nil {
		e := *s.settings
		s.mu.RUnlock()
		s.hits.Add(1)
		if e.missing {
			return store.SignInExperience{}, store.ErrNotFound
		}
		e.v.Doc = slices.Clone(e.v.Doc)
		return e.v, nil
	}
	s.mu.RUnlock()
	s.misses.Add(1)
	x, err := s.src.GetSignInExperience(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return x, err
	}
	e := &entry[store.SignInExperience]{v: x, missing: err != nil}
	e.v.Doc = slices.Clone(x.Doc)
	s.mu.Lock()
	if s.advance(v) {
		s.settings = e
	}
	s.mu.Unlock()
	return x, err
}

// The clones keep callers from changing the cached values through the
// slices they are given. Secret hashes are shared: nothing writes to them.
func cloneClient(c store.Client) store.Client {
	c.Secrets = slices.Clone(c.Secrets)
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	c.PostLogoutRedirectURIs = slices.Clone(c.PostLogoutRedirectURIs)
	c.CORSOrigins = slices.Clone(c.CORSOrigins)
	c.CustomData = slices.Clone(c.CustomData)
	return c
}

func cloneResource(r store.Resource) store.Resource {
	r.Scopes = slices.Clone(r.Scopes)
	return r
}

// Unwrap returns the store s reads through.
func (s *Store) Unwrap() Versioned { return s.src }

// Len is how many answers s holds.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := len(s.clients.m) + len(s.resources.m) + len(s.perms.m)
	if s.settings != nil {
		n++
	}
	return n
}
