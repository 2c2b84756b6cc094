package sqlstore

// The configuration version: a counter that triggers move forward on every
// write to a table the configuration caches read (migration 00024,
// docs/design.md, "Caches and invalidation").

import (
	"bytes"
	"context"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// ConfigVersion returns the current configuration version: one primary-key
// read of one integer. A change committed before the call began is counted
// in the value it returns.
//
// On SQLite the read is skipped when no transaction at all has committed
// since the last one (walIndex): the answer cannot have changed.
func (s *Store) ConfigVersion(ctx context.Context) (int64, error) {
	hdr, ok := s.shm.header()
	if ok {
		if last := s.shm.last.Load(); last != nil && last.hdr == hdr {
			return last.v, nil
		}
	}
	var v int64
	if err := s.rq.QueryRowContext(s.pointRead(ctx, s.rq), `SELECT version FROM config_version WHERE id = 1`).Scan(&v); err != nil {
		return 0, s.d.mapErr(err)
	}
	s.versionReads.Add(1)
	if ok {
		s.shm.last.Store(&versionAt{hdr: hdr, v: v})
	} else {
		s.shm.open()
	}
	return v, nil
}

// walIndex reads the header of SQLite's wal-index, the -shm file every
// connection to the database maps, in this process or another (the CLI,
// sesame migrate). The header (docs/design.md, "Caches and invalidation")
// holds the commit counter, the last frame and its checksum and the WAL's
// salts; the writer updates it in every commit before the commit returns.
// Two equal readings therefore mean that nothing committed in between,
// and a version read after the first is still current at the second: the
// counter read costs one pread instead of a read transaction (about 9 %
// of a client_credentials token's CPU in the server, more of an
// introspection's).
//
// The header is kept twice; the writer updates the second copy first, so
// copies that differ mean a commit is being written, and the version is
// read from the database. So is it when the -shm file is not the one at
// its path any more.
type walIndex struct {
	path string

	mu   sync.Mutex // open
	file atomic.Pointer[shmFile]

	last    atomic.Pointer[versionAt]
	checked atomic.Int64 // nanotime of the last check that the path names file
}

// identityCheck is how often header checks that the -shm path still names
// the file it reads.
const identityCheck = time.Second

// nanotime is a monotonic clock reading in nanoseconds.
func nanotime() int64 { return int64(time.Since(processStart)) }

var processStart = time.Now()

type shmFile struct {
	f  *os.File
	fi os.FileInfo // of f, to tell whether the path still names it
}

// versionAt is a configuration version read after the wal-index held hdr.
type versionAt struct {
	hdr [walIndexHeaderSize]byte
	v   int64
}

const walIndexHeaderSize = 48

// header returns the wal-index header, and false when it cannot be read
// or is being written.
func (w *walIndex) header() (hdr [walIndexHeaderSize]byte, ok bool) {
	var b [2 * walIndexHeaderSize]byte
	if !w.read(b[:]) {
		return hdr, false
	}
	copy(hdr[:], b[:walIndexHeaderSize])
	return hdr, true
}

// read fills b (at least both header copies) from the start of the
// wal-index, and reports false when it cannot be read or the header is
// being written.
func (w *walIndex) read(b []byte) bool {
	if w == nil {
		return false
	}
	sf := w.file.Load()
	if sf == nil {
		return false
	}
	if n, _ := sf.f.ReadAt(b, 0); n < len(b) {
		return false
	}
	const isInit = 12 // the header's isInit byte: 1 once the header is valid
	if !bytes.Equal(b[:walIndexHeaderSize], b[walIndexHeaderSize:2*walIndexHeaderSize]) || b[isInit] != 1 {
		return false
	}
	if now := nanotime(); now-w.checked.Load() > int64(identityCheck) {
		// Whether the path still names sf, checked at most every
		// identityCheck (a stat per call would cost as much as the
		// rest of this): SQLite replaces the file only when every
		// connection to the database has closed, which this process's
		// pools do not do while the store is open.
		if fi, err := os.Stat(w.path); err != nil || !os.SameFile(fi, sf.fi) {
			return false
		}
		w.checked.Store(now)
	}
	return true
}

// open opens the -shm file if it is not open, or reopens it if another
// file has replaced it (which SQLite does only when no connection is
// left). It exists once a connection has read the database in WAL mode.
func (w *walIndex) open() {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if sf := w.file.Load(); sf != nil {
		if fi, err := os.Stat(w.path); err == nil && os.SameFile(fi, sf.fi) {
			return
		}
	}
	f, err := os.Open(w.path)
	if err != nil {
		return
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return
	}
	w.last.Store(nil)
	w.checked.Store(nanotime())
	// A replaced file is left to its finalizer rather than closed under
	// a header read. Rare: SQLite replaces the file only when every
	// connection has closed.
	w.file.Store(&shmFile{f: f, fi: fi})
}

func (w *walIndex) close() {
	if w == nil {
		return
	}
	if sf := w.file.Swap(nil); sf != nil {
		sf.f.Close()
	}
}
