package configcache

import (
	"context"
	"errors"
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

// waitRunning waits until f has a read in flight.
func waitRunning(f *Fresh) {
	for {
		f.mu.Lock()
		started := f.running != nil
		f.mu.Unlock()
		if started {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// waitQueued waits until n callers have queued behind the read in flight.
func waitQueued(f *Fresh, n int) {
	for {
		f.mu.Lock()
		queued := f.next != nil && f.next.waiters >= n
		f.mu.Unlock()
		if queued {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// TestFreshCancel: a caller whose context ends stops waiting; the end of
// the reading caller's request fails its own read only, and whoever waits
// behind it gets a read of its own.
func TestFreshCancel(t *testing.T) {
	release := make(chan struct{})
	var reads atomic.Int64
	f := NewFresh(func(ctx context.Context) (int64, error) {
		reads.Add(1)
		<-release
		return 7, ctx.Err()
	})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { _, err := f.Get(ctx); done <- err }() // runs the read
	waitRunning(f)
	waiter, cancelWaiter := context.WithCancel(t.Context())
	cancelWaiter()
	if _, err := f.Get(waiter); err == nil {
		t.Error("a cancelled waiter got no error")
	}
	queued := make(chan int64, 1)
	go func() { v, _ := f.Get(t.Context()); queued <- v }()
	waitQueued(f, 2) // the cancelled waiter and this one
	cancel()
	close(release)
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("the cancelled reader: %v, want context.Canceled", err)
	}
	if v := <-queued; v != 7 {
		t.Errorf("the caller queued behind a cancelled read got %d, want 7 from a read of its own", v)
	}
	if n := reads.Load(); n != 2 {
		t.Errorf("%d reads, want 2", n)
	}
}

// TestFreshSharesFailure: when a read fails, the callers queued behind it
// get its error at once rather than a second wait on a failing database.
func TestFreshSharesFailure(t *testing.T) {
	release := make(chan struct{})
	var reads atomic.Int64
	down := errors.New("database down")
	f := NewFresh(func(ctx context.Context) (int64, error) {
		reads.Add(1)
		<-release
		return 0, down
	})
	done := make(chan error, 2)
	go func() { _, err := f.Get(t.Context()); done <- err }()
	waitRunning(f)
	go func() { _, err := f.Get(t.Context()); done <- err }()
	waitQueued(f, 1)
	close(release)
	for range 2 {
		if err := <-done; !errors.Is(err, down) {
			t.Errorf("got %v, want the read's error", err)
		}
	}
	if n := reads.Load(); n != 1 {
		t.Errorf("%d reads, want 1", n)
	}
}
