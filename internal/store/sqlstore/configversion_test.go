package sqlstore

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// TestConfigVersionSkipsReadWhenNothingCommitted: on SQLite the version is
// read from the database only when some transaction has committed since
// the last read, and a change is seen at the next call whether this
// process or another one (the CLI) committed it.
func TestConfigVersionSkipsReadWhenNothingCommitted(t *testing.T) {
	dir := t.TempDir()
	s := openSQLiteT(t, dir)
	ctx := t.Context()
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE cv_test (k INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	version := func() int64 {
		t.Helper()
		v, err := s.ConfigVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v0 := version()
	version() // the wal-index is open from here on
	reads := s.versionReads.Load()
	for range 50 {
		if v := version(); v != v0 {
			t.Fatalf("version %d, want %d", v, v0)
		}
	}
	if n := s.versionReads.Load() - reads; n > 1 {
		t.Errorf("%d database reads with nothing committed, want at most 1", n)
	}

	// A write elsewhere: read again, same version.
	reads = s.versionReads.Load()
	if _, err := s.w.ExecContext(ctx, `INSERT INTO cv_test (k) VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	if v := version(); v != v0 || s.versionReads.Load() == reads {
		t.Errorf("after an unrelated commit: version %d (want %d), database reads %d (want more than %d)", v, v0, s.versionReads.Load(), reads)
	}

	// A configuration change in this process.
	if err := s.CreateResource(ctx, store.Resource{ID: "r1", Indicator: "https://one.example", Name: "one", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	v1 := version()
	if v1 <= v0 {
		t.Fatalf("after a change here: version %d, want more than %d", v1, v0)
	}
	version()

	// A configuration change by another process.
	cmd := exec.Command(os.Args[0], "-test.run=^TestConfigVersionHelperProcess$")
	cmd.Env = append(os.Environ(), "SQLSTORE_HELPER_DIR="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helper process: %v\n%s", err, out)
	}
	if v2 := version(); v2 <= v1 {
		t.Fatalf("after a change by another process: version %d, want more than %d", v2, v1)
	}
}

// TestConfigVersionHelperProcess is the other process of the test above.
func TestConfigVersionHelperProcess(t *testing.T) {
	dir := os.Getenv("SQLSTORE_HELPER_DIR")
	if dir == "" {
		t.Skip("helper process only")
	}
	s, err := Open(context.Background(), Options{DataDir: dir, SkipMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreateResource(context.Background(), store.Resource{ID: "r2", Indicator: "https://two.example", Name: "two", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
}
