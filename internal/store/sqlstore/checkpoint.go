package sqlstore

import (
	"context"
	"database/sql"
	"encoding/binary"
	"sync"
	"time"
)

// checkpointer runs SQLite's WAL checkpoints on a connection of its own,
// beside the writer instead of inside its commits (docs/design.md,
// "Checkpoints off the commit path").
//
// SQLite checkpoints in the commit that takes the WAL past 1,000 frames:
// that commit copies the WAL's pages into the database file and syncs
// both before it returns, and the writer, the only one, holds its
// connection meanwhile. Under code flows this happened a dozen times a
// second and every writer queued behind the disk. The writer's
// connection therefore has wal_autocheckpoint 0, and this goroutine runs
// a PASSIVE checkpoint, which takes no lock a writer or a reader waits
// for, when the backlog reaches the same 1,000 frames or when a frame has
// waited checkpointAge. The second bound is new: with synchronous=NORMAL
// the WAL is synced only by a checkpoint, so what a power cut can take is
// now at most about a second of commits, where a quiet server could leave
// hundreds of commits unsynced for hours.
type checkpointer struct {
	db   *sql.DB
	shm  *walIndex
	quit chan struct{}
	done chan struct{}
	once sync.Once
	err  error
}

const (
	checkpointPoll   = 100 * time.Millisecond // how often the backlog is read (one pread)
	checkpointFrames = 1000                   // SQLite's own autocheckpoint threshold
	checkpointAge    = time.Second            // longest a committed frame waits for a checkpoint
)

func startCheckpointer(dataDir string, shm *walIndex) (*checkpointer, error) {
	db, err := openSQLite(dataDir, true)
	if err != nil {
		return nil, err
	}
	oneConnection(db)
	c := &checkpointer{db: db, shm: shm, quit: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c, nil
}

func (c *checkpointer) loop() {
	defer close(c.done)
	tick := time.NewTicker(checkpointPoll)
	defer tick.Stop()
	var waiting time.Time // since when frames have waited; zero: none known
	for {
		select {
		case <-c.quit:
			return
		case <-tick.C:
		}
		n, known := c.shm.backlog()
		if !known {
			c.shm.open() // not mapped yet, or replaced
		} else if n == 0 {
			waiting = time.Time{}
			continue
		}
		now := time.Now()
		if waiting.IsZero() {
			waiting = now
		}
		if !checkpointDue(n, known, now.Sub(waiting)) {
			continue
		}
		// Errors are left to the next round: SQLITE_BUSY when another
		// process checkpoints, a full disk until space is back.
		c.db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)") //nolint:errcheck // see above
		waiting = time.Time{}
	}
}

// checkpointDue reports whether to checkpoint a backlog of n frames (known
// false: unreadable) that has waited for waited.
func checkpointDue(n uint32, known bool, waited time.Duration) bool {
	if known && n == 0 {
		return false
	}
	return known && n >= checkpointFrames || waited >= checkpointAge
}

func (c *checkpointer) close() error {
	if c == nil {
		return nil
	}
	c.once.Do(func() {
		close(c.quit)
		<-c.done
		c.err = c.db.Close()
	})
	return c.err
}

// backlog returns how many WAL frames are not in the database file yet:
// the header's last frame (mxFrame) less the checkpoint's progress
// (nBackfill, the first word after the two header copies), both in the
// machine's byte order as SQLite maps them. known is false when the
// header cannot be read or is being written.
func (w *walIndex) backlog() (frames uint32, known bool) {
	var b [2*walIndexHeaderSize + 4]byte
	if !w.read(b[:]) {
		return 0, false
	}
	const mxFrame = 16
	last := binary.NativeEndian.Uint32(b[mxFrame:])
	done := binary.NativeEndian.Uint32(b[2*walIndexHeaderSize:])
	if done > last {
		return 0, false
	}
	return last - done, true
}
