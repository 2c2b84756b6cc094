package cli

import (
	"testing"

	"github.com/sesameauth/sesame/internal/password"
)

// TestMemoryLimit: the soft limit is the static one while the live heap is
// small, follows twice the live heap plus the hashing memory once that is
// larger, so the collector never runs continuously, and is whole MiB.
func TestMemoryLimit(t *testing.T) {
	const mib = 1 << 20
	static := int64(baseMemory) + password.HashingMemory()
	if password.HashingMemory() < 19*mib {
		t.Fatalf("HashingMemory = %d, want at least one argon2id hash (19 MiB)", password.HashingMemory())
	}
	if got := memoryLimit(static, 5*mib); got != (static+mib-1)/mib*mib {
		t.Errorf("small live heap: limit %d, want the static %d", got, static)
	}
	live := int64(40*mib + 123)
	got := memoryLimit(static, live)
	if got < 2*live+password.HashingMemory() || got%mib != 0 || got-(2*live+password.HashingMemory()) >= mib {
		t.Errorf("live heap 40 MiB: limit %d, want 2×live+hashing rounded up to a MiB", got)
	}
}

// TestLimitTrackerIgnoresHashes: a reading of the live heap that may hold a
// password hash's memory does not move the limit (the hash is in it
// already; doubling it raised the peak RSS to 85 MB), and a clean reading
// two collections after the last hash does.
func TestLimitTrackerIgnoresHashes(t *testing.T) {
	const mib = 1 << 20
	static := int64(baseMemory) + password.HashingMemory()
	big := int64(40 * mib) // a live heap that would raise the limit
	raised := memoryLimit(static, big)

	lt := &limitTracker{static: static}
	lt.update(heapReading{live: 5 * mib, cycles: 3})
	if lt.limit() != static {
		t.Fatalf("start: limit %d, want the static %d", lt.limit(), static)
	}
	steps := []struct {
		name string
		r    heapReading
		want int64
	}{
		{"a hash running", heapReading{live: big, cycles: 10, started: 1, finished: 0}, static},
		{"the hash finished", heapReading{live: big, cycles: 11, started: 1, finished: 1}, static},
		{"one collection after it finished", heapReading{live: big, cycles: 12, started: 1, finished: 1}, static},
		{"a hash started and finished between readings", heapReading{live: big, cycles: 20, started: 2, finished: 2}, static},
		{"no collection since", heapReading{live: big, cycles: 20, started: 2, finished: 2}, static},
		{"two collections since", heapReading{live: big, cycles: 22, started: 2, finished: 2}, raised},
		{"the working set shrank", heapReading{live: 5 * mib, cycles: 23, started: 2, finished: 2}, static},
	}
	for _, s := range steps {
		before := lt.limit()
		changed := lt.update(s.r)
		if got := lt.limit(); got != s.want || changed != (got != before) {
			t.Fatalf("%s: limit %d MiB (changed %v), want %d MiB", s.name, got/mib, changed, s.want/mib)
		}
	}
}
