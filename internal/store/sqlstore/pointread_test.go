package sqlstore

import (
	"context"
	"errors"
	"testing"

	"github.com/sesameauth/sesame/internal/store"
)

// TestPointReadIgnoresCancellation: on SQLite a read of one row by key
// costs the same with a request's cancellable context as with none (no
// watcher goroutines, channels or timers per statement), while a
// multi-row read keeps the context and stops when it is cancelled.
func TestPointReadIgnoresCancellation(t *testing.T) {
	s := openSQLiteT(t, t.TempDir())
	bg := context.Background()
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	read := func(ctx context.Context) func() {
		return func() {
			if _, err := s.GetUser(ctx, "no-such-user"); !errors.Is(err, store.ErrNotFound) {
				t.Fatal(err)
			}
			if _, err := s.ConfigVersion(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	read(bg)() // prepare the statements
	plain := testing.AllocsPerRun(200, read(bg))
	cancellable := testing.AllocsPerRun(200, read(ctx))
	// Watching the context costs about 17 allocations for these two
	// reads; the margin absorbs allocations of the pools' own goroutines.
	if cancellable > plain+4 {
		t.Errorf("point reads with a cancellable context: %.0f allocations, with none: %.0f", cancellable, plain)
	}

	cancel()
	if _, _, err := s.ListUsersPage(ctx, store.ListQuery{}); !errors.Is(err, context.Canceled) {
		t.Errorf("list with a cancelled context: %v, want context.Canceled", err)
	}
}
