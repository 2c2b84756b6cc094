package audit

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/store"
)

// Store is what the log writes and reads.
type Store interface {
	AppendAudit(ctx context.Context, entries ...Entry) error
	ListAudit(ctx context.Context, q Query) ([]Entry, int, error)
	GetAudit(ctx context.Context, id string) (Entry, error)
}

// Options tune a Log; the zero value gives the defaults.
type Options struct {
	QueueSize  int              // entries Record may queue; default 10000
	BatchSize  int              // entries per write; default 100
	FlushEvery time.Duration    // how long a queued entry may wait; default 200ms
	Now        func() time.Time // clock for CreatedAt; default time.Now
	Logger     *slog.Logger     // for write failures and drops; default slog.Default()
}

// Log is the audit log. A nil *Log records nothing and lists nothing, so
// handlers built without one (tests, benchmarks with auditing off) need no
// checks.
type Log struct {
	st   Store
	opts Options
	// queue holds pointers: a full queue of values would be 2.4 MB
	// resident for good once load has cycled through it.
	queue chan *Entry
	flush chan chan struct{}
	stop  chan struct{}
	done  chan struct{}

	mu     sync.RWMutex // Record holds it shared while queueing; Close exclusively to close
	closed bool
	once   sync.Once

	dropped    atomic.Uint64
	lastWarned atomic.Int64 // unix seconds of the last drop warning
}

// writeTimeout bounds one batch write, so a stuck database delays the
// queue by at most this long per batch.
const writeTimeout = 10 * time.Second

// New starts a Log writing to st. Close it to flush and stop its goroutine.
func New(st Store, opts Options) *Log {
	if opts.QueueSize <= 0 {
		opts.QueueSize = 10000
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 100
	}
	if opts.FlushEvery <= 0 {
		opts.FlushEvery = 200 * time.Millisecond
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	l := &Log{st: st, opts: opts, queue: make(chan *Entry, opts.QueueSize), flush: make(chan chan struct{}),
		stop: make(chan struct{}), done: make(chan struct{})}
	go l.run()
	return l
}

// prepare gives e an id and a time and bounds its fields. Ids are
// time-ordered (opaque.NewTimeID) so the log's index grows at its end.
func (l *Log) prepare(e Entry) Entry {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = l.opts.Now()
	}
	if e.ID == "" {
		e.ID = opaque.NewTimeID(e.CreatedAt)
	}
	return normalize(e)
}

// Record queues e to be written within FlushEvery and returns at once. If
// the queue is full, or the log is closed, e is dropped and counted.
func (l *Log) Record(ctx context.Context, e Entry) {
	if l == nil {
		return
	}
	e = l.prepare(e)
	l.mu.RLock()
	ok := !l.closed
	if ok {
		select {
		case l.queue <- &e:
		default:
			ok = false
		}
	}
	l.mu.RUnlock()
	if !ok {
		l.drop(ctx, 1, "queue full or log closed")
	}
}

// RecordNow writes e before it returns (administrators' changes: an
// unrecorded change must be noticed by the caller).
func (l *Log) RecordNow(ctx context.Context, e Entry) error {
	if l == nil {
		return nil
	}
	return l.st.AppendAudit(ctx, l.prepare(e))
}

// List returns one page of the entries q selects, newest first, and how
// many it selects in all.
func (l *Log) List(ctx context.Context, q Query) ([]Entry, int, error) {
	if l == nil {
		return nil, 0, nil
	}
	return l.st.ListAudit(ctx, q)
}

// Get returns the entry with this id; an unknown id (or a nil Log) is
// store.ErrNotFound.
func (l *Log) Get(ctx context.Context, id string) (Entry, error) {
	if l == nil {
		return Entry{}, store.ErrNotFound
	}
	return l.st.GetAudit(ctx, id)
}

// Dropped is how many entries were lost: not queued because the queue was
// full or the log closed, or in a batch the store failed to write.
func (l *Log) Dropped() uint64 {
	if l == nil {
		return 0
	}
	return l.dropped.Load()
}

// drop counts n lost entries and warns, at most once a minute.
func (l *Log) drop(ctx context.Context, n int, why string) {
	total := l.dropped.Add(uint64(n))
	now := time.Now().Unix()
	if last := l.lastWarned.Load(); now-last >= 60 && l.lastWarned.CompareAndSwap(last, now) {
		l.opts.Logger.WarnContext(ctx, "audit entries dropped", "reason", why, "dropped_total", total)
	}
}

// Flush writes every entry queued before the call and returns when they are
// written (or dropped after a failed write), or when ctx ends.
func (l *Log) Flush(ctx context.Context) error {
	if l == nil {
		return nil
	}
	req := make(chan struct{})
	select {
	case l.flush <- req:
	case <-l.done:
		return nil // Close wrote everything
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-req:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops accepting entries, writes what is queued and stops the
// writer. It returns early, leaving the writer to finish, when ctx ends.
// Closing twice is harmless.
func (l *Log) Close(ctx context.Context) error {
	if l == nil {
		return nil
	}
	l.once.Do(func() {
		l.mu.Lock()
		l.closed = true
		l.mu.Unlock()
		close(l.stop)
	})
	select {
	case <-l.done:
		return nil
	case <-ctx.Done():
		return errors.Join(errors.New("audit: closed before every entry was written"), ctx.Err())
	}
}

// run is the writer: it collects entries and writes a batch when it holds
// BatchSize of them or when the oldest has waited FlushEvery.
func (l *Log) run() {
	defer close(l.done)
	batch := make([]Entry, 0, l.opts.BatchSize)
	timer := time.NewTimer(l.opts.FlushEvery)
	timer.Stop()
	write := func() {
		timer.Stop()
		if len(batch) == 0 {
			return
		}
		l.write(batch)
		batch = batch[:0]
	}
	// drain writes everything queued now.
	drain := func() {
		for {
			select {
			case e := <-l.queue:
				if batch = append(batch, *e); len(batch) >= l.opts.BatchSize {
					write()
				}
			default:
				write()
				return
			}
		}
	}
	for {
		select {
		case e := <-l.queue:
			if len(batch) == 0 {
				timer.Reset(l.opts.FlushEvery)
			}
			if batch = append(batch, *e); len(batch) >= l.opts.BatchSize {
				write()
			}
		case <-timer.C:
			write()
		case req := <-l.flush:
			drain()
			close(req)
		case <-l.stop:
			// Record queues nothing once closed is set, so this drains all.
			drain()
			return
		}
	}
}

func (l *Log) write(batch []Entry) {
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	if err := l.st.AppendAudit(ctx, batch...); err != nil {
		l.opts.Logger.Warn("cannot write audit entries", "entries", len(batch), "err", err)
		l.drop(ctx, len(batch), "write failed")
	}
}
