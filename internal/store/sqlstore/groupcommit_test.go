package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// TestGroupCommit: transactions queued behind a busy writer are committed
// in one batch, and each keeps the outcome it would have had alone: a body
// that fails loses its own writes only, a commitThen body keeps its writes
// and its error, a caller that gave up while queued is skipped, a body that
// panics panics in its caller, and a context cancelled during a batched
// body does not interrupt the batch (docs/design.md, "Group commit").
func TestGroupCommit(t *testing.T) {
	s := openSQLiteT(t, t.TempDir())
	ctx := t.Context()
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE gc_test (k TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	insert := func(ctx context.Context, tx *sql.Tx, k string) error {
		_, err := s.txExec(ctx, tx, `INSERT INTO gc_test (k) VALUES ($1)`, k)
		return err
	}
	has := func(k string) bool {
		var n int
		if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM gc_test WHERE k = ?`, k).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}

	// The writer is held by a first transaction until the others queue.
	release := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
			<-release
			return insert(ctx, tx, "first")
		})
	}()
	for s.group.waiting.Load() != 0 || len(first) != 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // the first is in its body

	replayed := errors.New("replayed")
	gaveUp, cancelGaveUp := context.WithCancel(ctx)
	cancelledInside, cancelInside := context.WithCancel(ctx)
	type job struct {
		name string
		ctx  context.Context
		fn   func(ctx context.Context, tx *sql.Tx) error
	}
	jobs := []job{
		{"ok-a", ctx, func(ctx context.Context, tx *sql.Tx) error { return insert(ctx, tx, "ok-a") }},
		{"fails", ctx, func(ctx context.Context, tx *sql.Tx) error {
			if err := insert(ctx, tx, "fails-1"); err != nil {
				return err
			}
			return insert(ctx, tx, "first") // a duplicate key: only this job is undone
		}},
		{"commit-then", ctx, func(ctx context.Context, tx *sql.Tx) error {
			if err := insert(ctx, tx, "commit-then"); err != nil {
				return err
			}
			return commitThen{replayed}
		}},
		{"gave-up", gaveUp, func(ctx context.Context, tx *sql.Tx) error { return insert(ctx, tx, "gave-up") }},
		{"panics", ctx, func(ctx context.Context, tx *sql.Tx) error {
			if err := insert(ctx, tx, "panics"); err != nil {
				return err
			}
			panic("boom")
		}},
		{"cancelled-inside", cancelledInside, func(ctx context.Context, tx *sql.Tx) error {
			cancelInside()
			return insert(ctx, tx, "cancelled-inside")
		}},
		{"ok-b", ctx, func(ctx context.Context, tx *sql.Tx) error { return insert(ctx, tx, "ok-b") }},
	}
	results := make(map[string]chan any, len(jobs))
	for _, j := range jobs {
		ch := make(chan any, 1)
		results[j.name] = ch
		go func() {
			defer func() {
				if p := recover(); p != nil {
					ch <- fmt.Sprint("panic: ", p)
				}
			}()
			ch <- s.inTx(j.ctx, j.fn)
		}()
	}
	for s.group.waiting.Load() != int64(len(jobs)) {
		time.Sleep(time.Millisecond)
	}
	// gave-up's caller is waiting to be taken; it gives up now, and the
	// others are taken together once the first commits.
	cancelGaveUp()
	for s.group.waiting.Load() != int64(len(jobs)-1) {
		time.Sleep(time.Millisecond)
	}
	before := s.group.batched.Load()
	close(release)
	if err := <-first; err != nil {
		t.Fatalf("first: %v", err)
	}
	got := map[string]any{}
	for name, ch := range results {
		got[name] = <-ch
	}
	if n := s.group.batched.Load() - before; n != int64(len(jobs)-1) {
		t.Errorf("%d jobs committed in batches, want the %d queued behind the first", n, len(jobs)-1)
	}
	if got["ok-a"] != nil || got["ok-b"] != nil || got["cancelled-inside"] != nil {
		t.Errorf("ok-a %v, ok-b %v, cancelled-inside %v: want nil", got["ok-a"], got["ok-b"], got["cancelled-inside"])
	}
	if err, _ := got["fails"].(error); !errors.Is(err, store.ErrAlreadyExists) {
		t.Errorf("fails: %v, want ErrAlreadyExists", got["fails"])
	}
	if err, _ := got["commit-then"].(error); !errors.Is(err, replayed) {
		t.Errorf("commit-then: %v, want its error", got["commit-then"])
	}
	if err, _ := got["gave-up"].(error); !errors.Is(err, context.Canceled) {
		t.Errorf("gave-up: %v, want context.Canceled", got["gave-up"])
	}
	if got["panics"] != "panic: boom" {
		t.Errorf("panics: %v, want a panic in the caller", got["panics"])
	}
	for k, want := range map[string]bool{"first": true, "ok-a": true, "ok-b": true, "commit-then": true, "cancelled-inside": true,
		"fails-1": false, "gave-up": false, "panics": false} {
		if has(k) != want {
			t.Errorf("row %q stored: %v, want %v", k, !want, want)
		}
	}
}

// TestSingleWritesJoinTheGroup: a write statement outside a transaction
// (exec, a code's burn, a token row) queues for the group commit on SQLite
// and shares a batch's commit, instead of waiting for the writer's
// connection and committing alone; its result is its own.
func TestSingleWritesJoinTheGroup(t *testing.T) {
	s := openSQLiteT(t, t.TempDir())
	ctx := t.Context()
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE gc_test (k TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	releaseFirst := sync.OnceFunc(func() { close(release) })
	defer releaseFirst() // a failure below must not leave the writer held
	first := make(chan error, 1)
	go func() {
		first <- s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
			<-release
			_, err := s.txExec(ctx, tx, `INSERT INTO gc_test (k) VALUES ('first')`)
			return err
		})
	}()
	for s.group.waiting.Load() != 0 || len(first) != 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // the first is in its body

	type result struct {
		n   int64
		err error
	}
	keys := []string{"a", "b", "first"} // "first" collides once the first commits
	results := make([]chan result, len(keys))
	for i, k := range keys {
		results[i] = make(chan result, 1)
		go func() {
			n, err := s.exec(ctx, `INSERT INTO gc_test (k) VALUES ($1)`, k)
			results[i] <- result{n, err}
		}()
	}
	now := time.Now()
	token := make(chan error, 1)
	go func() {
		token <- s.CreateAccessToken(ctx, store.AccessToken{Hash: []byte("single-write"), GrantID: "g", ClientID: "c", UserID: "u",
			CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for s.group.waiting.Load() != int64(len(keys)+1) {
		if time.Now().After(deadline) {
			t.Fatalf("%d single writes queued for the group commit, want %d", s.group.waiting.Load(), len(keys)+1)
		}
		time.Sleep(time.Millisecond)
	}
	before := s.group.batched.Load()
	releaseFirst()
	if err := <-first; err != nil {
		t.Fatalf("first: %v", err)
	}
	for i, k := range keys {
		r := <-results[i]
		switch {
		case k == "first" && !errors.Is(r.err, store.ErrAlreadyExists):
			t.Errorf("insert %q: %d, %v, want ErrAlreadyExists", k, r.n, r.err)
		case k != "first" && (r.err != nil || r.n != 1):
			t.Errorf("insert %q: %d rows, %v, want 1 row", k, r.n, r.err)
		}
	}
	if err := <-token; err != nil {
		t.Fatalf("CreateAccessToken: %v", err)
	}
	if n := s.group.batched.Load() - before; n != int64(len(keys)+1) {
		t.Errorf("%d single writes committed in a batch, want %d", n, len(keys)+1)
	}
	var n, tokens int
	if err := s.r.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM gc_test), (SELECT count(*) FROM access_tokens)`).Scan(&n, &tokens); err != nil {
		t.Fatal(err)
	}
	if n != 3 || tokens != 1 {
		t.Errorf("%d rows and %d access tokens, want 3 (first, a, b) and 1", n, tokens)
	}
}

// TestGroupCommitClose: a store closed with callers waiting answers them
// all, and a transaction after Close fails instead of hanging.
func TestGroupCommitClose(t *testing.T) {
	s := openSQLiteT(t, t.TempDir())
	s.Close()
	err := s.inTx(t.Context(), func(ctx context.Context, tx *sql.Tx) error { return nil })
	if !errors.Is(err, errStoreClosed) {
		t.Fatalf("inTx after Close: %v, want errStoreClosed", err)
	}
}
