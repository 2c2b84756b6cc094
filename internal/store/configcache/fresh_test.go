package configcache

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestFreshReadsAfterArrival: every caller gets a value from a read that
// began after it called, and concurrent callers share reads.
func TestFreshReadsAfterArrival(t *testing.T) {
	var clock, reads atomic.Int64
	f := NewFresh(func(context.Context) (int64, error) {
		reads.Add(1)
		start := clock.Add(1) // the read's start, on the shared clock
		time.Sleep(200 * time.Microsecond)
		return start, nil
	})
	const callers, each = 16, 50
	var wg sync.WaitGroup
	var bad atomic.Int64
	for range callers {
		wg.Go(func() {
			for range each {
				arrived := clock.Add(1)
				v, err := f.Get(t.Context())
				if err != nil {
					t.Error(err)
					return
				}
				if v <= arrived {
					bad.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := bad.Load(); n > 0 {
		t.Errorf("%d of %d callers got a read that began before they arrived", n, callers*each)
	}
	if n := reads.Load(); n >= callers*each {
		t.Errorf("%d reads for %d calls: concurrent callers did not share", n, callers*each)
	}
	t.Logf("%d reads for %d calls", reads.Load(), callers*each)
}

// TestFreshCancel: a caller whose context ends stops waiting, and its
// cancellation does not fail the read others share.
func TestFreshCancel(t *testing.T) {
	release := make(chan struct{})
	f := NewFresh(func(ctx context.Context) (int64, error) {
		<-release
		return 7, ctx.Err()
	})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { _, err := f.Get(ctx); done <- err }() // runs the read
	for {
		f.mu.Lock()
		started := f.running != nil
		f.mu.Unlock()
		if started {
			break
		}
		time.Sleep(time.Millisecond)
	}
	waiter, cancelWaiter := context.WithCancel(t.Context())
	cancelWaiter()
	if _, err := f.Get(waiter); err == nil {
		t.Error("a cancelled waiter got no error")
	}
	cancel()
	close(release)
	if err := <-done; err != nil {
		t.Errorf("the reader's own cancellation failed its shared read: %v", err)
	}
	if v, err := f.Get(t.Context()); v != 7 || err != nil {
		t.Errorf("after: %d %v", v, err)
	}
}
