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
