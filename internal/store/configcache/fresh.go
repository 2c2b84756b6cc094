package configcache

import (
	"context"
	"sync"
	"time"
)

// Fresh hands out values of a counter read after the caller arrived, with
// at most one read in flight: a caller that arrives while a read runs
// cannot use that read (it may have begun before the caller's request, and
// missed a change committed since), so it waits for the next one, which
// starts when the running one ends and serves everyone who arrived
// meanwhile. Each caller waits for at most two reads.
type Fresh struct {
	read func(context.Context) (int64, error)

	mu      sync.Mutex
	running *call // started, not finished
	next    *call // its callers arrived after running started
}

type call struct {
	done    chan struct{}
	v       int64
	err     error
	waiters int // callers queued on it (for tests)
}

// readTimeout bounds a shared read, which runs detached from the context
// of the caller that started it (its cancellation must not fail the
// others).
const readTimeout = 10 * time.Second

// NewFresh returns a Fresh over read.
func NewFresh(read func(context.Context) (int64, error)) *Fresh {
	return &Fresh{read: read}
}

// Get returns a value read after Get was called.
func (f *Fresh) Get(ctx context.Context) (int64, error) {
	f.mu.Lock()
	if f.running == nil {
		c := &call{done: make(chan struct{})}
		f.running = c
		f.mu.Unlock()
		f.run(ctx, c, false) // the caller reads itself: no goroutine when idle
		return c.v, c.err
	}
	if f.next == nil {
		f.next = &call{done: make(chan struct{})}
	}
	c := f.next
	c.waiters++
	f.mu.Unlock()
	select {
	case <-c.done:
		return c.v, c.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// run performs c's read, then starts the call queued behind it. The
// caller's own read uses its context; a queued call serves several
// callers, so it runs detached from the context of the one that queued it
// (each waiter still stops waiting when its own context ends).
//
// A read that fails fails the queued call too instead of starting it: an
// error carries no configuration, so handing it to callers who arrived
// later is safe, and when the database is down they learn it after one
// read instead of two.
func (f *Fresh) run(ctx context.Context, c *call, queued bool) {
	rctx, cancel := ctx, context.CancelFunc(func() {})
	if queued {
		rctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), readTimeout)
	}
	c.v, c.err = f.read(rctx)
	cancel()
	f.mu.Lock()
	next := f.next
	f.next = nil
	shareErr := c.err != nil && next != nil && rctx.Err() == nil
	if shareErr {
		f.running = nil
	} else {
		f.running = next
	}
	f.mu.Unlock()
	close(c.done)
	switch {
	case shareErr:
		next.err = c.err
		close(next.done)
	case next != nil:
		go f.run(ctx, next, true)
	}
}
