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
func settleMemory(ctx context.Context) {
	debug.FreeOSMemory()
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	static := baseMemory + password.HashingMemory()
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	set := int64(-1)
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		metrics.Read(sample)
		var live int64
		if sample[0].Value.Kind() == metrics.KindUint64 {
			live = int64(sample[0].Value.Uint64())
		}
		if lim := memoryLimit(static, live); lim != set {
			debug.SetMemoryLimit(lim)
			set = lim
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
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
