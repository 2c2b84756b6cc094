package testkit

import (
	"bytes"
	"sync"
)

// LogBuffer is a bytes.Buffer that is safe for concurrent writers: a log
// sink for a server, a process or a browser, read when a test checks or
// prints it.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
