package lru

import "sync"

// Map holds at most 2×size entries. The zero value is not usable: use New.
type Map[K comparable, V any] struct {
	mu         sync.Mutex
	size       int
	young, old map[K]V
}

// New returns a Map that keeps at least the size most recently used
// entries.
func New[K comparable, V any](size int) *Map[K, V] {
	if size < 1 {
		size = 1
	}
	// The maps grow as entries come: presized, an idle server would hold
	// (and initialise) room for every cache's full size from the start.
	return &Map[K, V]{size: size, young: make(map[K]V)}
}

// Get returns the value stored under k.
func (m *Map[K, V]) Get(k K) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.young[k]; ok {
		return v, true
	}
	v, ok := m.old[k]
	if ok {
		delete(m.old, k)
		m.put(k, v)
	}
	return v, ok
}

// Put stores v under k.
func (m *Map[K, V]) Put(k K, v V) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.old, k)
	m.put(k, v)
}

// Delete removes k.
func (m *Map[K, V]) Delete(k K) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.young, k)
	delete(m.old, k)
}

// Clear removes every entry.
func (m *Map[K, V]) Clear() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.young, m.old = make(map[K]V), nil
}

// Len is the number of entries held.
func (m *Map[K, V]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.young) + len(m.old)
}

func (m *Map[K, V]) put(k K, v V) {
	if _, ok := m.young[k]; !ok && len(m.young) >= m.size {
		m.old, m.young = m.young, make(map[K]V, len(m.young))
	}
	m.young[k] = v
}
