package sesame

import (
	"context"
	"strings"
	"sync"
	"time"
)

// flightGroup de-duplicates concurrent calls with the same key (like
// x/sync/singleflight) and, after a success, keeps answering that key from the
// result for a short while. The second part matters for token refreshes: a
// request that arrives with the old session cookie just after a refresh gets
// the refreshed tokens instead of presenting a possibly rotated refresh token
// a second time.
type flightGroup[T any] struct {
	mu     sync.Mutex
	calls  map[string]*flightCall[T]
	retain time.Duration
	now    func() time.Time
}

type flightCall[T any] struct {
	done     chan struct{}
	val      T
	err      error
	finished time.Time
}

// do runs fn once per key. fn gets a context that is not cancelled when the
// caller's is (other callers may be waiting on it); the caller stops waiting
// when its own ctx is done.
func (g *flightGroup[T]) do(ctx context.Context, key string, fn func(context.Context) (T, error)) (T, error) {
	g.mu.Lock()
	if g.calls == nil {
		g.calls = map[string]*flightCall[T]{}
	}
	now := g.now()
	for k, c := range g.calls { // drop expired results; the map stays small
		if !c.finished.IsZero() && now.Sub(c.finished) > g.retain {
			delete(g.calls, k)
		}
	}
	c, ok := g.calls[key]
	if !ok {
		c = &flightCall[T]{done: make(chan struct{})}
		g.calls[key] = c
		go g.run(context.WithoutCancel(ctx), key, c, fn)
	}
	g.mu.Unlock()

	select {
	case <-c.done:
		return c.val, c.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

func (g *flightGroup[T]) run(ctx context.Context, key string, c *flightCall[T], fn func(context.Context) (T, error)) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	c.val, c.err = fn(ctx)
	g.mu.Lock()
	if c.err != nil || g.retain <= 0 {
		delete(g.calls, key)
	} else {
		c.finished = g.now()
	}
	g.mu.Unlock()
	close(c.done)
}

// active reports whether a call whose key starts with prefix is running or
// succeeded within the retention time.
func (g *flightGroup[T]) active(prefix string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	for k, c := range g.calls {
		if strings.HasPrefix(k, prefix) && (c.finished.IsZero() || now.Sub(c.finished) <= g.retain) {
			return true
		}
	}
	return false
}
