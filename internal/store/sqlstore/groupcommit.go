package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// groupCommit commits the transactions of concurrent callers on SQLite
// together. SQLite has one writer, so under load transactions queue for
// it, and each paid its own commit: its changed pages appended to the WAL
// again (the same index and table pages, call after call) and the WAL
// index updated. One goroutine now takes every transaction waiting when
// it is free, runs each in a savepoint of one transaction, and commits
// once; each caller learns its result only after that commit, so nothing
// is acknowledged before it is durable as before (docs/design.md, "Group
// commit").
//
// A transaction alone in its batch runs as before, in a transaction of
// its own and under its caller's context. In a batch of several, a
// body's statements run under a context that is not cancelled
// (context.WithoutCancel): SQLite rolls back the whole transaction when
// a write is interrupted, which would undo the other callers' work too.
// A caller whose context ends while it waits is skipped and gets the
// context's error.
type groupCommit struct {
	s    *Store
	jobs chan *txJob // unbuffered: a job is either taken or never was
	quit chan struct{}
	done chan struct{}
	once sync.Once

	waiting atomic.Int64 // callers not yet taken (tests wait on it)
	batched atomic.Int64 // jobs committed in batches of several
}

// maxBatch bounds one batch, so that its commit stays short.
const maxBatch = 32

type txJob struct {
	ctx    context.Context
	fn     func(ctx context.Context, tx *sql.Tx) error
	result chan txResult
}

type txResult struct {
	err      error
	panicked any // re-panicked in the caller, where the handler's recovery logs it
}

var errStoreClosed = errors.New("sqlstore: store closed")

func newGroupCommit(s *Store) *groupCommit {
	g := &groupCommit{s: s, jobs: make(chan *txJob), quit: make(chan struct{}), done: make(chan struct{})}
	go g.loop()
	return g
}

// run queues fn and waits for its batch's commit.
func (g *groupCommit) run(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	j := &txJob{ctx: ctx, fn: fn, result: make(chan txResult, 1)}
	g.waiting.Add(1)
	select {
	case g.jobs <- j:
		g.waiting.Add(-1)
	case <-ctx.Done():
		g.waiting.Add(-1)
		return ctx.Err()
	case <-g.quit:
		g.waiting.Add(-1)
		return errStoreClosed
	}
	r := <-j.result
	if r.panicked != nil {
		panic(r.panicked)
	}
	return r.err
}

func (g *groupCommit) close() {
	g.once.Do(func() { close(g.quit) })
	<-g.done
}

func (g *groupCommit) loop() {
	defer close(g.done)
	batch := make([]*txJob, 0, maxBatch)
	for {
		select {
		case j := <-g.jobs:
			batch = append(batch[:0], j)
		case <-g.quit:
			return
		}
	more:
		for len(batch) < maxBatch {
			select {
			case j := <-g.jobs:
				batch = append(batch, j)
			default:
				break more
			}
		}
		if len(batch) == 1 {
			g.alone(batch[0])
		} else {
			g.together(batch)
		}
		clear(batch)
	}
}

// alone runs a job in a transaction of its own, as if there were no group.
func (g *groupCommit) alone(j *txJob) {
	var r txResult
	r.panicked, r.err = recovered(func() error { return g.s.ownTx(j.ctx, j.fn) })
	j.result <- r
}

// together runs the jobs in one transaction, each in a savepoint, and
// commits once.
func (g *groupCommit) together(batch []*txJob) {
	results := make([]txResult, len(batch))
	settled := make([]bool, len(batch)) // answered whatever the commit does
	defer func() {
		for i, j := range batch {
			j.result <- results[i]
		}
	}()
	// fail answers every job not settled yet: the ones waiting on the
	// commit and the ones not run.
	fail := func(err error) {
		err = g.s.d.mapErr(err)
		for i := range results {
			if !settled[i] {
				results[i].err = err
			}
		}
	}
	ctx := context.Background()
	tx, err := g.s.w.BeginTx(ctx, nil)
	if err != nil {
		fail(err)
		return
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	q := g.s.txq(tx)
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			results[i].err, settled[i] = err, true
			continue
		}
		if _, err := q.ExecContext(ctx, "SAVEPOINT job"); err != nil {
			fail(err)
			return
		}
		panicked, err := recovered(func() error { return j.fn(context.WithoutCancel(j.ctx), tx) })
		var ct commitThen
		if panicked != nil || (err != nil && !errors.As(err, &ct)) {
			results[i], settled[i] = txResult{err: g.s.d.mapErr(err), panicked: panicked}, true
			// Undo this job's writes only. If SQLite has rolled the whole
			// transaction back already, this fails and so does the batch.
			if _, err := q.ExecContext(ctx, "ROLLBACK TO job"); err != nil {
				fail(fmt.Errorf("sqlstore: batch rolled back: %w", err))
				return
			}
		} else {
			results[i].err = ct.err
		}
		if _, err := q.ExecContext(ctx, "RELEASE job"); err != nil {
			fail(err)
			return
		}
	}
	if err := tx.Commit(); err != nil {
		fail(err)
		return
	}
	g.batched.Add(int64(len(batch)))
}

// recovered runs fn and returns its error, or the value it panicked with,
// so that a batch can still answer every caller.
func recovered(fn func() error) (panicked any, err error) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
		}
	}()
	return nil, fn()
}
