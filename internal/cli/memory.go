package cli

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"github.com/sesameauth/sesame/internal/password"
)

// gcPercent is the GOGC a serving process runs with unless the GOGC
// variable sets one. The live heap is small (about 7 MB), so at Go's
// default of 100 the collector ran so often that its fixed cost was a
// sixth of the CPU of a discovery request (bench/README.md, "Start-up
// and footprint"); 200 lets the heap grow to three times the live one.
const gcPercent = 200

// baseMemory is the part of the soft memory limit that is not password
// hashing: the live heap under load is 8–16 MB.
const baseMemory = 12 << 20

// settleMemory runs once the server listens: it returns what start-up
// allocated and dropped (migrations, templates, the message catalogue) to
// the OS at once, rather than as the scavenger gets to it, and only then
// lets the heap grow further between collections.
//
// GOGC=200 alone let a sign-in balloon the heap: while an argon2id hash
// holds its 19 MiB the live heap is about 30 MB, the collector then sets
// its next goal at three times that, and the hash's garbage piled up to a
// 78 MB heap and a 106 MB peak RSS (docs/benchmarks.md, "The soft memory
// limit").
// So unless GOMEMLIMIT sets one, the process also runs under a soft
// memory limit sized for what it holds by design (baseMemory plus every
// hashing slot's argon2id memory) that the collector meets by running
// sooner. The limit never falls below twice the live heap, re-read every
// few seconds, so a deployment with a larger working set (many apps in
// the configuration cache, say) does not make the collector run
// continuously.
//
// A reading of the live heap taken while a password hash may be part of
// it is not used: the hashing memory is in the limit already, and doubling
// it raised the limit to 65 MiB and the peak RSS under sign-ins and flows
// to 85 MB (docs/benchmarks.md, "The live heap and password hashes").
func settleMemory(ctx context.Context) {
	debug.FreeOSMemory()
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/cycles/total:gc-cycles"}}
	read := func() heapReading {
		metrics.Read(sample)
		var r heapReading
		if sample[0].Value.Kind() == metrics.KindUint64 {
			r.live = int64(sample[0].Value.Uint64())
		}
		if sample[1].Value.Kind() == metrics.KindUint64 {
			r.cycles = sample[1].Value.Uint64()
		}
		// After the heap: a hash that starts meanwhile shows here.
		r.started, r.finished = password.Activity()
		return r
	}
	lt := &limitTracker{static: baseMemory + password.HashingMemory()}
	lt.update(read())
	debug.SetMemoryLimit(lt.limit())
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if lt.update(read()) {
			debug.SetMemoryLimit(lt.limit())
		}
	}
}

// heapReading is the live heap as the last finished collection marked it,
// with the collections and password hashes counted when it was read.
type heapReading struct {
	live              int64
	cycles            uint64
	started, finished uint64
}

// limitTracker keeps the soft memory limit and what it needs to know of
// password hashing to trust a reading of the live heap.
type limitTracker struct {
	static            int64
	set               int64  // the limit; 0 until a reading is trusted
	started, finished uint64 // the hashes counted at the last reading
	cleanFrom         uint64 // collections after which no hash can be marked
}

func (t *limitTracker) limit() int64 { return max(t.set, t.static) }

// update takes a new reading and reports whether the limit changed. A
// reading is used only when no hash has started or finished since the
// previous one and none is running, and at least two collections have
// finished since the last reading that saw a hash: the first of them may
// have begun marking while the hash still ran, the second began after.
// Otherwise the limit stays; it holds every hashing slot already.
func (t *limitTracker) update(r heapReading) bool {
	if r.started != t.started || r.finished != t.finished || r.started != r.finished {
		t.started, t.finished = r.started, r.finished
		t.cleanFrom = r.cycles + 2
		return false
	}
	if r.cycles < t.cleanFrom {
		return false
	}
	before := t.limit()
	t.set = memoryLimit(t.static, r.live)
	return t.limit() != before
}

// memoryLimit is the soft limit for a process whose live heap is live:
// static, or twice the live heap plus the hashing memory when that is
// more, rounded up to a MiB so that small changes of the live heap do not
// reset it.
func memoryLimit(static, live int64) int64 {
	lim := max(static, 2*live+password.HashingMemory())
	const mib = 1 << 20
	return (lim + mib - 1) / mib * mib
}
