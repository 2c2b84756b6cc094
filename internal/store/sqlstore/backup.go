package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrBackupExists: the backup's destination file exists already.
var ErrBackupExists = errors.New("sqlstore: the backup file exists")

// DatabaseFile is the name of the SQLite database file in a data
// directory: restoring a backup is copying it there under this name, with
// no -wal or -shm file beside it.
const DatabaseFile = "sesame.db"

// Backup writes a consistent copy of the SQLite database in dataDir to
// path while servers keep reading and writing it, and reports its size.
//
// VACUUM INTO reads one snapshot, in a read transaction that never blocks
// writers under WAL, so the copy holds every transaction committed before
// it began and none after; it is a compact database with no WAL of its
// own. It is written into a private temporary directory beside path,
// synced, and linked into place, so path is either absent or whole, and an
// existing path is never overwritten (ErrBackupExists) unless force is set;
// then the copy is renamed over it, replacing it whole or not at all. The
// copy is mode 0600: it holds password hashes and encrypted signing keys.
func Backup(ctx context.Context, dataDir, path string, force bool) (int64, error) {
	if _, err := os.Stat(sqliteFile(dataDir)); err != nil {
		return 0, fmt.Errorf("sqlstore: no database to back up in %s: %w", dataDir, err)
	}
	if fi, err := os.Lstat(path); err == nil {
		if !force || !fi.Mode().IsRegular() {
			return 0, ErrBackupExists
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("sqlstore: backup: %w", err)
	}
	tmpDir, err := os.MkdirTemp(filepath.Dir(path), ".sesame-backup-")
	if err != nil {
		return 0, fmt.Errorf("sqlstore: backup: %w", err)
	}
	defer os.RemoveAll(tmpDir)
	tmp := filepath.Join(tmpDir, DatabaseFile)
	// VACUUM INTO accepts an empty file: making it first sets its mode.
	if err := privateFile(tmp); err != nil {
		return 0, err
	}

	// Not a query_only reader connection: SQLite counts writing the copy
	// as a write. VACUUM INTO changes nothing in the database itself.
	db, err := sql.Open(sqliteDriver, sqliteFile(dataDir)+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return 0, fmt.Errorf("sqlstore: backup: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		return 0, fmt.Errorf("sqlstore: backup: %w", sqliteDialect.mapErr(err))
	}
	if err := db.Close(); err != nil {
		return 0, fmt.Errorf("sqlstore: backup: %w", err)
	}
	f, err := os.Open(tmp)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: backup: %w", err)
	}
	err = f.Sync()
	fi, serr := f.Stat()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = serr
	}
	if err != nil {
		return 0, fmt.Errorf("sqlstore: backup: %w", err)
	}
	place := os.Link // never replaces a file
	if force {
		place = os.Rename
	}
	if err := place(tmp, path); errors.Is(err, fs.ErrExist) {
		return 0, ErrBackupExists
	} else if err != nil {
		return 0, fmt.Errorf("sqlstore: backup: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil { // make the new name durable
		_ = d.Sync()
		d.Close()
	}
	return fi.Size(), nil
}
