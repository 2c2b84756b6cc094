package audit_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
	"github.com/sesameauth/sesame/internal/store/sqlstore/sqlitetest"
	"github.com/sesameauth/sesame/internal/testkit"
)

// recorder is a real SQLite store that notes the size of every batch
// written, can hold writes until released, and can fail them.
type recorder struct {
	*sqlstore.Store
	mu      sync.Mutex
	batches []int
	entered chan struct{} // receives once per AppendAudit call, when set
	gate    chan struct{} // AppendAudit waits for it to close, when set
	fail    error
}

func (r *recorder) AppendAudit(ctx context.Context, es ...store.AuditEntry) error {
	if r.entered != nil {
		r.entered <- struct{}{}
	}
	if r.gate != nil {
		<-r.gate
	}
	r.mu.Lock()
	r.batches = append(r.batches, len(es))
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		return fail
	}
	return r.Store.AppendAudit(ctx, es...)
}

func (r *recorder) sizes() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.batches)
}

func newRecorder(t *testing.T) *recorder {
	t.Helper()
	st := sqlitetest.Open(t)
	return &recorder{Store: st}
}

func newLog(t *testing.T, st audit.Store, opts audit.Options) *audit.Log {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	l := audit.New(st, opts)
	t.Cleanup(func() { l.Close(context.Background()) })
	return l
}

func total(t *testing.T, l *audit.Log, q audit.Query) int {
	t.Helper()
	_, n, err := l.List(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func entry(i int) audit.Entry {
	return audit.Entry{Key: audit.KeySignIn, UserID: "u-" + string(rune('a'+i%26)), IP: "192.0.2.1"}
}

// TestRecordBatches: entries are written BatchSize at a time; Flush writes
// the rest.
func TestRecordBatches(t *testing.T) {
	st := newRecorder(t)
	l := newLog(t, st, audit.Options{BatchSize: 10, FlushEvery: time.Hour})
	for i := range 25 {
		l.Record(t.Context(), entry(i))
	}
	if err := l.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := st.sizes(); !slices.Equal(got, []int{10, 10, 5}) {
		t.Errorf("batches %v, want [10 10 5]", got)
	}
	es, n, err := l.List(t.Context(), audit.Query{PageSize: 100})
	if err != nil || n != 25 {
		t.Fatalf("List: %d entries, %v", n, err)
	}
	// Record gave each an id, a time and the default result.
	ids := map[string]bool{}
	for _, e := range es {
		if e.ID == "" || ids[e.ID] || e.CreatedAt.IsZero() || e.Result != audit.Success {
			t.Fatalf("entry %+v", e)
		}
		ids[e.ID] = true
	}
	if l.Dropped() != 0 {
		t.Errorf("dropped %d", l.Dropped())
	}
}

// TestRecordFlushEvery: a batch smaller than BatchSize is written once its
// first entry has waited FlushEvery, without Flush or Close.
func TestRecordFlushEvery(t *testing.T) {
	st := newRecorder(t)
	l := newLog(t, st, audit.Options{BatchSize: 100, FlushEvery: 5 * time.Millisecond})
	for i := range 3 {
		l.Record(t.Context(), entry(i))
	}
	deadline := time.Now().Add(30 * time.Second) // a bound on the wait, not a timing assertion
	for total(t, l, audit.Query{}) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("entries not written after 30s; batches %v", st.sizes())
		}
		time.Sleep(5 * time.Millisecond)
	}
	sum := 0
	for _, n := range st.sizes() {
		sum += n
	}
	if sum != 3 {
		t.Errorf("batches %v, want 3 entries in all", st.sizes())
	}
}

// TestCloseFlushes: Close writes what is queued; a Record after Close is
// dropped and counted, never written.
func TestCloseFlushes(t *testing.T) {
	st := newRecorder(t)
	l := newLog(t, st, audit.Options{BatchSize: 100, FlushEvery: time.Hour})
	for i := range 7 {
		l.Record(t.Context(), entry(i))
	}
	if err := l.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := total(t, l, audit.Query{}); n != 7 {
		t.Fatalf("%d entries after Close, want 7", n)
	}
	l.Record(t.Context(), entry(8))
	if l.Dropped() != 1 {
		t.Errorf("dropped %d after a Record on a closed log, want 1", l.Dropped())
	}
	if err := l.Flush(t.Context()); err != nil {
		t.Errorf("Flush after Close: %v", err)
	}
	if err := l.Close(t.Context()); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if n := total(t, l, audit.Query{}); n != 7 {
		t.Errorf("%d entries, want 7", n)
	}
}

// TestDropWhenFull: while the store is stuck, Record fills the queue and
// then drops (never blocks), counting each drop and warning in the log.
func TestDropWhenFull(t *testing.T) {
	st := newRecorder(t)
	st.entered, st.gate = make(chan struct{}, 10), make(chan struct{})
	var logs testkit.LogBuffer
	l := newLog(t, st, audit.Options{QueueSize: 5, BatchSize: 1, FlushEvery: time.Hour,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	l.Record(t.Context(), entry(0))
	<-st.entered // the writer holds entry 0 and waits on the gate
	for i := 1; i <= 8; i++ {
		l.Record(t.Context(), entry(i)) // 1..5 fill the queue; 6..8 are dropped
	}
	if got := l.Dropped(); got != 3 {
		t.Errorf("dropped %d, want 3", got)
	}
	if !strings.Contains(logs.String(), "audit entries dropped") {
		t.Errorf("no warning logged:\n%s", logs.String())
	}
	close(st.gate)
	go func() {
		for range st.entered {
		}
	}()
	if err := l.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	close(st.entered)
	if n := total(t, l, audit.Query{}); n != 6 {
		t.Errorf("%d entries written, want 6", n)
	}
}

// TestWriteFailureCounted: a batch the store refuses is dropped and
// counted; later batches are written.
func TestWriteFailureCounted(t *testing.T) {
	st := newRecorder(t)
	st.fail = store.ErrUnavailable
	l := newLog(t, st, audit.Options{BatchSize: 100, FlushEvery: time.Hour})
	for i := range 4 {
		l.Record(t.Context(), entry(i))
	}
	if err := l.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if l.Dropped() != 4 {
		t.Errorf("dropped %d, want 4", l.Dropped())
	}
	st.mu.Lock()
	st.fail = nil
	st.mu.Unlock()
	l.Record(t.Context(), entry(5))
	if err := l.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := total(t, l, audit.Query{}); n != 1 {
		t.Errorf("%d entries, want 1", n)
	}
}

// TestRecordNow writes before returning and returns the store's error.
func TestRecordNow(t *testing.T) {
	st := newRecorder(t)
	l := newLog(t, st, audit.Options{FlushEvery: time.Hour})
	e := audit.AdminChange("user:admin", "User", "Suspend", "u-1", map[string]bool{"isSuspended": false}, map[string]bool{"isSuspended": true})
	if err := l.RecordNow(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	es, _, err := l.List(t.Context(), audit.Query{Actor: "user:admin"})
	if err != nil || len(es) != 1 {
		t.Fatalf("List: %v, %v", es, err)
	}
	if got := es[0]; got.Key != "Admin.User.Suspend" || got.UserID != "u-1" || got.Target != "user:u-1" ||
		string(got.Before) != `{"isSuspended":false}` || string(got.After) != `{"isSuspended":true}` {
		t.Errorf("entry %+v", got)
	}
	st.fail = errors.New("disk full")
	if err := l.RecordNow(t.Context(), e); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("RecordNow on a failing store: %v", err)
	}
}

// TestNilLog: a nil *Log is a no-op everywhere.
func TestNilLog(t *testing.T) {
	var l *audit.Log
	l.Record(t.Context(), entry(0))
	if err := l.RecordNow(t.Context(), entry(0)); err != nil {
		t.Error(err)
	}
	if es, n, err := l.List(t.Context(), audit.Query{}); es != nil || n != 0 || err != nil {
		t.Error(es, n, err)
	}
	if _, err := l.Get(t.Context(), "x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get on a nil log: %v", err)
	}
	if l.Flush(t.Context()) != nil || l.Close(t.Context()) != nil || l.Dropped() != 0 {
		t.Error("nil log")
	}
}
