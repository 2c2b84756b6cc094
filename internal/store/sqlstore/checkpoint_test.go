package sqlstore

import (
	"testing"
	"time"
)

// TestCheckpointsBesideTheWriter: on SQLite no commit checkpoints the WAL,
// however many frames it adds; the checkpointer does, for a large backlog
// and for a few frames too, which SQLite's own autocheckpoint would leave
// unsynced until 1,000 frames piled up (when: TestCheckpointDue).
func TestCheckpointsBesideTheWriter(t *testing.T) {
	dir := t.TempDir()
	s := openSQLiteT(t, dir)
	ctx := t.Context()
	var auto int
	if err := s.w.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil || auto != 0 {
		t.Fatalf("writer's wal_autocheckpoint %d (%v), want 0", auto, err)
	}
	backlog := func() uint32 {
		t.Helper()
		s.shm.open()
		n, ok := s.shm.backlog()
		if !ok {
			t.Fatal("wal-index header not readable")
		}
		return n
	}
	drained := func(within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for backlog() != 0 {
			if time.Now().After(deadline) {
				t.Fatalf("%d frames still not checkpointed after %v", backlog(), within)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	// A few frames: checkpointed by age.
	if _, err := s.exec(ctx, `CREATE TABLE ckpt_test (b BLOB NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.exec(ctx, `INSERT INTO ckpt_test (b) VALUES (x'00')`); err != nil {
		t.Fatal(err)
	}
	if n := backlog(); n == 0 || n >= checkpointFrames {
		t.Fatalf("backlog %d after two small commits, want a few frames", n)
	}
	drained(10 * time.Second)

	// A commit of more than checkpointFrames pages, with the checkpointer
	// stopped: the commit itself leaves every frame in the WAL.
	if err := s.ckpt.close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.exec(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500)
		INSERT INTO ckpt_test (b) SELECT randomblob(3000) FROM n`); err != nil {
		t.Fatal(err)
	}
	if n := backlog(); n < 1500 {
		t.Fatalf("backlog %d after a 1,500-page commit, want every frame (the commit checkpointed)", n)
	}
	c, err := startCheckpointer(dir, s.shm)
	if err != nil {
		t.Fatal(err)
	}
	s.ckpt = c
	drained(10 * time.Second)
	var rows int
	if err := s.rq.QueryRowContext(ctx, `SELECT count(*) FROM ckpt_test`).Scan(&rows); err != nil || rows != 1501 {
		t.Fatalf("%d rows (%v), want 1501", rows, err)
	}
}

func TestCheckpointDue(t *testing.T) {
	for _, c := range []struct {
		n      uint32
		known  bool
		waited time.Duration
		want   bool
	}{
		{0, true, time.Hour, false},                            // nothing to do
		{1, true, 0, false},                                    // a fresh frame waits
		{1, true, checkpointAge, true},                         // until it is old
		{checkpointFrames - 1, true, checkpointAge / 2, false}, // below the threshold
		{checkpointFrames, true, 0, true},                      // at once past it
		{0, false, 0, false},                                   // unreadable: by age only
		{0, false, checkpointAge, true},
	} {
		if got := checkpointDue(c.n, c.known, c.waited); got != c.want {
			t.Errorf("checkpointDue(%d, %v, %v) = %v, want %v", c.n, c.known, c.waited, got, c.want)
		}
	}
}
