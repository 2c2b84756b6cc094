package lru

import (
	"sync"
	"testing"
)

func TestBoundedAndKeepsRecent(t *testing.T) {
	m := New[int, int](100)
	for i := range 10_000 {
		m.Put(i, i*2)
		// Entry 0 is read all along: it must survive every eviction.
		if v, ok := m.Get(0); !ok || v != 0 {
			t.Fatalf("after %d puts the often-read entry is gone", i)
		}
		if n := m.Len(); n > 200 {
			t.Fatalf("after %d puts Len = %d, want at most 200", i, n)
		}
	}
	for i := 9_950; i < 10_000; i++ {
		if v, ok := m.Get(i); !ok || v != i*2 {
			t.Fatalf("recent entry %d = %d, %v", i, v, ok)
		}
	}
	if _, ok := m.Get(5_000); ok {
		t.Fatal("an entry 5,000 puts old, never read, is still held")
	}
	m.Delete(9_999)
	if _, ok := m.Get(9_999); ok {
		t.Fatal("Delete left the entry")
	}
	m.Clear()
	if m.Len() != 0 {
		t.Fatal("Clear left entries")
	}
}

func TestConcurrent(t *testing.T) {
	m := New[int, int](64)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 5_000 {
				k := (g*7 + i) % 300
				m.Put(k, k)
				if v, ok := m.Get(k); ok && v != k {
					t.Errorf("Get(%d) = %d", k, v)
					return
				}
			}
		})
	}
	wg.Wait()
	if m.Len() > 128 {
		t.Fatalf("Len = %d, want at most 128", m.Len())
	}
}
